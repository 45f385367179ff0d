#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/pkiaasd_cmds.h"
#include "lib/clock.h"
#include "lib/fsutil.h"
#include "lib/log.h"

/* HTTPS threads a core when threads is 0 (see pkiaasd_port_threads). */
#define HTTPS_THREADS_A_CORE 8

/*
 * The HTTPS port's requests mostly wait on the store (and a waiting
 * issuance joins the next group commit), so it gets several threads a
 * core; the plain port answers OCSP and CRLs from memory, one a core.
 */
unsigned pkiaasd_port_threads(const struct config *cfg, int tls)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (cfg->threads > 0)
		return (unsigned)cfg->threads;
	if (cores < 1)
		cores = 1;
	return (unsigned)(tls ? cores * HTTPS_THREADS_A_CORE : cores);
}

/* A connection for every thread that may hold one, and two spare. */
static long pool_size(const struct config *cfg)
{
	if (cfg->db_pool > 0)
		return cfg->db_pool;
	return (long)pkiaasd_port_threads(cfg, 1) +
	       (long)pkiaasd_port_threads(cfg, 0) + cfg->acme_workers + 2;
}

static int logging_setup(const struct config *cfg)
{
	int level = log_level_parse(cfg->log_level);

	if (level < 0) {
		fprintf(stderr,
			"log_level must be debug, info, warn or error, "
			"not \"%s\"\n",
			cfg->log_level);
		return -1;
	}
	log_set_level((enum log_level)level);
	if (log_open(cfg->log_file) != 0) {
		fprintf(stderr, "cannot open log file %s: %s\n", cfg->log_file,
			strerror(errno));
		return -1;
	}
	return 0;
}

int pkiaasd_setup(int argc, char **argv, struct config *cfg, struct store **st)
{
	int rc = config_load(cfg, argc, argv, stdout, stderr), from, to;

	if (rc != 0)
		return rc > 0 ? 1 : EXIT_USAGE;
	if (logging_setup(cfg) != 0)
		return EXIT_USAGE;
	if (clock_init() != 0) {
		fprintf(stderr, "PKIAAS_CLOCK_OFFSET must be whole seconds\n");
		return EXIT_USAGE;
	}
	if (fs_mkdir_p(cfg->data, 0700) != 0) {
		log_event(LOG_ERROR, "setup.data", "path=%s error=\"%m\"",
			  cfg->data);
		return EXIT_SETUP;
	}
	if (store_open(cfg->database, cfg->data, (int)pool_size(cfg), st) !=
	    STORE_OK)
		return EXIT_STORE;
	if (store_migrate(*st, &from, &to) != STORE_OK) {
		store_close(*st);
		*st = NULL;
		return EXIT_STORE;
	}
	if (from != to)
		log_event(LOG_INFO, "store.migrated",
			  "backend=%s from=%d to=%d", store_backend(*st), from,
			  to);
	return 0;
}

int pkiaasd_migrate(int argc, char **argv)
{
	struct config cfg;
	struct store *st = NULL;
	int rc = pkiaasd_setup(argc, argv, &cfg, &st), version = 0;

	if (rc == 0 && store_schema_version(st, &version) == STORE_OK)
		printf("schema version %d (%s)\n", version, store_backend(st));
	store_close(st);
	config_free(&cfg);
	return rc == 1 ? 0 : rc;
}
