/*
 * Configuration of pkiaasd serve. Every key can be set in the config file
 * ("key = value"), by environment variable (PKIAAS_KEY) and by flag
 * (--key, with dashes for underscores); a flag beats the environment,
 * which beats the file, which beats the default.
 */
#ifndef PKIAAS_CONFIG_H
#define PKIAAS_CONFIG_H

#include <stdio.h>

struct config {
	char *config_file;    /* the file read, or NULL */
	char *data;	      /* data folder */
	char *listen_https;   /* ADDR:PORT of the console, API and ACME */
	char *listen_http;    /* ADDR:PORT of OCSP, CRL, AIA and SCEP */
	char *database;	      /* "" for SQLite in the data folder, or a URL */
	char *log_level;      /* debug, info, warn, error */
	char *log_file;	      /* "" for stderr */
	char *tls_names;      /* comma-separated names of the HTTPS cert */
	char *public_url;     /* http:// base URL of the public port */
	long threads;	      /* HTTP worker threads per port; 0: one a core */
	long db_pool;	      /* database connections; 0: two a thread */
	long max_body;	      /* bytes a request body may have */
	long request_timeout; /* seconds a connection may stay idle */
	long max_connections; /* open connections per port */
	long shutdown_grace;  /* seconds SIGTERM waits for requests */
	long session_idle;    /* seconds a login session may be unused */
	long session_max;     /* seconds a login session lasts at most */
	long crl_validity;    /* seconds from a CRL's thisUpdate to next */
	long crl_refresh;     /* a CRL this near nextUpdate is signed anew */
	long ocsp_validity;   /* seconds from an OCSP thisUpdate to next */
	long acme_http_port;  /* port http-01 is checked on */
	long acme_tls_port;   /* port tls-alpn-01 is checked on */
	char *acme_dns_resolver;      /* IP[:PORT]; "": /etc/resolv.conf's */
	long acme_workers;	      /* challenge validation threads */
	long acme_validation_timeout; /* seconds one check may take */
	char *acme_terms_url;	      /* terms of service; "" for none */
	char *acme_website;	      /* "" for none */
	long ocsp_cache_mb;	      /* MiB of OCSP responses kept; 0: none */
	long ocsp_cache_check_ms;     /* ms until OCSP reads a CA again */
};

/*
 * Fills cfg from defaults, the config file, the environment and argv
 * (flags only; argv[0] is the first flag). On a bad key or value writes a
 * message that names it to err and returns -1. --help prints the options
 * to out and returns 1.
 */
int config_load(struct config *cfg, int argc, char **argv, FILE *out,
		FILE *err);
void config_free(struct config *cfg);
/* Prints every option with its default and its variable. */
void config_usage(FILE *out);

#endif
