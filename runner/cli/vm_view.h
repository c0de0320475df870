/*
 * vm_view.h: what `run --kernel` (and bisect-run with --kernel) says on
 * stderr about a VM: the KVM fallback, a failure and the evidence kept,
 * the runs imported, the boot timings.
 */
#ifndef MPL_VM_VIEW_H
#define MPL_VM_VIEW_H

#include "run_vm.h"

/* Say what run_vm() returned (r, with d) and did (*res); returns the
 * exit code of `run` for it (run_vm_exit_code). */
int vm_view_outcome(int r, const struct run_vm_result *res, const struct diag *d);

#endif
