/* The numbered migrations compiled in from src/store/migrations. */
#ifndef PKIAAS_STORE_MIGRATION_H
#define PKIAAS_STORE_MIGRATION_H

struct migration {
	int number;	  /* from the file name: 0001_init.sql is 1 */
	const char *name; /* the file name without .sql */
	const char *sql;  /* the whole file, NUL-terminated */
};

/* Each list is in ascending order and ends with a zeroed entry. */
extern const struct migration migrations_sqlite[];
extern const struct migration migrations_postgres[];

#endif
