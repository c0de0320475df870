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
	json_object_set_new(o, "ci95", json_pack("[o, o]", format_json_num(s->ci_lo),
						 format_json_num(s->ci_hi)));
	json_object_set_new(o, "p", format_json_num(s->p));
	json_object_set_new(o, "p_adjusted", format_json_num(s->p_adjusted));
	json_object_set_new(o, "floor", format_json_num(s->floor));
	json_object_set_new(o, "verdict", json_string(compare_verdict_name(s->verdict)));
	json_object_set_new(o, "reason", format_json_str(s->reason));
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
			    json_string(opts && opts->correction == COMPARE_BH ? "bh" : "holm"));
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
