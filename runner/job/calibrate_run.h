/*
 * calibrate_run.h: `mptcp-lab calibrate` as a library: measure a scenario
 * (or a suite) in several invocations and say, per series, how noisy it is
 * within and between invocations and what a comparison of it can detect
 * (report/calibrate.h).
 *
 *   plan the files (plan.h), once
 *   K times: one invocation (its own invocation=<id>) of every job of the
 *            plan, every run stored and tagged calibrate=<id of this
 *            calibration>
 *   report_calibrate over the runs tagged calibrate=<id>
 *
 * Runs are made and stored exactly as `run` makes them, so they serve as
 * any other runs (a baseline, history). Nothing here prints or exits.
 */
#ifndef MPL_CALIBRATE_RUN_H
#define MPL_CALIBRATE_RUN_H

#include <signal.h>
#include <stddef.h>

#include "calibrate.h"
#include "diag.h"
#include "plan.h"

#define CALIBRATE_DEFAULT_INVOCATIONS 3

struct calibrate_run_opts {
	const char *const *files; /* scenario or suite files */
	size_t n_files;
	const char *db_path;	  /* NULL: the default database */
	const char *const *sets;
	size_t n_sets;
	unsigned reps;		  /* per invocation; 0: the scenarios' own */
	unsigned invocations;	  /* 0: 3 (the fewest that measure between) */
	struct calibrate_opts report; /* metrics, change */
	const volatile sig_atomic_t *cancel;
};

struct calibrate_observer {
	const struct plan_observer *runs; /* may be NULL */
	/* invocation k (1-based) of n is about to start */
	void (*invocation)(void *arg, unsigned k, unsigned n, const char *id);
	void *arg;
};

struct calibrate_run {
	char id[32];		  /* calibrate=<id> */
	struct plan plan;
	struct diag_list errs;	  /* input errors */
	size_t counts[4];	  /* runs stored, by status */
	unsigned invocations;	  /* made */
	struct calibrate_result result;
};

/* 0 with c->result filled; -EINVAL for input errors (c->errs); -EINTR
 * when cancelled (the runs stored stay, no result); -ENODATA when no ok
 * run came out; another negative errno with d set. Release c always. */
int calibrate_run(const struct calibrate_run_opts *o, const struct calibrate_observer *obs,
		  struct calibrate_run *c, struct diag *d);
void calibrate_run_release(struct calibrate_run *c);

#endif
