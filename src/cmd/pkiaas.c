/* pkiaas: the command-line client of a pkiaasd server. */
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

/* Exit codes, documented in docs/cli.md. */
#define EXIT_FAILED 1 /* the server answered with an error */
#define EXIT_USAGE  2
#define EXIT_REACH  3 /* the server could not be reached */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pkiaas COMMAND [OPTIONS]\n\n"
		"commands:\n"
		"  status --server URL [--cacert FILE]\n"
		"            ask a server whether it is up and ready\n"
		"  version   print the versions of pkiaas, OpenSSL and curl\n");
}

static size_t print_body(char *data, size_t size, size_t n, void *out)
{
	return fwrite(data, size, n, out);
}

/* GETs URL/path and prints the answer; the HTTP status, or -1. */
static long fetch(const char *server, const char *path, const char *cacert)
{
	char url[2048];
	CURL *curl = curl_easy_init();
	long status = -1;
	CURLcode rc;

	if (curl == NULL)
		return -1;
	snprintf(url, sizeof(url), "%s%s%s", server,
		 server[strlen(server) - 1] == '/' ? "" : "/", path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, print_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, stdout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	if (cacert != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
	printf("%s: ", path);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr, "pkiaas: %s: %s\n", url,
			curl_easy_strerror(rc));
	printf("\n");
	curl_easy_cleanup(curl);
	return status;
}

static int cmd_status(int argc, char **argv)
{
	const char *server = NULL, *cacert = NULL;
	long health, ready;

	for (int i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--server") == 0)
			server = argv[i + 1];
		else if (strcmp(argv[i], "--cacert") == 0)
			cacert = argv[i + 1];
		else
			break;
	}
	if (server == NULL || argc % 2 != 0 || *server == '\0') {
		usage(stderr);
		return EXIT_USAGE;
	}
	health = fetch(server, "healthz", cacert);
	if (health < 0)
		return EXIT_REACH;
	ready = fetch(server, "readyz", cacert);
	return health == 200 && ready == 200 ? 0 : EXIT_FAILED;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc;

	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("pkiaas %s\n%s\n%s\n", PKIAAS_VERSION,
		       OpenSSL_version(OPENSSL_VERSION), curl_version());
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "status") != 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmd_status(argc - 2, argv + 2);
	curl_global_cleanup();
	return rc;
}
