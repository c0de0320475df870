/*
 * compare.c: the verdict on two selections of stored runs (report_compare
 * of compare.h).
 *
 * Both selections are read through results_query() with status ok added
 * (only ok runs are measurements); each run's values of the metrics asked
 * for are grouped by (scenario, variant_key, metric) into a series, per
 * side. A series present on both sides gets the figures (n, median, MAD,
 * ratio of medians with a bootstrap 95 % CI, Mann-Whitney p), then the p
 * values of every series that has enough runs are adjusted together (Holm
 * or Benjamini-Hochberg), then each series gets its verdict:
 *
 *   fewer than min_runs on a side              -> inconclusive ("need 5")
 *   p_adj < alpha and |ratio - 1| > floor      -> regression / improvement
 *   p_adj >= alpha and |ratio - 1| <= floor    -> no change
 *   one without the other                      -> inconclusive, with why
 *
 * where floor = max(floor_min, floor_mad_factor x pooled relative MAD).
 * Series with too few runs are left out of the multiple-comparison family:
 * they can get no verdict, and counting them would only make the others
 * stricter; their p_adjusted is NAN.
 *
 * A run that both selections hold counts for the candidate only: the
 * baseline is its selection minus the candidate's runs (so "--baseline
 * scenario:smoke --candidate tag:side=new" means "every other smoke run"),
 * and no run is ever compared with itself.
 *
 * Errors: -ENODATA when a side holds no ok run (left), none with the
 * metrics, or no series is on both sides; the diag says which.
 *
 * This file does not print, and does not read the database other than
 * through results_query(). The writers are in format.c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "stats.h"

static const char *const compare_default_metrics[] = { "goodput_bps", "efficiency" };

static const struct compare_words compare_words[COMPARE_VERDICTS_ + 1] = {
	[COMPARE_NO_CHANGE] = { "no_change", "no change", "no-change", "no change" },
	[COMPARE_REGRESSION] = { "regression", "REGRESSION", "regression", "regression" },
	[COMPARE_IMPROVEMENT] = { "improvement", "improvement", "improvement", "improvement" },
	[COMPARE_INCONCLUSIVE] = { "inconclusive", "inconclusive", "inconclusive", "inconclusive" },
	[COMPARE_VERDICTS_] = { "unknown", "unknown", "unknown", "unknown" },
};

const struct compare_words *compare_verdict_words(enum compare_verdict v)
{
	return &compare_words[(unsigned)v < COMPARE_VERDICTS_ ? v : COMPARE_VERDICTS_];
}

const char *compare_verdict_name(enum compare_verdict v)
{
	return compare_verdict_words(v)->name;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

bool compare_higher_is_better(const char *metric)
{
	if (!metric)
		return true;
	if (!strcmp(metric, "goodput_bps") || !strcmp(metric, "efficiency") ||
	    !strcmp(metric, "tps") || ends_with(metric, "_bps"))
		return true;
	if (!strcmp(metric, "retransmits") || starts_with(metric, "completion_time") ||
	    strstr(metric, "latency") || ends_with(metric, "_us") || !strcmp(metric, "duration_s"))
		return false;
	return true;
}

/* ---- grouping ------------------------------------------------------------ */

/* One (scenario, variant_key, metric) with the values of each side, in the
 * order the runs were stored (oldest first). */
struct group {
	char *scenario, *variant_key, *metric;
	uint64_t hash;
	double *v[2];
	size_t n[2], cap[2];
};

/* Open addressing over indexes into groups; slots hold index + 1, 0 = free. */
struct group_table {
	struct group *groups;
	size_t n, cap;
	size_t *slots;
	size_t n_slots; /* a power of two, at least twice n */
};

struct collect_ctx {
	struct group_table *t;
	const char *const *metrics;
	size_t n_metrics;
	int side; /* 0 baseline, 1 candidate */
	size_t runs;
	size_t values;
	/* the candidate's run ids, sorted once it is read: the baseline
	 * leaves them out, so no run is compared with itself */
	int64_t *cand_ids;
	size_t n_cand_ids, cap_cand_ids;
	size_t excluded; /* baseline runs left out for being candidates */
};

/* FNV-1a over the three strings, each with its terminating NUL so
 * ("ab", "c") and ("a", "bc") differ. */
static uint64_t group_hash(const char *scenario, const char *variant_key, const char *metric)
{
	const char *parts[3] = { scenario, variant_key, metric };
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		do {
			h ^= *p;
			h *= 0x100000001b3ULL;
		} while (*p++);
	}
	return h;
}

static void group_table_release(struct group_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->groups[i].scenario);
		free(t->groups[i].variant_key);
		free(t->groups[i].metric);
		free(t->groups[i].v[0]);
		free(t->groups[i].v[1]);
	}
	free(t->groups);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int group_table_rehash(struct group_table *t)
{
	size_t n_slots = t->n_slots ? 2 * t->n_slots : 64;
	size_t *slots = calloc(n_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t s = t->groups[i].hash & (n_slots - 1);

		while (slots[s])
			s = (s + 1) & (n_slots - 1);
		slots[s] = i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->n_slots = n_slots;
	return 0;
}

static int group_find_or_add(struct group_table *t, const char *scenario,
			     const char *variant_key, const char *metric, struct group **out)
{
	uint64_t h = group_hash(scenario, variant_key, metric);
	struct group *g;
	size_t s;
	int ret;

	if (2 * (t->n + 1) > t->n_slots) {
		ret = group_table_rehash(t);
		if (ret < 0)
			return ret;
	}
	for (s = h & (t->n_slots - 1); t->slots[s]; s = (s + 1) & (t->n_slots - 1)) {
		g = &t->groups[t->slots[s] - 1];
		if (g->hash == h && !strcmp(g->scenario, scenario) &&
		    !strcmp(g->variant_key, variant_key) && !strcmp(g->metric, metric)) {
			*out = g;
			return 0;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct group *grown = realloc(t->groups, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->groups = grown;
		t->cap = cap;
	}
	g = &t->groups[t->n];
	memset(g, 0, sizeof(*g));
	g->hash = h;
	g->scenario = strdup(scenario);
	g->variant_key = strdup(variant_key);
	g->metric = strdup(metric);
	t->n++; /* counted before the check, so release frees what was copied */
	if (!g->scenario || !g->variant_key || !g->metric)
		return -ENOMEM;
	t->slots[s] = t->n;
	*out = g;
	return 0;
}

static int group_push(struct group *g, int side, double value)
{
	if (g->n[side] == g->cap[side]) {
		size_t cap = g->cap[side] ? 2 * g->cap[side] : 16;
		double *grown = realloc(g->v[side], cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		g->v[side] = grown;
		g->cap[side] = cap;
	}
	g->v[side][g->n[side]++] = value;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int collect_run(const struct results_run *run, void *arg)
{
	struct collect_ctx *c = arg;
	const char *variant_key = run->variant_key ? run->variant_key : "";
	struct group *g;
	int ret;

	if (c->side == 1) {
		if (c->n_cand_ids == c->cap_cand_ids) {
			size_t cap = c->cap_cand_ids ? 2 * c->cap_cand_ids : 64;
			int64_t *grown = realloc(c->cand_ids, cap * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			c->cand_ids = grown;
			c->cap_cand_ids = cap;
		}
		c->cand_ids[c->n_cand_ids++] = run->id;
	} else if (bsearch(&run->id, c->cand_ids, c->n_cand_ids, sizeof(*c->cand_ids), cmp_id)) {
		c->excluded++;
		return 0;
	}
	c->runs++;
	for (size_t i = 0; i < run->n_metrics; i++) {
		const struct results_metric *m = &run->metrics[i];
		size_t k;

		for (k = 0; k < c->n_metrics && strcmp(c->metrics[k], m->name); k++)
			;
		/* a NaN or an infinity is not a measurement */
		if (k == c->n_metrics || !isfinite(m->value))
			continue;
		ret = group_find_or_add(c->t, run->scenario ? run->scenario : "", variant_key,
					m->name, &g);
		if (ret < 0)
			return ret;
		ret = group_push(g, c->side, m->value);
		if (ret < 0)
			return ret;
		c->values++;
	}
	return 0;
}

/* Read one side into the table. A filter that asks for runs other than ok
 * ones selects no measurement: said so, rather than silently overridden. */
static int collect_side(struct results *db, const struct results_filter *f, int side,
			struct collect_ctx *c, struct diag *d)
{
	const char *name = side ? "candidate" : "baseline";
	struct results_filter ok = { 0 };
	int ret;

	if (f)
		ok = *f;
	if (ok.status && strcmp(ok.status, "ok"))
		return diag_set(d, -ENODATA,
				"the %s selects runs with status '%s', but only ok runs are measurements",
				name, ok.status);
	ok.status = "ok";
	c->side = side;
	c->runs = 0;
	c->values = 0;
	ret = results_query(db, &ok, collect_run, c, d);
	if (ret < 0)
		return diag_prefix(d, "cannot read the %s", name);
	if (!c->runs && c->excluded)
		return diag_set(d, -ENODATA,
				"the %s selection holds no ok run besides the %zu it shares with the candidate",
				name, c->excluded);
	if (!c->runs)
		return diag_set(d, -ENODATA, "the %s selection holds no ok run", name);
	if (!c->values)
		return diag_set(d, -ENODATA,
				"the %s selection holds %zu ok run%s, but none has the metric%s asked for",
				name, c->runs, c->runs == 1 ? "" : "s", c->n_metrics == 1 ? "" : "s");
	return 0;
}

/* ---- figures and verdicts -------------------------------------------------- */

/* Copy a name into a fixed field; a name too long for it ends in "..." so a
 * reader never mistakes the cut name for another series. */
static void copy_name(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

static double rel_mad(double mad, double median)
{
	if (median == 0.0)
		return mad == 0.0 ? 0.0 : (double)INFINITY;
	return mad / fabs(median);
}

/* The figures of one series; p_adjusted and the verdict come later. */
static int series_figures(const struct compare_opts *o, struct compare_series *s, struct diag *d)
{
	double u;
	int ret;

	s->median_base = stats_median(s->base_values, s->n_base);
	s->median_cand = stats_median(s->cand_values, s->n_cand);
	s->mad_base = stats_mad(s->base_values, s->n_base);
	s->mad_cand = stats_mad(s->cand_values, s->n_cand);
	s->ratio = s->ci_lo = s->ci_hi = NAN;
	s->p = s->p_adjusted = NAN;
	if (s->median_base != 0.0) {
		s->ratio = s->median_cand / s->median_base;
		/* a reproducible CI per series, whatever else is compared */
		ret = stats_bootstrap_ratio_ci(s->base_values, s->n_base, s->cand_values, s->n_cand,
					       o->boot_iters, 0.95,
					       o->seed ^ group_hash(s->scenario, s->variant_key,
								    s->metric),
					       &s->ci_lo, &s->ci_hi);
		if (ret < 0 && ret != -EINVAL)
			return diag_set(d, ret, "cannot bootstrap series '%s %s %s'", s->scenario,
					s->variant_key, s->metric);
	}
	ret = stats_mann_whitney(s->base_values, s->n_base, s->cand_values, s->n_cand, &u, &s->p);
	if (ret < 0)
		return diag_set(d, ret, "cannot test series '%s %s %s'", s->scenario,
				s->variant_key, s->metric);
	/* all values tied: no evidence of any difference */
	if (isnan(s->p))
		s->p = 1.0;
	s->floor = fmax(o->floor_min, o->floor_mad_factor * (rel_mad(s->mad_base, s->median_base) +
							      rel_mad(s->mad_cand, s->median_cand)) / 2);
	return 0;
}

static const char *correction_name(enum compare_correction c)
{
	return c == COMPARE_BH ? "Benjamini-Hochberg" : "Holm";
}

static bool enough_runs(const struct compare_series *s, size_t min_runs)
{
	return s->n_base >= min_runs && s->n_cand >= min_runs;
}

static void series_verdict(const struct compare_opts *o, struct compare_series *s)
{
	const char *corr = correction_name(o->correction);
	double change_pct = (s->ratio - 1) * 100, floor_pct = s->floor * 100;
	bool significant, beyond, worse;

	if (!enough_runs(s, o->min_runs)) {
		s->verdict = COMPARE_INCONCLUSIVE;
		if (s->n_base < o->min_runs && s->n_cand < o->min_runs)
			snprintf(s->reason, sizeof(s->reason),
				 "only %zu baseline and %zu candidate runs, need %zu per side",
				 s->n_base, s->n_cand, o->min_runs);
		else if (s->n_cand < o->min_runs)
			snprintf(s->reason, sizeof(s->reason),
				 "only %zu run%s on the candidate side, need %zu", s->n_cand,
				 s->n_cand == 1 ? "" : "s", o->min_runs);
		else
			snprintf(s->reason, sizeof(s->reason),
				 "only %zu run%s on the baseline side, need %zu", s->n_base,
				 s->n_base == 1 ? "" : "s", o->min_runs);
		return;
	}
	if (isnan(s->ratio)) {
		/* a baseline median of 0 (no retransmits, say) has no ratio */
		if (s->median_cand == 0.0 && !(s->p_adjusted < o->alpha)) {
			s->verdict = COMPARE_NO_CHANGE;
			snprintf(s->reason, sizeof(s->reason),
				 "both medians are 0, p = %.2g after %s", s->p_adjusted, corr);
		} else {
			s->verdict = COMPARE_INCONCLUSIVE;
			snprintf(s->reason, sizeof(s->reason),
				 "the baseline median is 0 and the candidate's %.6g: no relative change (p = %.2g after %s)",
				 s->median_cand, s->p_adjusted, corr);
		}
		return;
	}
	significant = s->p_adjusted < o->alpha;
	beyond = fabs(s->ratio - 1) > s->floor;
	worse = s->higher_is_better ? s->ratio < 1 : s->ratio > 1;
	if (significant && beyond) {
		s->verdict = worse ? COMPARE_REGRESSION : COMPARE_IMPROVEMENT;
		snprintf(s->reason, sizeof(s->reason),
			 "%+.1f %% (95 %% CI %+.1f %% .. %+.1f %%) is beyond the %.1f %% floor and p = %.2g < %g after %s",
			 change_pct, (s->ci_lo - 1) * 100, (s->ci_hi - 1) * 100, floor_pct,
			 s->p_adjusted, o->alpha, corr);
	} else if (!significant && !beyond) {
		s->verdict = COMPARE_NO_CHANGE;
		snprintf(s->reason, sizeof(s->reason),
			 "%+.1f %% is within the %.1f %% floor and p = %.2g after %s", change_pct,
			 floor_pct, s->p_adjusted, corr);
	} else if (significant) {
		s->verdict = COMPARE_INCONCLUSIVE;
		snprintf(s->reason, sizeof(s->reason),
			 "%+.1f %% is significant (p = %.2g < %g after %s) but within the %.1f %% noise floor",
			 change_pct, s->p_adjusted, o->alpha, corr, floor_pct);
	} else {
		s->verdict = COMPARE_INCONCLUSIVE;
		snprintf(s->reason, sizeof(s->reason),
			 "%+.1f %% is beyond the %.1f %% floor but p = %.2g > %g after %s: add repetitions",
			 change_pct, floor_pct, s->p_adjusted, o->alpha, corr);
	}
}

/* Adjust the p values of the series that can get a verdict, together. */
static int adjust_p(const struct compare_opts *o, struct compare_result *r)
{
	double *p = NULL, *adj = NULL;
	size_t *idx = NULL, m = 0;
	int ret = -ENOMEM;

	p = calloc(r->n ? r->n : 1, sizeof(*p));
	adj = calloc(r->n ? r->n : 1, sizeof(*adj));
	idx = calloc(r->n ? r->n : 1, sizeof(*idx));
	if (!p || !adj || !idx)
		goto out;
	for (size_t i = 0; i < r->n; i++) {
		if (!enough_runs(&r->series[i], o->min_runs))
			continue;
		idx[m] = i;
		p[m++] = r->series[i].p;
	}
	if (m && o->correction == COMPARE_BH)
		stats_benjamini_hochberg(p, m, adj);
	else if (m)
		stats_holm(p, m, adj);
	for (size_t k = 0; k < m; k++)
		r->series[idx[k]].p_adjusted = adj[k];
	ret = 0;
out:
	free(p);
	free(adj);
	free(idx);
	return ret;
}

void compare_value_short(const char *metric, double v, char *buf, size_t size)
{
	size_t len = strlen(metric);

	if (len > 4 && strcmp(metric + len - 4, "_bps") == 0 && fabs(v) >= 1e9)
		snprintf(buf, size, "%.3f Gbit/s", v / 1e9);
	else if (len > 4 && strcmp(metric + len - 4, "_bps") == 0)
		snprintf(buf, size, "%.2f Mbit/s", v / 1e6);
	else
		snprintf(buf, size, "%.4g", v);
}

static int verdict_rank(enum compare_verdict v)
{
	switch (v) {
	case COMPARE_REGRESSION:
		return 0;
	case COMPARE_INCONCLUSIVE:
		return 1;
	case COMPARE_IMPROVEMENT:
		return 2;
	default:
		return 3;
	}
}

int compare_row_cmp(enum compare_verdict verdict_a, const char *scenario_a,
		    const char *variant_key_a, const char *metric_a,
		    enum compare_verdict verdict_b, const char *scenario_b,
		    const char *variant_key_b, const char *metric_b)
{
	int c = verdict_rank(verdict_a) - verdict_rank(verdict_b);

	if (!c)
		c = strcmp(scenario_a, scenario_b);
	if (!c)
		c = strcmp(variant_key_a, variant_key_b);
	if (!c)
		c = strcmp(metric_a, metric_b);
	return c;
}

static int series_cmp(const void *pa, const void *pb)
{
	const struct compare_series *a = pa, *b = pb;

	return compare_row_cmp(a->verdict, a->scenario, a->variant_key, a->metric, b->verdict,
			       b->scenario, b->variant_key, b->metric);
}

/* "2 series ('smoke cc=bbr goodput_bps', ...)" on one side, so "nothing in
 * common" says what each side has. */
static void describe_side(const struct group_table *t, int side, char *buf, size_t size)
{
	const struct group *first = NULL;
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (!t->groups[i].n[side])
			continue;
		if (!first)
			first = &t->groups[i];
		n++;
	}
	if (!first) {
		snprintf(buf, size, "none");
		return;
	}
	snprintf(buf, size, "%zu series ('%s %s %s'%s)", n, first->scenario,
		 first->variant_key[0] ? first->variant_key : "-", first->metric,
		 n > 1 ? ", ..." : "");
}

static void opts_defaults(const struct compare_opts *in, struct compare_opts *o)
{
	static const struct compare_opts zero;

	*o = in ? *in : zero;
	if (!o->metrics || !o->n_metrics) {
		o->metrics = compare_default_metrics;
		o->n_metrics = ARRAY_SIZE(compare_default_metrics);
	}
	if (o->alpha <= 0)
		o->alpha = COMPARE_DEFAULT_ALPHA;
	if (o->floor_min <= 0)
		o->floor_min = COMPARE_DEFAULT_FLOOR_MIN;
	if (o->floor_mad_factor <= 0)
		o->floor_mad_factor = COMPARE_DEFAULT_MAD_FACTOR;
	if (!o->boot_iters)
		o->boot_iters = COMPARE_DEFAULT_BOOT_ITERS;
	if (!o->seed)
		o->seed = COMPARE_DEFAULT_SEED;
	if (!o->min_runs)
		o->min_runs = COMPARE_DEFAULT_MIN_RUNS;
}

int report_compare(struct results *db, const struct results_filter *base,
		   const struct results_filter *cand, const struct compare_opts *opts,
		   struct compare_result *out, struct diag *d)
{
	struct collect_ctx c = { 0 };
	struct group_table t = { 0 };
	struct compare_result r = { 0 };
	struct compare_opts o;
	size_t n_both = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	opts_defaults(opts, &o);
	if (!(o.alpha < 1))
		return diag_set(d, -EINVAL, "cannot compare: alpha must be in (0, 1), got %g", o.alpha);
	c.t = &t;
	c.metrics = o.metrics;
	c.n_metrics = o.n_metrics;
	/* the candidate first: a run both select is the candidate's */
	ret = collect_side(db, cand, 1, &c, d);
	if (ret < 0)
		goto out;
	qsort(c.cand_ids, c.n_cand_ids, sizeof(*c.cand_ids), cmp_id);
	ret = collect_side(db, base, 0, &c, d);
	if (ret < 0)
		goto out;

	for (size_t i = 0; i < t.n; i++)
		n_both += t.groups[i].n[0] && t.groups[i].n[1];
	if (!n_both) {
		char b[400], k[400];

		describe_side(&t, 0, b, sizeof(b));
		describe_side(&t, 1, k, sizeof(k));
		ret = diag_set(d, -ENODATA,
			       "no series (scenario, variant, metric) is present on both sides: the baseline has %s, the candidate %s",
			       b, k);
		goto out;
	}
	ret = -ENOMEM;
	r.series = calloc(n_both, sizeof(*r.series));
	if (!r.series)
		goto out;
	for (size_t i = 0; i < t.n; i++) {
		struct group *g = &t.groups[i];
		struct compare_series *s;

		if (!g->n[0] || !g->n[1])
			continue;
		s = &r.series[r.n++];
		copy_name(s->scenario, sizeof(s->scenario), g->scenario);
		copy_name(s->variant_key, sizeof(s->variant_key), g->variant_key);
		copy_name(s->metric, sizeof(s->metric), g->metric);
		s->higher_is_better = compare_higher_is_better(g->metric);
		s->base_values = TAKE_PTR(g->v[0]);
		s->cand_values = TAKE_PTR(g->v[1]);
		s->n_base = g->n[0];
		s->n_cand = g->n[1];
		ret = series_figures(&o, s, d);
		if (ret < 0)
			goto out;
	}
	ret = adjust_p(&o, &r);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < r.n; i++) {
		series_verdict(&o, &r.series[i]);
		r.counts[r.series[i].verdict]++;
	}
	qsort(r.series, r.n, sizeof(*r.series), series_cmp);
	*out = r;
	memset(&r, 0, sizeof(r));
	ret = 0;
out:
	if (ret == -ENOMEM)
		diag_set(d, ret, "cannot compare: out of memory");
	compare_result_release(&r);
	group_table_release(&t);
	free(c.cand_ids);
	return ret;
}

void compare_result_release(struct compare_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->series[i].base_values);
		free(r->series[i].cand_values);
	}
	free(r->series);
	memset(r, 0, sizeof(*r));
}
