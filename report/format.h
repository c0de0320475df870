/*
 * format.h: every output format of `compare` and `trend` — text, JSON,
 * Markdown, JUnit, KTAP — each written in one place in report/:
 *
 *	format.c       the names, the two entry points below, trend's text
 *	               (compare.h's text, Markdown, JUnit and KTAP writers are
 *	               there too, shared by comparisons and trends)
 *	format_json.c  the JSON of a comparison and of a trend (jansson)
 *
 * What it does not do: open files, choose stdout or --output, decide
 * colour (the CLI does), compute anything (compare.c, trend.c).
 *
 * The writers return 0, or a negative errno (-EIO when the stream reports
 * an error, -ENOMEM).
 */
#ifndef MPL_FORMAT_H
#define MPL_FORMAT_H

#include <stdbool.h>
#include <stdio.h>

#include "compare.h"
#include "trend.h"

/* --format values, in the order of their names (text first: the default). */
enum report_format {
	REPORT_FMT_TEXT,
	REPORT_FMT_JSON,
	REPORT_FMT_MARKDOWN,
	REPORT_FMT_JUNIT,
	REPORT_FMT_KTAP,
};

/* "text", "json", "markdown", "junit" or "ktap": 0, or -EINVAL for any
 * other name (the caller says so, in its own words). */
int report_format_parse(const char *name, enum report_format *out);

/* What a comparison's outputs say besides its series. */
struct compare_about {
	const char *title;		  /* text heading, Markdown line, JUnit suite, KTAP comment */
	const char *baseline, *candidate; /* JSON: the selectors as given, joined by ',' */
	const struct compare_opts *opts;  /* JSON: alpha and correction; NULL: the defaults */
};

/* A comparison in format; colour only matters to text. */
int report_write_compare(FILE *f, enum report_format format, bool colour,
			 const struct compare_result *r, const struct compare_about *about);

/*
 * A trend in format: JSON its own; every other format the rows through
 * the comparison's writers, so a trend reads and fails a CI job exactly
 * like a comparison; text first gives each series' history length, its
 * change points and whether the newest point starts a new regime.
 */
int report_write_trend(FILE *f, enum report_format format, bool colour,
		       const struct trend_result *r, const char *title);

/*
 * {"baseline", "candidate", "alpha", "correction", "level", "floor_min",
 * "floor_factor", "unit", "n_family", "mix_to_worse", "series": [{scenario,
 * variant, metric, higher_is_better, n_baseline, n_candidate,
 * median_baseline, median_candidate, mad_baseline, mad_candidate, ratio,
 * ci95: [lo, hi] (at level), p, p_adjusted, floor, verdict, reason, role,
 * derived_from, mode, in_family, unit, test, df, groups_baseline,
 * groups_candidate, level, ci, floor_source, floor_why, noise{within,
 * between}, min_detectable_change, to_decide, p_shape, ks_d,
 * p10_baseline, p10_candidate, p90_baseline, p90_candidate, p10_change,
 * p90_change, bimodal, mix{...} or null, mix_verdict, bound{...} or
 * null}], "counts": {verdict: n}} (the README's compare section has the
 * whole of it). A figure that does not exist is null; a stored name that
 * is not UTF-8 has its non-ASCII bytes as '?'.
 */
int report_write_compare_json(FILE *f, const struct compare_result *r,
			      const struct compare_about *about);

/*
 * {by, min_size, sig_level, permutations, floor, runs, stored,
 * counts{verdict: n}, series[{scenario, variant_key, metric,
 * higher_is_better, verdict, reason, points, new_regime, median_base,
 * median_cand, ratio, p, history[{label, date, kernel, at, runs, value}],
 * change_points[{index, label, at, median_before, median_after, change,
 * p}]}]}
 */
int report_write_trend_json(FILE *f, const struct trend_result *r);

#endif
