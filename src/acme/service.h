/*
 * The ACME service of a running pkiaasd: the engine's ACME state, the
 * settings of the validators, and the worker threads that check
 * challenges in the background.
 */
#ifndef PKIAAS_ACME_SERVICE_H
#define PKIAAS_ACME_SERVICE_H

#include <pthread.h>
#include <stdatomic.h>

#include "acme/validate.h"
#include "engine/acme.h"

#define ACME_WORKERS_MAX 64

struct acme_service {
	struct acme_engine engine;
	struct acme_validate_options validate;
	const char *terms_url; /* "" for none */
	const char *website;   /* "" for none */
	int n_workers;
	pthread_t workers[ACME_WORKERS_MAX];
	atomic_int stop;
};

/* Starts n_workers validation threads; 0 or -1 (then none runs). */
int acme_service_start(struct acme_service *svc);
/* Stops the workers, each after the check it is doing. */
void acme_service_stop(struct acme_service *svc);

#endif
