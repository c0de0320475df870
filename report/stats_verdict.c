/*
 * stats_verdict.c: the three-answer rule on one series (contract and the
 * rule's justification in stats_verdict.h).
 *
 * What it does: from a baseline and a candidate sample (values and their
 * groups), every figure a writer shows - runs and groups per side,
 * medians, MADs, p10/p90, the ratio of medians and its bootstrap CI (two
 * stages when the groups are the unit), the location test's raw p
 * (Mann-Whitney on runs, or t on group medians), the shape test (KS), the
 * mixture and its shift, the floor and how it was derived, the minimum
 * detectable change - then, given the adjusted p, the verdict and a reason
 * in words. Also the calibration helpers: floor, minimum detectable
 * change, runs needed.
 *
 * What it does not do: no I/O, no printing, no multiple-comparison
 * adjustment (the caller's: it knows the family), no reading of a store;
 * it knows nothing of metrics, scenarios or nights beyond the numbers and
 * group ids it is given. Scratch memory is freed before returning.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "stats_impl.h"
#include "stats_verdict.h"

#define STATS_MAX_TO_DECIDE 10000u

const char *stats_verdict_name(enum stats_verdict v)
{
	switch (v) {
	case STATS_NO_CHANGE:
		return "no_change";
	case STATS_REGRESSION:
		return "regression";
	case STATS_IMPROVEMENT:
		return "improvement";
	case STATS_INCONCLUSIVE:
		return "inconclusive";
	default:
		return "unknown";
	}
}

static void stats_opts_fill(const struct stats_verdict_opts *in, struct stats_verdict_opts *o)
{
	*o = in ? *in : (struct stats_verdict_opts){ 0 };
	if (!(o->alpha > 0.0))
		o->alpha = STATS_DEFAULT_ALPHA;
	if (!(o->level > 0.0 && o->level < 1.0))
		o->level = STATS_DEFAULT_LEVEL;
	if (!(o->floor_min > 0.0))
		o->floor_min = STATS_DEFAULT_FLOOR_MIN;
	if (!(o->floor_factor > 0.0))
		o->floor_factor = STATS_DEFAULT_FLOOR_FACTOR;
	if (!(o->power > 0.0 && o->power < 1.0))
		o->power = STATS_DEFAULT_POWER;
	if (!o->boot_iters)
		o->boot_iters = STATS_DEFAULT_BOOT_ITERS;
	if (!o->min_runs)
		o->min_runs = STATS_DEFAULT_MIN_RUNS;
}

/* ------------------------------------------------------------------ floor */

double stats_floor(const struct stats_noise *noise, const struct stats_verdict_opts *opts,
		   enum stats_floor_source *source)
{
	struct stats_verdict_opts o;
	double sw = 0.0, sb = 0.0, f;

	stats_opts_fill(opts, &o);
	if (noise && isfinite(noise->sigma_within) && noise->sigma_within > 0.0)
		sw = noise->sigma_within;
	if (noise && isfinite(noise->sigma_between) && noise->sigma_between > 0.0)
		sb = noise->sigma_between;
	f = o.floor_factor * sqrt(sw * sw + sb * sb);
	if (source)
		*source = !(f > o.floor_min) ? STATS_FLOOR_MIN :
			  sb > 0.0	      ? STATS_FLOOR_BETWEEN :
						STATS_FLOOR_WITHIN;
	return f > o.floor_min ? f : o.floor_min;
}

/* ------------------------------------------------- minimum detectable change */

static double stats_q_normal(double p)
{
	return gsl_cdf_ugaussian_Pinv(p);
}

/* Mann-Whitney's smallest two-sided p with m and n runs: 2 / C(m+n, m). */
static double stats_mw_min_p(size_t m, size_t n)
{
	return 2.0 * exp(-gsl_sf_lnchoose((unsigned)(m + n), (unsigned)m));
}

double stats_min_detectable_change(const struct stats_noise *noise,
				   const struct stats_design *d,
				   const struct stats_verdict_opts *opts)
{
	struct stats_verdict_opts o;
	gsl_error_handler_t *old;
	size_t nb, nc, gb, gc;
	double sw, sb, floor, se_med2, se_test, q_test, q_pow_t, q_ci, q_pow, d_test, d_ci;

	stats_opts_fill(opts, &o);
	if (!noise || !d || !d->runs_base || !d->runs_cand)
		return (double)INFINITY;
	nb = d->runs_base;
	nc = d->runs_cand;
	gb = d->groups_base ? d->groups_base : 1;
	gc = d->groups_cand ? d->groups_cand : 1;
	sw = isfinite(noise->sigma_within) && noise->sigma_within > 0 ? noise->sigma_within : 0.0;
	sb = isfinite(noise->sigma_between) && noise->sigma_between > 0 ? noise->sigma_between : 0.0;
	floor = stats_floor(noise, &o, NULL);

	old = stats_gsl_quiet();
	q_ci = stats_q_normal((1.0 + o.level) / 2.0);
	q_pow = stats_q_normal(o.power);
	se_med2 = stats_median_var_factor(nb) * sw * sw / (double)nb +
		  stats_median_var_factor(nc) * sw * sw / (double)nc;
	if (gb == 1 && gc == 1) {
		if (stats_mw_min_p(nb, nc) >= o.alpha) {
			stats_gsl_restore(old);
			return (double)INFINITY;
		}
		se_test = sw * sqrt(M_PI / 3.0 * (1.0 / (double)nb + 1.0 / (double)nc));
		q_test = stats_q_normal(1.0 - o.alpha / 2.0);
		q_pow_t = q_pow;
	} else {
		const double df = (double)(gb + gc) - 2.0;

		if (df < 1.0) {
			stats_gsl_restore(old);
			return (double)INFINITY;
		}
		se_med2 += sb * sb * (1.0 / (double)gb + 1.0 / (double)gc);
		se_test = sqrt(se_med2);
		q_test = gsl_cdf_tdist_Pinv(1.0 - o.alpha / 2.0, df);
		q_pow_t = gsl_cdf_tdist_Pinv(o.power, df);
	}
	stats_gsl_restore(old);
	d_test = (q_test + q_pow_t) * se_test;
	d_ci = floor + (q_ci + q_pow) * sqrt(se_med2);
	return d_test > d_ci ? d_test : d_ci;
}

int stats_runs_needed(const struct stats_noise *noise, double change,
		      const struct stats_verdict_opts *o, size_t max_runs, size_t *runs)
{
	if (!noise || !runs || change < 0.0 || noise->sigma_within < 0.0 ||
	    noise->sigma_between < 0.0)
		return -EINVAL;
	if (change == 0.0)
		change = 0.02;
	for (size_t n = 2; n <= max_runs; n++) {
		const struct stats_design d = { n, n, 1, 1 };

		if (stats_min_detectable_change(noise, &d, o) <= change) {
			*runs = n;
			return 0;
		}
	}
	return -ERANGE;
}

int stats_runs_for_no_change(const struct stats_noise *noise,
			     const struct stats_verdict_opts *opts, size_t max_runs, size_t *runs)
{
	struct stats_verdict_opts o;
	gsl_error_handler_t *old;
	double floor, sw, q;

	if (!noise || !runs || noise->sigma_within < 0.0 || noise->sigma_between < 0.0)
		return -EINVAL;
	stats_opts_fill(opts, &o);
	floor = stats_floor(noise, &o, NULL);
	sw = noise->sigma_within;
	old = stats_gsl_quiet();
	q = stats_q_normal((1.0 + o.level) / 2.0) + stats_q_normal((1.0 + o.power) / 2.0);
	stats_gsl_restore(old);
	for (size_t n = 2; n <= max_runs; n++)
		if (q * sw * sqrt(2.0 * stats_median_var_factor(n) / (double)n) <= floor) {
			*runs = n;
			return 0;
		}
	return -ERANGE;
}

/* ---------------------------------------------------------------- figures */

/* p10 and p90 of v[0..n) (type 7). */
static int stats_p10_p90(const double *v, size_t n, double *p10, double *p90)
{
	double *s = malloc(n * sizeof(*s));

	if (!s)
		return -ENOMEM;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), stats_cmp_double);
	*p10 = stats_quantile_sorted(s, n, 0.10);
	*p90 = stats_quantile_sorted(s, n, 0.90);
	free(s);
	return 0;
}

static int stats_side_fill(const struct stats_sample *x, struct stats_side *side,
			   struct stats_spread *sp)
{
	int ret = stats_spread(x, sp);

	/* a median of 0 has no relative spread, but still a side */
	if (ret == -EINVAL && x && x->v && x->n && stats_all_finite(x->v, x->n)) {
		sp->n_runs = x->n;
		sp->n_groups = stats_sample_groups(x);
		sp->median = stats_median(x->v, x->n);
		sp->mad = stats_mad(x->v, x->n);
		sp->sigma_within = sp->sigma_groups = sp->sigma_between = (double)NAN;
		sp->df_within = 0.0;
		ret = 0;
	}
	if (ret < 0)
		return ret;
	side->n_runs = sp->n_runs;
	side->n_groups = sp->n_groups;
	side->median = sp->median;
	side->mad = sp->mad;
	side->sigma_within = sp->sigma_within;
	side->sigma_between = sp->sigma_between;
	return stats_p10_p90(x->v, x->n, &side->p10, &side->p90);
}

struct stats_run_ref {
	int64_t group;
	size_t i;
};

static int stats_cmp_run_ref(const void *pa, const void *pb)
{
	const struct stats_run_ref *x = pa, *y = pb;

	if (x->group != y->group)
		return (x->group > y->group) - (x->group < y->group);
	return (x->i > y->i) - (x->i < y->i);
}

/* Each run relative to its group's median (the shape within groups). */
static int stats_group_residuals(const struct stats_sample *x, double **out)
{
	struct stats_run_ref *ref = malloc(x->n * sizeof(*ref));
	double *r = malloc(x->n * sizeof(*r)), *tmp = malloc(x->n * sizeof(*tmp));

	if (!ref || !r || !tmp) {
		free(ref);
		free(r);
		free(tmp);
		return -ENOMEM;
	}
	for (size_t i = 0; i < x->n; i++)
		ref[i] = (struct stats_run_ref){ x->group[i], i };
	qsort(ref, x->n, sizeof(*ref), stats_cmp_run_ref);
	for (size_t at = 0; at < x->n;) {
		size_t end = at;
		double med;

		while (end < x->n && ref[end].group == ref[at].group) {
			tmp[end - at] = x->v[ref[end].i];
			end++;
		}
		med = stats_median_inplace(tmp, end - at);
		for (size_t k = at; k < end; k++)
			r[ref[k].i] = med != 0.0 ? x->v[ref[k].i] / med - 1.0 : x->v[ref[k].i];
		at = end;
	}
	free(ref);
	free(tmp);
	*out = r;
	return 0;
}

static int stats_shape(const struct stats_sample *base, const struct stats_sample *cand,
		       bool groups, struct stats_comparison *c)
{
	double *rb = NULL, *rc = NULL;
	int ret;

	if (groups && base->group && cand->group) {
		ret = stats_group_residuals(base, &rb);
		if (ret == 0)
			ret = stats_group_residuals(cand, &rc);
		if (ret == 0)
			ret = stats_ks_2samp(rb, base->n, rc, cand->n, &c->ks_d, &c->p_shape);
	} else {
		ret = stats_ks_2samp(base->v, base->n, cand->v, cand->n, &c->ks_d, &c->p_shape);
	}
	free(rb);
	free(rc);
	if (ret == -E2BIG) {
		c->ks_d = c->p_shape = (double)NAN;
		ret = 0;
	}
	if (ret < 0)
		return ret;
	return stats_mix_shift(base->v, base->n, cand->v, cand->n, &c->mix);
}

/* Pool the two sides' noise: within by residual degrees of freedom,
 * between by groups - 1 over the sides that measured it. */
static void stats_noise_pool(const struct stats_spread *b, const struct stats_spread *c,
			     struct stats_noise *n)
{
	double w = 0.0, ws = 0.0, gw = 0.0, gs = 0.0;
	const struct stats_spread *s[2] = { b, c };

	for (int i = 0; i < 2; i++) {
		if (isfinite(s[i]->sigma_within) && s[i]->df_within > 0.0) {
			w += s[i]->df_within;
			ws += s[i]->df_within * s[i]->sigma_within;
		}
		if (isfinite(s[i]->sigma_between) && s[i]->n_groups >= 3) {
			gw += (double)(s[i]->n_groups - 1);
			gs += (double)(s[i]->n_groups - 1) * s[i]->sigma_between;
		}
	}
	n->sigma_within = w > 0.0 ? ws / w : 0.0;
	n->sigma_between = gw > 0.0 ? gs / gw : 0.0;
}

static void stats_floor_words(struct stats_comparison *c, const struct stats_verdict_opts *o)
{
	const double sw = c->noise.sigma_within * 100, sb = c->noise.sigma_between * 100;

	switch (c->floor_source) {
	case STATS_FLOOR_MIN:
		snprintf(c->floor_why, sizeof(c->floor_why),
			 "%.2f %% minimum (one run's noise is %.2f %%)", c->floor * 100,
			 sqrt(sw * sw + sb * sb));
		break;
	case STATS_FLOOR_WITHIN:
		snprintf(c->floor_why, sizeof(c->floor_why),
			 "%.2f %% = %g x %.2f %% (the noise of a run)", c->floor * 100,
			 o->floor_factor, sw);
		break;
	case STATS_FLOOR_BETWEEN:
		snprintf(c->floor_why, sizeof(c->floor_why),
			 "%.2f %% = %g x sqrt(%.2f^2 + %.2f^2) %% (within and between groups)",
			 c->floor * 100, o->floor_factor, sw, sb);
		break;
	}
}

int stats_compare_figures(const struct stats_sample *base, const struct stats_sample *cand,
			  const struct stats_verdict_opts *opts, struct stats_comparison *c)
{
	struct stats_sample b = { 0 }, k = { 0 };
	struct stats_spread sb, sc;
	struct stats_verdict_opts o;
	struct stats_design design;
	bool groups;
	int ret;

	if (!base || !cand || !c)
		return -EINVAL;
	stats_opts_fill(opts, &o);
	memset(c, 0, sizeof(*c));
	c->level = o.level;
	c->ratio = c->ci_lo = c->ci_hi = c->p = c->df = (double)NAN;
	c->ks_d = c->p_shape = c->p10_ratio = c->p90_ratio = (double)NAN;
	c->mix.p = c->mix.share_a = c->mix.share_b = (double)NAN;
	c->p_adjusted = (double)NAN;
	c->verdict = STATS_INCONCLUSIVE;

	b = *base;
	k = *cand;
	if (o.unit == STATS_UNIT_RUNS)
		b.group = k.group = NULL;
	ret = stats_side_fill(&b, &c->base, &sb);
	if (ret == 0)
		ret = stats_side_fill(&k, &c->cand, &sc);
	if (ret < 0)
		return ret;
	groups = o.unit == STATS_UNIT_GROUPS ||
		 (o.unit == STATS_UNIT_AUTO && (sb.n_groups > 1 || sc.n_groups > 1));
	if (!groups) {
		/* one group a side: its runs are the units */
		b.group = k.group = NULL;
	}
	c->test = groups ? STATS_TEST_GROUP_T : STATS_TEST_MANN_WHITNEY;
	c->eligible = c->base.n_runs >= o.min_runs && c->cand.n_runs >= o.min_runs &&
		      (!groups || sb.n_groups + sc.n_groups >= 3);

	/* the location test, raw */
	if (groups) {
		if (sb.n_groups + sc.n_groups >= 3) {
			ret = stats_group_t_test(&b, &k, NULL, &c->df, &c->p);
			if (ret < 0)
				return ret;
		}
	} else {
		ret = stats_mann_whitney(b.v, b.n, k.v, k.n, NULL, &c->p);
		if (ret < 0)
			return ret;
		if (isnan(c->p))
			c->p = 1.0;
	}

	/* the change and its CI */
	if (c->base.median != 0.0) {
		c->ratio = c->cand.median / c->base.median;
		ret = stats_hier_bootstrap_ratio_ci(&b, &k, o.boot_iters, o.level, o.seed,
						    &c->ci_lo, &c->ci_hi);
		if (ret == -EINVAL)
			c->ci_lo = c->ci_hi = (double)NAN; /* a resample's median was 0 */
		else if (ret < 0)
			return ret;
		if (c->base.p10 != 0.0)
			c->p10_ratio = c->cand.p10 / c->base.p10;
		if (c->base.p90 != 0.0)
			c->p90_ratio = c->cand.p90 / c->base.p90;
	}

	if (!o.no_shape) {
		ret = stats_shape(&b, &k, groups, c);
		if (ret < 0)
			return ret;
	}

	/* the floor from the noise, and what can be detected at this size */
	stats_noise_pool(&sb, &sc, &c->noise);
	if (!groups)
		c->noise.sigma_between = 0.0;
	c->floor = stats_floor(&c->noise, &o, &c->floor_source);
	stats_floor_words(c, &o);
	design = (struct stats_design){ c->base.n_runs, c->cand.n_runs, groups ? sb.n_groups : 1,
					groups ? sc.n_groups : 1 };
	c->mdc = stats_min_detectable_change(&c->noise, &design, &o);
	return 0;
}

/* ----------------------------------------------------------------- decide */

/* Decimals for percentages: 2 when the floor is under 1 %, else 1. */
static int stats_prec(const struct stats_comparison *c)
{
	return c->floor < 0.01 ? 2 : 1;
}

static const char *stats_adj(const struct stats_verdict_opts *o, char *buf, size_t size)
{
	if (o->adjust_name && *o->adjust_name)
		snprintf(buf, size, "after %s", o->adjust_name);
	else
		snprintf(buf, size, "unadjusted");
	return buf;
}

/*
 * About how many runs (or groups) a side would bring the CI's half-width
 * from h to h_need: the half-width goes as sqrt(1/n_b + 1/n_c), so with N
 * a side it is h sqrt(2 / N / (1/n_b + 1/n_c)). 0 when h_need <= 0.
 */
static size_t stats_scale_n(double h, double h_need, size_t nb, size_t nc)
{
	double k, n;

	if (!(h_need > 0.0) || !(h > 0.0))
		return 0;
	k = (h / h_need) * (h / h_need);
	n = 2.0 * k / (1.0 / (double)nb + 1.0 / (double)nc);
	if (n > STATS_MAX_TO_DECIDE)
		return STATS_MAX_TO_DECIDE;
	return (size_t)ceil(n);
}

static void stats_say_more(struct stats_comparison *c, char *buf, size_t size)
{
	const char *unit = c->test == STATS_TEST_GROUP_T ? "groups" : "runs";
	const size_t now = c->test == STATS_TEST_GROUP_T ? c->base.n_groups + c->cand.n_groups :
							   c->base.n_runs + c->cand.n_runs;

	if (!c->to_decide)
		snprintf(buf, size, "no number of %s a side can be named: the change sits on the floor",
			 unit);
	else if (c->to_decide >= STATS_MAX_TO_DECIDE)
		snprintf(buf, size, "more than %u %s a side would be needed", STATS_MAX_TO_DECIDE,
			 unit);
	else if (2 * c->to_decide <= now)
		snprintf(buf, size, "a few more %s would decide", unit);
	else
		snprintf(buf, size, "about %zu %s a side would decide", c->to_decide, unit);
}

void stats_compare_decide(struct stats_comparison *c, double p_adjusted,
			  const struct stats_verdict_opts *opts)
{
	struct stats_verdict_opts o;
	const int pr = stats_prec(c);
	double est, lo, hi, f, h_lo, h_hi;
	bool significant, worse, beyond_down, beyond_up, inside;
	char adj[64], more[96];
	const char *tst;

	stats_opts_fill(opts, &o);
	c->to_decide = 0;
	c->verdict = STATS_INCONCLUSIVE;
	c->p_adjusted = c->eligible ? p_adjusted : (double)NAN;
	stats_adj(&o, adj, sizeof(adj));
	tst = c->test == STATS_TEST_GROUP_T ? " (t on group medians)" : "";

	if (!c->eligible) {
		if (c->base.n_runs < o.min_runs || c->cand.n_runs < o.min_runs) {
			const bool both = c->base.n_runs < o.min_runs && c->cand.n_runs < o.min_runs;
			const struct stats_side *s = c->cand.n_runs < o.min_runs ? &c->cand : &c->base;

			if (both)
				snprintf(c->reason, sizeof(c->reason),
					 "only %zu baseline and %zu candidate runs, need %zu per side",
					 c->base.n_runs, c->cand.n_runs, o.min_runs);
			else
				snprintf(c->reason, sizeof(c->reason),
					 "only %zu run%s on the %s side, need %zu", s->n_runs,
					 s->n_runs == 1 ? "" : "s",
					 s == &c->cand ? "candidate" : "baseline", o.min_runs);
		} else {
			snprintf(c->reason, sizeof(c->reason),
				 "%zu baseline and %zu candidate groups: the groups are the unit and need 3 in all",
				 c->base.n_groups, c->cand.n_groups);
		}
		return;
	}
	/* the effective alpha of this series in its family, for the MDC */
	if (p_adjusted > c->p && c->p > 0.0 && isfinite(c->mdc)) {
		struct stats_verdict_opts eff = o;
		const struct stats_design d = {
			c->base.n_runs, c->cand.n_runs,
			c->test == STATS_TEST_GROUP_T ? c->base.n_groups : 1,
			c->test == STATS_TEST_GROUP_T ? c->cand.n_groups : 1
		};

		eff.alpha = o.alpha * c->p / p_adjusted;
		c->mdc = stats_min_detectable_change(&c->noise, &d, &eff);
	}
	significant = p_adjusted < o.alpha;

	if (isnan(c->ratio)) {
		/* a baseline median of 0 (no retransmits, say) has no ratio */
		if (c->cand.median == 0.0 && !significant) {
			c->verdict = STATS_NO_CHANGE;
			snprintf(c->reason, sizeof(c->reason), "both medians are 0, p = %.2g %s",
				 p_adjusted, adj);
		} else {
			snprintf(c->reason, sizeof(c->reason),
				 "the baseline median is 0 and the candidate's %.6g: no relative change (p = %.2g %s)",
				 c->cand.median, p_adjusted, adj);
		}
		return;
	}
	est = c->ratio - 1.0;
	f = c->floor;
	if (isnan(c->ci_lo)) {
		snprintf(c->reason, sizeof(c->reason),
			 "%+.*f %%, but no confidence interval (a resampled baseline median is 0)", pr,
			 est * 100);
		return;
	}
	lo = c->ci_lo - 1.0;
	hi = c->ci_hi - 1.0;
	h_lo = est - lo;
	h_hi = hi - est;
	beyond_down = hi < -f;
	beyond_up = lo > f;
	inside = lo > -f && hi < f;
	worse = o.higher_is_better ? est < 0.0 : est > 0.0;

	if (significant && (beyond_down || beyond_up)) {
		c->verdict = worse ? STATS_REGRESSION : STATS_IMPROVEMENT;
		snprintf(c->reason, sizeof(c->reason),
			 "%+.*f %% (%g %% CI %+.*f %% .. %+.*f %%) lies beyond the %.*f %% floor and p = %.2g < %g%s %s",
			 pr, est * 100, c->level * 100, pr, lo * 100, pr, hi * 100, pr, f * 100,
			 p_adjusted, o.alpha, tst, adj);
		return;
	}
	if (inside) {
		c->verdict = STATS_NO_CHANGE;
		snprintf(c->reason, sizeof(c->reason),
			 "%+.*f %% (%g %% CI %+.*f %% .. %+.*f %%) lies inside the %.*f %% floor either way (p = %.2g%s %s)",
			 pr, est * 100, c->level * 100, pr, lo * 100, pr, hi * 100, pr, f * 100,
			 p_adjusted, tst, adj);
		return;
	}

	/* inconclusive: say what would decide it */
	{
		const bool grp = c->test == STATS_TEST_GROUP_T;
		const size_t nb = grp ? c->base.n_groups : c->base.n_runs;
		const size_t nc = grp ? c->cand.n_groups : c->cand.n_runs;
		size_t n_ci, n_test = 0;

		if (fabs(est) < f) /* towards no change: the CI must fit inside */
			n_ci = stats_scale_n(h_lo > h_hi ? h_lo : h_hi, f - fabs(est), nb, nc);
		else /* towards a verdict: the near end must clear the floor */
			n_ci = stats_scale_n(est < 0.0 ? h_hi : h_lo, fabs(est) - f, nb, nc);
		if (!significant && fabs(est) > f && !grp) {
			size_t r;

			if (stats_runs_needed(&c->noise, fabs(est), &o, STATS_MAX_TO_DECIDE, &r) == 0)
				n_test = r;
			else
				n_test = STATS_MAX_TO_DECIDE;
		}
		c->to_decide = n_ci > n_test ? n_ci : n_test;
		stats_say_more(c, more, sizeof(more));
	}
	if (beyond_down || beyond_up)
		snprintf(c->reason, sizeof(c->reason),
			 "%+.*f %% (%g %% CI %+.*f %% .. %+.*f %%) lies beyond the %.*f %% floor but p = %.2g >= %g%s %s: %s",
			 pr, est * 100, c->level * 100, pr, lo * 100, pr, hi * 100, pr, f * 100,
			 p_adjusted, o.alpha, tst, adj, more);
	else if (significant)
		snprintf(c->reason, sizeof(c->reason),
			 "%+.*f %% is significant (p = %.2g < %g%s %s) but its %g %% CI %+.*f %% .. %+.*f %% reaches across the %.*f %% floor: %s",
			 pr, est * 100, p_adjusted, o.alpha, tst, adj, c->level * 100, pr, lo * 100,
			 pr, hi * 100, pr, f * 100, more);
	else
		snprintf(c->reason, sizeof(c->reason),
			 "%+.*f %% (%g %% CI %+.*f %% .. %+.*f %%) reaches across the %.*f %% floor, p = %.2g%s %s: %s",
			 pr, est * 100, c->level * 100, pr, lo * 100, pr, hi * 100, pr, f * 100,
			 p_adjusted, tst, adj, more);
}

int stats_compare(const struct stats_sample *base, const struct stats_sample *cand,
		  const struct stats_verdict_opts *o, struct stats_comparison *c)
{
	int ret = stats_compare_figures(base, cand, o, c);

	if (ret < 0)
		return ret;
	stats_compare_decide(c, c->p, o);
	return 0;
}

/* ------------------------------------------------------------------ bisect */

const char *stats_bisect_answer_name(enum stats_bisect_answer a)
{
	return a == STATS_BISECT_GOOD ? "good" : a == STATS_BISECT_BAD ? "bad" : "unsure";
}

enum stats_bisect_answer stats_bisect_decide(struct stats_comparison *c, double p_adjusted,
					     double effect, const struct stats_verdict_opts *opts,
					     char *why, size_t size)
{
	struct stats_verdict_opts o;
	double est, lo, hi, m;
	char adj[64];
	char dummy[8];

	stats_opts_fill(opts, &o);
	if (!why) {
		why = dummy;
		size = sizeof(dummy);
	}
	stats_compare_decide(c, p_adjusted, &o);
	if (!(effect > 0.0)) {
		snprintf(why, size, "%s", c->reason);
		return c->verdict == STATS_REGRESSION	 ? STATS_BISECT_BAD :
		       c->verdict == STATS_INCONCLUSIVE ? STATS_BISECT_UNSURE :
							   STATS_BISECT_GOOD;
	}
	if (!c->eligible || isnan(c->ratio) || isnan(c->ci_lo)) {
		snprintf(why, size, "%s", c->reason);
		return STATS_BISECT_UNSURE;
	}
	m = effect / 2.0 > o.floor_min ? effect / 2.0 : o.floor_min;
	/* from here on, negative is worse */
	est = c->ratio - 1.0;
	lo = c->ci_lo - 1.0;
	hi = c->ci_hi - 1.0;
	if (!o.higher_is_better) {
		const double t = lo;

		est = -est;
		lo = -hi;
		hi = -t;
	}
	stats_adj(&o, adj, sizeof(adj));
	if (lo > -m) {
		snprintf(why, size,
			 "%+.2f %% (%g %% CI %+.2f %% .. %+.2f %%) lies on the good side of -%.2f %%, half the %.2f %% regression bisected",
			 est * 100, c->level * 100, lo * 100, hi * 100, m * 100, effect * 100);
		return STATS_BISECT_GOOD;
	}
	if (hi < -m && p_adjusted < o.alpha) {
		snprintf(why, size,
			 "%+.2f %% (%g %% CI %+.2f %% .. %+.2f %%) lies on the bad side of -%.2f %%, half the %.2f %% regression bisected, and p = %.2g < %g %s",
			 est * 100, c->level * 100, lo * 100, hi * 100, m * 100, effect * 100,
			 p_adjusted, o.alpha, adj);
		return STATS_BISECT_BAD;
	}
	snprintf(why, size,
		 "%+.2f %% (%g %% CI %+.2f %% .. %+.2f %%, p = %.2g %s) reaches across -%.2f %%, half the %.2f %% regression bisected",
		 est * 100, c->level * 100, lo * 100, hi * 100, p_adjusted, adj, m * 100,
		 effect * 100);
	return STATS_BISECT_UNSURE;
}
