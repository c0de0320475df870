/*
 * registry.c: /run/mptcp-lab/NAME.lab records who built a lab, so that
 * `cleanup --stale` can tell a lab whose builder died (stale) from one kept
 * on purpose by `topo up` or still in use. The owner is identified by pid
 * and start time (field 22 of /proc/PID/stat), so a recycled pid is not
 * mistaken for the owner. The file is created with O_EXCL: two labs can
 * never claim one name. /run is a tmpfs, so a reboot forgets everything,
 * as it forgets the namespaces.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab_int.h"

static int entry_path(const char *name, char *buf, size_t size)
{
	return xsnprintf(buf, size, "%s/%s.lab", LAB_RUN_DIR, name);
}

static unsigned long long start_time_of(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	ssize_t n;
	char *p;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip past the
	 * last ')', then field 3 (state) is first. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

static int write_entry(const char *path, const struct lab_registry_entry *e, int flags)
{
	char buf[256];
	int fd, n, r = 0;

	n = snprintf(buf, sizeof(buf), "name=%s\nowner=%d\nowner_start=%llu\npersistent=%d\n",
		     e->name, (int)e->owner, e->owner_start, e->persistent ? 1 : 0);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		r = -EIO;
	if (close(fd) < 0 && !r)
		r = -errno;
	return r;
}

int lab_registry_create(const char *name, bool persistent, struct diag *d)
{
	struct lab_registry_entry e = { .owner = getpid(), .persistent = persistent };
	char path[256];
	int r;

	snprintf(e.name, sizeof(e.name), "%s", name);
	e.owner_start = start_time_of(e.owner);
	if (mkdir(LAB_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return diag_set(d, -errno, "cannot create '%s': %m", LAB_RUN_DIR);
	if (entry_path(name, path, sizeof(path)) < 0)
		return diag_set(d, -ENAMETOOLONG, "lab name '%s' is too long", name);
	r = write_entry(path, &e, O_EXCL);
	if (r == -EEXIST)
		return diag_set(d, r, "a lab named '%s' already exists (see 'mptcp-lab topo list')",
				name);
	if (r < 0)
		return diag_set(d, r, "cannot write '%s': %s", path, strerror(-r));
	return 0;
}

int lab_registry_set_persistent(const char *name, bool persistent, struct diag *d)
{
	struct lab_registry_entry e;
	char path[256], tmp[280];
	int r = lab_registry_read(name, &e);

	if (r < 0)
		return diag_set(d, r, "cannot read the registry entry of lab '%s'", name);
	e.persistent = persistent;
	if (entry_path(name, path, sizeof(path)) < 0 ||
	    xsnprintf(tmp, sizeof(tmp), "%s.tmp", path) < 0)
		return diag_set(d, -ENAMETOOLONG, "lab name '%s' is too long", name);
	/* Write aside and rename: a crash never leaves a torn entry. */
	r = write_entry(tmp, &e, O_TRUNC);
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return diag_set(d, r, "cannot update '%s': %s", path, strerror(-r));
	}
	return 0;
}

int lab_registry_read(const char *name, struct lab_registry_entry *e)
{
	char path[256], line[128];
	FILE *f;

	memset(e, 0, sizeof(*e));
	if (entry_path(name, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	snprintf(e->name, sizeof(e->name), "%s", name);
	while (fgets(line, sizeof(line), f)) {
		int v;
		unsigned long long u;

		if (sscanf(line, "owner=%d", &v) == 1)
			e->owner = v;
		else if (sscanf(line, "owner_start=%llu", &u) == 1)
			e->owner_start = u;
		else if (sscanf(line, "persistent=%d", &v) == 1)
			e->persistent = v != 0;
	}
	fclose(f);
	return 0;
}

int lab_registry_remove(const char *name)
{
	char path[256];

	if (entry_path(name, path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int lab_registry_list(struct lab_registry_entry **out, unsigned *n)
{
	DIR *dir = opendir(LAB_RUN_DIR);
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		char name[LAB_NAME_MAX + 8];
		size_t len = strlen(de->d_name);
		struct lab_registry_entry *g;

		if (len <= 4 || len - 4 >= LAB_NAME_MAX || strcmp(de->d_name + len - 4, ".lab"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4), de->d_name);
		g = realloc(*out, (*n + 1) * sizeof(*g));
		if (!g)
			break;
		*out = g;
		if (lab_registry_read(name, &g[*n]) == 0)
			(*n)++;
	}
	closedir(dir);
	return 0;
}

bool lab_registry_owner_alive(const struct lab_registry_entry *e)
{
	if (e->owner <= 0)
		return false;
	if (kill(e->owner, 0) < 0 && errno == ESRCH)
		return false;
	return start_time_of(e->owner) == e->owner_start;
}
