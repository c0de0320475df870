/*
 * netns.c: named network namespaces, compatible with `ip netns`.
 *
 * A name is a bind mount of the namespace on /run/netns/NAME, made the way
 * iproute2 does it (ip/ipnetns.c): /run/netns is a shared mount point so
 * the name is visible in every mount namespace, the namespace is created by
 * unshare(CLONE_NEWNET) of the calling thread, which then returns to where
 * it was. `ip netns exec NAME ...` therefore works on a kept lab.
 *
 * Deleting kills every process still inside first (a process keeps a
 * namespace alive), waits until they are gone, then drops the name. It
 * does not know about labs or registries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab_int.h"
#include "mtime.h"

#define KILL_WAIT_US (5 * USEC_PER_SEC)

static int self_netns_fd(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

int lab_netns_run(int nsfd, int (*fn)(void *arg), void *arg, struct diag *d)
{
	_cleanup_close_ int saved = self_netns_fd();
	int r, back;

	if (saved < 0)
		return diag_set(d, -errno, "cannot open the current network namespace: %m");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return diag_set(d, -errno, "cannot enter a network namespace: %m");
	r = fn(arg);
	back = setns(saved, CLONE_NEWNET);
	if (back < 0) /* cannot happen short of a kernel bug; never continue */
		abort();
	return r;
}

/* Make /run/netns a shared mount point once per process, as iproute2 does,
 * so names created here propagate to other mount namespaces. */
static int prepare_dir(struct diag *d)
{
	static bool done;

	if (done)
		return 0;
	if (mkdir(LAB_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return diag_set(d, -errno, "cannot create '%s': %m", LAB_NETNS_DIR);
	while (mount("", LAB_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL)
			return diag_set(d, -errno, "cannot make '%s' a shared mount: %m",
					LAB_NETNS_DIR);
		/* Not a mount point yet: bind it onto itself, then retry. */
		if (mount(LAB_NETNS_DIR, LAB_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return diag_set(d, -errno, "cannot bind-mount '%s': %m", LAB_NETNS_DIR);
	}
	done = true;
	return 0;
}

static int netns_path(const char *name, char *buf, size_t size, struct diag *d)
{
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return diag_set(d, -EINVAL, "invalid namespace name '%s'", name);
	if (xsnprintf(buf, size, "%s/%s", LAB_NETNS_DIR, name) < 0)
		return diag_set(d, -ENAMETOOLONG, "namespace name '%s' is too long", name);
	return 0;
}

int lab_netns_create(const char *name, int *fd, struct diag *d)
{
	char path[256];
	_cleanup_close_ int saved = -1;
	int r, tmp;

	r = netns_path(name, path, sizeof(path), d);
	if (r < 0)
		return r;
	r = prepare_dir(d);
	if (r < 0)
		return r;
	tmp = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (tmp < 0)
		return diag_set(d, -errno, "cannot create namespace '%s': %m", name);
	close(tmp);

	saved = self_netns_fd();
	if (saved < 0) {
		r = diag_set(d, -errno, "cannot open the current network namespace: %m");
		goto fail;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		r = diag_set(d, -errno, "cannot create namespace '%s': unshare: %m", name);
		goto fail;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0)
		r = diag_set(d, -errno, "cannot bind namespace '%s' to '%s': %m", name, path);
	else
		r = 0;
	if (setns(saved, CLONE_NEWNET) < 0)
		abort(); /* staying in the new namespace would be worse */
	if (r < 0)
		goto fail;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		r = diag_set(d, -errno, "cannot open namespace '%s': %m", name);
		umount2(path, MNT_DETACH);
		goto fail;
	}
	return 0;
fail:
	unlink(path);
	return r;
}

int lab_netns_open(const char *name, int *fd, struct diag *d)
{
	char path[256];
	int r = netns_path(name, path, sizeof(path), d);

	if (r < 0)
		return r;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return diag_set(d, -errno, "cannot open namespace '%s': %m", name);
	return 0;
}

struct ns_id {
	dev_t dev;
	ino_t ino;
};

/* Scan /proc once; for every process whose netns is one of ids, either
 * collect its pid (pids != NULL) or kill it. Returns the number found. */
static int scan_procs(const struct ns_id *ids, unsigned n_ids, pid_t **pids, unsigned *n_pids,
		      bool kill_them)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();
	int found = 0;

	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		char p[64];
		struct stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/ns/net", pid);
		if (stat(p, &st) < 0)
			continue;
		for (unsigned i = 0; i < n_ids; i++) {
			if (st.st_dev != ids[i].dev || st.st_ino != ids[i].ino)
				continue;
			found++;
			if (kill_them)
				kill((pid_t)pid, SIGKILL);
			if (pids) {
				pid_t *g = realloc(*pids, (*n_pids + 1) * sizeof(**pids));

				if (g) {
					*pids = g;
					g[(*n_pids)++] = (pid_t)pid;
				}
			}
			break;
		}
	}
	closedir(proc);
	return found;
}

int lab_netns_pids(const char *name, pid_t **pids, unsigned *n)
{
	char path[256];
	struct stat st;
	struct ns_id id;
	int r;

	*pids = NULL;
	*n = 0;
	if (netns_path(name, path, sizeof(path), NULL) < 0)
		return -EINVAL;
	if (stat(path, &st) < 0)
		return -errno;
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	r = scan_procs(&id, 1, pids, n, false);
	return r < 0 ? r : 0;
}

int lab_netns_delete_set(const char *const *names, unsigned n, struct diag *d)
{
	_cleanup_free_ struct ns_id *ids = calloc(n ? n : 1, sizeof(*ids));
	_cleanup_free_ bool *present = calloc(n ? n : 1, sizeof(*present));
	unsigned n_ids = 0;
	uint64_t deadline;
	int r = 0, found;

	if (!ids || !present)
		return diag_set(d, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		char path[256];
		struct stat st;

		if (netns_path(names[i], path, sizeof(path), d) < 0)
			return d ? d->err : -EINVAL;
		if (stat(path, &st) < 0)
			continue; /* already gone: nothing to do */
		present[i] = true;
		ids[n_ids].dev = st.st_dev;
		ids[n_ids].ino = st.st_ino;
		n_ids++;
	}
	if (!n_ids)
		return 0;

	/* Kill, then wait until no process is left inside: a process that
	 * is still exiting keeps the namespace and its devices alive. */
	deadline = mtime_now_us() + KILL_WAIT_US;
	for (uint64_t pause_us = 100;; pause_us = pause_us < 20000 ? pause_us * 2 : pause_us) {
		found = scan_procs(ids, n_ids, NULL, NULL, true);
		if (found <= 0)
			break;
		if (mtime_now_us() > deadline) {
			r = diag_set(d, -EBUSY, "%d process(es) in namespace '%s' did not die", found,
				     names[0]);
			break;
		}
		mtime_sleep_us(pause_us);
	}

	for (unsigned i = 0; i < n; i++) {
		char path[256];

		if (!present[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", LAB_NETNS_DIR, names[i]);
		if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT && !r)
			r = diag_set(d, -errno, "cannot unmount namespace '%s': %m", names[i]);
		if (unlink(path) < 0 && errno != ENOENT && !r)
			r = diag_set(d, -errno, "cannot remove namespace '%s': %m", names[i]);
	}
	return r;
}

int lab_netns_delete(const char *name, struct diag *d)
{
	const char *names[1] = { name };

	return lab_netns_delete_set(names, 1, d);
}

int lab_netns_list(const char *prefix, char ***names, unsigned *n)
{
	DIR *dir = opendir(LAB_NETNS_DIR);
	struct dirent *de;
	size_t plen = strlen(prefix);

	*names = NULL;
	*n = 0;
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		char **g;

		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, plen))
			continue;
		g = realloc(*names, (*n + 1) * sizeof(*g));
		if (!g)
			break;
		*names = g;
		g[*n] = strdup(de->d_name);
		if (g[*n])
			(*n)++;
	}
	closedir(dir);
	return 0;
}
