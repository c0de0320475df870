/*
 * kernel_build.h: a lab kernel from a kernel source tree, for
 * `run --kernel` and `bisect-run --tree`: configured with the lab's own
 * fragment, checked, built out of tree.
 *
 *   base      make tinyconfig | make defconfig | a config file
 *   merge     the lab's fragment (kconfig/lab.config: everything the lab
 *             and its guest need, built in, no modules), then
 *             lab-bpf-sched.config when the tree offers BPF MPTCP
 *             schedulers, then the caller's fragments, in order
 *   check     make olddefconfig; every option of every fragment must have
 *             survived it, else the error names each lost one and why
 *             (the tree's Kconfig: kconfig.h)
 *   build     make bzImage in the output directory (O=), its output in a
 *             log file there; .config is replaced only when it changed, so
 *             a second build of the same tree after a small change
 *             recompiles only what changed (make's own incremental build)
 *
 * make runs from an argv (no shell), with the caller's niceness added,
 * under the cancel flag and a timeout. Progress goes to the observer;
 * nothing here prints.
 *
 * Errors: -EBADMSG the input (no such tree, not a kernel tree, a tree
 * configured in place, a bad or unreadable fragment, options lost: the
 * result's lost list), -EOPNOTSUPP make missing, -EIO make failed (the
 * log's last lines in the result), -ETIMEDOUT, -EINTR, -ENOMEM and others
 * internal; the diag says what.
 */
#ifndef MPL_KERNEL_BUILD_H
#define MPL_KERNEL_BUILD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define KERNEL_BUILD_LOG "mptcp-lab-build.log" /* in the output directory */
#define KERNEL_BUILD_FRAGMENT "lab.config"
#define KERNEL_BUILD_BPF_FRAGMENT "lab-bpf-sched.config"

struct kernel_build_opts {
	const char *tree;	/* the kernel source tree */
	const char *out;	/* O=; NULL: kernel_build_default_out() */
	unsigned jobs;		/* make -j; 0: the CPUs online */
	const char *const *fragments; /* merged after the lab's own, in order */
	size_t n_fragments;
	const char *base;	/* NULL or "tinyconfig", "defconfig", or a config file */
	bool config_only;	/* configure and check; no compile */
	int nice;		/* added to make's niceness */
	uint64_t timeout_us;	/* the whole build; 0: none */
	const volatile int *cancel;
};

enum kernel_build_phase { KERNEL_BUILD_CONFIGURE, KERNEL_BUILD_COMPILE };

struct kernel_build_progress {
	enum kernel_build_phase phase;
	unsigned compiled;	/* objects compiled so far (make's CC and AS lines) */
	const char *last;	/* make's last line, e.g. "  CC      net/mptcp/protocol.o" */
	double seconds;		/* since the phase started */
};

struct kernel_build_observer {
	/* one line about a step ("configuring with tinyconfig + lab.config") */
	void (*say)(void *arg, const char *line);
	/* while make compiles, at most every 200 ms */
	void (*progress)(void *arg, const struct kernel_build_progress *p);
	void *arg;
};

struct kernel_built {
	char tree[PATH_MAX], out[PATH_MAX];
	char log[PATH_MAX + 64];	/* make's output, every step of this build */
	char config[PATH_MAX + 16];	/* out/.config */
	char image[PATH_MAX + 32];	/* out/arch/x86/boot/bzImage ("" config-only) */
	char release[256];		/* the image's ("" config-only) */
	bool bpf_sched;			/* the tree offers BPF MPTCP schedulers */
	bool config_changed;		/* .config differs from the previous build's */
	size_t n_wanted;		/* options the fragments set, all checked */
	unsigned compiled;		/* objects compiled by this build */
	double config_seconds, build_seconds;
	char lost[8192];		/* -EBADMSG with lost options: one block per option */
	size_t n_lost;
	char log_tail[4096];		/* -EIO: the last lines of the log */
	const char *hint;		/* what the user may do, or NULL */
};

/*
 * Configure, check and (unless config_only) build. 0 with *out filled;
 * a negative errno as above, with d set and *out holding what is known
 * (the log's path, the lost options, the log's tail).
 */
int kernel_build(const struct kernel_build_opts *o, const struct kernel_build_observer *obs,
		 struct kernel_built *out, struct diag *d);

/* Where a tree is built when no --out is given:
 * $XDG_CACHE_HOME/mptcp-lab/kbuild/<tree's name>-<hash of its path>
 * (else ~/.cache/...), stable across builds so they are incremental.
 * -ENOENT when there is no cache directory, -errno when the tree has no
 * real path. */
int kernel_build_default_out(const char *tree, char *buf, size_t size);

/* The directory holding the lab's fragments (the source tree's
 * runner/vm/kconfig, else the installed share/mptcp-lab/kernel), or NULL. */
const char *kernel_build_fragment_dir(void);

/* Whether the tree's MPTCP offers BPF packet schedulers (a struct_ops
 * bpf_mptcp_sched_ops in net/mptcp/). */
bool kernel_build_tree_has_bpf_sched(const char *tree);

#endif
