/* fdio.c: fdio_read(), fdio_read_full() and fdio_read_file() of fdio.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "fdio.h"

ssize_t fdio_read(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);

		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

int fdio_read_full(int fd, void *buf, size_t len, size_t *got)
{
	*got = 0;
	while (*got < len) {
		ssize_t n = fdio_read(fd, (char *)buf + *got, len - *got);

		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

int fdio_read_file(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0, cap = 0;
	char *buf = NULL;

	*out = NULL;
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		if (cap - n < 65536) {
			char *grown = realloc(buf, cap + 65536 + 1);

			if (!grown) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = grown;
			cap += 65536;
		}
		got = fdio_read(fd, buf + n, cap - n);
		if (got < 0) {
			free(buf);
			close(fd);
			return (int)got;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}
