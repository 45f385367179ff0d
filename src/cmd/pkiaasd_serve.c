/* pkiaasd serve: first-start set-up, the two ports, signals. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acme/service.h"
#include "api/routes.h"
#include "cmd/pkiaasd_cmds.h"
#include "engine/install.h"
#include "engine/issuer_cache.h"
#include "engine/ocsp_cache.h"
#include "engine/server_tls.h"
#include "http/server.h"
#include "lib/clock.h"
#include "lib/log.h"

/* How often the HTTPS certificate is checked for renewal. */
#define TLS_CHECK_SECONDS 3600
#define TLS_NAMES_MAX	  32

struct server {
	struct config cfg;
	struct store *st;
	struct kek *kek;
	struct app app;
	char *names_buf;
	const char *names[TLS_NAMES_MAX];
	size_t n_names;
	struct server_tls tls;
	struct http_port *https, *http;
	char base_url[512];
	struct acme_service acme;
};

/* tls_names split at commas, or localhost, loopback and the host name. */
static int tls_names_parse(struct server *s)
{
	static char host[256];
	char *name, *save = NULL;

	if (*s->cfg.tls_names == '\0') {
		s->names[s->n_names++] = "localhost";
		s->names[s->n_names++] = "127.0.0.1";
		s->names[s->n_names++] = "::1";
		if (gethostname(host, sizeof(host)) == 0 && *host != '\0' &&
		    strcmp(host, "localhost") != 0)
			s->names[s->n_names++] = host;
		return 0;
	}
	s->names_buf = strdup(s->cfg.tls_names);
	if (s->names_buf == NULL)
		return -1;
	for (name = strtok_r(s->names_buf, ", ", &save); name != NULL;
	     name = strtok_r(NULL, ", ", &save)) {
		if (s->n_names == TLS_NAMES_MAX) {
			fprintf(stderr, "tls_names: at most %d names\n",
				TLS_NAMES_MAX);
			return -1;
		}
		s->names[s->n_names++] = name;
	}
	return s->n_names > 0 ? 0 : -1;
}

static struct http_port *port_start(struct server *s, struct router *router,
				    const char *listen, int tls)
{
	struct http_port_options opt = {
	    .listen = listen,
	    .threads = pkiaasd_port_threads(&s->cfg, tls),
	    .timeout = (unsigned)s->cfg.request_timeout,
	    .max_connections = (unsigned)s->cfg.max_connections,
	    .max_body = (size_t)s->cfg.max_body,
	    .cert_pem = tls ? s->tls.chain_pem : NULL,
	    .key_pem = tls ? s->tls.key_pem : NULL,
	};

	if (router_register(router) != 0)
		return NULL;
	return http_port_start(router, &s->app, &opt);
}

/*
 * The base URL written into certificates (AIA, CRL distribution point):
 * public_url, or the plain HTTP port on localhost.
 */
static void base_url_set(struct server *s)
{
	const char *colon = strrchr(s->cfg.listen_http, ':');
	size_t n;

	if (*s->cfg.public_url != '\0')
		snprintf(s->base_url, sizeof(s->base_url), "%s",
			 s->cfg.public_url);
	else
		snprintf(s->base_url, sizeof(s->base_url), "http://localhost%s",
			 colon != NULL ? colon : "");
	n = strlen(s->base_url);
	while (n > 0 && s->base_url[n - 1] == '/')
		s->base_url[--n] = '\0';
}

/* The URL people type: the listen address, or localhost for any. */
static void console_url(const char *listen, char *out, size_t n)
{
	const char *colon = strrchr(listen, ':');
	size_t hlen = colon != NULL ? (size_t)(colon - listen) : 0;

	if (hlen == 0 || strncmp(listen, "0.0.0.0", hlen) == 0 ||
	    strncmp(listen, "[::]", hlen) == 0)
		snprintf(out, n, "https://localhost%s/", colon ? colon : "");
	else
		snprintf(out, n, "https://%s/", listen);
}

static void banner(const struct server *s, const char *password)
{
	char url[300], root[4096];
	char *abs = realpath(s->cfg.data, NULL);

	console_url(s->cfg.listen_https, url, sizeof(url));
	snprintf(root, sizeof(root), "%s/tls/root.pem",
		 abs != NULL ? abs : s->cfg.data);
	free(abs);
	printf("pkiaas %s is serving.\n"
	       "  Console and API:  %s\n"
	       "  Trust this root:  %s\n"
	       "                    (curl --cacert %s %shealthz)\n",
	       PKIAAS_VERSION, url, root, root, url);
	if (password != NULL)
		printf("  Login:            %s / %s\n"
		       "                    (shown once: keep it now)\n",
		       INSTALL_ADMIN, password);
	fflush(stdout);
}

static int tls_load(struct server *s, struct server_tls *tls)
{
	struct ca_context ctx = {s->st, s->kek, s->base_url, NULL};

	return server_tls_ensure(&ctx, s->cfg.data, s->names, s->n_names,
				 clock_now(), tls);
}

/* Renews or re-reads the HTTPS certificate; force reloads it anyway. */
static void tls_refresh(struct server *s, int force)
{
	struct server_tls fresh;

	if (tls_load(s, &fresh) != 0) {
		log_event(LOG_WARN, "tls.refresh",
			  "error=\"cannot check the HTTPS certificate; "
			  "keeping the current one\"");
		return;
	}
	if (!force && fresh.not_after == s->tls.not_after) {
		server_tls_free(&fresh);
		return;
	}
	if (http_port_reload_tls(s->https, fresh.chain_pem, fresh.key_pem) !=
	    0) {
		server_tls_free(&fresh);
		return;
	}
	server_tls_free(&s->tls);
	s->tls = fresh;
	log_event(LOG_INFO, "tls.reloaded", "not_after=%lld",
		  (long long)s->tls.not_after);
}

/* The ACME service with its validation workers. 0 or -1. */
static int acme_start(struct server *s)
{
	struct ca_context ctx = {s->st, s->kek, s->base_url, s->app.issuers};
	struct engine_error err = {0};
	struct acme_service *a = &s->acme;

	if (acme_engine_init(&a->engine, &ctx, NULL, &err) != ENGINE_OK) {
		log_event(LOG_ERROR, "acme.start", "error=\"%s\"", err.detail);
		return -1;
	}
	a->validate.http_port = (int)s->cfg.acme_http_port;
	a->validate.tls_port = (int)s->cfg.acme_tls_port;
	a->validate.resolver =
	    *s->cfg.acme_dns_resolver != '\0' ? s->cfg.acme_dns_resolver : NULL;
	a->validate.timeout_ms = (int)s->cfg.acme_validation_timeout * 1000;
	a->terms_url = s->cfg.acme_terms_url;
	a->website = s->cfg.acme_website;
	a->n_workers = (int)s->cfg.acme_workers;
	if (acme_service_start(a) != 0)
		return -1;
	s->app.acme = a;
	return 0;
}

/* KEK, first admin, TLS material, then both ports. 0 or an exit code. */
static int serve_start(struct server *s, char *password, size_t size,
		       int *first)
{
	if (tls_names_parse(s) != 0)
		return EXIT_USAGE;
	base_url_set(s);
	if (kek_load(s->cfg.data, getenv("PKIAAS_KEK"), &s->kek, NULL) != 0 ||
	    install_kek_check(s->st, s->kek) != 0)
		return EXIT_SETUP;
	*first = install_first_admin(s->st, clock_now(), password, size);
	if (*first < 0)
		return EXIT_STORE;
	if (tls_load(s, &s->tls) != 0)
		return EXIT_SETUP;
	s->app.store = s->st;
	s->app.started_at = clock_now();
	s->app.kek = s->kek;
	s->app.base_url = s->base_url;
	s->app.crl.validity = s->cfg.crl_validity;
	s->app.crl.refresh = s->cfg.crl_refresh;
	s->app.ocsp.validity = s->cfg.ocsp_validity;
	s->app.ocsp.cache = ocsp_cache_new((size_t)s->cfg.ocsp_cache_mb << 20,
					   s->cfg.ocsp_cache_check_ms);
	if (s->app.ocsp.cache == NULL)
		return EXIT_SETUP;
	s->app.policy.session_idle = s->cfg.session_idle;
	s->app.policy.session_max = s->cfg.session_max;
	s->app.issuers = issuer_cache_new();
	if (s->app.issuers == NULL)
		return EXIT_SETUP;
	if (acme_start(s) != 0)
		return EXIT_SETUP;
	/* The plain port first: once /readyz answers on HTTPS, OCSP and
	 * CRLs are served too. */
	s->http = port_start(s, routes_http(), s->cfg.listen_http, 0);
	if (s->http == NULL)
		return EXIT_LISTEN;
	s->https = port_start(s, routes_https(), s->cfg.listen_https, 1);
	return s->https != NULL ? 0 : EXIT_LISTEN;
}

/* Waits for signals: SIGHUP reopens logs and reloads TLS; SIGTERM ends. */
static void serve_loop(struct server *s, const sigset_t *signals)
{
	const struct timespec wait = {TLS_CHECK_SECONDS, 0};

	for (;;) {
		int sig = sigtimedwait(signals, NULL, &wait);

		if (sig == SIGTERM || sig == SIGINT) {
			log_event(LOG_INFO, "server.stopping", "signal=%s",
				  sig == SIGTERM ? "TERM" : "INT");
			return;
		}
		if (sig == SIGHUP) {
			if (log_reopen() != 0)
				log_event(LOG_ERROR, "log.reopen",
					  "error=\"%m\"");
			tls_refresh(s, 1);
		} else if (sig < 0 && errno == EAGAIN) {
			tls_refresh(s, 0);
		}
	}
}

static void serve_free(struct server *s)
{
	int64_t deadline =
	    clock_monotonic_us() + (int64_t)s->cfg.shutdown_grace * 1000000;

	/* Both ports drain at once, within one grace. */
	http_port_drain(s->https);
	http_port_drain(s->http);
	http_port_stop(s->https, deadline);
	http_port_stop(s->http, deadline);
	acme_service_stop(&s->acme);
	ocsp_cache_free(s->app.ocsp.cache);
	issuer_cache_free(s->app.issuers);
	server_tls_free(&s->tls);
	kek_free(s->kek);
	store_close(s->st);
	free(s->names_buf);
	config_free(&s->cfg);
}

int pkiaasd_serve(int argc, char **argv)
{
	struct server s = {0};
	char password[INSTALL_PASSWORD_LEN + 1] = "";
	sigset_t signals;
	int first = 0, rc;

	/* Block before any thread starts, so that only sigtimedwait sees. */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	rc = pkiaasd_setup(argc, argv, &s.cfg, &s.st);
	if (rc == 0)
		rc = serve_start(&s, password, sizeof(password), &first);
	if (rc == 0) {
		log_event(LOG_INFO, "server.started",
			  "https=%s http=%s backend=%s", s.cfg.listen_https,
			  s.cfg.listen_http, store_backend(s.st));
		banner(&s, first == 1 ? password : NULL);
		explicit_bzero(password, sizeof(password));
		serve_loop(&s, &signals);
	}
	serve_free(&s);
	if (rc == 0)
		log_event(LOG_INFO, "server.stopped", NULL);
	return rc == 1 ? 0 : rc;
}
