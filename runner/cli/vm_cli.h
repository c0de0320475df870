/*
 * vm_cli.h: the VM options of `run` and `bisect-run` (--kernel IMAGE and
 * its companions), and what both say on stderr about a VM: the KVM
 * fallback, a failure and the evidence kept, the runs imported, the boot
 * timings.
 */
#ifndef MPL_VM_CLI_H
#define MPL_VM_CLI_H

#include <getopt.h>

#include "kernel_build.h"
#include "run_vm.h"

enum {
	VM_OPT_KERNEL = 2000,
	VM_OPT_MODULES,
	VM_OPT_INITRD,
	VM_OPT_MEMORY,
	VM_OPT_CPUS,
	VM_OPT_ACCEL,
	VM_OPT_TIMEOUT,
	VM_OPT_TIMELINE,
	VM_OPT_CONSOLE, /* the last: commands take VM_OPT_KERNEL ... VM_OPT_CONSOLE */
};

/* The entries of a command's getopt_long table. */
#define VM_CLI_OPTIONS                                                         \
	{ "kernel", required_argument, NULL, VM_OPT_KERNEL },                  \
	{ "modules", required_argument, NULL, VM_OPT_MODULES },                \
	{ "initrd", required_argument, NULL, VM_OPT_INITRD },                  \
	{ "vm-memory", required_argument, NULL, VM_OPT_MEMORY },               \
	{ "vm-cpus", required_argument, NULL, VM_OPT_CPUS },                   \
	{ "accel", required_argument, NULL, VM_OPT_ACCEL },                    \
	{ "vm-timeout", required_argument, NULL, VM_OPT_TIMEOUT },             \
	{ "vm-timeline", no_argument, NULL, VM_OPT_TIMELINE },                 \
	{ "vm-console", no_argument, NULL, VM_OPT_CONSOLE }

/* Take option c (a VM_OPT_*) with its argument into vm: 0, or -EINVAL
 * after saying what is wrong. */
int vm_cli_option(int c, const char *arg, struct vm_opts *vm);

/* -EINVAL after saying so when an option other than --kernel was given
 * without --kernel; else 0. */
int vm_cli_check(const struct vm_opts *vm);

/* Say what run_vm() returned (r, with d) and did (*res): the `vm:` line,
 * and with timeline (--vm-timeline) one `vm timeline:` line per step of
 * the boot and the first run, in seconds after qemu started; returns the
 * exit code of `run` for it (run_vm_exit_code). */
int vm_cli_outcome(int r, const struct run_vm_result *res, const struct diag *d, bool timeline);

/* What `kernel build` and `bisect-run --tree` show while a kernel builds:
 * the library's lines on stdout (after prefix), and on a terminal a
 * progress line on stderr, redrawn in place (objects compiled, time,
 * make's last line). */
struct vm_cli_build {
	struct kernel_build_observer obs; /* arg is this struct */
	const char *prefix;
	bool tty, drawn;
};

void vm_cli_build_init(struct vm_cli_build *v, const char *prefix);
/* Clear the progress line. */
void vm_cli_build_done(struct vm_cli_build *v);
/* Say what kernel_build() returned (r, with d; the lost options, the log's
 * tail, a hint) on stderr; the exit code of `kernel build` for it: 0, 65
 * for the input (the tree, a fragment, lost options), 69 make missing,
 * 130 interrupted, 70 otherwise. */
int vm_cli_build_outcome(int r, const struct kernel_built *k, const struct diag *d);

#endif
