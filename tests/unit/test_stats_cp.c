/*
 * test_stats_cp: the permutation p of each E-divisive change point
 * (stats_edivisive_p in report/stats.c).
 *
 * Checks that the p-values come with the same change points as
 * stats_edivisive, in their order, within [1/(B+1), sig_level); that the
 * p of the best split of a pure-noise history is a valid p-value (its
 * rejection rate at 5 % and 20 % stays within a Clopper-Pearson bound of
 * the level), while the Mann-Whitney p of the two regimes the split chose
 * - what trend printed before - is not (it rejects far more often than
 * its level); and that a real step gets the smallest p the shuffles allow.
 *
 * Prints one line per check and exits 1 on the first failure.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"
#include "stats_dist.h"

static void noise(struct stats_rng *r, double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = 100.0 + stats_rng_normal(r);
}

static void test_same_points(void)
{
	struct stats_rng r;
	unsigned same = 0, valid = 0;
	const unsigned histories = 40;

	stats_rng_seed(&r, 11);
	for (unsigned h = 0; h < histories; h++) {
		double x[80], p[16];
		size_t a[16], b[16];
		int ka, kb;
		bool ok = true;

		for (int i = 0; i < 80; i++)
			x[i] = (i < 30 ? 100.0 : i < 55 ? 96.0 : 99.0) + stats_rng_normal(&r);
		ka = stats_edivisive(x, 80, 5, 0.01, 199, h, a, 16);
		kb = stats_edivisive_p(x, 80, 5, 0.01, 199, h, b, p, 16);
		if (ka == kb && ka >= 0) {
			same++;
			for (int k = 0; k < ka; k++)
				ok = ok && a[k] == b[k] && p[k] >= 1.0 / 200.0 && p[k] < 0.01 &&
				     (k == 0 || b[k] > b[k - 1]);
			valid += ok;
		}
	}
	checkf(same == histories, "stats_edivisive_p finds what stats_edivisive finds: %u of %u",
	       same, histories);
	checkf(valid == histories,
	       "each p is within [1/200, 0.01) and the points are sorted: %u of %u", valid,
	       histories);
	{
		double x[40], p[2];
		size_t cps[2];
		int k;

		for (int i = 0; i < 40; i++)
			x[i] = i < 20 ? 100.0 + 0.01 * (i % 3) : 90.0 + 0.01 * (i % 3);
		k = stats_edivisive_p(x, 40, 5, 0.05, 99, 1, cps, p, 1);
		checkf(k >= 1 && cps[0] == 20 && fabs(p[0] - 0.01) < 1e-15,
		       "a clean step at 20: found at %zu with p %.4g = 1/100, the smallest 99 shuffles give",
		       k >= 1 ? cps[0] : 0, k >= 1 ? p[0] : (double)NAN);
	}
}

/*
 * Pure noise, 60 points: the best split's permutation p (sig_level 1 so
 * every shuffle runs; max_cps 1) should be uniform, so P(p <= level) <=
 * level. The Mann-Whitney p of the points either side of that split is
 * what a post-selection test gives.
 */
static void test_null_calibration(void)
{
	const unsigned histories = 300;
	unsigned perm5 = 0, perm20 = 0, mw5 = 0;
	double lo, hi;
	struct stats_rng r;

	stats_rng_seed(&r, 12);
	for (unsigned h = 0; h < histories; h++) {
		double x[60], p;
		size_t cp;
		int k;

		noise(&r, x, 60);
		k = stats_edivisive_p(x, 60, 5, 1.0, 99, 1000 + h, &cp, &p, 1);
		if (k < 0)
			check_failf("null history", "stats_edivisive_p returned %d", k);
		if (k == 0)
			continue; /* no split scored above 0, or every shuffle beat it: p = 1 */
		perm5 += p <= 0.05;
		perm20 += p <= 0.20;
		{
			double u, pmw;

			if (stats_mann_whitney(x, cp, x + cp, 60 - cp, &u, &pmw) < 0)
				check_failf("null history", "mann-whitney failed");
			mw5 += pmw <= 0.05;
		}
	}
	stats_clopper_pearson(perm5, histories, 0.99, &lo, &hi);
	checkf(lo <= 0.05, "permutation p <= 0.05 on noise: %u / %u (99 %% CI %.3f .. %.3f holds 0.05 or less)",
	       perm5, histories, lo, hi);
	stats_clopper_pearson(perm20, histories, 0.99, &lo, &hi);
	checkf(lo <= 0.20 && hi >= 0.10,
	       "permutation p <= 0.20 on noise: %u / %u (99 %% CI %.3f .. %.3f, level 0.20)", perm20,
	       histories, lo, hi);
	stats_clopper_pearson(mw5, histories, 0.99, &lo, &hi);
	checkf(lo > 0.05,
	       "post-selection Mann-Whitney p <= 0.05 on the same noise: %u / %u (99 %% CI %.3f .. %.3f): not a p-value",
	       mw5, histories, lo, hi);
}

static void test_args(void)
{
	double x[10] = { 0 }, p[2];
	size_t cps[2];

	checkf(stats_edivisive_p(x, 10, 1, 0.01, 99, 1, cps, p, 2) == -EINVAL,
	       "min_size 1 is -EINVAL");
	checkf(stats_edivisive_p(x, 10, 5, 0.01, 99, 1, cps, NULL, 2) == 0,
	       "cp_p NULL is allowed (constant series: no change point)");
}

int main(void)
{
	test_same_points();
	test_null_calibration();
	test_args();
	printf("all %u checks passed\n", check_count);
	return 0;
}
