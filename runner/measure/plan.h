/*
 * plan: what `run`, `nightly` and `bisect-run` measure, as one library.
 *
 *   files -> plan_load: every scenario of every file (suites expand), all
 *            input errors at once; variants expanded; the series of other
 *            shards left out; repetitions interleaved (A1 B1 A2 B2 ...) so
 *            drift hits every variant alike
 *         -> plan_execute: each job on a fresh lab (run_one), each
 *            complete run stored in its own transaction
 *         -> plan_until_decided: compare with a baseline; while a series
 *            is inconclusive, one more interleaved round, up to a cap
 *
 * Progress and results reach the caller through a struct plan_observer;
 * the caller's cancel flag (run_env.cancel) stops the work between steps
 * and inside a run. Nothing here prints or exits.
 */
#ifndef MPL_PLAN_H
#define MPL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "compare.h"
#include "diag.h"
#include "results.h"
#include "run.h"
#include "scenario.h"
#include "variant.h"

/* One run to make: a scenario's variant at one repetition. */
struct plan_job {
	const struct scenario *s;
	const struct variant *v;
	unsigned rep;
};

struct plan {
	struct scenario **scenarios;
	size_t n_scenarios;
	struct variant **variants; /* per scenario: those of this shard */
	size_t *n_variants;
	struct plan_job *jobs;	   /* interleaved */
	size_t n_jobs;
};

struct plan_opts {
	const char *const *files; /* scenario or suite files */
	size_t n_files;
	const char *const *sets;  /* "PATH=VALUE" overrides of every scenario */
	size_t n_sets;
	unsigned reps;		  /* 0: each scenario's own repetitions */
	/* This box runs shard shard_index (0-based) of shard_count: the
	 * series whose hash falls there; count 0 or 1: every series. */
	unsigned shard_index, shard_count;
};

/* "I/N" with 1 <= I <= N <= 1000 to a 0-based index and a count; 0 or
 * -EINVAL. */
int plan_parse_shard(const char *arg, unsigned *index, unsigned *count);

/* Load and expand. -EINVAL when an input file is wrong (every error is in
 * errs), -ENOMEM. */
int plan_load(const struct plan_opts *o, struct plan *p, struct diag_list *errs);
void plan_release(struct plan *p);

/* Jobs for repetitions first_rep .. first_rep + n_reps - 1 of every
 * variant of every scenario of p, round by round (every variant once per
 * repetition). *jobs is malloc'd. 0 or -ENOMEM. */
int plan_rounds(const struct plan *p, unsigned first_rep, unsigned n_reps,
		struct plan_job **jobs, size_t *n);

/* What executing a plan tells its caller, as it happens. Each callback
 * may be NULL. */
struct plan_observer {
	/* plan_execute is about to make n runs (until-decided: one more
	 * round) */
	void (*batch)(void *arg, size_t n);
	/* before a run starts */
	void (*run_begin)(void *arg, const struct plan_job *job);
	/* after a run was stored, whatever its status */
	void (*run_end)(void *arg, const struct results_run *run);
	void *arg;
};

struct plan_exec {
	struct run_env *env; /* run_env_init'ed; its cancel flag is honoured */
	struct results *db;
	const struct plan_observer *obs; /* may be NULL */
	size_t counts[4];		 /* runs stored so far, by status */
};

/*
 * Make and store jobs[0..n) in order. 0 when all were made (any status);
 * -EINTR when cancelled (the run in progress is discarded, the ones
 * before are stored); another negative errno when a run could not be made
 * or stored, with d naming the run.
 */
int plan_execute(struct plan_exec *x, const struct plan_job *jobs, size_t n, struct diag *d);

struct plan_decision {
	struct compare_result cmp; /* the last comparison */
	unsigned reps;		   /* repetitions of the plan made in all */
	bool capped;		   /* stopped while still inconclusive */
	/* stopped before max_reps: every inconclusive series of the family
	 * would need more runs than max_reps (or none would decide it);
	 * needed is the smallest estimate, 0 when the change sits on the
	 * floor */
	bool hopeless;
	size_t needed;
};

/*
 * After the plan's jobs were executed: compare the runs of this
 * invocation (tag invocation=<env->invocation>) with baseline; while a
 * series of the family (a primary metric: compare.h) is inconclusive and
 * fewer than max_reps repetitions were made, add one interleaved round
 * (every variant of every scenario once more) and compare again - the
 * three answers of stats_verdict.h, so "no change" needs the evidence of
 * a CI inside the floor as much as a regression does. It stops early when
 * no inconclusive series could be decided within max_reps (hopeless).
 * 0 with *out filled (release out->cmp), -EINTR when cancelled, another
 * negative errno with d set.
 */
int plan_until_decided(struct plan_exec *x, const struct plan *p,
		       const struct results_filter *baseline, unsigned max_reps,
		       struct plan_decision *out, struct diag *d);

#endif
