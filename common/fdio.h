/*
 * fdio.h: reading a file descriptor the way every reader here wants it:
 * a read() interrupted by a signal is simply tried again, and a failure is
 * a negative errno, never -1 with errno on the side.
 *
 * The descriptor readers open nothing and allocate nothing: the caller
 * owns the descriptor and the buffer. fdio_read_file() reads a whole file
 * by name into memory it allocates.
 */
#ifndef MPL_FDIO_H
#define MPL_FDIO_H

#include <stddef.h>
#include <sys/types.h>

/* One read() of up to len bytes, again after EINTR: the bytes read, 0 at
 * end of file, or a negative errno. */
ssize_t fdio_read(int fd, void *buf, size_t len);

/* Read until buf holds len bytes or the file ends: 0 with *got set (less
 * than len at end of file), or a negative errno (*got says how much was
 * read before). */
int fdio_read_full(int fd, void *buf, size_t len, size_t *got);

/* The whole file at path, NUL-terminated, into *out (malloc'd; *len its
 * length without the NUL, len may be NULL): 0, or a negative errno (open's
 * -ENOENT, -EACCES..., -EIO, -ENOMEM) with *out NULL. */
int fdio_read_file(const char *path, char **out, size_t *len);

#endif
