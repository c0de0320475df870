/*
 * compare.h: verdicts on two selections of stored runs, and trends over a
 * series' history. Reads through results/ only; writes nothing itself.
 *
 * A series is one (scenario, variant_key, metric) present on both sides.
 * Only runs with status ok are measurements. A regression needs both
 * significance (Mann-Whitney U, p adjusted across the series compared by
 * Holm or Benjamini-Hochberg, below alpha) and an effect larger than a
 * floor derived from the measured noise (the larger of floor_min and
 * floor_mad_factor x the pooled relative MAD). Fewer than min_runs on a
 * side, or significance without the effect (or the reverse), is
 * inconclusive, with the reason.
 */
#ifndef MPL_COMPARE_H
#define MPL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "results.h"

enum compare_verdict {
	COMPARE_NO_CHANGE = 0,
	COMPARE_REGRESSION,
	COMPARE_IMPROVEMENT,
	COMPARE_INCONCLUSIVE,
	COMPARE_VERDICTS_
};

/*
 * What a verdict is called, for each place it is written: one table
 * (compare.c), so a verdict reads the same everywhere it has one use.
 */
struct compare_words {
	const char *name;  /* JSON and the pages' tables: "no_change", "regression", ... */
	const char *label; /* text table, Markdown, JUnit: "no change", "REGRESSION", ... */
	const char *css;   /* HTML class: "no-change", "regression", ... */
	const char *log;   /* within a sentence of a log line: "no change", "regression", ... */
};
/* The words of v; every word "unknown" for a value that is no verdict. */
const struct compare_words *compare_verdict_words(enum compare_verdict v);
/* compare_verdict_words(v)->name */
const char *compare_verdict_name(enum compare_verdict v);

enum compare_correction { COMPARE_HOLM = 0, COMPARE_BH };

#define COMPARE_DEFAULT_ALPHA 0.01
#define COMPARE_DEFAULT_FLOOR_MIN 0.02
#define COMPARE_DEFAULT_MAD_FACTOR 2.0
#define COMPARE_DEFAULT_BOOT_ITERS 2000u
#define COMPARE_DEFAULT_SEED 0x6d70746370ULL /* "mptcp" */
#define COMPARE_DEFAULT_MIN_RUNS 5u

struct compare_opts {
	const char *const *metrics; /* NULL: goodput_bps and efficiency */
	size_t n_metrics;
	double alpha;		 /* 0: 0.01 */
	enum compare_correction correction;
	double floor_min;	 /* 0: 0.02 */
	double floor_mad_factor; /* 0: 2.0 */
	unsigned boot_iters;	 /* 0: 2000 */
	uint64_t seed;		 /* 0: a fixed default, results are reproducible */
	size_t min_runs;	 /* 0: 5 */
};

struct compare_series {
	char scenario[64];
	char variant_key[256];
	char metric[48];
	bool higher_is_better;
	size_t n_base, n_cand;
	double median_base, median_cand;
	double mad_base, mad_cand;
	double ratio, ci_lo, ci_hi; /* median(cand) / median(base), bootstrap 95 % CI */
	double p, p_adjusted;
	double floor;		    /* relative effect floor used */
	enum compare_verdict verdict;
	char reason[256];	    /* why, in words, with the figures */
	double *base_values, *cand_values; /* the ok runs' values (for charts) */
};

struct compare_result {
	struct compare_series *series; /* regressions first, then inconclusive,
					* improvements, no change */
	size_t n;
	size_t counts[COMPARE_VERDICTS_];
};

/* Whether a metric improves upward (goodput) or downward (retransmits,
 * completion time, latency). Unknown metrics: higher is better. */
bool compare_higher_is_better(const char *metric);

int report_compare(struct results *db, const struct results_filter *base,
		   const struct results_filter *cand, const struct compare_opts *o,
		   struct compare_result *out, struct diag *d);
void compare_result_release(struct compare_result *r);

/* A figure as reasons and trend histories say it: bit rates (metrics
 * ending in _bps) in Mbit/s or Gbit/s, anything else with 4 significant
 * digits. Shorter than the writers' table cells. */
void compare_value_short(const char *metric, double v, char *buf, size_t size);

/* The order of report rows, for compare_result and trend_result alike:
 * regressions first, then inconclusive, improvements, no change; then by
 * scenario, variant key and metric. <0, 0 or >0 as for qsort(). */
int compare_row_cmp(enum compare_verdict verdict_a, const char *scenario_a,
		    const char *variant_key_a, const char *metric_a,
		    enum compare_verdict verdict_b, const char *scenario_b,
		    const char *variant_key_b, const char *metric_b);

/* Writers (one test case per series). title names the comparison. */
int report_write_text(FILE *f, const struct compare_result *r, const char *title, bool colour);
int report_write_markdown(FILE *f, const struct compare_result *r, const char *title);
/* JUnit: regression = <failure> with the figures; inconclusive = <skipped>
 * with the reason. */
int report_write_junit(FILE *f, const struct compare_result *r, const char *suite);
/* KTAP: "ok", "not ok" for a regression, "ok ... # SKIP reason" for
 * inconclusive. */
int report_write_ktap(FILE *f, const struct compare_result *r, const char *suite);

#endif
