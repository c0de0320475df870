/*
 * kernel_fetch.h: Debian kernel packages as material for `run --kernel`:
 * fetched with apt, unpacked, their modules indexed, kept under a
 * directory as
 *
 *   DIR/<release>/boot/vmlinuz-<release>
 *   DIR/<release>/lib/modules/<release>/{modules.dep,modules.builtin,...}
 *
 * Errors: -EINVAL a name that is neither an ABI nor a package (a usage
 * error), -EOPNOTSUPP apt or depmod missing or apt failing, -EBADMSG a
 * package that is not a usable kernel image package, -EINTR, anything
 * else an internal failure; the diag says what.
 */
#ifndef MPL_KERNEL_FETCH_H
#define MPL_KERNEL_FETCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define KERNEL_PKG_PREFIX "linux-image-"
#define KERNEL_PKG_SUFFIX "-unsigned"
/* The flavour of an ABI given without one (6.1.0-47, 6.12.113+deb12). */
#define KERNEL_DEFAULT_FLAVOUR "amd64"

struct kernel_fetch_observer {
	void (*say)(void *arg, const char *line); /* "downloading PKG", "unpacking DEB" */
	void *arg;
};

struct kernel_fetched {
	char pkg[256];
	char release[256];
	char image[PATH_MAX], modules[PATH_MAX];
	bool already;	 /* it was in DIR: nothing was downloaded */
	double seconds;	 /* download to rename */
	const char *hint; /* after a failure: what the user may do, or NULL */
};

/* Fetch the package for arg (an ABI such as 6.1.0-27-amd64, or one without
 * its flavour, 6.1.0-27, where amd64 is chosen and said; or a package
 * name; NULL: the newest linux-image-<ABI>-amd64-unsigned apt knows) into
 * dir, unless it is there already. */
int kernel_fetch(const char *dir, const char *arg, const struct kernel_fetch_observer *obs,
		 struct kernel_fetched *out, struct diag *d);

/* The kernels dir holds (an image in place), by release; *out malloc'd.
 * A missing dir holds none. */
struct kernel_listed {
	char release[256];
	char image[PATH_MAX], modules[PATH_MAX], tree[PATH_MAX];
};
int kernel_list(const char *dir, struct kernel_listed **out, size_t *n, struct diag *d);

/* $XDG_CACHE_HOME/mptcp-lab/kernels, else ~/.cache/mptcp-lab/kernels;
 * -ENOENT when neither variable is an absolute path. */
int kernel_default_dir(char *buf, size_t size);

/* DIR/<release>'s image and modules paths; whether the image exists. */
bool kernel_paths(const char *dir, const char *release, char *image, char *modules);
bool kernel_is_dir(const char *path);
/* mkdir -p (0755): 0 or a negative errno. */
int kernel_mkdirs(const char *path);
/* Bytes of the regular files under path. */
uint64_t kernel_tree_size(const char *path);

#endif
