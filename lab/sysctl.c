/*
 * sysctl.c: per-namespace sysctls. /proc/sys/net/... shows the namespace
 * of the thread that opens the file, so each access enters the lab's
 * namespace for the open and comes back. Every write is read back: old
 * kernels accept some values they do not apply (net.mptcp.scheduler took
 * any string before 6963c508fd7a).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab_int.h"

struct sysctl_io {
	const char *key;
	char *val;	 /* read: out buffer */
	size_t size;
	const char *write; /* NULL: read */
	int err;
};

static int key_path(const char *key, char *path, size_t size)
{
	size_t n;

	if (!key[0] || strstr(key, "..") || strchr(key, '/') || key[0] == '.')
		return -EINVAL;
	if (xsnprintf(path, size, "/proc/sys/%s", key) < 0)
		return -ENAMETOOLONG;
	n = strlen("/proc/sys/");
	for (char *p = path + n; *p; p++)
		if (*p == '.')
			*p = '/';
	return 0;
}

static int do_io(void *arg)
{
	struct sysctl_io *io = arg;
	char path[256];
	ssize_t n;
	int fd, r = key_path(io->key, path, sizeof(path));

	if (r < 0)
		return io->err = r;
	fd = open(path, (io->write ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return io->err = -errno;
	if (io->write) {
		size_t len = strlen(io->write);

		n = write(fd, io->write, len);
		r = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	} else {
		n = read(fd, io->val, io->size - 1);
		if (n < 0) {
			r = -errno;
		} else {
			io->val[n] = '\0';
			while (n > 0 && (io->val[n - 1] == '\n' || io->val[n - 1] == ' '))
				io->val[--n] = '\0';
			r = 0;
		}
	}
	close(fd);
	return io->err = r;
}

int lab_sysctl_get(int nsfd, const char *key, char *val, size_t size, struct diag *d)
{
	struct sysctl_io io = { .key = key, .val = val, .size = size };
	int r = lab_netns_run(nsfd, do_io, &io, d);

	if (r < 0 && io.err)
		return diag_set(d, r, "cannot read sysctl '%s': %s", key, strerror(-r));
	return r;
}

/* Collapse runs of blanks to one space, trim both ends. */
static void normalise(const char *in, char *out, size_t size)
{
	size_t n = 0;
	bool blank = false;

	for (; *in && n + 2 < size; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n') {
			blank = n > 0;
			continue;
		}
		if (blank)
			out[n++] = ' ';
		blank = false;
		out[n++] = *in;
	}
	out[n] = '\0';
}

static bool same_words(const char *a, const char *b)
{
	char na[LAB_SYSCTL_VAL_MAX * 2], nb[LAB_SYSCTL_VAL_MAX * 2];

	normalise(a, na, sizeof(na));
	normalise(b, nb, sizeof(nb));
	return !strcmp(na, nb);
}

int lab_sysctl_set(int nsfd, const char *key, const char *val, char *old, size_t old_size,
		   struct diag *d)
{
	struct sysctl_io io = { .key = key };
	char now[LAB_SYSCTL_VAL_MAX * 2];
	int r;

	if (old) {
		r = lab_sysctl_get(nsfd, key, old, old_size, d);
		if (r < 0)
			return r;
	}
	io.write = val;
	r = lab_netns_run(nsfd, do_io, &io, d);
	if (r < 0 && io.err)
		return diag_set(d, r, "cannot set sysctl '%s' to '%s': %s", key, val,
				strerror(-r));
	if (r < 0)
		return r;
	r = lab_sysctl_get(nsfd, key, now, sizeof(now), d);
	if (r < 0)
		return r;
	if (!same_words(now, val))
		return diag_set(d, -EPROTO, "sysctl '%s' reads '%s' after setting it to '%s'", key,
				now, val);
	return 0;
}
