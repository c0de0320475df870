/* fdio.c: fdio_read() and fdio_read_full() of fdio.h. */
#include <errno.h>
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
