/*
 * cmd_kernel.c: `mptcp-lab kernel fetch [--dir DIR] [ABI|PACKAGE]` and
 * `mptcp-lab kernel list [--dir DIR]`: the options, then kernel_fetch()
 * or kernel_list() (runner/vm/kernel_fetch.h), then what they did.
 *
 * The last lines fetch prints, "image: PATH" and "modules: PATH", are for
 * scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exitcodes.h"
#include "initramfs.h"
#include "kernel_fetch.h"

static void kernel_say_line(void *arg, const char *line)
{
	(void)arg;
	printf("%s\n", line);
	fflush(stdout);
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

static int kernel_fetch_cmd(const char *dir, const char *arg)
{
	const struct kernel_fetch_observer obs = { .say = kernel_say_line };
	struct kernel_fetched k;
	struct diag d = DIAG_INIT;
	char tree[PATH_MAX];
	int r;

	r = kernel_fetch(dir, arg, &obs, &k, &d);
	if (r < 0) {
		say_error("%s", diag_str(&d));
		if (k.hint)
			fprintf(stderr, "hint: %s\n", k.hint);
		return r == -EINVAL	 ? EXIT_USAGE :
		       r == -EOPNOTSUPP ? EXIT_UNAVAILABLE :
		       r == -EBADMSG	 ? EXIT_DATAERR :
					   EXIT_SOFTWARE;
	}
	if (k.already)
		printf("kernel %s is already in '%s'\n", k.release, dir);
	else
		printf("fetched %s in %.1f s\n", k.pkg, k.seconds);
	if (xsnprintf(tree, sizeof(tree), "%s/%s", dir, k.release) == 0)
		printf("size: %.1f MiB\n", (double)kernel_tree_size(tree) / (1024.0 * 1024.0));
	kernel_say_guest_modules(k.modules);
	printf("release: %s\nimage: %s\nmodules: %s\n", k.release, k.image, k.modules);
	return EXIT_OK;
}

static int kernel_list_cmd(const char *dir)
{
	struct kernel_listed *ks = NULL;
	struct diag d = DIAG_INIT;
	size_t n = 0;

	if (kernel_list(dir, &ks, &n, &d) < 0) {
		say_error("%s", diag_str(&d));
		return EXIT_SOFTWARE;
	}
	for (size_t i = 0; i < n; i++) {
		if (!i)
			printf("%-24s %9s  %s\n", "RELEASE", "SIZE", "IMAGE / MODULES");
		printf("%-24s %6.1f MiB  %s\n%-24s %9s  %s%s\n", ks[i].release,
		       (double)kernel_tree_size(ks[i].tree) / (1024.0 * 1024.0), ks[i].image, "", "",
		       ks[i].modules, kernel_is_dir(ks[i].modules) ? "" : " (missing)");
	}
	if (!n)
		printf("no kernels in '%s' (fetch one with 'mptcp-lab kernel fetch')\n", dir);
	free(ks);
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
		return kernel_fetch_cmd(dir, optind < argc ? argv[optind] : NULL);
	return kernel_list_cmd(dir);
}
