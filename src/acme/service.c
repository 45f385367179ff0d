#include "acme/service.h"

#include <openssl/sha.h>
#include <string.h>
#include <time.h>

#include "acme/jws.h"
#include "lib/clock.h"
#include "lib/log.h"

/* How long an idle worker waits before it looks for work again. */
#define IDLE_MS 200

/* The checker the engine calls: one validator per challenge type. */
static enum acme_check_outcome check(void *arg, struct acme_check *chk)
{
	const struct acme_service *svc = arg;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	struct acme_validate_error err = {0};
	enum acme_validate_outcome out = ACME_VALIDATE_FAILED;
	char txt[ACME_THUMBPRINT_LEN + 1];

	SHA256((const unsigned char *)chk->key_authorization,
	       strlen(chk->key_authorization), digest);
	if (strcmp(chk->type, "http-01") == 0) {
		out = acme_validate_http01(&svc->validate, chk->domain,
					   chk->token, chk->key_authorization,
					   &err);
	} else if (strcmp(chk->type, "dns-01") == 0) {
		out = acme_key_authorization_digest(chk->token, chk->thumbprint,
						    txt) == 0
			  ? acme_validate_dns01(&svc->validate, chk->domain,
						txt, &err)
			  : ACME_VALIDATE_RETRY;
	} else if (strcmp(chk->type, "tls-alpn-01") == 0) {
		out = acme_validate_tls_alpn01(&svc->validate, chk->domain,
					       digest, &err);
	}
	chk->error_type = err.type;
	snprintf(chk->detail, sizeof(chk->detail), "%s", err.detail);
	return out == ACME_VALIDATE_OK	    ? ACME_CHECK_OK
	       : out == ACME_VALIDATE_RETRY ? ACME_CHECK_RETRY
					    : ACME_CHECK_FAILED;
}

/* Sleeps up to ms, waking early when the service stops. */
static void idle(struct acme_service *svc, int ms)
{
	for (int i = 0; i < ms / 20 && !atomic_load(&svc->stop); i++) {
		struct timespec t = {0, 20 * 1000 * 1000};
		nanosleep(&t, NULL);
	}
}

static void *worker(void *arg)
{
	struct acme_service *svc = arg;

	while (!atomic_load(&svc->stop)) {
		int did =
		    acme_validate_next(&svc->engine, check, svc, clock_now());
		if (did <= 0)
			idle(svc, IDLE_MS);
	}
	return NULL;
}

int acme_service_start(struct acme_service *svc)
{
	atomic_store(&svc->stop, 0);
	for (int i = 0; i < svc->n_workers; i++) {
		if (pthread_create(&svc->workers[i], NULL, worker, svc) != 0) {
			log_event(LOG_ERROR, "acme.workers",
				  "error=\"cannot start a worker thread\"");
			svc->n_workers = i;
			acme_service_stop(svc);
			return -1;
		}
	}
	return 0;
}

void acme_service_stop(struct acme_service *svc)
{
	atomic_store(&svc->stop, 1);
	for (int i = 0; i < svc->n_workers; i++)
		pthread_join(svc->workers[i], NULL);
	svc->n_workers = 0;
}
