/*
 * What the fuzz targets share (docs/testing.md, "Fuzzing"). Each target
 * is one LLVMFuzzerTestOneInput over one parser of outside input; the
 * same file links with libFuzzer (make fuzz) or with replay.c, which runs
 * it once on every file of a corpus (make test).
 */
#ifndef PKIAAS_FUZZ_H
#define PKIAAS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Runs one input; always returns 0. A finding aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Sets the process up once: log lines go nowhere (to stderr at debug
 * level when PKIAAS_FUZZ_LOG is set) and OpenSSL is initialised.
 */
void fuzz_init(void);
/*
 * 1 when PKIAAS_FUZZ_VERBOSE is set: targets then say on stderr what
 * each input came to, to check that a seed reaches what it is for.
 */
int fuzz_verbose(void);
/* A new folder for the target's files, removed at exit. */
const char *fuzz_tmpdir(void);
/* A NUL-terminated copy of data (from malloc); aborts when out of memory. */
char *fuzz_text(const uint8_t *data, size_t size);
/*
 * Ends the process: an invariant the target checks does not hold. The
 * message goes to stderr, and abort() lets libFuzzer keep the input.
 */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));
/*
 * The request headers MHD_lookup_connection_value answers in the fuzz
 * binaries (fuzz_mhd.c): value NULL removes name. At most a few.
 */
void fuzz_header_set(const char *name, const char *value);

#endif
