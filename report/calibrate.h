/*
 * calibrate.h: what a series can tell apart, from stored runs. Reads the
 * runs through results/ (ok runs only), groups each run as compare does
 * (its night or invocation: compare_group_key) and gives, per series
 * (scenario, variant, metric; the metrics of each scenario's traffic mode
 * unless named):
 *
 *   sigma_within   the spread of a run about its group (invocation)
 *   sigma_between  the spread between groups (3 groups or more, else NAN)
 *   floor          max(floor_min, sqrt(within^2 + between^2)), the floor a
 *                  comparison of this series would use
 *   mdc            the minimum detectable change (80 % power, alpha 0.01)
 *                  comparing two invocations of the planned repetitions,
 *                  and comparing one night against 28 such nights (the
 *                  nightly job's design)
 *   runs_for_change    the runs a side needed to detect `change` (2 %)
 *   runs_for_no_change the runs a side needed to show "no change"
 *
 * all from stats_verdict.h's formulas (stats_min_detectable_change,
 * stats_runs_needed, stats_runs_for_no_change), which bench_verdicts and
 * test_verdict check by simulation. Writes nothing, prints nothing.
 */
#ifndef MPL_CALIBRATE_H
#define MPL_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compare.h"
#include "results.h"

#define CALIBRATE_DEFAULT_CHANGE 0.02
#define CALIBRATE_MAX_RUNS 1000

struct calibrate_opts {
	const char *const *metrics; /* NULL: each scenario's by its traffic mode */
	size_t n_metrics;
	size_t planned_reps; /* 0: each series' runs per group (median) */
	double change;	     /* 0: 2 % */
	unsigned nights;     /* of the nightly design; 0: 28 */
};

struct calibrate_series {
	char scenario[64], variant_key[256], metric[48];
	enum compare_role role;
	size_t n_runs, n_groups;
	double median;
	double sigma_within, sigma_between; /* relative; NAN when not measured */
	double floor;
	enum stats_floor_source floor_source;
	size_t planned_reps;
	double mdc;	    /* two invocations of planned_reps; INFINITY: none */
	double mdc_nightly; /* one night against `nights`, planned_reps each */
	size_t runs_for_change;    /* 0: more than CALIBRATE_MAX_RUNS */
	size_t runs_for_no_change; /* 0: more than CALIBRATE_MAX_RUNS */
};

struct calibrate_result {
	struct calibrate_series *series; /* by scenario, variant, metric */
	size_t n;
	size_t n_runs;	/* ok runs read */
	double change;
	unsigned nights;
};

/* -ENODATA when the selection holds no ok run with the metrics (d says
 * so); another negative errno with d set. */
int report_calibrate(struct results *db, const struct results_filter *f,
		     const struct calibrate_opts *o, struct calibrate_result *out, struct diag *d);
void calibrate_result_release(struct calibrate_result *r);

/* A table for people, or {"change", "nights", "runs", "series": [{scenario,
 * variant, metric, role, runs, groups, median, sigma_within, sigma_between,
 * floor, floor_source, planned_reps, min_detectable_change,
 * min_detectable_change_nightly, runs_for_change, runs_for_no_change}]}
 * (null where a figure does not exist). 0 or -EIO. */
int report_write_calibrate(FILE *f, const struct calibrate_result *r, bool json);

#endif
