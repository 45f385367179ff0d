#include "fuzz.h"

#include <ftw.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static char tmpdir[PATH_MAX];

void fuzz_init(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	if (getenv("PKIAAS_FUZZ_LOG") != NULL) {
		log_set_level(LOG_DEBUG);
		return;
	}
	log_set_level(LOG_ERROR);
	if (log_open("/dev/null") != 0)
		fuzz_fail("fuzz: cannot open /dev/null for the log");
}

int fuzz_verbose(void)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("PKIAAS_FUZZ_VERBOSE") != NULL;
	return verbose;
}

static int remove_one(const char *path, const struct stat *sb, int flag,
		      struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tmpdir_remove(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0] != '\0')
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/pkiaas-fuzz-XXXXXX",
		 base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		fuzz_fail("fuzz: cannot make a folder %s", tmpdir);
	atexit(tmpdir_remove);
	return tmpdir;
}

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		fuzz_fail("fuzz: out of memory");
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
