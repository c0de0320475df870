/*
 * bisect_run.h: one step of a bisection, as a library: what
 * `mptcp-lab bisect-run` does for the commit git has checked out.
 *
 *   check the baseline   enough ok runs of the scenario, one boot mode
 *   [build]              the kernel tree with kernel_build() (a lab
 *                        kernel, booted in a VM), or the --build command
 *                        (no shell), with a timeout
 *   measure              the scenario in batches: reps first, then 2 more
 *                        while the comparison is inconclusive, up to
 *                        max_reps; on this host (plan.h) or in a VM
 *                        (run_vm.h); every run stored, tagged commit=<id>
 *                        and bisect=<id of this step>
 *   compare              with the baseline (report_compare), and decide
 *                        per series (stats_bisect_decide): like the good
 *                        build, or like the regression being bisected
 *                        (its size from --effect, or measured on the bad
 *                        endpoint's runs, --bad): 0 good, 1 bad, 125 skip
 *                        (bisect.h); without a size, good needs "no
 *                        change" (the compare rule)
 *
 * Every step is one line of the bisect log, handed to the observer; the
 * runs' progress goes to the observer's plan observer. Nothing here prints
 * or exits; the process around it (the CLI's forked child) does.
 */
#ifndef MPL_BISECT_RUN_H
#define MPL_BISECT_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "kernel_build.h"
#include "plan.h"
#include "results.h"
#include "run_vm.h"

/* A good baseline needs this many ok runs: Mann-Whitney U reaches p < 0.01
 * only with 5 runs per side. */
#define BISECT_MIN_BASELINE 5

struct bisect_params {
	const char *db_path;	/* NULL: the default database */
	const char *scenario;	/* the scenario file */
	const struct results_filter *baseline; /* the stored good runs */
	const char *build;	/* a command line to build this commit, or NULL */
	const char *tree;	/* or a kernel tree: a lab kernel built from it
				 * (kernel_build.h) and booted in a VM with vm's
				 * options (vm->image is the built one) */
	const char *kbuild_out;	/* its output directory; NULL: the default */
	int build_nice;		/* added to the build's niceness */
	uint64_t build_timeout_us; /* 0: none */
	const char *commit;	/* NULL: `git rev-parse HEAD` here, else "unknown" */
	unsigned reps, max_reps; /* first batch, cap (0: 5 and 15) */
	const char *const *metrics; /* NULL: goodput_bps */
	size_t n_metrics;
	/* the regression being bisected: its relative size (0.03 for 3 %),
	 * or the stored runs of the bad endpoint to measure it on; neither:
	 * the compare rule */
	double effect;
	const struct results_filter *bad;
	double level;		/* of the decision CI; 0: 0.90 with a size, else 0.95 */
	const char *const *sets; /* "PATH=VALUE" overrides of the scenario */
	size_t n_sets;
	const struct vm_opts *vm; /* boot vm->image for every batch; NULL: this host */
	const volatile sig_atomic_t *cancel;
};

struct bisect_observer {
	/* one line of the bisect log (without the "bisect-run: " prefix) */
	void (*say)(void *arg, const char *line);
	/* a batch in a VM ended: what run_vm() returned and did */
	void (*vm_outcome)(void *arg, int r, const struct run_vm_result *res,
			   const struct diag *d);
	const struct plan_observer *runs; /* the runs of a batch on this host */
	const struct kernel_build_observer *kbuild; /* a kernel build's steps */
	void *arg;
};

struct bisect_outcome {
	int code;	   /* BISECT_GOOD, BISECT_BAD or BISECT_SKIP */
	bool interrupted;  /* skipped because the cancel flag was set */
	char why[1024];	   /* the reason of a skip */
	struct diag_list errs; /* the scenario's input errors, when it has some */
};

/* Decide this commit. Always returns out->code. */
int bisect_run(const struct bisect_params *p, const struct bisect_observer *obs,
	       struct bisect_outcome *out);
void bisect_outcome_release(struct bisect_outcome *out);

#endif
