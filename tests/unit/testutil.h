/* Helpers shared by the unit tests. */
#ifndef PKIAAS_TESTUTIL_H
#define PKIAAS_TESTUTIL_H

/* A new empty folder under $TMPDIR (or /tmp), removed at exit. */
const char *testutil_tmpdir(void);

#endif
