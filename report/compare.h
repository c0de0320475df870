/*
 * compare.h: verdicts on two selections of stored runs. Reads through
 * results/ only; writes nothing itself.
 *
 * A series is one (scenario, variant_key, metric) present on both sides.
 * Only runs with status ok are measurements. Each series goes through the
 * three-answer rule of stats_verdict.h:
 *
 *   regression / improvement  the location test significant after the
 *                             family's adjustment (Holm or BH) and the
 *                             whole CI of the change beyond the floor;
 *   no change                 the whole CI inside +-floor;
 *   inconclusive              anything else, with the runs that would
 *                             decide it;
 *
 * floor = max(floor_min, floor_factor x sqrt(sigma_within^2 +
 * sigma_between^2)), the noise measured on the series itself.
 *
 * The unit. The runs of one night or one invocation share its conditions,
 * so a run's group (compare_group_key) is, first found: its nightly=<id>
 * tag, its bisect=<id> tag, its invocation=<id> tag, else the UTC date it
 * started on. When a side spans several groups, the groups are the units
 * (t-test on group medians, two-stage bootstrap; stats_hier.h).
 *
 * The family. Only the primary metrics of a series' traffic mode enter the
 * multiple-comparison family: a derived metric (efficiency is goodput over
 * a constant) is reported with its own figures and verdict but is not a
 * second test. Without --metric, each scenario's metrics follow its mode,
 * read from what its runs stored (compare_mode_of):
 *
 *   bulk     goodput_bps                                    (efficiency derived)
 *   bytes    completion_us                                  (goodput_bps, efficiency,
 *                                                            completion_ratio derived)
 *   rr       latency_p50_us, latency_p90_us, latency_p99_us, tps
 *
 * With --metric, every metric named is compared; one is derived when the
 * metric it is computed from is compared too.
 *
 * Distributions. Besides the medians: p10/p90, a KS shape test, and
 * bimodality - when the pooled runs of a series form two clusters and so
 * do one side's runs on their own (else the clusters are just the two
 * sides: a change of location, the location test's business), the shares
 * of each side in each cluster are tested by Fisher's exact test
 * (adjusted over the family's bimodal series), and for a primary series a
 * significant shift toward the worse cluster is a verdict of its own
 * (mix_verdict), with the stored metric that best tells the clusters
 * apart.
 *
 * Bounds. A run of a scenario with expect.completion_max stores
 * completion_bound_us and over_bound (0 or 1); the completion_us series
 * then carries P(exceed) per side with its Clopper-Pearson interval and
 * Fisher's exact p of the difference.
 */
#ifndef MPL_COMPARE_H
#define MPL_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "results.h"
#include "stats_verdict.h"

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
	const char *name;  /* JSON: "no_change", "regression", ... */
	const char *label; /* text table, Markdown, JUnit: "no change", "REGRESSION", ... */
	const char *css;   /* HTML class: "no-change", "regression", ... */
	const char *log;   /* within a sentence, and the pages' tables: "no change", ... */
};
/* The words of v; every word "unknown" for a value that is no verdict. */
const struct compare_words *compare_verdict_words(enum compare_verdict v);
/* compare_verdict_words(v)->name */
const char *compare_verdict_name(enum compare_verdict v);

/* Holm (family-wise error rate), Benjamini-Hochberg (false discovery
 * rate), or none: each series judged alone at alpha (one series of
 * interest, or a simulation of the per-series rule). */
enum compare_correction { COMPARE_HOLM = 0, COMPARE_BH, COMPARE_NONE };

/* A series' place in the family. */
enum compare_role {
	COMPARE_PRIMARY = 0, /* a test of its own, in the family */
	COMPARE_DERIVED,     /* computed from another compared metric: reported only */
};
const char *compare_role_name(enum compare_role r); /* "primary", "derived" */

/* The traffic mode of a scenario's runs, as their metrics show it. */
enum compare_mode { COMPARE_MODE_BULK = 0, COMPARE_MODE_BYTES, COMPARE_MODE_RR };
const char *compare_mode_name(enum compare_mode m); /* "bulk", "bytes", "rr" */

/* The shift in a bimodal series' mix (stats_dist.h). */
enum compare_mix_verdict {
	COMPARE_MIX_NONE = 0,	 /* not bimodal, or not tested (derived) */
	COMPARE_MIX_SAME,	 /* bimodal, no significant shift */
	COMPARE_MIX_TO_WORSE,	 /* significantly more runs in the worse cluster */
	COMPARE_MIX_TO_BETTER,	 /* significantly more runs in the better cluster */
};
const char *compare_mix_name(enum compare_mix_verdict m); /* "none", "same", "to_worse", "to_better" */

#define COMPARE_DEFAULT_ALPHA STATS_DEFAULT_ALPHA
#define COMPARE_DEFAULT_LEVEL STATS_DEFAULT_LEVEL
#define COMPARE_DEFAULT_FLOOR_MIN STATS_DEFAULT_FLOOR_MIN
#define COMPARE_DEFAULT_FLOOR_FACTOR STATS_DEFAULT_FLOOR_FACTOR
#define COMPARE_DEFAULT_BOOT_ITERS STATS_DEFAULT_BOOT_ITERS
#define COMPARE_DEFAULT_SEED 0x6d70746370ULL /* "mptcp" */
#define COMPARE_DEFAULT_MIN_RUNS STATS_DEFAULT_MIN_RUNS

/*
 * Which baseline values of a series count (nightly: the current regime,
 * without the nights of a regression still being confirmed). Called for
 * every baseline value read; false leaves it out.
 */
typedef bool (*compare_keep_fn)(void *arg, const char *scenario, const char *variant_key,
				const char *metric, uint64_t started_at_us);

struct compare_opts {
	const char *const *metrics; /* NULL: each scenario's by its traffic mode */
	size_t n_metrics;
	double alpha;		 /* 0: 0.01 */
	enum compare_correction correction;
	double level;		 /* 0: 0.95, of the CI */
	double floor_min;	 /* 0: 0.005 */
	double floor_factor;	 /* 0: 1 (the floor is one run's SD) */
	unsigned boot_iters;	 /* 0: 2000 */
	uint64_t seed;		 /* 0: a fixed default, results are reproducible */
	size_t min_runs;	 /* 0: 5 */
	enum stats_unit unit;	 /* AUTO: groups when a side spans several */
	compare_keep_fn keep_baseline; /* NULL: every value */
	void *keep_arg;
};

/* A bimodal series: the clusters of both sides pooled (stats_mix_shift). */
struct compare_mix {
	double centre[2], sd[2];	/* cluster 0 is the lower */
	double threshold;		/* values below it are in cluster 0 */
	uint64_t count[2][2];		/* [side: 0 baseline, 1 candidate][cluster] */
	double share_base, share_cand;	/* each side's share in cluster 1 */
	double p, p_adjusted;		/* Fisher's exact test; adjusted over the
					 * family's bimodal series (NAN: derived) */
	int worse;			/* the worse cluster: 0 or 1 */
	/* the stored metric that best tells the clusters apart (largest
	 * |AUC - 0.5| over the runs' other metrics), "" when none does
	 * (AUC within 0.2 of 0.5) */
	char by[48];
	double by_median[2], by_auc;
};

/* P(completion_us > the scenario's bound), per side (expect.completion_max). */
struct compare_bound {
	double bound_us;		/* the bound stored with the runs (median) */
	uint64_t over_base, n_base, over_cand, n_cand;
	double p_base, p_base_lo, p_base_hi; /* k / n and its Clopper-Pearson CI */
	double p_cand, p_cand_lo, p_cand_hi;
	double p;			/* Fisher's exact test of the two proportions */
};

struct compare_series {
	char scenario[64];
	char variant_key[256];
	char metric[48];
	bool higher_is_better;
	enum compare_role role;
	char derived_from[48];	    /* "" for a primary series */
	enum compare_mode mode;	    /* of the scenario's runs */
	size_t n_base, n_cand;	    /* ok runs with the metric */
	double median_base, median_cand;
	double mad_base, mad_cand;
	double ratio, ci_lo, ci_hi; /* median(cand) / median(base), CI at st.level */
	double p, p_adjusted;	    /* p_adjusted NAN outside the family */
	double floor;		    /* relative floor used */
	enum compare_verdict verdict;
	char reason[384];	    /* why, in words, with the figures */
	/* every figure of the rule (stats_verdict.h): groups, test, level,
	 * p10/p90, KS, noise, floor and its source, minimum detectable
	 * change, runs that would decide; NAN where not computed (a trend's
	 * rows set has_stats false) */
	bool has_stats;
	struct stats_comparison st;
	bool bimodal;
	struct compare_mix mix;
	enum compare_mix_verdict mix_verdict;
	bool has_bound;
	struct compare_bound bound;
	/* set by the nightly job: this regression (or mix shift) was reported
	 * before ("known regression #3 since 2026-11-22, open"); the writers
	 * then show it and do not fail on it. "" otherwise. */
	char known[160];
	double *base_values, *cand_values; /* the ok runs' values (for charts) */
};

struct compare_result {
	struct compare_series *series; /* regressions first, then inconclusive,
					* improvements, no change */
	size_t n;
	size_t counts[COMPARE_VERDICTS_];
	size_t n_family;	/* primary series with a verdict possible */
	size_t mix_to_worse;	/* series whose mix shifted toward the worse cluster */
	/* what the p column holds, for the text writer: "P_ADJ" (a
	 * comparison) or "P_CP" (a trend: the change point's permutation p) */
	const char *p_label;
};

/* Whether a metric improves upward (goodput) or downward (retransmits,
 * completion time, latency). Unknown metrics: higher is better. */
bool compare_higher_is_better(const char *metric);

/*
 * The group (the unit of between-run variation) of a stored run, in buf:
 * "nightly=<id>", "bisect=<id>", "invocation=<id>" (its tags, in that
 * order of preference) or "date=YYYY-MM-DD" (the UTC date it started).
 * Returns buf.
 */
const char *compare_group_key(const struct results_run *run, char *buf, size_t size);

/* The traffic mode a run's metrics show: tps -> rr, completion_us ->
 * bytes, else bulk. */
enum compare_mode compare_mode_of(const struct results_run *run);

/* Whether a scenario in mode m compares metric by default (primary or
 * derived), and every metric some mode compares by default (*out, the
 * count returned). */
bool compare_mode_metric(const char *metric, enum compare_mode m);
size_t compare_default_metrics(const char *const **out);

/* The metric a derived metric is computed from in mode m (NULL: it is not
 * derived there). */
const char *compare_derived_from(const char *metric, enum compare_mode m);

int report_compare(struct results *db, const struct results_filter *base,
		   const struct results_filter *cand, const struct compare_opts *o,
		   struct compare_result *out, struct diag *d);
void compare_result_release(struct compare_result *r);

/* A series with no figures yet: every number NAN, no stats (trend rows). */
void compare_series_clear(struct compare_series *s);

/*
 * bisect-run's answer for a series of a comparison (stats_bisect_decide:
 * like the good build or like the regression of size effect, effect 0: the
 * compare rule), under the options the comparison was made with. why gets
 * the reason in words.
 */
enum stats_bisect_answer compare_bisect_decide(struct compare_series *s,
					       const struct compare_opts *o, double effect,
					       char *why, size_t size);

/* The series of r that enter the family and are still inconclusive. */
size_t compare_primary_inconclusive(const struct compare_result *r);

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
