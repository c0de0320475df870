/*
 * kernel_fetch.c: Debian kernel packages as test material for
 * `run --kernel` (kernel_fetch.h).
 *
 * kernel_fetch() downloads linux-image-<ABI>-unsigned with apt (the newest
 * 6.1-style build apt knows when no ABI is given), unpacks it and runs
 * depmod on it, all under a hidden ".fetch-*" directory of DIR, and only
 * then renames the unpacked tree into place, so a half-unpacked kernel is
 * never found:
 *
 *   DIR/<release>/boot/vmlinuz-<release>
 *   DIR/<release>/lib/modules/<release>/{modules.dep,modules.builtin,...}
 *
 * DIR defaults to $XDG_CACHE_HOME/mptcp-lab/kernels, else
 * ~/.cache/mptcp-lab/kernels. Every program runs from an argv array
 * (apt-cache, apt-get, dpkg-deb, depmod); nothing here needs root, and
 * nothing here prints: progress goes to the caller's say callback.
 *
 * This file does not boot anything (run_vm.c does) and does not know
 * kernels that are not Debian packages.
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "kernel_fetch.h"
#include "kimage.h"
#include "mtime.h"
#include "spawn.h"

#define KERNEL_APT_TIMEOUT_US (1800ull * 1000000)
#define KERNEL_TOOL_TIMEOUT_US (600ull * 1000000)

int kernel_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int kernel_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void kernel_rm_tree(const char *path)
{
	if (path && path[0])
		nftw(path, kernel_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t kernel_tree_bytes;

static int kernel_size_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F)
		kernel_tree_bytes += (uint64_t)st->st_size;
	return 0;
}

/* Bytes of the regular files under path. */
uint64_t kernel_tree_size(const char *path)
{
	kernel_tree_bytes = 0;
	nftw(path, kernel_size_entry, 16, FTW_PHYS);
	return kernel_tree_bytes;
}

int kernel_default_dir(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg && xdg[0] == '/')
		return xsnprintf(buf, size, "%s/mptcp-lab/kernels", xdg);
	if (home && home[0] == '/')
		return xsnprintf(buf, size, "%s/.cache/mptcp-lab/kernels", home);
	return -ENOENT;
}

/* Compare two package names by their numeric parts, left to right
 * ("6.1.0-9" < "6.1.0-47"); other characters compare as bytes. */
static int kernel_version_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			char *ea, *eb;
			unsigned long long va = strtoull(a, &ea, 10), vb = strtoull(b, &eb, 10);

			if (va != vb)
				return va < vb ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

/* Whether name is "linux-image-<digits and dots>-<digits>-amd64-unsigned". */
static bool kernel_pkg_is_plain_amd64(const char *name)
{
	const char *p = name + strlen(KERNEL_PKG_PREFIX);
	size_t n;

	if (strncmp(name, KERNEL_PKG_PREFIX, strlen(KERNEL_PKG_PREFIX)))
		return false;
	n = strspn(p, "0123456789.");
	if (!n || p[n] != '-')
		return false;
	p += n + 1;
	n = strspn(p, "0123456789");
	if (!n)
		return false;
	return !strcmp(p + n, "-amd64" KERNEL_PKG_SUFFIX);
}

/* The newest linux-image-*-amd64-unsigned apt knows. */
static int kernel_pick_newest(char *pkg, size_t size, struct diag *d)
{
	static const char *const argv[] = { "apt-cache", "search", "--names-only",
					    "^linux-image-[0-9.]+-[0-9]+-amd64-unsigned$", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result res = { 0 };
	struct diag sd = DIAG_INIT;
	char best[256] = "";
	int ret = 0;

	o.capture_stdout = o.capture_stderr = true;
	o.timeout_us = KERNEL_TOOL_TIMEOUT_US;
	if (spawn_run(argv, &o, &res, &sd) < 0) {
		ret = diag_set(d, -EOPNOTSUPP,
			       "cannot ask apt for kernel packages: %s (is this Debian? apt-cache is in the package 'apt')",
			       diag_str(&sd));
		goto out;
	}
	if (res.timed_out || res.signaled || res.exit_code) {
		ret = diag_set(d, -EOPNOTSUPP, "'apt-cache search' failed: %s",
			       res.err && res.err[0] ? res.err : "no message");
		goto out;
	}
	for (char *line = res.out; line && *line;) {
		size_t len = strcspn(line, "\n");
		size_t name_len = strcspn(line, " \n");
		char name[256];

		if (name_len < sizeof(name)) {
			memcpy(name, line, name_len);
			name[name_len] = '\0';
			if (kernel_pkg_is_plain_amd64(name) &&
			    (!best[0] || kernel_version_cmp(name, best) > 0))
				memcpy(best, name, name_len + 1);
		}
		line += len;
		if (*line)
			line++;
	}
	if (!best[0]) {
		ret = diag_set(d, -EOPNOTSUPP,
			       "apt knows no package 'linux-image-<version>-amd64-unsigned': run 'apt-get update' (as root), or name one");
		goto out;
	}
	if (xsnprintf(pkg, size, "%s", best) < 0)
		ret = diag_set(d, -ENAMETOOLONG, "the package name '%s' is too long", best);
out:
	spawn_result_release(&res);
	return ret;
}

/* Whether arg is a Debian kernel ABI without its flavour: 6.1.0-47 (a
 * 6.1-style ABI number) or 6.12.113+deb12 (a 6.12-style one), which the
 * packages' names follow with -amd64, -cloud-amd64, -rt-amd64. */
static bool kernel_abi_without_flavour(const char *arg)
{
	size_t n = strspn(arg, "0123456789.");

	if (!n || arg[0] == '.')
		return false;
	arg += n;
	if (arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9')
		return arg[1 + strspn(arg + 1, "0123456789")] == '\0';
	if (!strncmp(arg, "+deb", 4) && arg[4] >= '0' && arg[4] <= '9')
		return arg[4 + strspn(arg + 4, "0123456789")] == '\0';
	return false;
}

/* The package for ABI|PACKAGE, and the release it will unpack when that
 * can be told from the name (empty otherwise). -EINVAL for a name that is
 * neither. */
static int kernel_resolve_name(const char *arg, char *pkg, size_t pkg_size, char *release,
			       size_t rel_size, struct diag *d)
{
	size_t len = strlen(arg), pl = strlen(KERNEL_PKG_PREFIX), sl = strlen(KERNEL_PKG_SUFFIX);

	if (!len || strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789.+-") != len ||
	    arg[0] == '-' || arg[0] == '.')
		return diag_set(d, -EINVAL,
				"'%s' is neither a kernel ABI (like '6.1.0-27-amd64') nor a package name",
				arg);
	release[0] = '\0';
	if (!strncmp(arg, KERNEL_PKG_PREFIX, pl)) {
		if (xsnprintf(pkg, pkg_size, "%s", arg) < 0)
			return diag_set(d, -EINVAL, "the package name '%s' is too long", arg);
		/* linux-image-<release>[-unsigned]; a meta package such as
		 * linux-image-amd64 names no release. */
		if (len > pl + sl && !strcmp(arg + len - sl, KERNEL_PKG_SUFFIX) &&
		    len - pl - sl < rel_size) {
			memcpy(release, arg + pl, len - pl - sl);
			release[len - pl - sl] = '\0';
		}
		return 0;
	}
	if (xsnprintf(pkg, pkg_size, KERNEL_PKG_PREFIX "%s%s" KERNEL_PKG_SUFFIX, arg,
		      kernel_abi_without_flavour(arg) ? "-" KERNEL_DEFAULT_FLAVOUR : "") < 0 ||
	    xsnprintf(release, rel_size, "%s%s", arg,
		      kernel_abi_without_flavour(arg) ? "-" KERNEL_DEFAULT_FLAVOUR : "") < 0)
		return diag_set(d, -EINVAL, "the kernel ABI '%s' is too long", arg);
	return 0;
}

static bool kernel_is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

bool kernel_is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

bool kernel_paths(const char *dir, const char *release, char *image, char *modules)
{
	if (xsnprintf(image, PATH_MAX, "%s/%s/boot/vmlinuz-%s", dir, release, release) < 0 ||
	    xsnprintf(modules, PATH_MAX, "%s/%s/lib/modules/%s", dir, release, release) < 0)
		return false;
	return kernel_is_file(image);
}

/* Run argv; on failure the diag says what failed with the program's own
 * words, and hint (may be NULL) goes to *hint_out. fail_err when the
 * program ran and failed or timed out, -EOPNOTSUPP when it is missing. */
static int kernel_run(const char *const argv[], const char *cwd, uint64_t timeout_us,
		      const char *what, int fail_err, const char *hint, const char **hint_out,
		      struct diag *d)
{
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result res = { 0 };
	struct diag sd = DIAG_INIT;
	int ret = 0, r;

	o.cwd = cwd;
	o.capture_stdout = o.capture_stderr = true;
	o.timeout_us = timeout_us;
	r = spawn_run(argv, &o, &res, &sd);
	if (r == -EINTR) {
		ret = diag_set(d, -EINTR, "interrupted while trying to %s", what);
	} else if (r < 0) {
		ret = diag_set(d, r == -ENOENT ? -EOPNOTSUPP : -EIO, "cannot %s: %s", what,
			       diag_str(&sd));
	} else if (res.timed_out) {
		ret = diag_set(d, fail_err, "cannot %s: '%s' did not finish within %llu s", what,
			       argv[0], (unsigned long long)(timeout_us / 1000000));
	} else if (res.signaled || res.exit_code) {
		const char *msg = res.err && res.err[0] ? res.err : res.out ? res.out : "";
		size_t len = strlen(msg);

		while (len && msg[len - 1] == '\n')
			len--;
		if (res.signaled)
			ret = diag_set(d, fail_err, "cannot %s: '%s' was killed by signal %d", what,
				       argv[0], res.term_signal);
		else
			ret = diag_set(d, fail_err, "cannot %s: '%s' exited with %d: %.*s", what,
				       argv[0], res.exit_code, (int)len, msg);
		if (hint_out)
			*hint_out = hint;
	}
	spawn_result_release(&res);
	return ret;
}

/* The single *.deb in dir. */
static int kernel_find_deb(const char *dir, char *deb, size_t size)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!dh)
		return -errno;
	while ((e = readdir(dh))) {
		size_t len = strlen(e->d_name);

		if (len > 4 && !strcmp(e->d_name + len - 4, ".deb")) {
			if (found++ || xsnprintf(deb, size, "%s/%s", dir, e->d_name) < 0) {
				closedir(dh);
				return -EINVAL;
			}
		}
	}
	closedir(dh);
	return found ? 0 : -ENOENT;
}

/* The one release under root/lib/modules. */
static int kernel_find_release(const char *root, char *release, size_t size)
{
	char path[PATH_MAX];
	struct dirent *e;
	int found = 0;
	DIR *dh;

	if (xsnprintf(path, sizeof(path), "%s/lib/modules", root) < 0)
		return -ENAMETOOLONG;
	dh = opendir(path);
	if (!dh)
		return -errno;
	while ((e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		if (found++ || xsnprintf(release, size, "%s", e->d_name) < 0) {
			closedir(dh);
			return -EINVAL;
		}
	}
	closedir(dh);
	return found ? 0 : -ENOENT;
}

static const char *kernel_depmod_path(void)
{
	static const char *const fixed[] = { "/usr/sbin/depmod", "/sbin/depmod" };
	static char found[PATH_MAX];
	char *p = spawn_which("depmod");

	if (p) {
		int r = xsnprintf(found, sizeof(found), "%s", p);

		free(p);
		if (!r)
			return found;
	}
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (!access(fixed[i], X_OK))
			return fixed[i];
	return NULL;
}

/* apt-get download, with apt's own message and a hint when it fails. */
static int kernel_download(const char *pkg, const char *cwd, const char **hint, struct diag *d)
{
	const char *const argv[] = { "apt-get", "download", "-q", pkg, NULL };
	char what[300];

	snprintf(what, sizeof(what), "download '%s'", pkg);
	return kernel_run(argv, cwd, KERNEL_APT_TIMEOUT_US, what, -EOPNOTSUPP,
			  "run 'apt-get update' (as root) so apt knows the current kernel packages; 'apt-cache search linux-image-6.1.0' lists them",
			  hint, d);
}

static void kernel_say(const struct kernel_fetch_observer *obs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void kernel_say(const struct kernel_fetch_observer *obs, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (!obs || !obs->say)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	obs->say(obs->arg, line);
}

int kernel_fetch(const char *dir, const char *arg, const struct kernel_fetch_observer *obs,
		 struct kernel_fetched *out, struct diag *d)
{
	char pkg[256], release[256], got_release[256];
	char work[PATH_MAX] = "", debdir[PATH_MAX], root[PATH_MAX], deb[PATH_MAX];
	char dest[PATH_MAX];
	struct diag kd = DIAG_INIT;
	const char *depmod;
	uint64_t t0 = mtime_now_us();
	int ret, r;

	memset(out, 0, sizeof(*out));
	if (arg) {
		ret = kernel_resolve_name(arg, pkg, sizeof(pkg), release, sizeof(release), d);
		if (ret == 0 && kernel_abi_without_flavour(arg))
			kernel_say(obs, "'%s' names no flavour: " KERNEL_DEFAULT_FLAVOUR
					" chosen (%s; name the ABI in full for another, e.g. '%s-cloud-amd64')",
				   arg, pkg, arg);
	} else {
		release[0] = '\0';
		ret = kernel_pick_newest(pkg, sizeof(pkg), d);
		if (ret == 0) {
			size_t len = strlen(pkg) - strlen(KERNEL_PKG_PREFIX) - strlen(KERNEL_PKG_SUFFIX);

			memcpy(release, pkg + strlen(KERNEL_PKG_PREFIX), len);
			release[len] = '\0';
		}
	}
	if (ret < 0)
		return ret;
	snprintf(out->pkg, sizeof(out->pkg), "%s", pkg);
	if (release[0] && kernel_paths(dir, release, out->image, out->modules)) {
		out->already = true;
		snprintf(out->release, sizeof(out->release), "%s", release);
		return 0;
	}
	depmod = kernel_depmod_path();
	if (!depmod)
		return diag_set(d, -EOPNOTSUPP,
				"cannot fetch '%s': depmod not found (install the Debian package 'kmod')",
				pkg);
	r = kernel_mkdirs(dir);
	if (r < 0)
		return diag_set(d, r, "cannot create the kernel directory '%s': %s", dir,
				strerror(-r));
	if (xsnprintf(work, sizeof(work), "%s/.fetch-XXXXXX", dir) < 0 || !mkdtemp(work)) {
		ret = diag_set(d, -errno, "cannot create a work directory in '%s': %s", dir,
			       strerror(errno));
		work[0] = '\0';
		return ret;
	}
	/* apt downloads as the unprivileged user _apt when it can write
	 * there, which mkdtemp's 0700 would prevent. */
	chmod(work, 0755);
	if (xsnprintf(debdir, sizeof(debdir), "%s/deb", work) < 0 ||
	    xsnprintf(root, sizeof(root), "%s/root", work) < 0 || mkdir(debdir, 0777) < 0 ||
	    chmod(debdir, 0777) < 0) {
		ret = diag_set(d, -EIO, "cannot create a work directory in '%s': %s", work,
			       strerror(errno));
		goto out;
	}

	kernel_say(obs, "downloading %s", pkg);
	ret = kernel_download(pkg, debdir, &out->hint, d);
	if (ret < 0)
		goto out;
	r = kernel_find_deb(debdir, deb, sizeof(deb));
	if (r < 0) {
		ret = diag_set(d, -EIO, "apt-get download '%s' left %s .deb file in '%s'", pkg,
			       r == -ENOENT ? "no" : "more than one", debdir);
		goto out;
	}
	kernel_say(obs, "unpacking %s", strrchr(deb, '/') + 1);
	{
		const char *const argv[] = { "dpkg-deb", "-x", deb, root, NULL };

		ret = kernel_run(argv, NULL, KERNEL_TOOL_TIMEOUT_US, "unpack the kernel package",
				 -EIO, NULL, NULL, d);
		if (ret < 0)
			goto out;
	}
	unlink(deb);
	r = kernel_find_release(root, got_release, sizeof(got_release));
	if (r < 0) {
		ret = diag_set(d, -EBADMSG,
			       "the package '%s' holds %s directory in lib/modules: not a kernel image package",
			       pkg, r == -ENOENT ? "no" : "more than one");
		goto out;
	}
	if (release[0] && strcmp(release, got_release)) {
		ret = diag_set(d, -EBADMSG, "the package '%s' holds the kernel '%s', not '%s'", pkg,
			       got_release, release);
		goto out;
	}
	memcpy(release, got_release, sizeof(release));
	{
		char img[PATH_MAX], img_release[256];

		if (xsnprintf(img, sizeof(img), "%s/boot/vmlinuz-%s", root, release) < 0 ||
		    kimage_release(img, img_release, sizeof(img_release), &kd) < 0) {
			ret = diag_set(d, -EBADMSG, "the package '%s' has no usable image: %s", pkg,
				       kd.err ? diag_str(&kd) : "path too long");
			goto out;
		}
		if (strcmp(img_release, release)) {
			ret = diag_set(d, -EBADMSG, "the image of '%s' says it is '%s', its modules say '%s'",
				       pkg, img_release, release);
			goto out;
		}
	}
	{
		const char *const argv[] = { depmod, "-b", root, release, NULL };

		ret = kernel_run(argv, NULL, KERNEL_TOOL_TIMEOUT_US,
				 "index the kernel's modules with depmod", -EIO, NULL, NULL, d);
		if (ret < 0)
			goto out;
	}
	snprintf(out->release, sizeof(out->release), "%s", release);
	if (xsnprintf(dest, sizeof(dest), "%s/%s", dir, release) < 0) {
		ret = diag_set(d, -ENAMETOOLONG, "the path '%s/%s' is too long", dir, release);
		goto out;
	}
	if (rename(root, dest) < 0) {
		/* Another fetch of the same kernel finished first. */
		if ((errno == EEXIST || errno == ENOTEMPTY) &&
		    kernel_paths(dir, release, out->image, out->modules)) {
			out->already = true;
			ret = 0;
			goto out;
		}
		ret = diag_set(d, -errno, "cannot move the unpacked kernel to '%s': %s", dest,
			       strerror(errno));
		goto out;
	}
	if (!kernel_paths(dir, release, out->image, out->modules)) {
		ret = diag_set(d, -EBADMSG, "the package '%s' has no 'boot/vmlinuz-%s'", pkg, release);
		goto out;
	}
	out->seconds = (double)(mtime_now_us() - t0) / 1e6;
	ret = 0;
out:
	kernel_rm_tree(work);
	return ret;
}

int kernel_list(const char *dir, struct kernel_listed **out, size_t *n, struct diag *d)
{
	struct dirent **names = NULL;
	int nn;

	*out = NULL;
	*n = 0;
	nn = scandir(dir, &names, NULL, alphasort);
	if (nn < 0) {
		if (errno == ENOENT)
			return 0;
		return diag_set(d, -errno, "cannot list '%s': %s", dir, strerror(errno));
	}
	for (int i = 0; i < nn; i++) {
		struct kernel_listed k = { 0 };
		const char *rel = names[i]->d_name;

		if (rel[0] != '.' && kernel_paths(dir, rel, k.image, k.modules) &&
		    !xsnprintf(k.tree, sizeof(k.tree), "%s/%s", dir, rel) &&
		    !xsnprintf(k.release, sizeof(k.release), "%s", rel)) {
			struct kernel_listed *g = array_grow(*out, *n, sizeof(*g));

			if (!g) {
				for (; i < nn; i++)
					free(names[i]);
				free(names);
				return diag_set(d, -ENOMEM, "out of memory");
			}
			*out = g;
			g[(*n)++] = k;
		}
		free(names[i]);
	}
	free(names);
	return 0;
}
