/*
 * stats_sim.h: the verdict rule's operating characteristics, by
 * simulation. Synthetic series with a known truth (run noise, night
 * effects, a planted change) go through stats_compare() exactly as stored
 * runs would, and the verdicts are counted: false-alarm and detection
 * rates, "no change" on a real change, and bisect-run's decisions (good,
 * bad, skip) with its batches.
 *
 * Used by test_verdict_targets (the targets, asserted) and
 * bench_verdicts (the tables); a `calibrate` can quote it. Pure functions,
 * no I/O, deterministic given the seed; returns 0 or a negative errno.
 */
#ifndef MPL_STATS_SIM_H
#define MPL_STATS_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "stats_verdict.h"

/*
 * A run of night g on side s is 100 (1 + shift [candidate only])
 * (1 + night_sd z_g) (1 + cv z), z standard normal. Each side has
 * groups_* nights of runs_* runs each; with one night a side no group ids
 * are given (the runs are the unit), with several each night is a group.
 */
struct stats_sim_design {
	double cv;		/* run-to-run relative SD */
	double night_sd;	/* night-to-night relative SD; 0: none */
	double shift;		/* the candidate's true relative change */
	size_t runs_base, runs_cand;	/* runs per night */
	size_t groups_base, groups_cand; /* nights per side (0 is 1) */
};

struct stats_sim_counts {
	unsigned series;
	unsigned verdict[STATS_VERDICTS_];
};

/* series comparisons of design d under the rule o (per series, no
 * multiple-comparison adjustment: p_adjusted = p). */
int stats_sim_compare(const struct stats_sim_design *d, const struct stats_verdict_opts *o,
		      unsigned series, uint64_t seed, struct stats_sim_counts *out);

/*
 * bisect-run on one commit: a baseline of base_runs runs (one
 * invocation), the commit's runs in batches - first, then step more while
 * unsure, up to max - compared after each batch (one invocation, one
 * group) and classified by stats_bisect_decide() against the regression
 * being bisected (effect; 0: the compare rule: regression bad, no change
 * or improvement good). Still unsure at max: skip (125).
 */
struct stats_sim_bisect {
	double cv, shift;
	size_t base_runs, first, step, max;
	double effect;
};

struct stats_sim_bisect_counts {
	unsigned series, good, bad, skip;
	double mean_runs; /* runs measured per commit */
};

int stats_sim_bisect(const struct stats_sim_bisect *b, const struct stats_verdict_opts *o,
		     unsigned series, uint64_t seed, struct stats_sim_bisect_counts *out);

#endif
