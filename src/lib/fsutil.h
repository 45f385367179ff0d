/* Files: atomic writes, bounded reads, folders. */
#ifndef PKIAAS_FSUTIL_H
#define PKIAAS_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Creates path and its parents with mode; 0 or -1 (errno set; ENOTDIR when
 * a file stands where a folder should be).
 */
int fs_mkdir_p(const char *path, mode_t mode);
/*
 * Writes data to path atomically: a temporary file beside it with mode,
 * fsync, rename, fsync of the folder. 0 or -1 (errno set).
 */
int fs_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode);
/*
 * Reads a whole file of at most max bytes into a new NUL-terminated
 * buffer. Returns 0, or -1 with errno (EFBIG when larger than max, EINVAL
 * when max is beyond half the address space).
 */
int fs_read_all(const char *path, size_t max, char **data, size_t *len);

#endif
