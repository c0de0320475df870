/*
 * cmd_kernel.c: `mptcp-lab kernel fetch [--dir DIR] [ABI|PACKAGE]`,
 * `mptcp-lab kernel list [--dir DIR]` and `mptcp-lab kernel build --tree
 * DIR ...`: the options, then kernel_fetch(), kernel_list() (runner/vm/
 * kernel_fetch.h) or kernel_build() (runner/vm/kernel_build.h), then what
 * they did.
 *
 * The last lines fetch and build print, "release: R", "image: PATH" (and
 * "modules: PATH" for fetch), are for scripts.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "commands.h"
#include "exitcodes.h"
#include "initramfs.h"
#include "kernel_build.h"
#include "kernel_fetch.h"
#include "vm_cli.h"

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

/* ---- kernel build ------------------------------------------------------------ */

enum { KB_OPT_TREE = 1000, KB_OPT_OUT, KB_OPT_JOBS, KB_OPT_FRAGMENT, KB_OPT_BASE, KB_OPT_CONFIG_ONLY,
       KB_OPT_NICE };

static int kernel_build_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tree", required_argument, NULL, KB_OPT_TREE },
		{ "out", required_argument, NULL, KB_OPT_OUT },
		{ "jobs", required_argument, NULL, KB_OPT_JOBS },
		{ "fragment", required_argument, NULL, KB_OPT_FRAGMENT },
		{ "base", required_argument, NULL, KB_OPT_BASE },
		{ "config-only", no_argument, NULL, KB_OPT_CONFIG_ONLY },
		{ "nice", required_argument, NULL, KB_OPT_NICE },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct kernel_build_opts o = { .cancel = (const volatile int *)&mpl_interrupted };
	const char **fragments = NULL;
	size_t n_fragments = 0;
	struct vm_cli_build view;
	struct kernel_built k;
	struct diag d = DIAG_INIT;
	int c, r, ret = EXIT_USAGE;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case KB_OPT_TREE:
			o.tree = optarg;
			break;
		case KB_OPT_OUT:
			o.out = optarg;
			break;
		case KB_OPT_JOBS:
		case KB_OPT_NICE: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || !*optarg || (c == KB_OPT_JOBS ? v < 1 || v > 1024 : v < 0 || v > 19)) {
				say_error("--%s must be %s, got '%s'", c == KB_OPT_JOBS ? "jobs" : "nice",
					  c == KB_OPT_JOBS ? "1-1024" : "0-19", optarg);
				goto out;
			}
			if (c == KB_OPT_JOBS)
				o.jobs = (unsigned)v;
			else
				o.nice = (int)v;
			break;
		}
		case KB_OPT_FRAGMENT:
			if (cmdutil_add_arg(&fragments, &n_fragments, optarg)) {
				ret = EXIT_SOFTWARE;
				goto out;
			}
			break;
		case KB_OPT_BASE:
			o.base = optarg;
			break;
		case KB_OPT_CONFIG_ONLY:
			o.config_only = true;
			break;
		default:
			usage_of("kernel");
			goto out;
		}
	}
	if (optind != argc) {
		say_error("'kernel build' takes no arguments but options, got '%s'", argv[optind]);
		goto out;
	}
	if (!o.tree || !o.tree[0]) {
		say_error("'kernel build' needs --tree DIR, the kernel source tree");
		goto out;
	}
	if (o.base && !o.base[0]) {
		say_error("--base must be tinyconfig, defconfig or a config file");
		goto out;
	}
	o.fragments = fragments;
	o.n_fragments = n_fragments;
	vm_cli_build_init(&view, "");
	r = kernel_build(&o, &view.obs, &k, &d);
	vm_cli_build_done(&view);
	ret = vm_cli_build_outcome(r, &k, &d);
	if (r < 0)
		goto out;
	if (o.config_only) {
		printf("configured in %.1f s: %zu options set by the fragments, every one kept%s\n",
		       k.config_seconds, k.n_wanted, k.config_changed ? "" : " (configuration unchanged)");
		printf("config: %s\n", k.config);
		goto out;
	}
	printf("built in %.1f s (configured in %.1f s, %zu options checked%s; %u objects compiled)\n",
	       k.build_seconds + k.config_seconds, k.config_seconds, k.n_wanted,
	       k.config_changed ? "" : ", configuration unchanged", k.compiled);
	printf("log: %s\nconfig: %s\nrelease: %s\nimage: %s\n", k.log, k.config, k.release, k.image);
out:
	free(fragments);
	return ret;
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
	if (!strcmp(sub, "build"))
		return kernel_build_cmd(argc - 1, argv + 1);
	if (!strcmp(sub, "fetch"))
		fetch = true;
	else if (!strcmp(sub, "list"))
		fetch = false;
	else {
		if (sub[0] != '-')
			say_error("'kernel %s' is not a subcommand: 'build', 'fetch' or 'list'", sub);
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
