/* Prometheus metrics of the HTTP ports and the store. */
#ifndef PKIAAS_METRICS_H
#define PKIAAS_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Slot 0 counts requests that matched no route. */
#define METRICS_SLOT_UNMATCHED 0
#define METRICS_SLOTS_MAX      128

/* A slot for a port's route; -1 when all are taken. */
int metrics_register(const char *port, const char *route);
/* Counts a finished request. Lock-free; any thread. */
void metrics_observe(int slot, int status, int64_t duration_us);
/*
 * The Prometheus text exposition of every counter, with the store's error
 * count; a new NUL-terminated string, or NULL.
 */
char *metrics_render(uint64_t store_errors, size_t *len);

#endif
