/*
 * The config file (src/lib/config.c): the input is the text of the file
 * that pkiaasd serve --config reads. What loads must hold a value for
 * every string option, since the server reads them without checking,
 * and a file with a NUL byte must not load.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "lib/config.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[PATH_MAX];
	static FILE *sink;
	char *argv[] = {"--config", path};
	struct config cfg;
	FILE *f;
	int rc;

	if (sink == NULL) {
		fuzz_init();
		snprintf(path, sizeof(path), "%s/pkiaas.conf", fuzz_tmpdir());
		sink = fopen("/dev/null", "w");
		if (sink == NULL)
			fuzz_fail("fuzz_config: cannot open /dev/null");
	}
	f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		fuzz_fail("fuzz_config: cannot write %s", path);
	rc = config_load(&cfg, 2, argv, sink, sink);
	/* what follows a NUL would go unread: the file must be refused */
	if (rc == 0 && memchr(data, '\0', size) != NULL)
		fuzz_fail("config_load: took a file with a NUL byte");
	if (rc == 0) {
		const char *s[] = {
		    cfg.data,		cfg.listen_https, cfg.listen_http,
		    cfg.database,	cfg.log_level,	  cfg.log_file,
		    cfg.tls_names,	cfg.public_url,	  cfg.acme_dns_resolver,
		    cfg.acme_terms_url, cfg.acme_website};

		for (size_t i = 0; i < sizeof(s) / sizeof(*s); i++)
			if (s[i] == NULL)
				fuzz_fail("config_load: option %zu is NULL", i);
		(void)log_level_parse(cfg.log_level);
	}
	config_free(&cfg);
	return 0;
}
