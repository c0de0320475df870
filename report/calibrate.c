/*
 * calibrate.c: report_calibrate() of calibrate.h - each series' noise
 * within and between its groups, and what that lets a comparison detect.
 *
 *	results_query (ok runs, tags and metrics)
 *	  -> per (scenario, variant_key, metric): values and group ids
 *	  -> stats_spread: sigma_within, sigma_between
 *	  -> stats_floor, stats_min_detectable_change, stats_runs_needed,
 *	     stats_runs_for_no_change (stats_verdict.h)
 *
 * The text table is here; the JSON is format_json.c's (jansson's place).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibrate.h"
#include "stats.h"

struct cal_acc {
	char *scenario, *variant_key, *metric;
	enum compare_role role;
	double *v;
	int64_t *g;
	size_t n, cap;
};

struct cal_collect {
	const struct calibrate_opts *o;
	struct cal_acc *acc;
	size_t n_acc, cap_acc;
	char **groups; /* group keys seen: a run's group is its index */
	size_t n_groups, cap_groups;
	size_t n_runs;
};

static int cal_grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *grown;

	if (n < *cap)
		return 0;
	grown = realloc(*arr, (*cap ? 2 * *cap : 16) * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = *cap ? 2 * *cap : 16;
	return 0;
}

/* The id of a group key (few per calibration: a linear search). */
static int64_t cal_group(struct cal_collect *c, const char *key)
{
	for (size_t i = c->n_groups; i-- > 0;)
		if (!strcmp(c->groups[i], key))
			return (int64_t)i;
	if (cal_grow((void **)&c->groups, &c->cap_groups, c->n_groups, sizeof(*c->groups)) < 0)
		return -ENOMEM;
	c->groups[c->n_groups] = strdup(key);
	if (!c->groups[c->n_groups])
		return -ENOMEM;
	return (int64_t)c->n_groups++;
}

static struct cal_acc *cal_series(struct cal_collect *c, const char *scenario,
				  const char *variant_key, const char *metric)
{
	struct cal_acc *a;

	for (size_t i = 0; i < c->n_acc; i++) {
		a = &c->acc[i];
		if (!strcmp(a->metric, metric) && !strcmp(a->scenario, scenario) &&
		    !strcmp(a->variant_key, variant_key))
			return a;
	}
	if (cal_grow((void **)&c->acc, &c->cap_acc, c->n_acc, sizeof(*c->acc)) < 0)
		return NULL;
	a = &c->acc[c->n_acc++];
	memset(a, 0, sizeof(*a));
	a->scenario = strdup(scenario);
	a->variant_key = strdup(variant_key);
	a->metric = strdup(metric);
	return a->scenario && a->variant_key && a->metric ? a : NULL;
}

static bool cal_named(const struct calibrate_opts *o, const char *metric)
{
	for (size_t i = 0; i < o->n_metrics; i++)
		if (!strcmp(o->metrics[i], metric))
			return true;
	return false;
}

static int cal_run(const struct results_run *run, void *arg)
{
	struct cal_collect *c = arg;
	const enum compare_mode mode = compare_mode_of(run);
	const bool named = c->o->metrics && c->o->n_metrics;
	char key[160];
	int64_t g = cal_group(c, compare_group_key(run, key, sizeof(key)));

	if (g < 0)
		return -ENOMEM;
	c->n_runs++;
	for (size_t i = 0; i < run->n_metrics; i++) {
		const struct results_metric *m = &run->metrics[i];
		const char *from = compare_derived_from(m->name, mode);
		struct cal_acc *a;

		if (!isfinite(m->value) ||
		    (named ? !cal_named(c->o, m->name) : !compare_mode_metric(m->name, mode)))
			continue;
		a = cal_series(c, run->scenario ? run->scenario : "",
			       run->variant_key ? run->variant_key : "", m->name);
		if (!a)
			return -ENOMEM;
		if (a->n == a->cap) { /* v and g grow together */
			const size_t cap = a->cap ? 2 * a->cap : 16;
			double *v = realloc(a->v, cap * sizeof(*v));
			int64_t *gg;

			if (!v)
				return -ENOMEM;
			a->v = v;
			gg = realloc(a->g, cap * sizeof(*gg));
			if (!gg)
				return -ENOMEM;
			a->g = gg;
			a->cap = cap;
		}
		a->role = from && (!named || cal_named(c->o, from)) ? COMPARE_DERIVED : COMPARE_PRIMARY;
		a->v[a->n] = m->value;
		a->g[a->n++] = g;
	}
	return 0;
}

static void cal_collect_release(struct cal_collect *c)
{
	for (size_t i = 0; i < c->n_acc; i++) {
		free(c->acc[i].scenario);
		free(c->acc[i].variant_key);
		free(c->acc[i].metric);
		free(c->acc[i].v);
		free(c->acc[i].g);
	}
	free(c->acc);
	for (size_t i = 0; i < c->n_groups; i++)
		free(c->groups[i]);
	free(c->groups);
}

static size_t cal_runs(int ret, size_t runs)
{
	return ret == 0 ? runs : 0;
}

static void cal_figures(const struct cal_acc *a, const struct calibrate_opts *o,
			struct calibrate_series *s)
{
	const struct stats_verdict_opts so = { .higher_is_better = compare_higher_is_better(a->metric) };
	struct stats_spread sp;
	struct stats_noise noise;
	size_t runs, planned;
	int ret;

	snprintf(s->scenario, sizeof(s->scenario), "%s", a->scenario);
	snprintf(s->variant_key, sizeof(s->variant_key), "%s", a->variant_key);
	snprintf(s->metric, sizeof(s->metric), "%s", a->metric);
	s->role = a->role;
	s->n_runs = a->n;
	s->median = stats_median(a->v, a->n);
	s->sigma_within = s->sigma_between = s->floor = (double)NAN;
	s->mdc = s->mdc_nightly = (double)NAN;
	ret = stats_spread(&(struct stats_sample){ a->v, a->g, a->n }, &sp);
	s->n_groups = ret == 0 ? sp.n_groups : stats_sample_groups(&(struct stats_sample){ a->v, a->g, a->n });
	if (ret < 0)
		return; /* a median of 0: nothing is relative to it */
	s->sigma_within = sp.sigma_within;
	s->sigma_between = sp.sigma_between;
	noise.sigma_within = isfinite(sp.sigma_within) ? sp.sigma_within : 0.0;
	noise.sigma_between = isfinite(sp.sigma_between) ? sp.sigma_between : 0.0;
	s->floor = stats_floor(&noise, &so, &s->floor_source);
	planned = o->planned_reps ? o->planned_reps :
				    (size_t)lround((double)a->n / (double)(sp.n_groups ? sp.n_groups : 1));
	s->planned_reps = planned ? planned : 1;
	s->mdc = stats_min_detectable_change(
		&noise, &(struct stats_design){ s->planned_reps, s->planned_reps, 1, 1 }, &so);
	s->mdc_nightly = stats_min_detectable_change(
		&noise,
		&(struct stats_design){ o->nights * s->planned_reps, s->planned_reps, o->nights, 1 },
		&so);
	ret = stats_runs_needed(&noise, o->change, &so, CALIBRATE_MAX_RUNS, &runs);
	s->runs_for_change = cal_runs(ret, runs);
	ret = stats_runs_for_no_change(&noise, &so, CALIBRATE_MAX_RUNS, &runs);
	s->runs_for_no_change = cal_runs(ret, runs);
}

static int cal_cmp(const void *pa, const void *pb)
{
	const struct calibrate_series *a = pa, *b = pb;
	int c = strcmp(a->scenario, b->scenario);

	if (!c)
		c = strcmp(a->variant_key, b->variant_key);
	if (!c)
		c = strcmp(a->metric, b->metric);
	return c;
}

int report_calibrate(struct results *db, const struct results_filter *f,
		     const struct calibrate_opts *opts, struct calibrate_result *out, struct diag *d)
{
	struct calibrate_opts o = opts ? *opts : (struct calibrate_opts){ 0 };
	struct cal_collect c = { .o = &o };
	struct results_filter ok = { 0 };
	int ret;

	memset(out, 0, sizeof(*out));
	if (!(o.change > 0))
		o.change = CALIBRATE_DEFAULT_CHANGE;
	if (!o.nights)
		o.nights = 28;
	out->change = o.change;
	out->nights = o.nights;
	if (f)
		ok = *f;
	ok.status = "ok";
	ok.metrics_only = true;
	ret = results_query(db, &ok, cal_run, &c, d);
	if (ret < 0)
		goto out;
	out->n_runs = c.n_runs;
	if (!c.n_acc) {
		ret = diag_set(d, -ENODATA, "the selection holds %zu ok run%s and none with the metrics",
			       c.n_runs, c.n_runs == 1 ? "" : "s");
		goto out;
	}
	out->series = calloc(c.n_acc, sizeof(*out->series));
	if (!out->series) {
		ret = diag_set(d, -ENOMEM, "cannot calibrate: out of memory");
		goto out;
	}
	for (size_t i = 0; i < c.n_acc; i++)
		cal_figures(&c.acc[i], &o, &out->series[out->n++]);
	qsort(out->series, out->n, sizeof(*out->series), cal_cmp);
out:
	cal_collect_release(&c);
	if (ret < 0)
		calibrate_result_release(out);
	return ret;
}

void calibrate_result_release(struct calibrate_result *r)
{
	free(r->series);
	memset(r, 0, sizeof(*r));
}

/* "1.23 %", or "-" */
static const char *cal_pct(double v, char *buf, size_t size)
{
	if (isfinite(v))
		snprintf(buf, size, "%.2f %%", v * 100);
	else
		snprintf(buf, size, "%s", isinf(v) ? "none" : "-");
	return buf;
}

static const char *cal_count(size_t n, char *buf, size_t size)
{
	if (n)
		snprintf(buf, size, "%zu", n);
	else
		snprintf(buf, size, ">%d", CALIBRATE_MAX_RUNS);
	return buf;
}

int report_write_calibrate_json(FILE *f, const struct calibrate_result *r); /* format_json.c */

int report_write_calibrate(FILE *f, const struct calibrate_result *r, bool json)
{
	char chg[32];

	if (json)
		return report_write_calibrate_json(f, r);
	snprintf(chg, sizeof(chg), "RUNS FOR -%g%%", r->change * 100);
	fprintf(f, "%-20s %-18s %-16s %5s %6s %9s %9s %9s %11s %11s %13s %s\n", "SCENARIO", "VARIANT",
		"METRIC", "RUNS", "GROUPS", "WITHIN", "BETWEEN", "FLOOR", "MDC R v R", "MDC NIGHTLY",
		chg, "RUNS FOR NO CHANGE");
	for (size_t i = 0; i < r->n; i++) {
		const struct calibrate_series *s = &r->series[i];
		char w[24], b[24], fl[24], m[24], mn[24], rc[24], rn[24], name[64];

		snprintf(name, sizeof(name), "%s%s", s->metric,
			 s->role == COMPARE_DERIVED ? " (derived)" : "");
		fprintf(f, "%-20s %-18s %-16s %5zu %6zu %9s %9s %9s %11s %11s %13s %s\n", s->scenario,
			s->variant_key[0] ? s->variant_key : "-", name, s->n_runs, s->n_groups,
			cal_pct(s->sigma_within, w, sizeof(w)), cal_pct(s->sigma_between, b, sizeof(b)),
			cal_pct(s->floor, fl, sizeof(fl)), cal_pct(s->mdc, m, sizeof(m)),
			cal_pct(s->mdc_nightly, mn, sizeof(mn)),
			cal_count(s->runs_for_change, rc, sizeof(rc)),
			cal_count(s->runs_for_no_change, rn, sizeof(rn)));
	}
	fprintf(f, "(WITHIN: a run's noise within its invocation; BETWEEN: the invocations' spread, with 3 or more;\n"
		   " MDC R v R: the smallest change a comparison of two invocations of R runs (the planned repetitions)\n"
		   " detects with 80 %% power at alpha 0.01; MDC NIGHTLY: one night against %u such nights; RUNS FOR: runs a\n"
		   " side to detect -%g %%, and to show no change within the floor)\n",
		r->nights, r->change * 100);
	return ferror(f) ? -EIO : 0;
}
