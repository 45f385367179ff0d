/*
 * Group commit, for a backend with one writer at a time (SQLite). Write
 * transactions that find the writer busy wait together, and the next
 * writer runs all of them in one transaction, with one commit and so one
 * sync of the log for the group.
 *
 * The thread that finds nobody writing leads: it takes the waiting
 * transactions in the order they came (its own among them), runs them,
 * commits, and wakes their threads. When one of them fails, the group
 * is rolled back and the others run again, each inside a savepoint, so
 * that a failure is undone alone (savepoints are not used at first: each
 * costs a copy of every page its transaction touches). When the commit
 * fails, or the backend loses the transaction (a full disk), every
 * transaction of the group fails: nothing is kept that is not
 * acknowledged, and nothing acknowledged is lost.
 */
#include "store/db_group.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_backend.h"

/* Most transactions one commit takes; the rest wait for the next. */
#define GROUP_MAX 128
/* Smallest pool of which the writer keeps a connection between groups. */
#define WRITER_KEEPS_POOL 3

/* One write transaction waiting for its group. */
struct group_job {
	const char *op;
	db_tx_fn fn;
	void *arg;
	const struct store_audit *a;
	const char *request_id; /* of the thread that waits */
	enum store_result rc;
	int done;
	pthread_cond_t wake; /* done, or time to lead */
	struct group_job *next;
};

struct db_group {
	pthread_mutex_t lock;
	struct group_job *head, **tail;
	int writing; /* a leader is running a group */
	/* Kept from one group to the next, so that its page cache, which
	 * no other connection's write empties, stays warm. */
	struct db_conn writer;
};

/* Set while this thread runs a group: a transaction inside another. */
static _Thread_local int leading;

struct db_group *db_group_new(void)
{
	struct db_group *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	if (pthread_mutex_init(&g->lock, NULL) != 0) {
		free(g);
		return NULL;
	}
	g->tail = &g->head;
	return g;
}

void db_group_free(struct db_group *g)
{
	if (g == NULL)
		return;
	db_conn_give(&g->writer, STORE_OK);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static enum store_result savepoint(struct db_conn *c, const char *sql)
{
	return db_exec(c, "group_commit", sql, NULL, 0, NULL);
}

/* Runs one job's statements and its audit entry; also in job->rc. */
static enum store_result job_body(struct db_conn *c, struct group_job *job)
{
	enum store_result rc;

	log_set_request_id(job->request_id);
	rc = job->fn(c, job->arg);
	if (rc == STORE_OK)
		rc = store_audit_append_tx(c, job->a);
	job->rc = rc;
	return rc;
}

/*
 * Runs one job inside a savepoint, undone alone when it fails. -1 when
 * the transaction of the group is lost with it.
 */
static int job_run_alone(struct db_conn *c, struct group_job *job)
{
	enum store_result rc = savepoint(c, "SAVEPOINT job");

	if (rc != STORE_OK) {
		job->rc = rc;
		return -1;
	}
	if (job_body(c, job) == STORE_OK)
		return savepoint(c, "RELEASE job") == STORE_OK ? 0 : -1;
	if (savepoint(c, "ROLLBACK TO job") != STORE_OK)
		return -1;
	return savepoint(c, "RELEASE job") == STORE_OK ? 0 : -1;
}

/*
 * The first attempt at a group, in the open transaction: every job
 * without savepoints, which cost a copy of each page a job touches.
 * Ends at the first job that fails, which it returns (NULL: none did).
 */
static struct group_job *jobs_run_together(struct db_conn *c,
					   struct group_job *jobs)
{
	for (struct group_job *j = jobs; j != NULL; j = j->next)
		if (job_body(c, j) != STORE_OK)
			return j;
	return NULL;
}

/*
 * The second attempt, after the first failed at job failed: the others
 * again, each alone in a savepoint. failed keeps its result and is not
 * run again: it failed after the same jobs that come before it now.
 */
static enum store_result jobs_run_alone(struct db_conn *c,
					struct group_job *jobs,
					const struct group_job *failed)
{
	for (struct group_job *j = jobs; j != NULL; j = j->next) {
		if (j == failed)
			continue;
		j->rc = STORE_OK;
		if (job_run_alone(c, j) != 0)
			return j->rc != STORE_OK ? j->rc : STORE_ERROR;
	}
	return STORE_OK;
}

/* Every job of the group that was to be kept gets rc instead. */
static void group_fail(struct group_job *jobs, enum store_result rc)
{
	for (struct group_job *j = jobs; j != NULL; j = j->next)
		if (j->rc == STORE_OK)
			j->rc = rc;
}

/*
 * Runs jobs (a list) as one transaction on the group's connection: all
 * together, and when one of them fails, the others again from the start,
 * each in a savepoint, so that only the failed ones are left out.
 */
static void group_run(struct store *st, struct db_group *g,
		      struct group_job *jobs)
{
	struct db_conn *c = &g->writer;
	struct group_job *failed = NULL;
	char own_id[64];
	enum store_result rc = c->conn != NULL ? STORE_OK : db_conn_take(st, c);

	for (struct group_job *j = jobs; j != NULL; j = j->next)
		j->rc = STORE_OK;
	if (rc != STORE_OK) {
		group_fail(jobs, rc);
		db_conn_give(c, rc);
		return;
	}
	snprintf(own_id, sizeof(own_id), "%s", log_request_id());
	rc = db_begin(c, "group_commit");
	if (rc == STORE_OK)
		failed = jobs_run_together(c, jobs);
	if (rc == STORE_OK && failed != NULL) {
		db_rollback(c);
		rc = db_begin(c, "group_commit");
		if (rc == STORE_OK)
			rc = jobs_run_alone(c, jobs, failed);
	}
	log_set_request_id(own_id[0] != '\0' ? own_id : NULL);
	if (rc == STORE_OK)
		rc = db_commit(c, "group_commit");
	if (rc != STORE_OK) {
		group_fail(jobs, rc);
		if (rc != STORE_UNAVAILABLE)
			db_rollback(c);
	}
	/* Given back after a failure (closed when lost), or when the pool
	 * is too small to spare it; the next group takes one then. */
	if (rc != STORE_OK || st->pool_size < WRITER_KEEPS_POOL)
		db_conn_give(c, rc);
}

/* Takes up to GROUP_MAX jobs from the front of the queue (lock held). */
static struct group_job *queue_take(struct db_group *g)
{
	struct group_job *first = g->head, *last = first;

	for (int n = 1; n < GROUP_MAX && last->next != NULL; n++)
		last = last->next;
	g->head = last->next;
	if (g->head == NULL)
		g->tail = &g->head;
	last->next = NULL;
	return first;
}

/*
 * Leads one group (lock held on entry and on return), then wakes the
 * group's threads and the first of those still waiting, to lead next.
 */
static void group_lead(struct store *st, struct db_group *g)
{
	struct group_job *jobs = queue_take(g), *next;

	g->writing = 1;
	pthread_mutex_unlock(&g->lock);
	leading = 1;
	group_run(st, g, jobs);
	leading = 0;
	pthread_mutex_lock(&g->lock);
	for (; jobs != NULL; jobs = next) {
		next = jobs->next;
		jobs->done = 1;
		pthread_cond_signal(&jobs->wake);
	}
	g->writing = 0;
	if (g->head != NULL)
		pthread_cond_signal(&g->head->wake);
}

enum store_result db_group_transact(struct store *st, const char *op,
				    db_tx_fn fn, void *arg,
				    const struct store_audit *a)
{
	struct db_group *g = st->group;
	struct group_job job = {.op = op,
				.fn = fn,
				.arg = arg,
				.a = a,
				.request_id = log_request_id()};

	if (leading) {
		log_event(LOG_ERROR, "store.error",
			  "op=%s error=\"a write transaction inside another\"",
			  op);
		return STORE_ERROR;
	}
	if (pthread_cond_init(&job.wake, NULL) != 0) {
		log_event(LOG_ERROR, "store.error",
			  "op=%s error=\"no condition variable\"", op);
		return STORE_ERROR;
	}
	pthread_mutex_lock(&g->lock);
	*g->tail = &job;
	g->tail = &job.next;
	while (!job.done) {
		if (!g->writing)
			group_lead(st, g);
		else
			pthread_cond_wait(&job.wake, &g->lock);
	}
	pthread_mutex_unlock(&g->lock);
	pthread_cond_destroy(&job.wake);
	return job.rc;
}
