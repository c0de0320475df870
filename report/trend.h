/*
 * trend.h: change points over each series' nightly history, and a verdict
 * on the newest regime. Reads runs through results/ and returns the change
 * points it finds: storing them (results_changepoint_store) is the
 * caller's choice. Writes nothing, prints nothing.
 *
 * A series is one (scenario, variant_key, metric) of the selection; only
 * runs with status ok are measurements. Its history has one point per
 * night (the UTC date of started_at) or per kernel release (ordered by the
 * release's first run), valued at the median of that night's or kernel's
 * runs. E-divisive means (stats_edivisive) splits the history into
 * regimes; the verdict compares the newest regime's median with the
 * previous regime's:
 *
 *	regression    worse by more than the floor (2 % by default)
 *	improvement   better by more than the floor
 *	no change     within the floor, or no change point at all
 *	inconclusive  fewer than 2 x min_size points ("history too short")
 *
 * The verdict holds for as long as the newest regime lasts: a regression
 * stays one until a later change point ends it, it is not forgotten after
 * a few nights. new_regime says whether the newest point starts it.
 *
 * Each series is also a struct compare_series row (median_base = the
 * previous regime, median_cand = the newest), so the writers of compare.h
 * print trends exactly as they print comparisons.
 */
#ifndef MPL_TREND_H
#define MPL_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "results.h"

enum trend_by {
	TREND_BY_NIGHT = 0, /* one point per UTC date of started_at */
	TREND_BY_KERNEL,    /* one point per kernel release, by first appearance */
};
const char *trend_by_name(enum trend_by by); /* "night", "kernel" */
int trend_by_parse(const char *s, enum trend_by *out); /* 0 or -EINVAL */
/* "nights", "kernels": what the points of a history are, for messages. */
const char *trend_by_points(enum trend_by by);

#define TREND_DEFAULT_MIN_SIZE 3
#define TREND_DEFAULT_SIG_LEVEL 0.01
#define TREND_DEFAULT_PERMUTATIONS 199
#define TREND_DEFAULT_FLOOR 0.02
#define TREND_DEFAULT_SEED 0x6d70746370746e64ULL /* "mptcptnd" */

struct trend_opts {
	const char *const *metrics; /* NULL: each run's by its traffic mode (compare.h) */
	size_t n_metrics;
	enum trend_by by;
	size_t min_size;	/* 0: 3 points; the smallest regime (>= 2) */
	double sig_level;	/* 0: 0.01, of the permutation test */
	unsigned permutations;	/* 0: 199 */
	uint64_t seed;		/* 0: TREND_DEFAULT_SEED; results are reproducible */
	double floor;		/* 0: 0.02, relative change of the medians */
};

/* One point of a history. */
struct trend_point {
	uint64_t at_us;	 /* night: 00:00 UTC of that date; kernel: its first run */
	char label[64];	 /* "2026-11-30" or the kernel release */
	char date[16];	 /* UTC date of the point's first run */
	char kernel[64]; /* kernel release of the point's first run */
	size_t n_runs;
	double value;	 /* median of the point's runs */
};

struct trend_changepoint {
	size_t index; /* the first point of the new regime */
	uint64_t at_us;
	char label[64];
	double median_before, median_after; /* of the adjacent regimes' points */
	double change;	/* median_after / median_before - 1 */
	double p;	/* E-divisive's permutation p of this split (stats_edivisive_p) */
};

struct trend_series {
	char *scenario, *variant_key, *metric; /* variant_key "" when none */
	bool higher_is_better;
	struct trend_point *points; /* oldest first */
	size_t n_points;
	struct trend_changepoint *cps; /* oldest first */
	size_t n_cps;
	size_t regime_start; /* first point of the newest regime (0: no change point) */
	/* the last change point is within the last min_size points; E-divisive
	 * makes no regime shorter than min_size, so this is the night (or
	 * kernel) on which the newest regime first had enough points */
	bool new_regime;
	enum compare_verdict verdict;
	char reason[256];
};

struct trend_result {
	enum trend_by by;
	size_t min_size;
	double sig_level;
	unsigned permutations;
	double floor;
	size_t n_runs;		    /* ok runs read */
	struct trend_series *series; /* same order as rows.series */
	size_t n;
	struct compare_result rows; /* the series as compare rows, for the writers:
				     * regressions first, then inconclusive,
				     * improvements, no change */
	size_t n_stored;	    /* change points the caller stored (report_trend: 0) */
};

/*
 * Find the change points of every series selected by f (its status is
 * replaced by "ok") and give each series its verdict. An empty selection
 * is not an error: out->n == 0.
 * Returns 0, or a negative errno with d set (out is then released).
 */
int report_trend(struct results *db, const struct results_filter *f, const struct trend_opts *o,
		 struct trend_result *out, struct diag *d);
void trend_result_release(struct trend_result *r);

#endif
