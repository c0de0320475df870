/*
 * compare.c: the verdict on two selections of stored runs (report_compare
 * of compare.h).
 *
 *	results_query (candidate, then baseline; ok runs only)
 *	  -> per (scenario, variant_key, metric) and side: each value with
 *	     its run's group (compare_group_key) and its run's index
 *	  -> each scenario's traffic mode, the metrics of the comparison and
 *	     each one's role (primary or derived)
 *	  -> stats_compare_figures() per series (stats_verdict.h)
 *	  -> the family: the primary series that can get a verdict, their p
 *	     adjusted together (Holm or Benjamini-Hochberg); a derived series
 *	     is adjusted by the factor of the series it derives from, so it
 *	     never enlarges the family
 *	  -> stats_compare_decide() per series
 *	  -> bimodal series: the mix-shift p adjusted over the family's
 *	     bimodal series, the metric that tells the clusters apart
 *	  -> bounds: P(exceed) per side, Fisher's exact test
 *
 * A run that both selections hold counts for the candidate only: the
 * baseline is its selection minus the candidate's runs (so "--baseline
 * scenario:smoke --candidate tag:side=new" means "every other smoke run"),
 * and no run is ever compared with itself.
 *
 * Errors: -ENODATA when a side holds no ok run (left), none with the
 * metrics, or no series is on both sides; the diag says which.
 *
 * The collection of the runs into series is in compare_collect.c, the mix
 * and the bounds in compare_mix.c, what the three share in compare_int.h.
 * They do not print, and do not read the database other than through
 * results_query(). The writers are in format.c and format_json.c.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "compare_int.h"
#include "stats.h"

/* What the default comparison collects: the metrics of every mode, and
 * the bound marks (compare_int.h). */
static const char *const compare_all_metrics[] = {
	"goodput_bps",	  "efficiency",	    "completion_us",  "completion_ratio",
	"latency_p50_us", "latency_p90_us", "latency_p99_us", "tps",
};

/* The metrics of each mode, primary first (compare.h). */
static const char *const compare_mode_metrics[][5] = {
	[COMPARE_MODE_BULK] = { "goodput_bps", "efficiency" },
	[COMPARE_MODE_BYTES] = { "completion_us", "goodput_bps", "efficiency", "completion_ratio" },
	[COMPARE_MODE_RR] = { "latency_p50_us", "latency_p90_us", "latency_p99_us", "tps" },
};

/* Stored metrics that may tell the clusters of a bimodal series apart,
 * besides every share.<path>. */
static const char *const compare_explainers[] = {
	"retransmits", "bytes_retrans", "mptcp_joins", "subflows_seen", "subflows_joined_us",
};

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

const char *compare_role_name(enum compare_role r)
{
	return r == COMPARE_DERIVED ? "derived" : "primary";
}

const char *compare_mode_name(enum compare_mode m)
{
	return m == COMPARE_MODE_RR ? "rr" : m == COMPARE_MODE_BYTES ? "bytes" : "bulk";
}

const char *compare_mix_name(enum compare_mix_verdict m)
{
	switch (m) {
	case COMPARE_MIX_SAME:
		return "same";
	case COMPARE_MIX_TO_WORSE:
		return "to_worse";
	case COMPARE_MIX_TO_BETTER:
		return "to_better";
	default:
		return "none";
	}
}

size_t compare_default_metrics(const char *const **out)
{
	*out = compare_all_metrics;
	return ARRAY_SIZE(compare_all_metrics);
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
	    strstr(metric, "latency") || ends_with(metric, "_us") || !strcmp(metric, "duration_s") ||
	    !strcmp(metric, "completion_ratio") || !strcmp(metric, COMPARE_OVER_BOUND))
		return false;
	return true;
}

bool compare_is_explainer(const char *name)
{
	if (starts_with(name, "share."))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(compare_explainers); i++)
		if (!strcmp(name, compare_explainers[i]))
			return true;
	return false;
}

const char *compare_derived_from(const char *metric, enum compare_mode m)
{
	if (!strcmp(metric, "efficiency"))
		return m == COMPARE_MODE_BYTES ? "completion_us" : "goodput_bps";
	if (!strcmp(metric, "completion_ratio"))
		return "completion_us";
	if (!strcmp(metric, "goodput_bps") && m == COMPARE_MODE_BYTES)
		return "completion_us";
	return NULL;
}

static const char *run_tag(const struct results_run *run, const char *key)
{
	for (size_t i = 0; i < run->n_tags; i++)
		if (!strcmp(run->tags[i].key, key))
			return run->tags[i].value;
	return NULL;
}

const char *compare_group_key(const struct results_run *run, char *buf, size_t size)
{
	static const char *const keys[] = { "nightly", "bisect", "invocation" };
	time_t t = (time_t)(run->started_at_us / 1000000);
	struct tm tm;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = run_tag(run, keys[i]);

		if (v && *v) {
			snprintf(buf, size, "%s=%s", keys[i], v);
			return buf;
		}
	}
	if (gmtime_r(&t, &tm))
		snprintf(buf, size, "date=%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday);
	else
		snprintf(buf, size, "date=?");
	return buf;
}

enum compare_mode compare_mode_of(const struct results_run *run)
{
	if (results_run_metric(run, "tps"))
		return COMPARE_MODE_RR;
	if (results_run_metric(run, "completion_us"))
		return COMPARE_MODE_BYTES;
	return COMPARE_MODE_BULK;
}

/* ---- which series, in which role ---------------------------------------- */

/* Copy a name into a fixed field; a name too long for it ends in "..." so a
 * reader never mistakes the cut name for another series. */
void compare_copy_name(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

bool compare_mode_metric(const char *metric, enum compare_mode m)
{
	for (size_t i = 0; i < ARRAY_SIZE(compare_mode_metrics[0]); i++)
		if (compare_mode_metrics[m][i] && !strcmp(compare_mode_metrics[m][i], metric))
			return true;
	return false;
}

bool compare_on_both(const struct group *g)
{
	return g && g->n[0] && g->n[1];
}

/* Whether g is a series of this comparison, and its role. */
static bool series_wanted(const struct collect_ctx *c, const struct compare_opts *user,
			  const struct group *g, enum compare_mode mode, enum compare_role *role,
			  const char **from)
{
	const struct group *src;

	if (!compare_on_both(g) || !strcmp(g->metric, COMPARE_OVER_BOUND) ||
	    !strcmp(g->metric, COMPARE_BOUND_US))
		return false;
	if (!(user && user->metrics && user->n_metrics) && !compare_mode_metric(g->metric, mode))
		return false;
	*from = compare_derived_from(g->metric, mode);
	src = *from ? compare_group_find(c->t, g->scenario, g->variant_key, *from) : NULL;
	*role = compare_on_both(src) && compare_wanted(c, *from) ? COMPARE_DERIVED :
								   COMPARE_PRIMARY;
	if (*role == COMPARE_PRIMARY)
		*from = NULL;
	return true;
}

/* ---- figures ---------------------------------------------------------------- */

static void opts_defaults(const struct compare_opts *in, struct compare_opts *o);

static void stats_opts_from(const struct compare_opts *o, const struct compare_series *s,
			    struct stats_verdict_opts *so)
{
	*so = (struct stats_verdict_opts){
		.higher_is_better = s->higher_is_better,
		.alpha = o->alpha,
		.level = o->level,
		.floor_min = o->floor_min,
		.floor_factor = o->floor_factor,
		.boot_iters = o->boot_iters,
		.seed = o->seed ^ compare_series_hash(s->scenario, s->variant_key, s->metric),
		.min_runs = o->min_runs,
		.unit = o->unit,
	};
}

static const char *correction_name(enum compare_correction c)
{
	return c == COMPARE_BH ? "Benjamini-Hochberg" : c == COMPARE_NONE ? "no adjustment" : "Holm";
}

void compare_series_clear(struct compare_series *s)
{
	struct stats_comparison *st = &s->st;

	s->median_base = s->median_cand = s->mad_base = s->mad_cand = (double)NAN;
	s->ratio = s->ci_lo = s->ci_hi = s->p = s->p_adjusted = s->floor = (double)NAN;
	s->has_stats = false;
	memset(st, 0, sizeof(*st));
	st->ratio = st->ci_lo = st->ci_hi = st->p = st->df = st->p_adjusted = (double)NAN;
	st->ks_d = st->p_shape = st->p10_ratio = st->p90_ratio = st->mdc = (double)NAN;
	st->base.p10 = st->base.p90 = st->cand.p10 = st->cand.p90 = (double)NAN;
	st->base.sigma_within = st->base.sigma_between = (double)NAN;
	st->cand.sigma_within = st->cand.sigma_between = (double)NAN;
	st->noise.sigma_within = st->noise.sigma_between = st->floor = (double)NAN;
	st->mix.p = st->mix.share_a = st->mix.share_b = (double)NAN;
	s->mix.p = s->mix.p_adjusted = (double)NAN;
	s->bimodal = s->has_bound = false;
	s->mix_verdict = COMPARE_MIX_NONE;
}

/* In a worker thread: errors are returned, build_series() says them. */
static int series_figures(const struct compare_opts *o, const struct group *g,
			  struct compare_series *s)
{
	const struct stats_sample base = { g->v[0], g->grp[0], g->n[0] };
	const struct stats_sample cand = { g->v[1], g->grp[1], g->n[1] };
	struct stats_verdict_opts so;
	int ret;

	stats_opts_from(o, s, &so);
	ret = stats_compare_figures(&base, &cand, &so, &s->st);
	if (ret < 0)
		return ret;
	s->has_stats = true;
	s->n_base = s->st.base.n_runs;
	s->n_cand = s->st.cand.n_runs;
	s->median_base = s->st.base.median;
	s->median_cand = s->st.cand.median;
	s->mad_base = s->st.base.mad;
	s->mad_cand = s->st.cand.mad;
	s->ratio = s->st.ratio;
	s->ci_lo = s->st.ci_lo;
	s->ci_hi = s->st.ci_hi;
	s->p = s->st.p;
	s->floor = s->st.floor;
	return 0;
}

/* The verdict given the adjusted p (NAN: outside the family). */
static void series_decide(const struct compare_opts *o, struct compare_series *s,
			  double p_adjusted, const char *adjust_name)
{
	struct stats_verdict_opts so;

	stats_opts_from(o, s, &so);
	so.adjust_name = adjust_name;
	stats_compare_decide(&s->st, p_adjusted, &so);
	s->p_adjusted = s->st.p_adjusted;
	s->verdict = (enum compare_verdict)s->st.verdict;
	snprintf(s->reason, sizeof(s->reason), "%s", s->st.reason);
}

void compare_family_release(struct family *f)
{
	free(f->idx);
	free(f->adj);
}

/* The series for which in() holds, their p_of() adjusted together by the
 * correction of o. 0 or -ENOMEM. */
int compare_family_adjust(const struct compare_opts *o, const struct compare_result *r,
			  bool (*in)(const struct compare_series *),
			  double (*p_of)(const struct compare_series *), struct family *f)
{
	double *p = calloc(r->n ? r->n : 1, sizeof(*p));

	f->idx = calloc(r->n ? r->n : 1, sizeof(*f->idx));
	f->adj = calloc(r->n ? r->n : 1, sizeof(*f->adj));
	f->m = 0;
	if (!p || !f->idx || !f->adj) {
		free(p);
		compare_family_release(f);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (!in(&r->series[i]))
			continue;
		f->idx[f->m] = i;
		p[f->m++] = p_of(&r->series[i]);
	}
	if (f->m && o->correction == COMPARE_BH)
		stats_benjamini_hochberg(p, f->m, f->adj);
	else if (f->m && o->correction == COMPARE_NONE)
		memcpy(f->adj, p, f->m * sizeof(*p));
	else if (f->m)
		stats_holm(p, f->m, f->adj);
	free(p);
	return 0;
}

bool compare_in_family(const struct compare_series *s)
{
	return s->role == COMPARE_PRIMARY && s->st.eligible;
}

static double location_p(const struct compare_series *s)
{
	return s->p;
}

static const struct compare_series *find_series(const struct compare_result *r,
						const struct compare_series *like,
						const char *metric)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct compare_series *s = &r->series[i];

		if (!strcmp(s->metric, metric) && !strcmp(s->scenario, like->scenario) &&
		    !strcmp(s->variant_key, like->variant_key))
			return s;
	}
	return NULL;
}

/*
 * The family: the primary series that can get a verdict, adjusted
 * together; then every series decided. A derived series is adjusted by its
 * source's factor (p_adj / p of the series it derives from): it shares
 * that test's correction and adds nothing to the family.
 */
static int decide_all(const struct compare_opts *o, struct compare_result *r)
{
	const char *corr = correction_name(o->correction);
	struct family f;

	if (compare_family_adjust(o, r, compare_in_family, location_p, &f) < 0)
		return -ENOMEM;
	r->n_family = f.m;
	for (size_t k = 0; k < f.m; k++)
		series_decide(o, &r->series[f.idx[k]], f.adj[k], corr);
	compare_family_release(&f);
	for (size_t i = 0; i < r->n; i++) {
		struct compare_series *s = &r->series[i];
		const struct compare_series *src;
		char name[128];
		double factor = 1.0;

		if (compare_in_family(s))
			continue;
		if (s->role == COMPARE_PRIMARY) { /* not eligible: no verdict possible */
			series_decide(o, s, (double)NAN, corr);
			continue;
		}
		src = find_series(r, s, s->derived_from);
		if (src && src->st.eligible && src->p > 0 && isfinite(src->p_adjusted))
			factor = src->p_adjusted / src->p;
		snprintf(name, sizeof(name), "%s with the factor of %s, its source", corr,
			 s->derived_from);
		series_decide(o, s, fmin(1.0, s->p * factor), name);
	}
	return 0;
}

/* ---- the whole comparison ------------------------------------------------------ */

enum stats_bisect_answer compare_bisect_decide(struct compare_series *s,
					       const struct compare_opts *user, double effect,
					       char *why, size_t size)
{
	struct stats_verdict_opts so;
	struct compare_opts o;

	opts_defaults(user, &o);
	stats_opts_from(&o, s, &so);
	so.adjust_name = correction_name(o.correction);
	return stats_bisect_decide(&s->st, s->p_adjusted, effect, &so, why, size);
}

size_t compare_primary_inconclusive(const struct compare_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->series[i].role == COMPARE_PRIMARY &&
		     r->series[i].verdict == COMPARE_INCONCLUSIVE;
	return n;
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
		if (!t->groups[i].n[side] || !strcmp(t->groups[i].metric, COMPARE_OVER_BOUND) ||
		    !strcmp(t->groups[i].metric, COMPARE_BOUND_US))
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
		o->metrics = compare_all_metrics;
		o->n_metrics = ARRAY_SIZE(compare_all_metrics);
	}
	if (!(o->alpha > 0))
		o->alpha = COMPARE_DEFAULT_ALPHA;
	if (!(o->level > 0))
		o->level = COMPARE_DEFAULT_LEVEL;
	if (!(o->floor_min > 0))
		o->floor_min = COMPARE_DEFAULT_FLOOR_MIN;
	if (!(o->floor_factor > 0))
		o->floor_factor = COMPARE_DEFAULT_FLOOR_FACTOR;
	if (!o->boot_iters)
		o->boot_iters = COMPARE_DEFAULT_BOOT_ITERS;
	if (!o->seed)
		o->seed = COMPARE_DEFAULT_SEED;
	if (!o->min_runs)
		o->min_runs = COMPARE_DEFAULT_MIN_RUNS;
}

/*
 * The figures of every series, in parallel: the series are independent
 * (each has its own bootstrap seed, so the result does not depend on the
 * order or the threads), and the bootstrap and the mixture fit are most of
 * a comparison's time. One thread per online CPU, at most COMPARE_THREADS.
 */
#define COMPARE_THREADS 8

struct figures_job {
	const struct collect_ctx *c;
	const struct compare_opts *o;
	struct compare_result *r;
	const struct group **src; /* per series */
	int *err;		  /* per series: 0 or a negative errno */
	atomic_size_t next;
};

static int series_all_figures(const struct figures_job *j, size_t i)
{
	struct compare_series *s = &j->r->series[i];
	const struct group *g = j->src[i];
	int ret;

	ret = series_figures(j->o, g, s);
	if (ret == 0)
		ret = compare_mix_figures(j->c, g, s);
	if (ret == 0)
		ret = compare_bound_figures(j->c, s, j->o, &s->bound, &s->has_bound);
	if (ret < 0)
		return ret;
	s->base_values = malloc(g->n[0] * sizeof(double));
	s->cand_values = malloc(g->n[1] * sizeof(double));
	if (!s->base_values || !s->cand_values)
		return -ENOMEM;
	memcpy(s->base_values, g->v[0], g->n[0] * sizeof(double));
	memcpy(s->cand_values, g->v[1], g->n[1] * sizeof(double));
	return 0;
}

static void *figures_worker(void *arg)
{
	struct figures_job *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->r->n)
		j->err[i] = series_all_figures(j, i);
	return NULL;
}

static int figures_parallel(struct figures_job *j)
{
	pthread_t t[COMPARE_THREADS];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n_threads = cpus > 1 ? (size_t)cpus : 1, started = 0;
	gsl_error_handler_t *old;

	if (n_threads > COMPARE_THREADS)
		n_threads = COMPARE_THREADS;
	if (n_threads > j->r->n)
		n_threads = j->r->n;
	/* GSL's error handler is process-wide and the statistics switch it
	 * off and back around their calls: off before the threads start,
	 * every thread's "back" is off too, and the caller's handler returns
	 * after they ended */
	old = gsl_set_error_handler_off();
	for (; started + 1 < n_threads; started++)
		if (pthread_create(&t[started], NULL, figures_worker, j) != 0)
			break;
	figures_worker(j); /* this thread works too, and alone if none started */
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	gsl_set_error_handler(old);
	return 0;
}

/* Every series on both sides, with its figures (not yet its verdict). */
static int build_series(const struct collect_ctx *c, const struct compare_opts *user,
			const struct compare_opts *o, struct compare_result *r, struct diag *d)
{
	const struct group_table *t = c->t;
	struct figures_job j = { .c = c, .o = o, .r = r };
	int ret = 0;

	r->series = calloc(t->n ? t->n : 1, sizeof(*r->series));
	j.src = calloc(t->n ? t->n : 1, sizeof(*j.src));
	j.err = calloc(t->n ? t->n : 1, sizeof(*j.err));
	if (!r->series || !j.src || !j.err) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct group *g = &t->groups[i];
		const enum compare_mode mode = compare_mode_of_scenario(c, g->scenario);
		struct compare_series *s;
		enum compare_role role;
		const char *from;

		if (!series_wanted(c, user, g, mode, &role, &from))
			continue;
		j.src[r->n] = g;
		s = &r->series[r->n++];
		compare_series_clear(s);
		compare_copy_name(s->scenario, sizeof(s->scenario), g->scenario);
		compare_copy_name(s->variant_key, sizeof(s->variant_key), g->variant_key);
		compare_copy_name(s->metric, sizeof(s->metric), g->metric);
		compare_copy_name(s->derived_from, sizeof(s->derived_from), from ? from : "");
		s->role = role;
		s->mode = mode;
		s->higher_is_better = compare_higher_is_better(g->metric);
	}
	atomic_init(&j.next, 0);
	figures_parallel(&j);
	for (size_t i = 0; i < r->n && !ret; i++) {
		const struct compare_series *s = &r->series[i];

		ret = j.err[i];
		if (ret < 0 && ret != -ENOMEM)
			diag_set(d, ret, "cannot compare series '%s %s %s': %s", s->scenario,
				 s->variant_key, s->metric, strerror(-ret));
	}
out:
	free(j.src);
	free(j.err);
	return ret;
}

int report_compare(struct results *db, const struct results_filter *base,
		   const struct results_filter *cand, const struct compare_opts *opts,
		   struct compare_result *out, struct diag *d)
{
	struct group_table t = { 0 };
	struct compare_result r = { 0 };
	struct compare_opts o;
	struct collect_ctx c = { 0 };
	size_t n_both = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	opts_defaults(opts, &o);
	if (!(o.alpha < 1))
		return diag_set(d, -EINVAL, "cannot compare: alpha must be in (0, 1), got %g", o.alpha);
	if (!(o.level < 1))
		return diag_set(d, -EINVAL, "cannot compare: the CI level must be in (0, 1), got %g",
				o.level);
	c.t = &t;
	c.o = &o;
	c.metrics = o.metrics;
	c.n_metrics = o.n_metrics;
	/* the candidate first: a run both select is the candidate's */
	ret = compare_collect_side(db, cand, 1, &c, d);
	if (ret < 0)
		goto out;
	qsort(c.cand_ids, c.n_cand_ids, sizeof(*c.cand_ids), compare_cmp_id);
	ret = compare_collect_side(db, base, 0, &c, d);
	if (ret < 0)
		goto out;

	ret = build_series(&c, opts, &o, &r, d);
	if (ret < 0)
		goto out;
	n_both = r.n;
	if (!n_both) {
		char b[400], k[400];

		describe_side(&t, 0, b, sizeof(b));
		describe_side(&t, 1, k, sizeof(k));
		ret = diag_set(d, -ENODATA,
			       "no series (scenario, variant, metric) is present on both sides: the baseline has %s, the candidate %s",
			       b, k);
		goto out;
	}
	ret = decide_all(&o, &r);
	if (ret == 0)
		ret = compare_mix_decide(&o, &r);
	if (ret < 0)
		goto out;
	for (size_t i = 0; i < r.n; i++)
		r.counts[r.series[i].verdict]++;
	r.p_label = "P_ADJ";
	qsort(r.series, r.n, sizeof(*r.series), series_cmp);
	*out = r;
	memset(&r, 0, sizeof(r));
	ret = 0;
out:
	if (ret == -ENOMEM)
		diag_set(d, ret, "cannot compare: out of memory");
	compare_result_release(&r);
	compare_group_table_release(&t);
	compare_collect_release(&c);
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
