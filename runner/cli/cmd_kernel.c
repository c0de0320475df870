/*
 * cmd_kernel.c: `mptcp-lab kernel fetch [--dir DIR] [ABI|PACKAGE]` and
 * `mptcp-lab kernel list [--dir DIR]`: Debian kernel packages as test
 * material for `run --kernel`.
 *
 * fetch downloads linux-image-<ABI>-unsigned with apt (the newest
 * 6.1-style build apt knows when no ABI is given), unpacks it and runs
 * depmod on it, all under a hidden ".fetch-*" directory of DIR, and only
 * then renames the unpacked tree into place, so a half-unpacked kernel is
 * never found:
 *
 *   DIR/<release>/boot/vmlinuz-<release>
 *   DIR/<release>/lib/modules/<release>/{modules.dep,modules.builtin,...}
 *
 * The last lines it prints, "image: PATH" and "modules: PATH", are for
 * scripts. DIR defaults to $XDG_CACHE_HOME/mptcp-lab/kernels, else
 * ~/.cache/mptcp-lab/kernels. Every program runs from an argv array (apt-get,
 * dpkg-deb, depmod); nothing here needs root.
 *
 * This command does not boot anything (run --kernel does) and does not
 * know kernels that are not Debian packages.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "exitcodes.h"
#include "initramfs.h"
#include "kimage.h"
#include "mtime.h"
#include "spawn.h"

#define KERNEL_APT_TIMEOUT_US (1800ull * 1000000)
#define KERNEL_TOOL_TIMEOUT_US (600ull * 1000000)
#define KERNEL_PKG_PREFIX "linux-image-"
#define KERNEL_PKG_SUFFIX "-unsigned"

/* mkdir -p; 0 or -errno. */
static int kernel_mkdirs(const char *path)
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
static uint64_t kernel_tree_size(const char *path)
{
	kernel_tree_bytes = 0;
	nftw(path, kernel_size_entry, 16, FTW_PHYS);
	return kernel_tree_bytes;
}

static int kernel_default_dir(char *buf, size_t size)
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

/* The newest linux-image-*-amd64-unsigned apt knows; exit code. */
static int kernel_pick_newest(char *pkg, size_t size)
{
	static const char *const argv[] = { "apt-cache", "search", "--names-only",
					    "^linux-image-[0-9.]+-[0-9]+-amd64-unsigned$", NULL };
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result res = { 0 };
	struct diag d = DIAG_INIT;
	char best[256] = "";
	int ret = EXIT_OK;

	o.capture_stdout = o.capture_stderr = true;
	o.timeout_us = KERNEL_TOOL_TIMEOUT_US;
	if (spawn_run(argv, &o, &res, &d) < 0) {
		say_error("cannot ask apt for kernel packages: %s (is this Debian? apt-cache is in the package 'apt')",
			  diag_str(&d));
		ret = EXIT_UNAVAILABLE;
		goto out;
	}
	if (res.timed_out || res.signaled || res.exit_code) {
		say_error("'apt-cache search' failed: %s", res.err && res.err[0] ? res.err : "no message");
		ret = EXIT_UNAVAILABLE;
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
		say_error("apt knows no package 'linux-image-<version>-amd64-unsigned': run 'apt-get update' (as root), or name one");
		ret = EXIT_UNAVAILABLE;
		goto out;
	}
	if (xsnprintf(pkg, size, "%s", best) < 0) {
		ret = EXIT_SOFTWARE;
		goto out;
	}
out:
	spawn_result_release(&res);
	return ret;
}

/* The package for ABI|PACKAGE, and the release it will unpack when that
 * can be told from the name (empty otherwise). Exit code. */
static int kernel_resolve_name(const char *arg, char *pkg, size_t pkg_size, char *release,
			       size_t rel_size)
{
	size_t len = strlen(arg), pl = strlen(KERNEL_PKG_PREFIX), sl = strlen(KERNEL_PKG_SUFFIX);

	if (!len || strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789.+-") != len ||
	    arg[0] == '-' || arg[0] == '.') {
		say_error("'%s' is neither a kernel ABI (like '6.1.0-27-amd64') nor a package name",
			  arg);
		return EXIT_USAGE;
	}
	release[0] = '\0';
	if (!strncmp(arg, KERNEL_PKG_PREFIX, pl)) {
		if (xsnprintf(pkg, pkg_size, "%s", arg) < 0)
			return EXIT_USAGE;
		/* linux-image-<release>[-unsigned]; a meta package such as
		 * linux-image-amd64 names no release. */
		if (len > pl + sl && !strcmp(arg + len - sl, KERNEL_PKG_SUFFIX) &&
		    len - pl - sl < rel_size) {
			memcpy(release, arg + pl, len - pl - sl);
			release[len - pl - sl] = '\0';
		}
		return EXIT_OK;
	}
	if (xsnprintf(pkg, pkg_size, KERNEL_PKG_PREFIX "%s" KERNEL_PKG_SUFFIX, arg) < 0 ||
	    xsnprintf(release, rel_size, "%s", arg) < 0) {
		say_error("the kernel ABI '%s' is too long", arg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static bool kernel_is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool kernel_is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* DIR/<release>'s image and modules paths; whether the image exists. */
static bool kernel_paths(const char *dir, const char *release, char *image, char *modules)
{
	if (xsnprintf(image, PATH_MAX, "%s/%s/boot/vmlinuz-%s", dir, release, release) < 0 ||
	    xsnprintf(modules, PATH_MAX, "%s/%s/lib/modules/%s", dir, release, release) < 0)
		return false;
	return kernel_is_file(image);
}

/* What a kernel's modules say about the guest's 9p root, one line. */
static void kernel_say_guest_modules(const char *modules)
{
	struct diag d = DIAG_INIT;
	char **paths = NULL;
	size_t n = 0;

	if (initramfs_modules(modules, &paths, &n, &d) < 0) {
		printf("warning: %s\n", diag_str(&d));
		return;
	}
	printf("guest modules: %zu for a 9p root over virtio-pci%s\n", n,
	       n ? "" : " (all built in)");
	initramfs_modules_release(paths, n);
}

static void kernel_say_done(const char *release, const char *image, const char *modules,
			    const char *dir)
{
	char tree[PATH_MAX];

	if (xsnprintf(tree, sizeof(tree), "%s/%s", dir, release) == 0)
		printf("size: %.1f MiB\n", (double)kernel_tree_size(tree) / (1024.0 * 1024.0));
	kernel_say_guest_modules(modules);
	printf("release: %s\nimage: %s\nmodules: %s\n", release, image, modules);
}

/* Run argv; on failure say what failed with the program's own words,
 * then the hint (may be NULL). Exit code: fail_code when the program ran
 * and failed or timed out, 69 when it is missing. */
static int kernel_run(const char *const argv[], const char *cwd, uint64_t timeout_us,
		      const char *what, int fail_code, const char *hint)
{
	struct spawn_opts o = SPAWN_OPTS_INIT;
	struct spawn_result res = { 0 };
	struct diag d = DIAG_INIT;
	int ret = EXIT_OK, r;

	o.cwd = cwd;
	o.capture_stdout = o.capture_stderr = true;
	o.timeout_us = timeout_us;
	r = spawn_run(argv, &o, &res, &d);
	if (r == -EINTR) {
		say_error("interrupted while trying to %s", what);
		ret = EXIT_SOFTWARE;
	} else if (r < 0) {
		say_error("cannot %s: %s", what, diag_str(&d));
		ret = r == -ENOENT ? EXIT_UNAVAILABLE : EXIT_SOFTWARE;
	} else if (res.timed_out) {
		say_error("cannot %s: '%s' did not finish within %llu s", what, argv[0],
			  (unsigned long long)(timeout_us / 1000000));
		ret = fail_code;
	} else if (res.signaled || res.exit_code) {
		const char *msg = res.err && res.err[0] ? res.err : res.out ? res.out : "";
		size_t len = strlen(msg);

		while (len && msg[len - 1] == '\n')
			len--;
		if (res.signaled)
			say_error("cannot %s: '%s' was killed by signal %d", what, argv[0],
				  res.term_signal);
		else
			say_error("cannot %s: '%s' exited with %d: %.*s", what, argv[0],
				  res.exit_code, (int)len, msg);
		if (hint)
			fprintf(stderr, "hint: %s\n", hint);
		ret = fail_code;
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
static int kernel_download(const char *pkg, const char *cwd)
{
	const char *const argv[] = { "apt-get", "download", "-q", pkg, NULL };
	char what[300];

	snprintf(what, sizeof(what), "download '%s'", pkg);
	return kernel_run(argv, cwd, KERNEL_APT_TIMEOUT_US, what, EXIT_UNAVAILABLE,
			  "run 'apt-get update' (as root) so apt knows the current kernel packages; 'apt-cache search linux-image-6.1.0' lists them");
}

static int kernel_fetch(const char *dir, const char *arg)
{
	char pkg[256], release[256], got_release[256], image[PATH_MAX], modules[PATH_MAX];
	char work[PATH_MAX] = "", debdir[PATH_MAX], root[PATH_MAX], deb[PATH_MAX];
	char dest[PATH_MAX];
	struct diag d = DIAG_INIT;
	const char *depmod;
	uint64_t t0 = mtime_now_us();
	int ret, r;

	if (arg)
		ret = kernel_resolve_name(arg, pkg, sizeof(pkg), release, sizeof(release));
	else {
		release[0] = '\0';
		ret = kernel_pick_newest(pkg, sizeof(pkg));
		if (ret == EXIT_OK) {
			size_t len = strlen(pkg) - strlen(KERNEL_PKG_PREFIX) - strlen(KERNEL_PKG_SUFFIX);

			memcpy(release, pkg + strlen(KERNEL_PKG_PREFIX), len);
			release[len] = '\0';
		}
	}
	if (ret != EXIT_OK)
		return ret;
	if (release[0] && kernel_paths(dir, release, image, modules)) {
		printf("kernel %s is already in '%s'\n", release, dir);
		kernel_say_done(release, image, modules, dir);
		return EXIT_OK;
	}
	depmod = kernel_depmod_path();
	if (!depmod) {
		say_error("cannot fetch '%s': depmod not found (install the Debian package 'kmod')",
			  pkg);
		return EXIT_UNAVAILABLE;
	}
	r = kernel_mkdirs(dir);
	if (r < 0) {
		say_error("cannot create the kernel directory '%s': %s", dir, strerror(-r));
		return EXIT_SOFTWARE;
	}
	if (xsnprintf(work, sizeof(work), "%s/.fetch-XXXXXX", dir) < 0 || !mkdtemp(work)) {
		say_error("cannot create a work directory in '%s': %s", dir, strerror(errno));
		work[0] = '\0';
		return EXIT_SOFTWARE;
	}
	/* apt downloads as the unprivileged user _apt when it can write
	 * there, which mkdtemp's 0700 would prevent. */
	chmod(work, 0755);
	if (xsnprintf(debdir, sizeof(debdir), "%s/deb", work) < 0 ||
	    xsnprintf(root, sizeof(root), "%s/root", work) < 0 || mkdir(debdir, 0777) < 0 ||
	    chmod(debdir, 0777) < 0) {
		say_error("cannot create a work directory in '%s': %s", work, strerror(errno));
		ret = EXIT_SOFTWARE;
		goto out;
	}

	printf("downloading %s\n", pkg);
	fflush(stdout);
	ret = kernel_download(pkg, debdir);
	if (ret != EXIT_OK)
		goto out;
	r = kernel_find_deb(debdir, deb, sizeof(deb));
	if (r < 0) {
		say_error("apt-get download '%s' left %s .deb file in '%s'", pkg,
			  r == -ENOENT ? "no" : "more than one", debdir);
		ret = EXIT_SOFTWARE;
		goto out;
	}
	printf("unpacking %s\n", strrchr(deb, '/') + 1);
	fflush(stdout);
	{
		const char *const argv[] = { "dpkg-deb", "-x", deb, root, NULL };

		ret = kernel_run(argv, NULL, KERNEL_TOOL_TIMEOUT_US, "unpack the kernel package",
				 EXIT_SOFTWARE, NULL);
		if (ret != EXIT_OK)
			goto out;
	}
	unlink(deb);
	r = kernel_find_release(root, got_release, sizeof(got_release));
	if (r < 0) {
		say_error("the package '%s' holds %s directory in lib/modules: not a kernel image package",
			  pkg, r == -ENOENT ? "no" : "more than one");
		ret = EXIT_DATAERR;
		goto out;
	}
	if (release[0] && strcmp(release, got_release)) {
		say_error("the package '%s' holds the kernel '%s', not '%s'", pkg, got_release,
			  release);
		ret = EXIT_DATAERR;
		goto out;
	}
	memcpy(release, got_release, sizeof(release));
	{
		char img[PATH_MAX], img_release[256];

		if (xsnprintf(img, sizeof(img), "%s/boot/vmlinuz-%s", root, release) < 0 ||
		    kimage_release(img, img_release, sizeof(img_release), &d) < 0) {
			say_error("the package '%s' has no usable image: %s", pkg,
				  d.err ? diag_str(&d) : "path too long");
			ret = EXIT_DATAERR;
			goto out;
		}
		if (strcmp(img_release, release)) {
			say_error("the image of '%s' says it is '%s', its modules say '%s'", pkg,
				  img_release, release);
			ret = EXIT_DATAERR;
			goto out;
		}
	}
	{
		const char *const argv[] = { depmod, "-b", root, release, NULL };

		ret = kernel_run(argv, NULL, KERNEL_TOOL_TIMEOUT_US,
				 "index the kernel's modules with depmod", EXIT_SOFTWARE, NULL);
		if (ret != EXIT_OK)
			goto out;
	}
	if (xsnprintf(dest, sizeof(dest), "%s/%s", dir, release) < 0) {
		say_error("the path '%s/%s' is too long", dir, release);
		ret = EXIT_SOFTWARE;
		goto out;
	}
	if (rename(root, dest) < 0) {
		/* Another fetch of the same kernel finished first. */
		if ((errno == EEXIST || errno == ENOTEMPTY) &&
		    kernel_paths(dir, release, image, modules)) {
			printf("kernel %s is already in '%s'\n", release, dir);
			kernel_say_done(release, image, modules, dir);
			ret = EXIT_OK;
			goto out;
		}
		say_error("cannot move the unpacked kernel to '%s': %s", dest, strerror(errno));
		ret = EXIT_SOFTWARE;
		goto out;
	}
	if (!kernel_paths(dir, release, image, modules)) {
		say_error("the package '%s' has no 'boot/vmlinuz-%s'", pkg, release);
		ret = EXIT_DATAERR;
		goto out;
	}
	printf("fetched %s in %.1f s\n", pkg, (double)(mtime_now_us() - t0) / 1e6);
	kernel_say_done(release, image, modules, dir);
	ret = EXIT_OK;
out:
	kernel_rm_tree(work);
	return ret;
}

static int kernel_list(const char *dir)
{
	struct dirent **names = NULL;
	unsigned shown = 0;
	int n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT) {
			printf("no kernels in '%s' (fetch one with 'mptcp-lab kernel fetch')\n", dir);
			return EXIT_OK;
		}
		say_error("cannot list '%s': %s", dir, strerror(errno));
		return EXIT_SOFTWARE;
	}
	for (int i = 0; i < n; i++) {
		char image[PATH_MAX], modules[PATH_MAX], tree[PATH_MAX];
		const char *rel = names[i]->d_name;

		if (rel[0] != '.' && kernel_paths(dir, rel, image, modules) &&
		    !xsnprintf(tree, sizeof(tree), "%s/%s", dir, rel)) {
			if (!shown++)
				printf("%-24s %9s  %s\n", "RELEASE", "SIZE", "IMAGE / MODULES");
			printf("%-24s %6.1f MiB  %s\n%-24s %9s  %s%s\n", rel,
			       (double)kernel_tree_size(tree) / (1024.0 * 1024.0), image, "", "",
			       modules, kernel_is_dir(modules) ? "" : " (missing)");
		}
		free(names[i]);
	}
	free(names);
	if (!shown)
		printf("no kernels in '%s' (fetch one with 'mptcp-lab kernel fetch')\n", dir);
	return EXIT_OK;
}

int cmd_kernel(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char dir_buf[PATH_MAX];
	const char *dir = NULL, *sub;
	bool fetch;
	int c;

	if (argc < 2)
		return usage_of("kernel");
	sub = argv[1];
	if (!strcmp(sub, "fetch"))
		fetch = true;
	else if (!strcmp(sub, "list"))
		fetch = false;
	else {
		if (sub[0] != '-')
			say_error("'kernel %s' is not a subcommand: 'fetch' or 'list'", sub);
		return usage_of("kernel");
	}
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		default:
			return usage_of("kernel");
		}
	}
	argc--;
	argv++;
	if (argc - optind > (fetch ? 1 : 0))
		return usage_of("kernel");
	if (dir && !dir[0]) {
		say_error("'--dir' needs a directory");
		return EXIT_USAGE;
	}
	if (!dir) {
		if (kernel_default_dir(dir_buf, sizeof(dir_buf)) < 0) {
			say_error("no kernel directory: set HOME or XDG_CACHE_HOME, or pass --dir");
			return EXIT_USAGE;
		}
		dir = dir_buf;
	}
	if (fetch)
		return kernel_fetch(dir, optind < argc ? argv[optind] : NULL);
	return kernel_list(dir);
}
