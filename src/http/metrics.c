#include "http/metrics.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATUS_MIN 100
#define STATUS_MAX 599
#define N_STATUS   (STATUS_MAX - STATUS_MIN + 1)

/* Upper bounds of the latency buckets, in microseconds. */
static const int64_t bucket_us[] = {250,    500,     1000,    2500,    5000,
				    10000,  25000,   50000,   100000,  250000,
				    500000, 1000000, 2500000, 10000000};
#define N_BUCKETS (sizeof(bucket_us) / sizeof(*bucket_us))

/* A slot's name, apart from its counters: registering every route
 * writes only these few pages, and a route's counters take memory only
 * once it is used. */
struct slot_name {
	char port[8];
	char route[48];
};

struct slot {
	_Atomic uint64_t by_status[N_STATUS];
	_Atomic uint64_t buckets[N_BUCKETS + 1]; /* the last one is +Inf */
	_Atomic uint64_t sum_us;
};

static struct slot_name names[METRICS_SLOTS_MAX] = {
    [METRICS_SLOT_UNMATCHED] = {.port = "any", .route = "unmatched"},
};
static struct slot slots[METRICS_SLOTS_MAX];
static int n_slots = 1;
static pthread_mutex_t register_lock = PTHREAD_MUTEX_INITIALIZER;

int metrics_register(const char *port, const char *route)
{
	int slot = -1;

	pthread_mutex_lock(&register_lock);
	if (n_slots < METRICS_SLOTS_MAX) {
		slot = n_slots++;
		snprintf(names[slot].port, sizeof(names[slot].port), "%s",
			 port);
		snprintf(names[slot].route, sizeof(names[slot].route), "%s",
			 route);
	}
	pthread_mutex_unlock(&register_lock);
	return slot;
}

void metrics_observe(int slot, int status, int64_t duration_us)
{
	struct slot *s;
	size_t b = 0;

	if (slot < 0 || slot >= METRICS_SLOTS_MAX || status < STATUS_MIN ||
	    status > STATUS_MAX)
		return;
	s = &slots[slot];
	while (b < N_BUCKETS && duration_us > bucket_us[b])
		b++;
	atomic_fetch_add_explicit(&s->by_status[status - STATUS_MIN], 1,
				  memory_order_relaxed);
	atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, (uint64_t)duration_us,
				  memory_order_relaxed);
}

/* A growing text buffer; on allocation failure it stays failed. */
struct text {
	char *data;
	size_t len, cap;
	int failed;
};

__attribute__((format(printf, 2, 3))) static void text_add(struct text *t,
							   const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (t->failed)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->data + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = 1;
			return;
		}
		if (t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		char *grown = realloc(t->data, t->cap * 2 + (size_t)n);
		if (grown == NULL) {
			t->failed = 1;
			return;
		}
		t->data = grown;
		t->cap = t->cap * 2 + (size_t)n;
	}
}

static void render_requests(struct text *t, int n)
{
	text_add(t, "# HELP pkiaas_http_requests_total HTTP requests "
		    "answered, by port, route and status.\n"
		    "# TYPE pkiaas_http_requests_total counter\n");
	for (int i = 0; i < n; i++)
		for (int st = 0; st < N_STATUS; st++) {
			uint64_t v = atomic_load_explicit(
			    &slots[i].by_status[st], memory_order_relaxed);
			if (v != 0)
				text_add(
				    t,
				    "pkiaas_http_requests_total{port=\"%s"
				    "\",route=\"%s\",status=\"%d\"} %llu\n",
				    names[i].port, names[i].route,
				    st + STATUS_MIN, (unsigned long long)v);
		}
}

static void render_latency(struct text *t, int n)
{
	text_add(t, "# HELP pkiaas_http_request_duration_seconds Time from "
		    "the request's arrival to its response.\n"
		    "# TYPE pkiaas_http_request_duration_seconds histogram\n");
	for (int i = 0; i < n; i++) {
		const char *p = names[i].port, *r = names[i].route;
		uint64_t cumulative = 0;

		for (size_t b = 0; b <= N_BUCKETS; b++) {
			cumulative += atomic_load_explicit(
			    &slots[i].buckets[b], memory_order_relaxed);
			if (b < N_BUCKETS)
				text_add(t,
					 "pkiaas_http_request_duration_seconds_"
					 "bucket{port=\"%s\",route=\"%s\",le="
					 "\"%g\"} %llu\n",
					 p, r, (double)bucket_us[b] / 1e6,
					 (unsigned long long)cumulative);
		}
		text_add(t,
			 "pkiaas_http_request_duration_seconds_bucket{port=\""
			 "%s\",route=\"%s\",le=\"+Inf\"} %llu\n"
			 "pkiaas_http_request_duration_seconds_sum{port=\"%s\","
			 "route=\"%s\"} %g\n"
			 "pkiaas_http_request_duration_seconds_count{port=\"%s"
			 "\",route=\"%s\"} %llu\n",
			 p, r, (unsigned long long)cumulative, p, r,
			 (double)atomic_load(&slots[i].sum_us) / 1e6, p, r,
			 (unsigned long long)cumulative);
	}
}

char *metrics_render(uint64_t store_errors, size_t *len)
{
	struct text t = {.cap = 16384};
	int n;

	t.data = malloc(t.cap);
	if (t.data == NULL)
		return NULL;
	pthread_mutex_lock(&register_lock);
	n = n_slots;
	pthread_mutex_unlock(&register_lock);

	render_requests(&t, n);
	render_latency(&t, n);
	text_add(&t,
		 "# HELP pkiaas_store_errors_total Store calls that failed.\n"
		 "# TYPE pkiaas_store_errors_total counter\n"
		 "pkiaas_store_errors_total %llu\n"
		 "# HELP pkiaas_build_info Version of pkiaas and OpenSSL.\n"
		 "# TYPE pkiaas_build_info gauge\n"
		 "pkiaas_build_info{version=\"%s\",openssl=\"%s\"} 1\n",
		 (unsigned long long)store_errors, PKIAAS_VERSION,
		 OpenSSL_version(OPENSSL_VERSION_STRING));
	if (t.failed) {
		free(t.data);
		return NULL;
	}
	*len = t.len;
	return t.data;
}
