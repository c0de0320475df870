/*
 * run_vm.h: `run --kernel` as a library: the same runs made by this very
 * binary inside a guest booted with the image (vm.h), into a database in
 * the VM's scratch share, then merged into the host database. The guest's
 * runs carry the guest kernel's identity (uname, /proc/version) and its
 * boot mode (qemu-kvm or qemu-tcg), recorded by the guest itself.
 *
 * The guest command's output is relayed to vm.relay_out/relay_err as it
 * comes; nothing else is printed here: what happened is in the result.
 */
#ifndef MPL_RUN_VM_H
#define MPL_RUN_VM_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "vm.h"

#define RUN_VM_DEFAULT_TIMEOUT_US (4 * 3600 * 1000000ULL) /* --vm-timeout */

struct run_vm_args {
	struct vm_opts vm;   /* vm.timeout_us 0: RUN_VM_DEFAULT_TIMEOUT_US */
	const char *db_path; /* host database; NULL: the default */
	const char *const *sets;
	size_t n_sets;
	const char *const *tags; /* "KEY=VALUE" stored with every run */
	size_t n_tags;
	unsigned reps; /* 0: the scenarios' own */
	const char *shard; /* "I/N" or NULL */
	bool json, strict;
	const char *const *files;
	size_t n_files;
};

/* A step of the guest `run` (its --timeline), first occurrence. */
struct run_vm_step {
	char name[32];		/* "probes done", "lab up", "transfer over", "stored" */
	double guest_s;		/* on the guest's clock: seconds since its boot */
};

#define RUN_VM_STEPS_MAX 8

struct run_vm_result {
	struct vm_result vm;	/* the boot, the command's exit, timings */
	struct run_vm_step steps[RUN_VM_STEPS_MAX]; /* in the order first seen */
	size_t n_steps;
	size_t imported;	/* guest runs merged into the host database */
	bool console_kept;	/* vm.scratch/console.log stays: the guest failed */
	bool db_kept;		/* guest_db stays: its runs could not be imported,
				 * for the reason in import */
	struct diag import;
	char guest_db[PATH_MAX + 64];
};

/*
 * Boot, run, import. Returns 0 when the guest command ran to its end
 * (out->vm.exit_code or out->vm.signaled says how); a negative errno when
 * the VM failed, with d set (vm_run's codes: -EINVAL/-ENOENT bad image or
 * modules, -EOPNOTSUPP qemu or the init missing, -EIO no boot,
 * -ETIMEDOUT, -EINTR). Whatever the guest completed is imported on every
 * path; out->db_kept says the import failed.
 */
int run_vm(const struct run_vm_args *a, struct run_vm_result *out, struct diag *d);

/* The exit code `run --kernel` gives for run_vm()'s return r and *res:
 * the guest command's own when it ran, 130 interrupted, 69 qemu or the
 * init missing, 65 a bad image or modules, 70 otherwise (and when the
 * guest's runs could not be imported). */
int run_vm_exit_code(int r, const struct run_vm_result *res);

#endif
