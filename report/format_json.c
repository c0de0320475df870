/*
 * format_json.c: the JSON of a comparison and of a trend (format.h), the
 * only place in report/ that uses jansson.
 *
 * The two documents were written by different commands before they lived
 * here and differ in small ways that scripts may rely on, kept as they
 * are: a comparison's stored names go through format_json_str() (bytes
 * that are not UTF-8 as '?'), a trend's are taken as jansson takes them;
 * a comparison keeps its keys in insertion order explicitly.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "calibrate.h"
#include "format.h"

/* jansson has no NaN: a figure that does not exist is null. */
static json_t *format_json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* A JSON string of s. jansson takes UTF-8 only: a stored name that is not
 * (the store keeps bytes) gets its non-ASCII bytes as '?' rather than
 * vanishing from the output. */
static json_t *format_json_str(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j)
		return j;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

/* ---- a comparison ----------------------------------------------------------- */

static json_t *json_pair(double a, double b)
{
	return json_pack("[o, o]", format_json_num(a), format_json_num(b));
}

static json_t *json_size_or_null(size_t n)
{
	return n ? json_integer((json_int_t)n) : json_null();
}

static const char *floor_source_name(enum stats_floor_source s)
{
	return s == STATS_FLOOR_BETWEEN ? "within_between" :
	       s == STATS_FLOOR_WITHIN	? "within" :
					  "minimum";
}

/* The two clusters of a bimodal series, and the shift in their mix. */
static json_t *compare_mix_json(const struct compare_series *s)
{
	const struct compare_mix *m = &s->mix;
	json_t *o = json_object(), *by = json_null();

	if (m->by[0])
		by = json_pack("{s:o, s:o, s:o}", "metric", format_json_str(m->by), "medians",
			       json_pair(m->by_median[0], m->by_median[1]), "auc",
			       format_json_num(m->by_auc));
	json_object_set_new(o, "centres", json_pair(m->centre[0], m->centre[1]));
	json_object_set_new(o, "sds", json_pair(m->sd[0], m->sd[1]));
	json_object_set_new(o, "threshold", format_json_num(m->threshold));
	json_object_set_new(o, "counts",
			    json_pack("{s:[I, I], s:[I, I]}", "baseline", (json_int_t)m->count[0][0],
				      (json_int_t)m->count[0][1], "candidate",
				      (json_int_t)m->count[1][0], (json_int_t)m->count[1][1]));
	json_object_set_new(o, "shares_baseline", json_pair(1 - m->share_base, m->share_base));
	json_object_set_new(o, "shares_candidate", json_pair(1 - m->share_cand, m->share_cand));
	json_object_set_new(o, "worse_cluster", json_integer(m->worse));
	json_object_set_new(o, "distinguished_by", by);
	json_object_set_new(o, "p", format_json_num(m->p));
	json_object_set_new(o, "p_adjusted", format_json_num(m->p_adjusted));
	json_object_set_new(o, "verdict", json_string(compare_mix_name(s->mix_verdict)));
	return o;
}

static json_t *compare_bound_side_json(uint64_t over, uint64_t n, double p, double lo, double hi)
{
	return json_pack("{s:I, s:I, s:o, s:o}", "over", (json_int_t)over, "n", (json_int_t)n,
			 "p_exceed", format_json_num(p), "ci", json_pair(lo, hi));
}

static json_t *compare_bound_json(const struct compare_series *s)
{
	const struct compare_bound *b = &s->bound;

	return json_pack("{s:o, s:o, s:o, s:o}", "bound_us", format_json_num(b->bound_us),
			 "baseline",
			 compare_bound_side_json(b->over_base, b->n_base, b->p_base, b->p_base_lo,
						 b->p_base_hi),
			 "candidate",
			 compare_bound_side_json(b->over_cand, b->n_cand, b->p_cand, b->p_cand_lo,
						 b->p_cand_hi),
			 "p_fisher", format_json_num(b->p));
}

/* The figures of the rule (stats_verdict.h), after the series' classic
 * fields. */
static void compare_stats_json(json_t *o, const struct compare_series *s)
{
	const struct stats_comparison *st = &s->st;
	const bool groups = st->test == STATS_TEST_GROUP_T;

	json_object_set_new(o, "role", json_string(compare_role_name(s->role)));
	json_object_set_new(o, "derived_from", s->derived_from[0] ?
						       format_json_str(s->derived_from) :
						       json_null());
	json_object_set_new(o, "mode", json_string(compare_mode_name(s->mode)));
	json_object_set_new(o, "in_family",
			    json_boolean(s->has_stats && st->eligible && s->role == COMPARE_PRIMARY));
	if (!s->has_stats)
		return;
	json_object_set_new(o, "unit", json_string(groups ? "groups" : "runs"));
	json_object_set_new(o, "test", json_string(groups ? "group_t" : "mann_whitney"));
	json_object_set_new(o, "df", format_json_num(st->df));
	json_object_set_new(o, "groups_baseline", json_integer((json_int_t)st->base.n_groups));
	json_object_set_new(o, "groups_candidate", json_integer((json_int_t)st->cand.n_groups));
	json_object_set_new(o, "level", format_json_num(st->level));
	json_object_set_new(o, "ci", json_pair(s->ci_lo, s->ci_hi));
	json_object_set_new(o, "floor_source", json_string(floor_source_name(st->floor_source)));
	json_object_set_new(o, "floor_why", format_json_str(st->floor_why));
	json_object_set_new(o, "noise", json_pack("{s:o, s:o}", "within",
						  format_json_num(st->noise.sigma_within), "between",
						  format_json_num(st->noise.sigma_between)));
	json_object_set_new(o, "min_detectable_change", format_json_num(st->mdc));
	json_object_set_new(o, "to_decide", json_size_or_null(st->to_decide));
	json_object_set_new(o, "p_shape", format_json_num(st->p_shape));
	json_object_set_new(o, "ks_d", format_json_num(st->ks_d));
	json_object_set_new(o, "p10_baseline", format_json_num(st->base.p10));
	json_object_set_new(o, "p10_candidate", format_json_num(st->cand.p10));
	json_object_set_new(o, "p90_baseline", format_json_num(st->base.p90));
	json_object_set_new(o, "p90_candidate", format_json_num(st->cand.p90));
	json_object_set_new(o, "p10_change", format_json_num(st->p10_ratio - 1));
	json_object_set_new(o, "p90_change", format_json_num(st->p90_ratio - 1));
	json_object_set_new(o, "bimodal", json_boolean(s->bimodal));
	json_object_set_new(o, "mix", s->bimodal ? compare_mix_json(s) : json_null());
	json_object_set_new(o, "mix_verdict", json_string(compare_mix_name(s->mix_verdict)));
	json_object_set_new(o, "bound", s->has_bound ? compare_bound_json(s) : json_null());
}

static json_t *compare_series_json(const struct compare_series *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "scenario", format_json_str(s->scenario));
	json_object_set_new(o, "variant", format_json_str(s->variant_key));
	json_object_set_new(o, "metric", format_json_str(s->metric));
	json_object_set_new(o, "higher_is_better", json_boolean(s->higher_is_better));
	json_object_set_new(o, "n_baseline", json_integer((json_int_t)s->n_base));
	json_object_set_new(o, "n_candidate", json_integer((json_int_t)s->n_cand));
	json_object_set_new(o, "median_baseline", format_json_num(s->median_base));
	json_object_set_new(o, "median_candidate", format_json_num(s->median_cand));
	json_object_set_new(o, "mad_baseline", format_json_num(s->mad_base));
	json_object_set_new(o, "mad_candidate", format_json_num(s->mad_cand));
	json_object_set_new(o, "ratio", format_json_num(s->ratio));
	/* the CI at "level" (0.95 unless --level), under its historic name */
	json_object_set_new(o, "ci95", json_pair(s->ci_lo, s->ci_hi));
	json_object_set_new(o, "p", format_json_num(s->p));
	json_object_set_new(o, "p_adjusted", format_json_num(s->p_adjusted));
	json_object_set_new(o, "floor", format_json_num(s->floor));
	json_object_set_new(o, "verdict", json_string(compare_verdict_name(s->verdict)));
	json_object_set_new(o, "reason", format_json_str(s->reason));
	compare_stats_json(o, s);
	return o;
}

int report_write_compare_json(FILE *f, const struct compare_result *r,
			      const struct compare_about *about)
{
	json_t *o = json_object(), *series = json_array(), *counts = json_object();
	const struct compare_opts *opts = about ? about->opts : NULL;
	const char *base = about && about->baseline ? about->baseline : "";
	const char *cand = about && about->candidate ? about->candidate : "";
	int ret;

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(series, compare_series_json(&r->series[i]));
	for (int v = 0; v < COMPARE_VERDICTS_; v++)
		json_object_set_new(counts, compare_verdict_name((enum compare_verdict)v),
				    json_integer((json_int_t)r->counts[v]));
	json_object_set_new(o, "baseline", format_json_str(base));
	json_object_set_new(o, "candidate", format_json_str(cand));
	json_object_set_new(o, "alpha", json_real(opts && opts->alpha > 0 ? opts->alpha :
							 COMPARE_DEFAULT_ALPHA));
	json_object_set_new(o, "correction",
			    json_string(!opts || opts->correction == COMPARE_HOLM ? "holm" :
					opts->correction == COMPARE_BH	      ? "bh" :
										"none"));
	json_object_set_new(o, "level", json_real(opts && opts->level > 0 ? opts->level :
							 COMPARE_DEFAULT_LEVEL));
	json_object_set_new(o, "floor_min", json_real(opts && opts->floor_min > 0 ?
							     opts->floor_min :
							     COMPARE_DEFAULT_FLOOR_MIN));
	json_object_set_new(o, "floor_factor", json_real(opts && opts->floor_factor > 0 ?
								opts->floor_factor :
								COMPARE_DEFAULT_FLOOR_FACTOR));
	json_object_set_new(o, "unit", json_string(!opts || opts->unit == STATS_UNIT_AUTO ? "auto" :
						   opts->unit == STATS_UNIT_RUNS ? "runs" :
										   "groups"));
	json_object_set_new(o, "n_family", json_integer((json_int_t)r->n_family));
	json_object_set_new(o, "mix_to_worse", json_integer((json_int_t)r->mix_to_worse));
	json_object_set_new(o, "series", series);
	json_object_set_new(o, "counts", counts);
	ret = json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ? -EIO : 0;
	json_decref(o);
	if (!ret)
		fputc('\n', f);
	return ret ? ret : (ferror(f) ? -EIO : 0);
}

/* ---- a trend ---------------------------------------------------------------- */

static json_t *trend_json_time(uint64_t us)
{
	time_t t = (time_t)(us / 1000000);
	char buf[32];
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

static json_t *trend_series_json(const struct trend_series *s, const struct compare_series *row)
{
	json_t *o = json_object(), *hist = json_array(), *cps = json_array();
	size_t i;

	for (i = 0; i < s->n_points; i++) {
		const struct trend_point *p = &s->points[i];

		json_array_append_new(hist, json_pack("{s:s, s:s, s:s, s:o, s:I, s:o}", "label",
						      p->label, "date", p->date, "kernel", p->kernel,
						      "at", trend_json_time(p->at_us), "runs",
						      (json_int_t)p->n_runs, "value",
						      format_json_num(p->value)));
	}
	for (i = 0; i < s->n_cps; i++) {
		const struct trend_changepoint *cp = &s->cps[i];

		json_array_append_new(cps, json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o}", "index",
						     (json_int_t)cp->index, "label", cp->label, "at",
						     trend_json_time(cp->at_us), "median_before",
						     format_json_num(cp->median_before), "median_after",
						     format_json_num(cp->median_after), "change",
						     format_json_num(cp->change), "p",
						     format_json_num(cp->p)));
	}
	json_object_set_new(o, "scenario", json_string(s->scenario));
	json_object_set_new(o, "variant_key", json_string(s->variant_key));
	json_object_set_new(o, "metric", json_string(s->metric));
	json_object_set_new(o, "higher_is_better", json_boolean(s->higher_is_better));
	json_object_set_new(o, "verdict", json_string(compare_verdict_name(s->verdict)));
	json_object_set_new(o, "reason", json_string(s->reason));
	json_object_set_new(o, "points", json_integer((json_int_t)s->n_points));
	json_object_set_new(o, "new_regime", json_boolean(s->new_regime));
	json_object_set_new(o, "median_base", format_json_num(row->median_base));
	json_object_set_new(o, "median_cand", format_json_num(row->median_cand));
	json_object_set_new(o, "ratio", format_json_num(row->ratio));
	json_object_set_new(o, "p", format_json_num(row->p));
	json_object_set_new(o, "history", hist);
	json_object_set_new(o, "change_points", cps);
	return o;
}

int report_write_trend_json(FILE *f, const struct trend_result *r)
{
	json_t *root = json_object(), *series = json_array(), *counts = json_object();
	size_t i;
	int ret;

	if (!root || !series || !counts) {
		json_decref(root);
		json_decref(series);
		json_decref(counts);
		return -ENOMEM;
	}
	for (i = 0; i < COMPARE_VERDICTS_; i++)
		json_object_set_new(counts, compare_verdict_name((enum compare_verdict)i),
				    json_integer((json_int_t)r->rows.counts[i]));
	for (i = 0; i < r->n; i++)
		json_array_append_new(series, trend_series_json(&r->series[i], &r->rows.series[i]));
	json_object_set_new(root, "by", json_string(trend_by_name(r->by)));
	json_object_set_new(root, "min_size", json_integer((json_int_t)r->min_size));
	json_object_set_new(root, "sig_level", json_real(r->sig_level));
	json_object_set_new(root, "permutations", json_integer(r->permutations));
	json_object_set_new(root, "floor", json_real(r->floor));
	json_object_set_new(root, "runs", json_integer((json_int_t)r->n_runs));
	json_object_set_new(root, "stored", json_integer((json_int_t)r->n_stored));
	json_object_set_new(root, "counts", counts);
	json_object_set_new(root, "series", series);
	ret = json_dumpf(root, f, JSON_INDENT(2)) < 0 ? -EIO : 0;
	if (ret == 0)
		fputc('\n', f);
	json_decref(root);
	return ret;
}

/* ---- a calibration ------------------------------------------------------------ */

static json_t *format_json_count(size_t n)
{
	return n ? json_integer((json_int_t)n) : json_null();
}

int report_write_calibrate_json(FILE *f, const struct calibrate_result *r); /* calibrate.c */

int report_write_calibrate_json(FILE *f, const struct calibrate_result *r)
{
	json_t *root = json_object(), *series = json_array();
	int ret;

	for (size_t i = 0; i < r->n; i++) {
		const struct calibrate_series *s = &r->series[i];
		json_t *o = json_object();

		json_object_set_new(o, "scenario", format_json_str(s->scenario));
		json_object_set_new(o, "variant", format_json_str(s->variant_key));
		json_object_set_new(o, "metric", format_json_str(s->metric));
		json_object_set_new(o, "role", json_string(compare_role_name(s->role)));
		json_object_set_new(o, "runs", json_integer((json_int_t)s->n_runs));
		json_object_set_new(o, "groups", json_integer((json_int_t)s->n_groups));
		json_object_set_new(o, "median", format_json_num(s->median));
		json_object_set_new(o, "sigma_within", format_json_num(s->sigma_within));
		json_object_set_new(o, "sigma_between", format_json_num(s->sigma_between));
		json_object_set_new(o, "floor", format_json_num(s->floor));
		json_object_set_new(o, "floor_source", isfinite(s->floor) ?
							   json_string(floor_source_name(s->floor_source)) :
							   json_null());
		json_object_set_new(o, "planned_reps", json_integer((json_int_t)s->planned_reps));
		json_object_set_new(o, "min_detectable_change", format_json_num(s->mdc));
		json_object_set_new(o, "min_detectable_change_nightly",
				    format_json_num(s->mdc_nightly));
		json_object_set_new(o, "runs_for_change", format_json_count(s->runs_for_change));
		json_object_set_new(o, "runs_for_no_change", format_json_count(s->runs_for_no_change));
		json_array_append_new(series, o);
	}
	json_object_set_new(root, "change", json_real(r->change));
	json_object_set_new(root, "nights", json_integer(r->nights));
	json_object_set_new(root, "runs", json_integer((json_int_t)r->n_runs));
	json_object_set_new(root, "series", series);
	ret = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ? -EIO : 0;
	json_decref(root);
	if (!ret)
		fputc('\n', f);
	return ret ? ret : (ferror(f) ? -EIO : 0);
}
