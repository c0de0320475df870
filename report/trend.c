/*
 * trend.c: report_trend(), change points over each series' history.
 *
 *	results_query (ok runs, oldest first)
 *	  -> samples per (scenario, variant_key, metric)
 *	  -> points: one per UTC night, or per kernel release in order of first
 *	     appearance, valued at the median of their runs
 *	  -> stats_edivisive over the points -> regimes
 *	  -> verdict: newest regime vs the one before, against the floor
 *	  -> a struct compare_series row per series, for compare.h's writers
 *
 * Choices, and why:
 *  - A point is a median of a night's runs, not each run: the nightly
 *    suite runs a variant several times a night, interleaved; those runs
 *    share the night's conditions, and E-divisive assumes independent
 *    points. The median also keeps one bad run from moving a point.
 *  - min_size 3 points: the smallest regime whose median survives one
 *    outlier night, so a single bad night (a busy box, a flaky link) can
 *    never be a regime on its own, while a real regression is reported on
 *    its third night. A shorter history than 2 x min_size cannot hold two
 *    regimes: inconclusive.
 *  - sig_level 0.01 with 199 permutations: the smallest p a permutation
 *    test of 199 shuffles can give is 1/200 = 0.005, so 0.01 is reachable;
 *    about 1 false change point per 100 series examined (Otava's figure
 *    for p 0.01). A fixed seed makes a trend reproducible: the same
 *    history always gives the same change points, so storing them again
 *    changes nothing.
 *  - p of a change point, as stored and shown, is E-divisive's own
 *    permutation p (stats_edivisive_p): the share of shuffles of the
 *    segment whose best split scored at least as high as the one found.
 *    It accounts for the split having been chosen as the best one. A test
 *    of the two regimes either side, chosen after the split (Mann-Whitney
 *    here before), does not: on pure noise it printed p = 4.7e-05. It is
 *    never shown as an adjusted p (the writers' column says P_CP).
 *  - The floor (2 %) is on the relative change of the regimes' medians:
 *    E-divisive finds changes of any size, the verdict only calls those
 *    that matter.
 *  - A night's point is dated 00:00 UTC of that night, so the stored
 *    at_us does not move when a selection leaves out the night's first run.
 *
 * This file does not write the store: it returns the change points, and
 * the caller stores them (`trend` unless --no-store, `nightly`; a report
 * only reads). Nor does it print or format (report/format*.c).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mtime.h"
#include "stats.h"
#include "trend.h"

#define TREND_USEC_PER_DAY (86400ULL * USEC_PER_SEC)
#define TREND_BOOT_ITERS 2000

const char *trend_by_name(enum trend_by by)
{
	return by == TREND_BY_KERNEL ? "kernel" : "night";
}

const char *trend_by_points(enum trend_by by)
{
	return by == TREND_BY_KERNEL ? "kernels" : "nights";
}

int trend_by_parse(const char *s, enum trend_by *out)
{
	if (s && strcmp(s, "night") == 0)
		*out = TREND_BY_NIGHT;
	else if (s && strcmp(s, "kernel") == 0)
		*out = TREND_BY_KERNEL;
	else
		return -EINVAL;
	return 0;
}

/* ---- collecting the samples ------------------------------------------------ */

struct trend_sample {
	uint64_t at_us;
	size_t kernel; /* index into trend_collect.kernels */
	double value;
};

struct trend_acc {
	char *scenario, *variant_key, *metric;
	struct trend_sample *s;
	size_t n, cap;
};

struct trend_collect {
	const char *const *metrics;
	size_t n_metrics;
	bool by_mode; /* the default metrics: those of each run's traffic mode */
	struct trend_acc *acc;
	size_t n_acc, cap_acc;
	char **kernels; /* kernel releases seen, interned */
	size_t n_kernels, cap_kernels;
	size_t n_runs;
};

/* Room for one more element of *arr (n used of *cap), growing
 * geometrically. 0 or -ENOMEM (arr then unchanged). */
static int trend_reserve(void **arr, size_t *cap, size_t n, size_t size)
{
	size_t want;
	void *grown;

	if (n < *cap)
		return 0;
	want = *cap ? 2 * *cap : 16;
	if (want > SIZE_MAX / size)
		return -ENOMEM;
	grown = realloc(*arr, want * size);
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	*cap = want;
	return 0;
}

static int trend_intern_kernel(struct trend_collect *c, const char *release, size_t *idx)
{
	size_t i;

	/* the newest kernels are the likeliest: search backwards */
	for (i = c->n_kernels; i-- > 0;) {
		if (strcmp(c->kernels[i], release) == 0) {
			*idx = i;
			return 0;
		}
	}
	if (trend_reserve((void **)&c->kernels, &c->cap_kernels, c->n_kernels,
			  sizeof(*c->kernels)) < 0)
		return -ENOMEM;
	c->kernels[c->n_kernels] = strdup(release);
	if (!c->kernels[c->n_kernels])
		return -ENOMEM;
	*idx = c->n_kernels++;
	return 0;
}

static struct trend_acc *trend_find_acc(struct trend_collect *c, const char *scenario,
					const char *variant_key, const char *metric)
{
	struct trend_acc *a;
	size_t i;

	for (i = 0; i < c->n_acc; i++) {
		a = &c->acc[i];
		if (strcmp(a->metric, metric) == 0 && strcmp(a->scenario, scenario) == 0 &&
		    strcmp(a->variant_key, variant_key) == 0)
			return a;
	}
	if (trend_reserve((void **)&c->acc, &c->cap_acc, c->n_acc, sizeof(*c->acc)) < 0)
		return NULL;
	a = &c->acc[c->n_acc];
	memset(a, 0, sizeof(*a));
	a->scenario = strdup(scenario);
	a->variant_key = strdup(variant_key);
	a->metric = strdup(metric);
	if (!a->scenario || !a->variant_key || !a->metric) {
		free(a->scenario);
		free(a->variant_key);
		free(a->metric);
		return NULL;
	}
	c->n_acc++;
	return a;
}

static int trend_collect_run(const struct results_run *run, void *arg)
{
	struct trend_collect *c = arg;
	const struct results_metric *m;
	struct trend_acc *a;
	size_t i, kernel;

	if (run->status != RESULTS_OK || !run->scenario)
		return 0;
	if (trend_intern_kernel(c, run->kernel.release ? run->kernel.release : "", &kernel) < 0)
		return -ENOMEM;
	for (i = 0; i < c->n_metrics; i++) {
		m = results_run_metric(run, c->metrics[i]);
		if (!m || !isfinite(m->value))
			continue;
		if (c->by_mode && !compare_mode_metric(c->metrics[i], compare_mode_of(run)))
			continue;
		a = trend_find_acc(c, run->scenario, run->variant_key ? run->variant_key : "",
				   c->metrics[i]);
		if (!a || trend_reserve((void **)&a->s, &a->cap, a->n, sizeof(*a->s)) < 0)
			return -ENOMEM;
		a->s[a->n++] = (struct trend_sample){ run->started_at_us, kernel, m->value };
	}
	c->n_runs++;
	return 0;
}

static void trend_collect_release(struct trend_collect *c)
{
	size_t i;

	for (i = 0; i < c->n_acc; i++) {
		free(c->acc[i].scenario);
		free(c->acc[i].variant_key);
		free(c->acc[i].metric);
		free(c->acc[i].s);
	}
	free(c->acc);
	for (i = 0; i < c->n_kernels; i++)
		free(c->kernels[i]);
	free(c->kernels);
}

/* ---- points ------------------------------------------------------------------ */

static void trend_date(uint64_t at_us, char *buf, size_t size)
{
	time_t t = (time_t)(at_us / USEC_PER_SEC);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%d", &tm))
		snprintf(buf, size, "?");
}

/*
 * The points of one series (s->points) from its samples, which are
 * oldest first. Each sample is given its point, the samples are grouped
 * by point (a counting sort), and each point's value is the median of its
 * group.
 */
static int trend_points(const struct trend_collect *c, const struct trend_acc *a,
			enum trend_by by, struct trend_series *s)
{
	size_t *point_of = NULL, *point_key = NULL, *start = NULL, *fill = NULL;
	double *grouped = NULL;
	struct trend_point *p;
	size_t i, j, k, key, n_points = 0;
	int ret = -ENOMEM;

	point_of = calloc(a->n, sizeof(*point_of));
	point_key = calloc(a->n, sizeof(*point_key));
	s->points = calloc(a->n, sizeof(*s->points)); /* at most one per sample */
	if (!point_of || !point_key || !s->points)
		goto out;
	for (i = 0; i < a->n; i++) {
		key = by == TREND_BY_KERNEL ? a->s[i].kernel :
					      (size_t)(a->s[i].at_us / TREND_USEC_PER_DAY);
		/* nights arrive in order: only the last point can match; a
		 * kernel may come back after another one was tested */
		for (j = n_points; j-- > 0;)
			if (point_key[j] == key || by == TREND_BY_NIGHT)
				break;
		if (j == SIZE_MAX || point_key[j] != key) {
			j = n_points++;
			point_key[j] = key;
			p = &s->points[j];
			trend_date(a->s[i].at_us, p->date, sizeof(p->date));
			snprintf(p->kernel, sizeof(p->kernel), "%s", c->kernels[a->s[i].kernel]);
			if (by == TREND_BY_KERNEL) {
				p->at_us = a->s[i].at_us;
				snprintf(p->label, sizeof(p->label), "%s",
					 p->kernel[0] ? p->kernel : "unknown");
			} else {
				p->at_us = key * TREND_USEC_PER_DAY;
				snprintf(p->label, sizeof(p->label), "%s", p->date);
			}
		}
		point_of[i] = j;
		s->points[j].n_runs++;
	}
	s->n_points = n_points;

	start = calloc(n_points + 1, sizeof(*start));
	fill = calloc(n_points, sizeof(*fill));
	grouped = calloc(a->n, sizeof(*grouped));
	if (!start || !fill || !grouped)
		goto out;
	for (j = 0; j < n_points; j++)
		start[j + 1] = start[j] + s->points[j].n_runs;
	for (i = 0; i < a->n; i++) {
		k = point_of[i];
		grouped[start[k] + fill[k]++] = a->s[i].value;
	}
	for (j = 0; j < n_points; j++)
		s->points[j].value = stats_median(grouped + start[j], s->points[j].n_runs);
	ret = 0;
out:
	free(point_of);
	free(point_key);
	free(start);
	free(fill);
	free(grouped);
	return ret;
}

/* ---- change points and the verdict ------------------------------------------ */

struct trend_params {
	enum trend_by by;
	size_t min_size;
	double sig_level;
	unsigned permutations;
	uint64_t seed;
	double floor;
};

/* after / before - 1; a change from 0 is infinite in its direction. */
static double trend_change(double before, double after)
{
	if (before == 0)
		return after == 0 ? 0 : copysign((double)INFINITY, after);
	return after / before - 1;
}

/* "2026-11-30 (kernel 6.18.1)" or "kernel 6.18.1 (2026-11-30)": the
 * point that starts a regime, both ways of naming it. */
static void trend_where(const struct trend_point *p, enum trend_by by, char *buf, size_t size)
{
	if (by == TREND_BY_KERNEL)
		xsnprintf(buf, size, "kernel %s (%s)", p->label, p->date);
	else
		xsnprintf(buf, size, "%s (kernel %s)", p->label, p->kernel[0] ? p->kernel : "unknown");
}

static void trend_reason(struct trend_series *s, const struct trend_params *pp, double rel)
{
	const struct trend_changepoint *cp = &s->cps[s->n_cps - 1];
	char before[48], after[48], where[160], verdict[64];

	compare_value_short(s->metric, cp->median_before, before, sizeof(before));
	compare_value_short(s->metric, cp->median_after, after, sizeof(after));
	trend_where(&s->points[cp->index], pp->by, where, sizeof(where));
	if (s->verdict == COMPARE_NO_CHANGE)
		snprintf(verdict, sizeof(verdict), "within the %.1f %% floor", pp->floor * 100);
	else
		snprintf(verdict, sizeof(verdict), "floor %.1f %%", pp->floor * 100);
	/* a kernel release can be long: a reason cut short still starts right */
	xsnprintf(s->reason, sizeof(s->reason),
		  "change point %s: %s -> %s (%+.1f %%, %s), newest regime %zu of %zu %s%s", where,
		  before, after, rel * 100, verdict, s->n_points - s->regime_start, s->n_points,
		  trend_by_points(pp->by), s->new_regime ? ", new with the newest point" : "");
}

static int trend_analyse(struct trend_series *s, const struct trend_params *pp, struct diag *d)
{
	size_t n = s->n_points, need = 2 * pp->min_size, max_cps, i, k, lo, hi, c;
	size_t *found = NULL;
	double *x = NULL, *found_p = NULL, rel, all;
	char median[48];
	int ret = 0, got;

	x = calloc(n ? n : 1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		x[i] = s->points[i].value;
	all = stats_median(x, n);
	if (n < need) {
		s->verdict = COMPARE_INCONCLUSIVE;
		snprintf(s->reason, sizeof(s->reason), "history too short: %zu %s, need %zu", n,
			 n == 1 ? trend_by_name(pp->by) : trend_by_points(pp->by), need);
		goto out;
	}
	max_cps = n / pp->min_size;
	found = calloc(max_cps, sizeof(*found));
	found_p = calloc(max_cps, sizeof(*found_p));
	s->cps = calloc(max_cps, sizeof(*s->cps));
	if (!found || !found_p || !s->cps) {
		ret = -ENOMEM;
		goto out;
	}
	got = stats_edivisive_p(x, n, pp->min_size, pp->sig_level, pp->permutations, pp->seed,
				found, found_p, max_cps);
	if (got < 0) {
		ret = diag_set(d, got, "cannot find the change points of '%s' '%s' '%s'",
			       s->scenario, s->variant_key, s->metric);
		goto out;
	}
	/* keep what makes regimes: sorted, inside the history */
	for (i = 0, k = 0; i < (size_t)got && i < max_cps; i++)
		if (found[i] > 0 && found[i] < n && (k == 0 || found[i] > found[k - 1])) {
			found_p[k] = found_p[i];
			found[k++] = found[i];
		}
	for (i = 0; i < k; i++) {
		struct trend_changepoint *cp = &s->cps[i];

		c = found[i];
		lo = i ? found[i - 1] : 0;
		hi = i + 1 < k ? found[i + 1] : n;
		cp->index = c;
		cp->at_us = s->points[c].at_us;
		snprintf(cp->label, sizeof(cp->label), "%s", s->points[c].label);
		cp->median_before = stats_median(x + lo, c - lo);
		cp->median_after = stats_median(x + c, hi - c);
		cp->change = trend_change(cp->median_before, cp->median_after);
		cp->p = found_p[i];
		s->n_cps++;
	}
	if (!s->n_cps) {
		s->verdict = COMPARE_NO_CHANGE;
		compare_value_short(s->metric, all, median, sizeof(median));
		snprintf(s->reason, sizeof(s->reason), "no change point in %zu %s (median %s)", n,
			 trend_by_points(pp->by), median);
		goto out;
	}
	s->regime_start = s->cps[s->n_cps - 1].index;
	s->new_regime = s->regime_start >= n - pp->min_size;
	rel = s->cps[s->n_cps - 1].change;
	if (!s->higher_is_better)
		rel = -rel; /* from here on, negative is worse */
	if (rel < -pp->floor)
		s->verdict = COMPARE_REGRESSION;
	else if (rel > pp->floor)
		s->verdict = COMPARE_IMPROVEMENT;
	else
		s->verdict = COMPARE_NO_CHANGE;
	trend_reason(s, pp, s->cps[s->n_cps - 1].change);
out:
	free(found);
	free(found_p);
	free(x);
	return ret;
}

/* ---- compare rows -------------------------------------------------------------- */

static double *trend_copy_values(const struct trend_series *s, size_t lo, size_t hi)
{
	double *v = malloc((hi > lo ? hi - lo : 1) * sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = lo; i < hi; i++)
		v[i - lo] = s->points[i].value;
	return v;
}

/*
 * The series as a compare row: base = the previous regime, cand = the
 * newest. Without a change point (or with too short a history) there is
 * no previous regime: n_base 0, its median, the ratio and p are NaN, which
 * the writers print as "-".
 */
static int trend_row(const struct trend_series *s, const struct trend_params *pp,
		     struct compare_series *row)
{
	size_t n = s->n_points, base_lo = 0, base_hi = n, cand_lo = 0;

	memset(row, 0, sizeof(*row));
	compare_series_clear(row);
	snprintf(row->scenario, sizeof(row->scenario), "%s", s->scenario);
	snprintf(row->variant_key, sizeof(row->variant_key), "%s", s->variant_key);
	snprintf(row->metric, sizeof(row->metric), "%s", s->metric);
	row->higher_is_better = s->higher_is_better;
	row->verdict = s->verdict;
	row->floor = pp->floor;
	snprintf(row->reason, sizeof(row->reason), "%s", s->reason);
	if (s->n_cps) {
		base_lo = s->n_cps > 1 ? s->cps[s->n_cps - 2].index : 0;
		base_hi = cand_lo = s->regime_start;
	} else {
		base_hi = 0; /* one regime, or too short a history: no base */
	}
	row->n_base = base_hi - base_lo;
	row->n_cand = n - cand_lo;
	row->base_values = trend_copy_values(s, base_lo, base_hi);
	row->cand_values = trend_copy_values(s, cand_lo, n);
	if (!row->base_values || !row->cand_values)
		return -ENOMEM;
	row->median_base = stats_median(row->base_values, row->n_base);
	row->median_cand = stats_median(row->cand_values, row->n_cand);
	row->mad_base = stats_mad(row->base_values, row->n_base);
	row->mad_cand = stats_mad(row->cand_values, row->n_cand);
	row->ratio = row->median_base != 0 ? row->median_cand / row->median_base : (double)NAN;
	row->ci_lo = row->ci_hi = (double)NAN;
	row->p = row->p_adjusted = (double)NAN;
	if (s->n_cps) {
		/* the change point's own permutation p: not an adjusted p */
		row->p = s->cps[s->n_cps - 1].p;
		if (stats_bootstrap_ratio_ci(row->base_values, row->n_base, row->cand_values,
					     row->n_cand, TREND_BOOT_ITERS, 0.95, pp->seed,
					     &row->ci_lo, &row->ci_hi) < 0)
			row->ci_lo = row->ci_hi = (double)NAN;
	}
	return 0;
}

/* the order of compare_result: compare_row_cmp() */
static int trend_cmp(const void *pa, const void *pb)
{
	const struct trend_series *a = pa, *b = pb;

	return compare_row_cmp(a->verdict, a->scenario, a->variant_key, a->metric, b->verdict,
			       b->scenario, b->variant_key, b->metric);
}

/* ---- the whole trend ----------------------------------------------------------- */

static int trend_params_resolve(const struct trend_opts *o, struct trend_params *pp,
				struct diag *d)
{
	static const struct trend_opts defaults;

	if (!o)
		o = &defaults;
	pp->by = o->by;
	pp->min_size = o->min_size ? o->min_size : TREND_DEFAULT_MIN_SIZE;
	pp->sig_level = o->sig_level > 0 ? o->sig_level : TREND_DEFAULT_SIG_LEVEL;
	pp->permutations = o->permutations ? o->permutations : TREND_DEFAULT_PERMUTATIONS;
	pp->seed = o->seed ? o->seed : TREND_DEFAULT_SEED;
	pp->floor = o->floor > 0 ? o->floor : TREND_DEFAULT_FLOOR;
	if (pp->by != TREND_BY_NIGHT && pp->by != TREND_BY_KERNEL)
		return diag_set(d, -EINVAL, "cannot compute trends: unknown grouping %d",
				(int)pp->by);
	if (pp->min_size < 2)
		return diag_set(d, -EINVAL,
				"cannot compute trends: a regime needs at least 2 points, not %zu",
				pp->min_size);
	if (pp->sig_level >= 1)
		return diag_set(d, -EINVAL,
				"cannot compute trends: significance level %g is not below 1",
				pp->sig_level);
	if (!isfinite(pp->floor) || pp->floor >= 1)
		return diag_set(d, -EINVAL, "cannot compute trends: floor %g is not below 100 %%",
				pp->floor);
	return 0;
}

int report_trend(struct results *db, const struct results_filter *f, const struct trend_opts *o,
		 struct trend_result *out, struct diag *d)
{
	struct trend_collect c = { 0 };
	struct results_filter ok = { 0 };
	struct trend_params pp;
	struct trend_series *s;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = trend_params_resolve(o, &pp, d);
	if (ret < 0)
		return ret;
	out->by = pp.by;
	out->min_size = pp.min_size;
	out->sig_level = pp.sig_level;
	out->permutations = pp.permutations;
	out->floor = pp.floor;

	if (o && o->metrics && o->n_metrics) {
		c.metrics = o->metrics;
		c.n_metrics = o->n_metrics;
	} else {
		c.n_metrics = compare_default_metrics(&c.metrics);
		c.by_mode = true;
	}
	if (f)
		ok = *f;
	ok.status = "ok"; /* only ok runs are measurements */
	ok.metrics_only = true;
	ret = results_query(db, &ok, trend_collect_run, &c, d);
	if (ret < 0)
		goto out;
	out->n_runs = c.n_runs;
	if (!c.n_acc)
		goto out;

	out->series = calloc(c.n_acc, sizeof(*out->series));
	if (!out->series) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < c.n_acc; i++) {
		s = &out->series[i];
		/* the strings move from the accumulator to the series */
		s->scenario = TAKE_PTR(c.acc[i].scenario);
		s->variant_key = TAKE_PTR(c.acc[i].variant_key);
		s->metric = TAKE_PTR(c.acc[i].metric);
		out->n++;
		s->higher_is_better = compare_higher_is_better(s->metric);
		ret = trend_points(&c, &c.acc[i], pp.by, s);
		if (ret == 0)
			ret = trend_analyse(s, &pp, d);
		if (ret < 0)
			goto out;
	}
	qsort(out->series, out->n, sizeof(*out->series), trend_cmp);

	out->rows.series = calloc(out->n, sizeof(*out->rows.series));
	if (!out->rows.series) {
		ret = -ENOMEM;
		goto out;
	}
	out->rows.p_label = "P_CP";
	for (i = 0; i < out->n; i++) {
		out->rows.n++;
		ret = trend_row(&out->series[i], &pp, &out->rows.series[i]);
		if (ret < 0)
			goto out;
		out->rows.counts[out->series[i].verdict]++;
	}
out:
	if (ret == -ENOMEM)
		diag_set(d, ret, "cannot compute trends: out of memory");
	trend_collect_release(&c);
	if (ret < 0)
		trend_result_release(out);
	return ret;
}

void trend_result_release(struct trend_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->series[i].scenario);
		free(r->series[i].variant_key);
		free(r->series[i].metric);
		free(r->series[i].points);
		free(r->series[i].cps);
	}
	free(r->series);
	for (i = 0; i < r->rows.n; i++) {
		free(r->rows.series[i].base_values);
		free(r->rows.series[i].cand_values);
	}
	free(r->rows.series);
	memset(r, 0, sizeof(*r));
}
