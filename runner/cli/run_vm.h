/* run_vm.h: `run --kernel`: run the scenarios in a VM, import the runs. */
#ifndef MPL_RUN_VM_H
#define MPL_RUN_VM_H

#include <stdbool.h>
#include <stddef.h>

#include "vm.h"

struct run_vm_args {
	struct vm_opts vm;
	const char *db_path; /* host database; NULL: the default */
	const char *const *sets;
	size_t n_sets;
	const char *const *tags; /* the user's --tag options */
	size_t n_tags;
	unsigned reps; /* 0: the scenarios' own */
	const char *shard;
	bool json, strict;
	char **files;
	int n_files;
};

/* Boot, run, import; prints as `run` does; returns the exit code (the
 * guest command's own when it ran). */
int run_vm(const struct run_vm_args *a);

#endif
