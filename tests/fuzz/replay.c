/*
 * Replays corpora without libFuzzer: runs LLVMFuzzerTestOneInput once on
 * each file of each folder given (in name order) or on each file given,
 * so that make test checks every committed input under ASan and UBSan.
 * Each input sits in a buffer of exactly its size, so that a read past
 * its end is caught. Exit status 0, or 1 when a folder has no input or a
 * file cannot be read; a finding aborts in the sanitizer.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz.h"

/* The largest input replayed: corpus files are small. */
#define REPLAY_INPUT_MAX (1u << 20)

static int file_run(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long len;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    len > (long)REPLAY_INPUT_MAX || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: cannot read, or over %u bytes\n",
			path, REPLAY_INPUT_MAX);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	data = malloc(len > 0 ? (size_t)len : 1);
	if (data == NULL || fread(data, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (getenv("PKIAAS_FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(data, (size_t)len);
	free(data);
	return 0;
}

static int entry_wanted(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* Every regular file of dir; the number run, or -1. */
static int folder_run(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, entry_wanted, alphasort), run = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: cannot list\n", dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			if (file_run(path) != 0)
				run = -1;
			else if (run >= 0)
				run++;
		}
		free(names[i]);
	}
	free(names);
	return run;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	int total = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		int n;

		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "replay: %s: no such file\n", argv[i]);
			return 1;
		}
		n = S_ISDIR(sb.st_mode)	     ? folder_run(argv[i])
		    : file_run(argv[i]) == 0 ? 1
					     : -1;
		if (n <= 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
				n == 0 ? "no input" : "failed");
			return 1;
		}
		total += n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("replay: %d inputs, no finding, %.2f s\n", total,
	       (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
