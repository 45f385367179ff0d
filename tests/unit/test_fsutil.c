/*
 * fsutil: folders made with their parents, atomic writes with an exact
 * mode and no leftovers, bounded reads with exact limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "testutil.h"

/* A new empty folder for one test, under the process's temporary one. */
static int dir_new(void **state)
{
	static int n;
	char *path = malloc(PATH_MAX);

	if (path == NULL)
		return -1;
	snprintf(path, PATH_MAX, "%s/t%d", testutil_tmpdir(), ++n);
	if (mkdir(path, 0700) != 0) {
		free(path);
		return -1;
	}
	*state = path;
	return 0;
}

static int dir_free(void **state)
{
	free(*state);
	umask(022);
	return 0;
}

static void join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	assert_in_range(n, 1, PATH_MAX - 1);
}

static void file_put(const char *path, const void *data, size_t len,
		     mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The names in dir, sorted and joined with spaces. */
static void dir_list(const char *dir, char *out, size_t size)
{
	char names[16][NAME_MAX + 1];
	struct dirent *de;
	size_t n = 0, used = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		assert_true(n < 16);
		snprintf(names[n++], sizeof(*names), "%s", de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + used, size - used, "%s%s",
				 i > 0 ? " " : "", names[i]);

		assert_in_range(w, 0, size - used - 1);
		used += (size_t)w;
	}
}

static void test_mkdir_p_nested(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX];

	umask(022);
	join(path, dir, "a/b/c");
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	assert_true(S_ISDIR(mode_of(path)));
	assert_int_equal(mode_of(path) & 07777, 0700);

	/* The parents get the mode too. */
	join(path, dir, "a/b");
	assert_true(S_ISDIR(mode_of(path)));
	assert_int_equal(mode_of(path) & 07777, 0700);
	join(path, dir, "a");
	assert_int_equal(mode_of(path) & 07777, 0700);

	/* A trailing slash and doubled slashes name the same folders. */
	join(path, dir, "x//y/");
	assert_int_equal(fs_mkdir_p(path, 0755), 0);
	join(path, dir, "x/y");
	assert_true(S_ISDIR(mode_of(path)));
}

static void test_mkdir_p_existing(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX];

	join(path, dir, "p/q");
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	assert_int_equal(fs_mkdir_p(dir, 0700), 0);

	/* Only the missing part is made below an existing parent. */
	join(path, dir, "p/q/r");
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	assert_true(S_ISDIR(mode_of(path)));

	/* An existing folder keeps its mode. */
	join(path, dir, "p");
	assert_int_equal(chmod(path, 0750), 0);
	assert_int_equal(fs_mkdir_p(path, 0700), 0);
	assert_int_equal(mode_of(path) & 07777, 0750);
}

static void test_mkdir_p_hostile(void **state)
{
	const char *dir = *state;
	char file[PATH_MAX], path[PATH_MAX];

	errno = 0;
	assert_int_equal(fs_mkdir_p("", 0700), -1);
	assert_int_not_equal(errno, 0);

	/* A file in the way of a parent. */
	join(file, dir, "plain");
	file_put(file, "x", 1, 0644);
	join(path, dir, "plain/sub");
	errno = 0;
	assert_int_equal(fs_mkdir_p(path, 0700), -1);
	assert_int_equal(errno, ENOTDIR);

	/* A file where the folder should be: not a folder, so not done. */
	assert_int_equal(fs_mkdir_p(file, 0700), -1);
	assert_true(S_ISREG(mode_of(file)));
}

static void test_write_atomic_mode(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX];

	/* The mode given, whatever the umask. */
	umask(022);
	join(path, dir, "key.pem");
	assert_int_equal(fs_write_atomic(path, "secret", 6, 0600), 0);
	assert_true(S_ISREG(mode_of(path)));
	assert_int_equal(mode_of(path) & 07777, 0600);

	umask(077);
	join(path, dir, "ca.pem");
	assert_int_equal(fs_write_atomic(path, "public", 6, 0644), 0);
	assert_int_equal(mode_of(path) & 07777, 0644);

	/* A file that was 0644 before becomes 0600. */
	umask(022);
	join(path, dir, "was-open.pem");
	file_put(path, "old", 3, 0644);
	assert_int_equal(mode_of(path) & 07777, 0644);
	assert_int_equal(fs_write_atomic(path, "new", 3, 0600), 0);
	assert_int_equal(mode_of(path) & 07777, 0600);
}

static void test_write_atomic_replaces(void **state)
{
	static const char bin[] = {'a', '\0', 'b', '\n', '\xff', '\0'};
	const char *dir = *state;
	char path[PATH_MAX], *data;
	size_t len;

	join(path, dir, "crl.pem");
	file_put(path, "a much longer old content\n", 26, 0644);
	assert_int_equal(fs_write_atomic(path, "new", 3, 0644), 0);
	assert_int_equal(fs_read_all(path, 1024, &data, &len), 0);
	assert_int_equal(len, 3);
	assert_string_equal(data, "new");
	free(data);

	/* Binary bytes, NULs included, and then nothing at all. */
	assert_int_equal(fs_write_atomic(path, bin, sizeof(bin), 0644), 0);
	assert_int_equal(fs_read_all(path, 1024, &data, &len), 0);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(data, bin, sizeof(bin));
	free(data);
	assert_int_equal(fs_write_atomic(path, "", 0, 0644), 0);
	assert_int_equal(fs_read_all(path, 1024, &data, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);
}

static void test_write_atomic_no_leftover(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX], names[1024];

	join(path, dir, "one");
	assert_int_equal(fs_write_atomic(path, "1", 1, 0600), 0);
	assert_int_equal(fs_write_atomic(path, "11", 2, 0600), 0);
	join(path, dir, "two");
	assert_int_equal(fs_write_atomic(path, "2", 1, 0600), 0);
	dir_list(dir, names, sizeof(names));
	assert_string_equal(names, "one two");

	/* A failed rename (a folder is in the way) cleans up after itself. */
	join(path, dir, "folder");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(fs_write_atomic(path, "x", 1, 0600), -1);
	assert_true(S_ISDIR(mode_of(path)));
	dir_list(dir, names, sizeof(names));
	assert_string_equal(names, "folder one two");
}

static void test_write_atomic_missing_folder(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX], names[1024];

	join(path, dir, "nowhere/file");
	errno = 0;
	assert_int_equal(fs_write_atomic(path, "x", 1, 0600), -1);
	assert_int_equal(errno, ENOENT);
	dir_list(dir, names, sizeof(names));
	assert_string_equal(names, "");
}

static void test_read_all_exact(void **state)
{
	static const char bin[] = {'\0', 'p', 'k', '\0', 'i', '\n', '\x80'};
	const char *dir = *state;
	char path[PATH_MAX], *data = NULL;
	size_t len = 0;

	join(path, dir, "bin");
	file_put(path, bin, sizeof(bin), 0600);
	assert_int_equal(fs_read_all(path, 4096, &data, &len), 0);
	assert_int_equal(len, sizeof(bin));
	assert_memory_equal(data, bin, sizeof(bin));
	assert_int_equal(data[len], '\0');
	free(data);

	join(path, dir, "empty");
	file_put(path, "", 0, 0600);
	assert_int_equal(fs_read_all(path, 0, &data, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(data[0], '\0');
	free(data);
}

static void test_read_all_limit(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX], buf[100], *data;
	size_t len;

	memset(buf, 'z', sizeof(buf));
	join(path, dir, "hundred");
	file_put(path, buf, sizeof(buf), 0600);

	errno = 0;
	assert_int_equal(fs_read_all(path, 99, &data, &len), -1);
	assert_int_equal(errno, EFBIG);
	errno = 0;
	assert_int_equal(fs_read_all(path, 0, &data, &len), -1);
	assert_int_equal(errno, EFBIG);

	/* Exactly max is allowed. */
	assert_int_equal(fs_read_all(path, 100, &data, &len), 0);
	assert_int_equal(len, 100);
	assert_memory_equal(data, buf, 100);
	assert_int_equal(data[100], '\0');
	free(data);
	assert_int_equal(fs_read_all(path, 101, &data, &len), 0);
	assert_int_equal(len, 100);
	free(data);
}

/*
 * "No limit" spelled as SIZE_MAX must not wrap around: either the whole
 * file or a refusal, never an empty or short read.
 */
static void test_read_all_size_max(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX], *data = NULL;
	size_t len = 0;

	join(path, dir, "hello");
	file_put(path, "hello", 5, 0600);
	if (fs_read_all(path, SIZE_MAX, &data, &len) == 0) {
		int whole = len == 5 && memcmp(data, "hello", 6) == 0;

		free(data);
		if (!whole)
			fail_msg("read %zu bytes of 5, without an error", len);
	}
}

static void test_read_all_missing(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX], *data;
	size_t len;

	join(path, dir, "absent");
	errno = 0;
	assert_int_equal(fs_read_all(path, 1024, &data, &len), -1);
	assert_int_equal(errno, ENOENT);

	/* A folder is not a file. */
	errno = 0;
	assert_int_equal(fs_read_all(dir, 1024, &data, &len), -1);
	assert_int_equal(errno, EISDIR);
}

/* A pipe hands the bytes over in pieces; the limit holds across them. */
static void read_from_fifo(const char *path, size_t max, int want_rc)
{
	char *data = NULL;
	size_t len = 0;
	int rc, status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_WRONLY);

		if (fd < 0 || write(fd, "abc", 3) != 3)
			_exit(1);
		usleep(50000);
		if (write(fd, "def", 3) != 3)
			_exit(1);
		close(fd);
		_exit(0);
	}
	errno = 0;
	rc = fs_read_all(path, max, &data, &len);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rc, want_rc);
	if (want_rc == 0) {
		assert_int_equal(len, 6);
		assert_string_equal(data, "abcdef");
		free(data);
	} else {
		assert_int_equal(errno, EFBIG);
	}
}

static void test_read_all_pieces(void **state)
{
	const char *dir = *state;
	char path[PATH_MAX];

	join(path, dir, "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	read_from_fifo(path, 6, 0);
	read_from_fifo(path, 5, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_mkdir_p_nested, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_mkdir_p_existing, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_mkdir_p_hostile, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_write_atomic_mode, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_write_atomic_replaces, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_write_atomic_no_leftover,
					    dir_new, dir_free),
	    cmocka_unit_test_setup_teardown(test_write_atomic_missing_folder,
					    dir_new, dir_free),
	    cmocka_unit_test_setup_teardown(test_read_all_exact, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_read_all_limit, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_read_all_size_max, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_read_all_missing, dir_new,
					    dir_free),
	    cmocka_unit_test_setup_teardown(test_read_all_pieces, dir_new,
					    dir_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
