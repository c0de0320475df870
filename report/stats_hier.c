/*
 * stats_hier.c: grouped samples - nights or invocations as the unit
 * (contract in stats_hier.h).
 *
 * What it does: sorts a sample's runs into groups, measures the spread
 * within and between groups with small-sample-corrected MADs, bootstraps
 * the ratio of medians in two stages (groups, then runs within groups,
 * borrowing a group effect for a side that has a single group), and tests
 * the difference of the group medians with Student's t.
 *
 * What it does not do: no I/O, no state kept between calls, no randomness
 * not derived from the caller's seed; it decides nothing (stats_verdict.c
 * does). Scratch memory is freed before returning.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "stats_hier.h"
#include "stats_impl.h"

/* --------------------------------------------------------- small samples */

/*
 * tests/unit/stats_tables.py (10^6 normal samples per size, fixed seed):
 * c_mad[n] = 1 / E[1.4826 MAD_n / sigma] and v_med[n] = n Var(median_n),
 * n = 2..20. One value has no MAD (c = 1, it is never used as a spread)
 * and is its own median (v = 1).
 */
static const double stats_c_mad[21] = { 1.0,    1.0,    1.1954, 1.4878, 1.3604, 1.2155, 1.1898,
					1.1388, 1.1273, 1.1014, 1.0953, 1.0798, 1.0769, 1.0661,
					1.0644, 1.0558, 1.0549, 1.0489, 1.0474, 1.0431, 1.0427 };
static const double stats_v_med[21] = { 1.0,    1.0,    1.0,    1.3421, 1.1927, 1.4324, 1.2886,
					1.4744, 1.3471, 1.4935, 1.3859, 1.5081, 1.4113, 1.5150,
					1.4313, 1.5269, 1.4474, 1.5302, 1.4562, 1.5340, 1.4696 };

double stats_mad_factor(size_t n)
{
	if (n < 21)
		return stats_c_mad[n];
	return (double)n / ((double)n - 0.8); /* Croux and Rousseeuw's n > 9 rule */
}

/*
 * Beyond the table, pi/2 less the table's tail: n Var(median) approaches
 * pi/2 as pi/2 - 0.7/n for odd n and pi/2 - 2.0/n for even n (fitted to
 * n = 15..20 within 0.003), so the factor keeps falling with n as the
 * variance of a median does, instead of jumping at 21.
 */
double stats_median_var_factor(size_t n)
{
	if (n < 21)
		return stats_v_med[n];
	return M_PI / 2.0 - (n % 2 ? 0.7 : 2.0) / (double)n;
}

/* ---------------------------------------------------------------- groups */

/* A sample sorted into groups: group k is v[off[k]..off[k+1]), ids ascending. */
struct stats_grouped {
	double *v;
	size_t *off;
	size_t n, G;
};

struct stats_keyed {
	int64_t id;
	size_t i;
};

static int stats_cmp_keyed(const void *pa, const void *pb)
{
	const struct stats_keyed *x = pa, *y = pb;

	if (x->id != y->id)
		return (x->id > y->id) - (x->id < y->id);
	return (x->i > y->i) - (x->i < y->i); /* a group keeps its runs' order */
}

static void stats_grouped_release(struct stats_grouped *g)
{
	free(g->v);
	free(g->off);
	memset(g, 0, sizeof(*g));
}

static int stats_group(const struct stats_sample *s, struct stats_grouped *g)
{
	struct stats_keyed *k = NULL;

	memset(g, 0, sizeof(*g));
	if (!s || !s->v || !s->n || !stats_all_finite(s->v, s->n))
		return -EINVAL;
	g->n = s->n;
	g->v = malloc(s->n * sizeof(*g->v));
	g->off = malloc((s->n + 1) * sizeof(*g->off));
	if (s->group)
		k = malloc(s->n * sizeof(*k));
	if (!g->v || !g->off || (s->group && !k)) {
		free(k);
		stats_grouped_release(g);
		return -ENOMEM;
	}
	if (!s->group) {
		memcpy(g->v, s->v, s->n * sizeof(*g->v));
		g->G = 1;
		g->off[0] = 0;
		g->off[1] = s->n;
		return 0;
	}
	for (size_t i = 0; i < s->n; i++)
		k[i] = (struct stats_keyed){ s->group[i], i };
	qsort(k, s->n, sizeof(*k), stats_cmp_keyed);
	for (size_t i = 0; i < s->n; i++) {
		g->v[i] = s->v[k[i].i];
		if (i == 0 || k[i].id != k[i - 1].id)
			g->off[g->G++] = i;
	}
	g->off[g->G] = s->n;
	free(k);
	return 0;
}

size_t stats_sample_groups(const struct stats_sample *s)
{
	struct stats_grouped g;
	size_t G;

	if (!s || !s->n)
		return 0;
	if (!s->group)
		return 1;
	if (stats_group(s, &g) < 0)
		return 0;
	G = g.G;
	stats_grouped_release(&g);
	return G;
}

/* Median of group k into *med (scratch: tmp, room for the group). */
static double stats_group_median(const struct stats_grouped *g, size_t k, double *tmp)
{
	const size_t len = g->off[k + 1] - g->off[k];

	memcpy(tmp, g->v + g->off[k], len * sizeof(*tmp));
	return stats_median_inplace(tmp, len);
}

/* ---------------------------------------------------------------- spread */

/*
 * The figures of stats_spread from a grouped sample; also the centred,
 * relative group deviations in dev[0..G) when dev is not NULL (used by
 * the bootstrap to borrow group effects).
 */
static int stats_spread_grouped(const struct stats_grouped *g, struct stats_spread *out,
				double *dev)
{
	double *tmp, *gm, M, sw_num = 0.0, sw_den = 0.0;
	int ret = 0;

	tmp = malloc((g->n + g->G) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	gm = tmp + g->n;
	memset(out, 0, sizeof(*out));
	out->n_runs = g->n;
	out->n_groups = g->G;
	out->sigma_within = out->sigma_groups = out->sigma_between = (double)NAN;

	memcpy(tmp, g->v, g->n * sizeof(*tmp));
	M = out->median = stats_median_inplace(tmp, g->n);
	for (size_t i = 0; i < g->n; i++)
		tmp[i] = fabs(g->v[i] - M);
	out->mad = stats_median_inplace(tmp, g->n);
	if (M == 0.0) {
		ret = -EINVAL;
		goto out;
	}

	for (size_t k = 0; k < g->G; k++) {
		const size_t len = g->off[k + 1] - g->off[k];
		double med, mad;

		med = gm[k] = stats_group_median(g, k, tmp);
		if (len < 2)
			continue;
		for (size_t i = 0; i < len; i++)
			tmp[i] = fabs(g->v[g->off[k] + i] - med);
		mad = stats_median_inplace(tmp, len);
		sw_num += (double)(len - 1) * stats_mad_factor(len) * 1.4826 * mad / fabs(M);
		sw_den += (double)(len - 1);
	}
	out->df_within = sw_den;
	if (sw_den > 0.0)
		out->sigma_within = sw_num / sw_den;

	if (g->G >= 3 || dev) {
		double mean_dev = 0.0, mdev;

		for (size_t k = 0; k < g->G; k++) {
			tmp[k] = gm[k] / M - 1.0;
			mean_dev += tmp[k];
		}
		mean_dev /= (double)g->G;
		if (dev)
			for (size_t k = 0; k < g->G; k++)
				dev[k] = tmp[k] - mean_dev;
		if (g->G >= 3) {
			const double nbar = (double)g->n / (double)g->G;
			const size_t nr = (size_t)floor(nbar + 0.5);

			mdev = stats_median_inplace(tmp, g->G);
			for (size_t k = 0; k < g->G; k++)
				tmp[k] = fabs(gm[k] / M - 1.0 - mdev);
			out->sigma_groups = stats_mad_factor(g->G) * 1.4826 *
					    stats_median_inplace(tmp, g->G);
			if (isnan(out->sigma_within)) {
				/* no group has 2 runs: the within part cannot be taken out */
				out->sigma_between = out->sigma_groups;
			} else {
				const double within = stats_median_var_factor(nr ? nr : 1) *
						      out->sigma_within * out->sigma_within /
						      nbar;
				const double b2 = out->sigma_groups * out->sigma_groups - within;

				out->sigma_between = b2 > 0.0 ? sqrt(b2) : 0.0;
			}
		}
	}
out:
	free(tmp);
	return ret;
}

int stats_spread(const struct stats_sample *s, struct stats_spread *out)
{
	struct stats_grouped g;
	int ret;

	if (!out)
		return -EINVAL;
	ret = stats_group(s, &g);
	if (ret < 0)
		return ret;
	ret = stats_spread_grouped(&g, out, NULL);
	stats_grouped_release(&g);
	return ret;
}

/* ------------------------------------------------------------- bootstrap */

/*
 * One side of the bootstrap. A resample's median depends only on how
 * often each run was drawn, so a round counts draws per rank (the run's
 * place among the side's values in ascending order) and walks the counts
 * to the middle: O(n) per round and no comparison of doubles, the same
 * median, bit for bit, as selecting it from the drawn values.
 */
struct stats_boot_side {
	struct stats_grouped g;
	double *sorted;		/* the side's values, ascending */
	size_t *rank;		/* rank[i]: where g.v[i] stands in sorted */
	uint32_t *cnt;		/* draws per rank in this round */
	double *dev;		/* centred group deviations (for the other side to borrow) */
	double scale;		/* sigma_between / sigma_groups, 0 when nothing to lend */
};

static void stats_boot_side_release(struct stats_boot_side *s)
{
	stats_grouped_release(&s->g);
	free(s->sorted);
	free(s->rank);
	free(s->cnt);
	free(s->dev);
}

struct stats_valued {
	double v;
	size_t i;
};

static int stats_cmp_valued(const void *pa, const void *pb)
{
	const struct stats_valued *x = pa, *y = pb;

	if (x->v != y->v)
		return (x->v > y->v) - (x->v < y->v);
	return (x->i > y->i) - (x->i < y->i);
}

static int stats_boot_side_init(const struct stats_sample *x, struct stats_boot_side *s)
{
	struct stats_spread sp;
	struct stats_valued *order;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = stats_group(x, &s->g);
	if (ret < 0)
		return ret;
	s->sorted = malloc(s->g.n * sizeof(*s->sorted));
	s->rank = malloc(s->g.n * sizeof(*s->rank));
	s->cnt = calloc(s->g.n, sizeof(*s->cnt));
	s->dev = malloc(s->g.G * sizeof(*s->dev));
	order = malloc(s->g.n * sizeof(*order));
	if (!s->sorted || !s->rank || !s->cnt || !s->dev || !order) {
		free(order);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->g.n; i++)
		order[i] = (struct stats_valued){ s->g.v[i], i };
	qsort(order, s->g.n, sizeof(*order), stats_cmp_valued);
	for (size_t p = 0; p < s->g.n; p++) {
		s->sorted[p] = order[p].v;
		s->rank[order[p].i] = p;
	}
	free(order);
	ret = stats_spread_grouped(&s->g, &sp, s->dev);
	/* a side whose median is 0 can still be resampled; it lends nothing */
	if (ret < 0 && ret != -EINVAL)
		return ret;
	if (ret == 0 && s->g.G >= 3 && sp.sigma_groups > 0.0 && sp.sigma_between > 0.0)
		s->scale = sp.sigma_between / sp.sigma_groups;
	return 0;
}

/* The median of the m draws counted in s->cnt, which it clears. */
static double stats_boot_side_median(struct stats_boot_side *s, size_t m)
{
	const size_t k1 = (m - 1) / 2, k2 = m / 2;
	double v1 = 0.0, v2 = 0.0;
	size_t cum = 0, p = 0;

	for (; p < s->g.n; p++) {
		const size_t before = cum;

		cum += s->cnt[p];
		if (before <= k1 && k1 < cum)
			v1 = s->sorted[p];
		if (k2 < cum) {
			v2 = s->sorted[p];
			break;
		}
	}
	memset(s->cnt, 0, s->g.n * sizeof(*s->cnt));
	/* as stats_median_inplace: the middle value, or the mean of the two */
	return m % 2 ? v2 : (v1 + v2) / 2.0;
}

/*
 * One bootstrap median of a side; lender: the other side (its effects).
 * The generator works on a local copy: cnt and rank could alias the
 * caller's state as far as the compiler knows, which would make it store
 * and reload the state at every draw.
 */
static double stats_boot_side_draw(struct stats_boot_side *s, const struct stats_boot_side *lender,
				   struct stats_rng *state)
{
	const struct stats_grouped *g = &s->g;
	struct stats_rng local = *state, *rng = &local;
	size_t m = 0;
	double med;

	if (g->G == 1) {
		for (size_t i = 0; i < g->n; i++)
			s->cnt[s->rank[stats_rng_bounded(rng, g->n)]]++;
		med = stats_boot_side_median(s, g->n);
		if (lender->g.G >= 3 && lender->scale > 0.0)
			med *= 1.0 + lender->scale * lender->dev[stats_rng_bounded(rng, lender->g.G)];
		*state = local;
		return med;
	}
	for (size_t k = 0; k < g->G; k++) {
		const size_t pick = (size_t)stats_rng_bounded(rng, g->G);
		const size_t at = g->off[pick], len = g->off[pick + 1] - at;

		for (size_t i = 0; i < len; i++)
			s->cnt[s->rank[at + stats_rng_bounded(rng, len)]]++;
		m += len;
	}
	*state = local;
	return stats_boot_side_median(s, m);
}

int stats_hier_bootstrap_ratio_ci(const struct stats_sample *a, const struct stats_sample *b,
				  unsigned iters, double level, uint64_t seed, double *lo,
				  double *hi)
{
	struct stats_boot_side sa, sb;
	double *ratios = NULL;
	struct stats_rng rng;
	int ret;

	if (!a || !b || !iters || !lo || !hi || !(level > 0.0 && level < 1.0))
		return -EINVAL;
	ret = stats_boot_side_init(a, &sa);
	if (ret == 0)
		ret = stats_boot_side_init(b, &sb);
	else
		memset(&sb, 0, sizeof(sb));
	if (ret < 0)
		goto out;
	ratios = malloc(iters * sizeof(*ratios));
	if (!ratios) {
		ret = -ENOMEM;
		goto out;
	}
	stats_rng_seed(&rng, seed);
	for (unsigned it = 0; it < iters; it++) {
		const double ma = stats_boot_side_draw(&sa, &sb, &rng);
		const double mb = stats_boot_side_draw(&sb, &sa, &rng);

		if (ma == 0.0) {
			ret = -EINVAL;
			goto out;
		}
		ratios[it] = mb / ma;
	}
	*lo = stats_quantile_select(ratios, iters, (1.0 - level) / 2.0);
	*hi = stats_quantile_select(ratios, iters, (1.0 + level) / 2.0);
out:
	free(ratios);
	stats_boot_side_release(&sa);
	stats_boot_side_release(&sb);
	return ret;
}

/* ---------------------------------------------------------------- t-test */

/* The group medians of a grouped sample, their mean and sum of squares. */
static int stats_group_moments(const struct stats_grouped *g, double *mean, double *ss)
{
	double *tmp = malloc((g->n + g->G) * sizeof(*tmp)), *gm, m = 0.0, s = 0.0;

	if (!tmp)
		return -ENOMEM;
	gm = tmp + g->n;
	for (size_t k = 0; k < g->G; k++) {
		gm[k] = stats_group_median(g, k, tmp);
		m += gm[k];
	}
	m /= (double)g->G;
	for (size_t k = 0; k < g->G; k++)
		s += (gm[k] - m) * (gm[k] - m);
	*mean = m;
	*ss = s;
	free(tmp);
	return 0;
}

int stats_group_t_test(const struct stats_sample *a, const struct stats_sample *b, double *t,
		       double *df, double *p)
{
	struct stats_grouped ga, gb;
	double ma, mb, ssa, ssb, dof, se, tt, pp;
	gsl_error_handler_t *old;
	int ret;

	ret = stats_group(a, &ga);
	if (ret < 0)
		return ret;
	ret = stats_group(b, &gb);
	if (ret < 0) {
		stats_grouped_release(&ga);
		return ret;
	}
	if (ga.G + gb.G < 3) {
		ret = -EINVAL;
		goto out;
	}
	ret = stats_group_moments(&ga, &ma, &ssa);
	if (ret == 0)
		ret = stats_group_moments(&gb, &mb, &ssb);
	if (ret < 0)
		goto out;
	dof = (double)(ga.G + gb.G - 2);
	se = sqrt((ssa + ssb) / dof * (1.0 / (double)ga.G + 1.0 / (double)gb.G));
	if (se > 0.0) {
		tt = (mb - ma) / se;
		old = stats_gsl_quiet();
		pp = 2.0 * gsl_cdf_tdist_Q(fabs(tt), dof);
		stats_gsl_restore(old);
	} else {
		/* every group median equal within each side */
		tt = mb > ma ? (double)INFINITY : mb < ma ? -(double)INFINITY : 0.0;
		pp = mb == ma ? 1.0 : 0.0;
	}
	if (t)
		*t = tt;
	if (df)
		*df = dof;
	if (p)
		*p = pp < 1.0 ? pp : 1.0;
out:
	stats_grouped_release(&ga);
	stats_grouped_release(&gb);
	return ret;
}
