/*
 * Group commit of write transactions, for a backend with one writer at
 * a time (db_group.c says how). Only src/store includes this header.
 */
#ifndef PKIAAS_STORE_DB_GROUP_H
#define PKIAAS_STORE_DB_GROUP_H

#include "store/db.h"

struct db_group;

/* NULL when memory or a lock could not be had. */
struct db_group *db_group_new(void);
/* No transaction may be waiting. Accepts NULL. */
void db_group_free(struct db_group *g);

/* What db_transact does, with the transactions waiting beside it. */
enum store_result db_group_transact(struct store *st, const char *op,
				    db_tx_fn fn, void *arg,
				    const struct store_audit *a);

#endif
