/*
 * test_stats: report/stats.c, the statistics behind every verdict.
 *
 * Checks each function against values obtained independently of it:
 * published outputs of R's wilcox.test and scipy's mannwhitneyu, brute
 * force enumeration of the Mann-Whitney permutation distribution,
 * hand-computed normal approximations and p-value adjustments, the
 * reference xoshiro256** and splitmix64 outputs, and simulations with a known
 * truth (bootstrap coverage, test power and false alarms, change points
 * planted in synthetic histories). Everything is seeded: the output is the
 * same on every run, except the timings printed as "info".
 *
 * Prints one line per check and exits 1 on the first failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mtime.h"
#include "stats.h"
#include "stats_dist.h"
#include "check.h"

/* Test-side draw in [0, k): modulo bias (< k / 2^64) is irrelevant here. */
static uint64_t below(struct stats_rng *r, uint64_t k)
{
	return stats_rng_next(r) % k;
}

static bool close_abs(double got, double want, double tol)
{
	return fabs(got - want) <= tol;
}

/* ------------------------------------------------------------------ RNG */

static void test_rng(void)
{
	/* rand_xoshiro's test vector, produced with the reference C code */
	static const uint64_t want[] = { 11520u, 0u, 1509978240u, 1215971899390074240u,
					 1216172134540287360u, 607988272756665600u,
					 16172922978634559625u, 8476171486693032832u,
					 10595114339597558777u, 2904607092377533576u };
	/* splitmix64 from state 0: its first four outputs */
	static const uint64_t sm0[] = { 0xe220a8397b1dcdafu, 0x6e789e6aa1b965f4u,
					0x06c45d188009454fu, 0xf88bb8a8724c81ecu };
	struct stats_rng r = { { 1, 2, 3, 4 } };
	double sum = 0, sum2 = 0, umin = 1, umax = 0;
	const unsigned draws = 200000;
	bool same = true;

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		uint64_t got = stats_rng_next(&r);

		checkf(got == want[i], "xoshiro256** state {1,2,3,4} output %zu = %" PRIu64
		      " (want %" PRIu64 ")", i, got, want[i]);
	}
	stats_rng_seed(&r, 0);
	for (size_t i = 0; i < 4; i++)
		same = same && r.s[i] == sm0[i];
	checkf(same, "seed 0 fills the state with splitmix64(0) outputs");

	stats_rng_seed(&r, 42);
	for (unsigned i = 0; i < draws; i++) {
		double u = stats_rng_uniform(&r);

		umin = fmin(umin, u);
		umax = fmax(umax, u);
		sum += u;
		sum2 += u * u;
	}
	checkf(umin >= 0.0 && umax < 1.0, "uniform in [0,1): min %.3g max %.17g", umin, umax);
	/* mean 1/2, variance 1/12; standard errors 0.00065 and 0.0002 */
	checkf(close_abs(sum / draws, 0.5, 0.003), "uniform mean %.5f ~ 0.5", sum / draws);
	checkf(close_abs(sum2 / draws - (sum / draws) * (sum / draws), 1.0 / 12, 0.001),
	      "uniform variance %.5f ~ 1/12", sum2 / draws - (sum / draws) * (sum / draws));

	sum = sum2 = 0;
	for (unsigned i = 0; i < draws; i++) {
		double z = stats_rng_normal(&r);

		sum += z;
		sum2 += z * z;
	}
	/* standard errors: mean 0.0022, variance 0.0032 */
	checkf(close_abs(sum / draws, 0.0, 0.01), "normal mean %.5f ~ 0", sum / draws);
	checkf(close_abs(sum2 / draws, 1.0, 0.015), "normal variance %.5f ~ 1", sum2 / draws);
}

/* --------------------------------------------------------- median, MAD */

static int cmp_double(const void *pa, const void *pb)
{
	const double x = *(const double *)pa, y = *(const double *)pb;

	return (x > y) - (x < y);
}

/* The definition, by sorting: an implementation independent of stats.c. */
static double median_by_sort(const double *v, size_t n)
{
	double tmp[64];

	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2.0;
}

static void test_median_mad(void)
{
	const double odd[] = { 3, 1, 2 }, even[] = { 4, 1, 3, 2 };
	/* median 2; deviations 1 1 0 0 2 4 7; their median 1 */
	const double mad7[] = { 1, 1, 2, 2, 4, 6, 9 };
	const double sorted_up[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	const double one[] = { 7.5 };
	struct stats_rng r;
	unsigned bad = 0;

	checkf(stats_median(odd, 3) == 2.0, "median {3,1,2} = 2");
	checkf(stats_median(even, 4) == 2.5, "median {4,1,3,2} = 2.5");
	checkf(even[0] == 4 && even[1] == 1 && even[2] == 3 && even[3] == 2,
	      "median leaves its input unchanged");
	checkf(stats_median(sorted_up, 10) == 5.5, "median 1..10 = 5.5");
	checkf(stats_median(one, 1) == 7.5, "median of one value");
	checkf(isnan(stats_median(one, 0)), "median of nothing is NAN");
	checkf(stats_mad(mad7, 7) == 1.0, "MAD {1,1,2,2,4,6,9} = 1");
	checkf(stats_mad(sorted_up, 10) == 2.5, "MAD 1..10 = 2.5");
	checkf(isnan(stats_mad(one, 0)), "MAD of nothing is NAN");

	/* random lengths, with and without ties, against sorting */
	stats_rng_seed(&r, 7);
	for (unsigned t = 0; t < 2000; t++) {
		double v[64], dev[64];
		size_t n = 1 + (size_t)(stats_rng_uniform(&r) * 63);
		bool ties = t % 2;
		double med;

		for (size_t i = 0; i < n; i++)
			v[i] = ties ? floor(stats_rng_uniform(&r) * 5) : stats_rng_normal(&r);
		med = median_by_sort(v, n);
		for (size_t i = 0; i < n; i++)
			dev[i] = fabs(v[i] - med);
		if (stats_median(v, n) != med || stats_mad(v, n) != median_by_sort(dev, n))
			bad++;
	}
	checkf(bad == 0, "median and MAD equal the sort-based definition on 2000 random arrays"
	      " (%u differ)", bad);
}

/* -------------------------------------------------------- Mann-Whitney */

/* U of a by its definition: pairs with a > b, ties 1/2. */
static double u_by_pairs(const double *a, size_t na, const double *b, size_t nb)
{
	double u = 0;

	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			u += a[i] > b[j] ? 1.0 : a[i] == b[j] ? 0.5 : 0.0;
	return u;
}

/*
 * Exact two-sided p by brute force: every way of choosing which na of the
 * pooled N values form sample a (C(N, na) subsets as bitmasks, N <= 16),
 * each U counted by its pair definition.
 */
static double p_by_enumeration(const double *a, size_t na, const double *b, size_t nb)
{
	double pool[16], x[16], y[16];
	const size_t n = na + nb;
	const double u_obs = u_by_pairs(a, na, b, nb);
	unsigned long le = 0, ge = 0, total = 0;

	memcpy(pool, a, na * sizeof(*a));
	memcpy(pool + na, b, nb * sizeof(*b));
	for (uint32_t mask = 0; mask < (1u << n); mask++) {
		size_t nx = 0, ny = 0;
		double u;

		if ((size_t)__builtin_popcount(mask) != na)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (mask & (1u << i))
				x[nx++] = pool[i];
			else
				y[ny++] = pool[i];
		}
		u = u_by_pairs(x, nx, y, ny);
		total++;
		le += u <= u_obs;
		ge += u >= u_obs;
	}
	return fmin(1.0, 2.0 * (double)(le < ge ? le : ge) / (double)total);
}

static void mw(const double *a, size_t na, const double *b, size_t nb, double *u, double *p)
{
	int ret = stats_mann_whitney(a, na, b, nb, u, p);

	if (ret)
		checkf(0, "stats_mann_whitney returned %d", ret);
}

static void test_mw_published(void)
{
	double u, p;

	/*
	 * scipy.stats.mannwhitneyu docs (example from its reference [4]): ages
	 * at diagnosis, males vs females: U1 = 17, exact two-sided p =
	 * 0.1111111111111111 (= 14/126).
	 */
	{
		const double males[] = { 19, 22, 16, 29, 24 }, females[] = { 20, 11, 17, 12 };

		mw(males, 5, females, 4, &u, &p);
		checkf(u == 17.0 && close_abs(p, 0.1111111111111111, 1e-15),
		      "scipy docs males/females: U %.1f (17), exact p %.16f (0.1111111111111111)", u, p);
	}
	/*
	 * R ?wilcox.test, Hollander & Wolfe (1973) p. 69: permeability at term
	 * vs 12-26 weeks, alternative "greater": W = 35, p-value = 0.1272
	 * (exact). U > mn/2 so the two-sided p is twice that tail.
	 */
	{
		const double x[] = { 0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46 };
		const double y[] = { 1.15, 0.88, 0.90, 0.74, 1.21 };

		mw(x, 10, y, 5, &u, &p);
		checkf(u == 35.0 && close_abs(p / 2, 0.1272, 5e-5),
		      "R wilcox.test Hollander-Wolfe: W %.1f (35), one-sided p %.5f (0.1272)", u, p / 2);
	}
	/*
	 * R: wilcox.test(extra ~ group, data = sleep): ties, so the normal
	 * approximation with continuity correction: W = 25.5, p = 0.06933.
	 */
	{
		const double g1[] = { 0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0 };
		const double g2[] = { 1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4 };

		mw(g1, 10, g2, 10, &u, &p);
		checkf(u == 25.5 && close_abs(p, 0.06933, 5e-6),
		      "R wilcox.test sleep data (ties): W %.1f (25.5), p %.6f (0.06933)", u, p);
	}
	/*
	 * R wilcox.test examples published at endmemo.com/r/wilcoxon.php (ties
	 * in both): W = 51.5, p = 0.5966; and against far larger values,
	 * W = 0, p = 0.001364.
	 */
	{
		const double x[] = { 1, 5, 9, 24, 56, 21, 3, 7, 21, 4 };
		const double y[] = { 12, 15, 5, 9, 9, 14, 56, 22, 3, 7, 32, 5 };
		const double y2[] = { 1233, 4356, 987, 39999, 1111, 200000 };

		mw(x, 10, y, 12, &u, &p);
		checkf(u == 51.5 && close_abs(p, 0.5966, 5e-5),
		      "R endmemo example 1 (ties): W %.1f (51.5), p %.5f (0.5966)", u, p);
		mw(x, 10, y2, 6, &u, &p);
		checkf(u == 0.0 && close_abs(p, 0.001364, 5e-7),
		      "R endmemo example 2 (ties): W %.1f (0), p %.7f (0.001364)", u, p);
	}
	/*
	 * DolphinDB mannWhitneyUTest docs: X = 5 1 4 3 5, Y = 2 4 7 -1 0 4,
	 * two-sided p printed as 0.518023 (they print U = 11, the U of Y).
	 * By hand: pooled ranks -1:1 0:2 1:3 2:4 3:5 4,4,4:7 5,5:9.5 7:11;
	 * R_X = 9.5 + 3 + 7 + 5 + 9.5 = 34, U_X = 34 - 15 = 19, U_Y = 11.
	 * mu = 15; tie groups t = 3 and 2: sum(t^3 - t) = 24 + 6 = 30;
	 * sigma^2 = 30/12 (12 - 30/110) = 29.3181818, sigma = 5.41462666;
	 * z = (|19 - 15| - 0.5) / sigma = 0.64639729;
	 * p = erfc(z / sqrt 2) = 0.51802209 (python3 math.erfc). DolphinDB's
	 * sixth digit is one unit higher, hence its looser tolerance.
	 */
	{
		const double x[] = { 5, 1, 4, 3, 5 }, y[] = { 2, 4, 7, -1, 0, 4 };

		mw(x, 5, y, 6, &u, &p);
		checkf(u == 19.0 && close_abs(p, 0.5180220946, 1e-9) && close_abs(p, 0.518023, 2e-6),
		      "DolphinDB example (ties): U %.1f (19), p %.8f (hand 0.51802209, published"
		      " 0.518023)", u, p);
		mw(y, 6, x, 5, &u, &p);
		checkf(u == 11.0 && close_abs(p, 0.5180220946, 1e-9),
		      "same, sides swapped: U %.1f (11), p %.8f", u, p);
	}
}

static void test_mw_min_runs(void)
{
	const double lo5[] = { 1, 2, 3, 4, 5 }, hi5[] = { 6, 7, 8, 9, 10 };
	double u, p;

	/* fully separated: only 2 of the C(2n, n) arrangements are as extreme */
	mw(lo5, 4, hi5, 4, &u, &p);
	checkf(u == 0 && close_abs(p, 2.0 / 70, 1e-15) && p > 0.01,
	      "4 vs 4 separated: U %.0f, p %.5f = 2/70 > 0.01 (can never reach 0.01)", u, p);
	mw(lo5, 5, hi5, 5, &u, &p);
	checkf(u == 0 && close_abs(p, 2.0 / 252, 1e-15) && p < 0.01,
	      "5 vs 5 separated: U %.0f, p %.5f = 2/252 < 0.01", u, p);
	mw(hi5, 5, lo5, 5, &u, &p);
	checkf(u == 25 && close_abs(p, 2.0 / 252, 1e-15), "5 vs 5 reversed: U %.0f, p %.5f", u, p);
	mw(lo5, 3, hi5, 3, &u, &p);
	checkf(close_abs(p, 0.1, 1e-15), "3 vs 3 separated: p %.3f = 2/20 (never below 0.05)", p);
}

static void test_mw_brute_force(void)
{
	struct stats_rng r;
	unsigned cases = 0, bad_p = 0, bad_u = 0;
	double worst = 0;

	stats_rng_seed(&r, 11);
	for (unsigned t = 0; t < 400; t++) {
		double a[16], b[16], u, p, want;
		size_t na = 1 + (size_t)below(&r, 8);
		size_t nb = 1 + (size_t)below(&r, 16 - na);

		/* continuous draws, shifted sometimes so small p-values occur */
		for (size_t i = 0; i < na; i++)
			a[i] = stats_rng_normal(&r) + (t % 3 ? 0.0 : 1.5);
		for (size_t j = 0; j < nb; j++)
			b[j] = stats_rng_normal(&r);
		mw(a, na, b, nb, &u, &p);
		want = p_by_enumeration(a, na, b, nb);
		worst = fmax(worst, fabs(p - want) / want);
		bad_p += fabs(p - want) > 1e-12 * want;
		bad_u += u != u_by_pairs(a, na, b, nb);
		cases++;
	}
	checkf(bad_p == 0 && bad_u == 0,
	      "exact p equals brute-force enumeration on %u random cases, N <= 16"
	      " (%u p differ, %u U differ, worst relative error %.2g)", cases, bad_p, bad_u, worst);

	/* U with ties against its pair definition, small and large (normal) */
	bad_u = 0;
	for (unsigned t = 0; t < 300; t++) {
		double a[40], b[40], u, p;
		size_t na = 1 + (size_t)below(&r, 40);
		size_t nb = 1 + (size_t)below(&r, 40);

		for (size_t i = 0; i < na; i++)
			a[i] = floor(stats_rng_uniform(&r) * 6);
		for (size_t j = 0; j < nb; j++)
			b[j] = floor(stats_rng_uniform(&r) * 6);
		mw(a, na, b, nb, &u, &p);
		bad_u += u != u_by_pairs(a, na, b, nb) || !(p > 0 && p <= 1);
	}
	checkf(bad_u == 0, "U with ties equals the pair count (ties 1/2) on 300 cases (%u differ)",
	      bad_u);
}

static void test_mw_normal_switch(void)
{
	double a[21], b[21], u, p, sigma, want;

	/*
	 * 20 vs 21 (N = 41 > 40): normal approximation even without ties.
	 * Separated: U = 0, mu = 210, sigma^2 = 420 * 42 / 12 = 1470,
	 * p = erfc((210 - 0.5) / sqrt(1470) / sqrt 2).
	 */
	for (int i = 0; i < 21; i++) {
		a[i] = i;
		b[i] = 100 + i;
	}
	mw(a, 20, b, 21, &u, &p);
	sigma = sqrt(1470.0);
	want = erfc((210 - 0.5) / sigma / sqrt(2.0));
	checkf(u == 0 && close_abs(p, want, 1e-20 + 1e-12 * want),
	      "20 vs 21 separated uses the normal approximation: p %.6g (%.6g)", p, want);
	/* 20 vs 20 (N = 40): exact, 2 / C(40, 20) */
	mw(a, 20, b, 20, &u, &p);
	want = 2.0 / 137846528820.0;
	checkf(close_abs(p, want, 1e-12 * want), "20 vs 20 separated is exact: p %.6g (2/C(40,20) = %.6g)",
	      p, want);
	/* all values equal: no evidence */
	for (int i = 0; i < 10; i++)
		a[i] = b[i] = 3.0;
	mw(a, 10, b, 10, &u, &p);
	checkf(u == 50 && p == 1.0, "all values equal: U %.1f, p %.3f", u, p);
}

static void test_mw_errors(void)
{
	const double a[] = { 1, 2 }, bad[] = { 1, (double)NAN };
	double u, p;

	checkf(stats_mann_whitney(a, 0, a, 2, &u, &p) == -EINVAL, "empty a is -EINVAL");
	checkf(stats_mann_whitney(a, 2, a, 0, &u, &p) == -EINVAL, "empty b is -EINVAL");
	checkf(stats_mann_whitney(a, 2, bad, 2, &u, &p) == -EINVAL, "NaN value is -EINVAL");
}

/* ------------------------------------------------------------ bootstrap */

/* Synthetic throughput runs: median m, coefficient of variation cv. */
static void draw_runs(struct stats_rng *r, double *v, size_t n, double m, double cv)
{
	for (size_t i = 0; i < n; i++)
		v[i] = m * (1.0 + cv * stats_rng_normal(r));
}

static void test_bootstrap(void)
{
	const double a[] = { 100, 101, 99, 102, 98, 100.5, 99.5, 101.5, 98.5, 100 };
	const double b[] = { 95, 96, 94, 95.5, 94.5, 96.5, 93.5, 95, 95.2, 94.8 };
	const double zeros[] = { 0, 0, 0, 1 };
	const unsigned experiments = 1000;
	double lo, hi, lo2, hi2, point = stats_median(b, 10) / stats_median(a, 10);
	unsigned covered = 0, above = 0, below = 0;
	double width = 0;
	struct stats_rng r;
	int ret;

	ret = stats_bootstrap_ratio_ci(a, 10, b, 10, 2000, 0.95, 1, &lo, &hi);
	checkf(ret == 0 && lo <= point && point <= hi && lo < hi,
	      "CI [%.4f, %.4f] contains the point estimate %.4f", lo, hi, point);
	ret = stats_bootstrap_ratio_ci(a, 10, b, 10, 2000, 0.95, 1, &lo2, &hi2);
	checkf(ret == 0 && lo2 == lo && hi2 == hi, "same seed, same CI");
	ret = stats_bootstrap_ratio_ci(a, 10, b, 10, 2000, 0.80, 1, &lo2, &hi2);
	checkf(ret == 0 && lo2 >= lo && hi2 <= hi, "80%% CI [%.4f, %.4f] inside the 95%% one", lo2,
	      hi2);
	/*
	 * a = {100}, b = {90, 110}: a resample of b has median 90, 100 or 110
	 * with probabilities 1/4, 1/2, 1/4, so the ratio's 2.5 % and 97.5 %
	 * points are 0.9 and 1.1, and its 30 % and 70 % points both 1.0.
	 */
	{
		const double one[] = { 100 }, two[] = { 90, 110 };

		ret = stats_bootstrap_ratio_ci(one, 1, two, 2, 4000, 0.95, 3, &lo2, &hi2);
		checkf(ret == 0 && close_abs(lo2, 0.9, 1e-12) && close_abs(hi2, 1.1, 1e-12),
		      "a {100}, b {90,110}: 95%% CI [%.4f, %.4f] = [0.9, 1.1]", lo2, hi2);
		ret = stats_bootstrap_ratio_ci(one, 1, two, 2, 4000, 0.40, 3, &lo2, &hi2);
		checkf(ret == 0 && close_abs(lo2, 1.0, 1e-12) && close_abs(hi2, 1.0, 1e-12),
		      "a {100}, b {90,110}: 40%% CI [%.4f, %.4f] = [1, 1]", lo2, hi2);
	}
	checkf(stats_bootstrap_ratio_ci(a, 0, b, 10, 100, 0.95, 1, &lo, &hi) == -EINVAL,
	      "empty side is -EINVAL");
	checkf(stats_bootstrap_ratio_ci(zeros, 4, b, 10, 100, 0.95, 1, &lo, &hi) == -EINVAL,
	      "median(a) = 0 is -EINVAL");
	checkf(stats_bootstrap_ratio_ci(a, 10, b, 10, 100, 1.0, 1, &lo, &hi) == -EINVAL,
	      "level 1.0 is -EINVAL");
	checkf(stats_bootstrap_ratio_ci(a, 10, b, 10, 0, 0.95, 1, &lo, &hi) == -EINVAL,
	      "0 iterations is -EINVAL");

	/*
	 * Coverage: normal runs with 2 % CV, true median ratio 0.95, 10 runs a
	 * side, 2000 resamples, 95 % level, 1000 experiments. The bootstrap
	 * distribution of a median of 10 values is lumpy (it lives on the
	 * order statistics), so the percentile interval is not exactly 95 %:
	 * measured 0.975 with these seeds (a little conservative). The bounds
	 * [0.88, 0.99] accept the usual small-sample error either way and
	 * still fail an interval that is clearly too narrow or too wide.
	 */
	stats_rng_seed(&r, 2024);
	for (unsigned e = 0; e < experiments; e++) {
		double xa[10], xb[10];

		draw_runs(&r, xa, 10, 100.0, 0.02);
		draw_runs(&r, xb, 10, 95.0, 0.02);
		ret = stats_bootstrap_ratio_ci(xa, 10, xb, 10, 2000, 0.95, 1000 + e, &lo, &hi);
		if (ret)
			checkf(0, "bootstrap experiment %u returned %d", e, ret);
		covered += lo <= 0.95 && 0.95 <= hi;
		below += hi < 0.95;
		above += lo > 0.95;
		width += hi - lo;
	}
	printf("info bootstrap: %u experiments, coverage %.3f (missed low %u, high %u), mean width"
	       " %.4f\n", experiments, (double)covered / experiments, below, above,
	       width / experiments);
	checkf((double)covered / experiments >= 0.88 && (double)covered / experiments <= 0.99,
	      "95%% CI coverage %.3f within [0.88, 0.99]", (double)covered / experiments);
	/* each tail should miss about 2.5 %: a lopsided interval fails here */
	checkf(below <= experiments / 20 && above <= experiments / 20,
	      "misses on each side at most 5%%: low %u, high %u of %u", below, above, experiments);
}

/*
 * The lab's purpose in numbers: with 10 runs a side and 2 % noise, does
 * Mann-Whitney at p < 0.01 catch a 5 % (and 3 %) drop, and stay quiet
 * when nothing changed?
 */
static void test_power_and_false_alarms(void)
{
	const unsigned experiments = 1000;
	const double shifts[] = { 0.0, 0.03, 0.05 };
	unsigned hits[3] = { 0 };
	struct stats_rng r;

	stats_rng_seed(&r, 99);
	for (size_t s = 0; s < 3; s++)
		for (unsigned e = 0; e < experiments; e++) {
			double xa[10], xb[10], u, p;

			draw_runs(&r, xa, 10, 100.0, 0.02);
			draw_runs(&r, xb, 10, 100.0 * (1.0 - shifts[s]), 0.02);
			mw(xa, 10, xb, 10, &u, &p);
			hits[s] += p < 0.01;
		}
	printf("info Mann-Whitney p < 0.01, 10 vs 10, CV 2%%: no change %.3f, 3%% drop %.3f, 5%%"
	       " drop %.3f\n", (double)hits[0] / experiments, (double)hits[1] / experiments,
	       (double)hits[2] / experiments);
	checkf(hits[0] <= experiments / 50, "false alarms without a change: %u / %u (<= 2%%)",
	      hits[0], experiments);
	checkf(hits[2] >= experiments * 95 / 100, "5%% drop detected in %u / %u (>= 95%%)", hits[2],
	      experiments);
	/*
	 * The rates themselves, against an independent computation: 200 000
	 * draws of the same design with numpy (tests/unit/stats_power.py), the
	 * rejection set p < 0.01 of
	 * scipy.stats.mannwhitneyu(method='exact') (U <= 10 or U >= 90):
	 * 0.0090 (+-0.0002), 0.6353 (+-0.0011), 0.9883 (+-0.0002). Each rate
	 * here must hold it in its 99 % Clopper-Pearson interval.
	 */
	{
		static const double want[3] = { 0.0090, 0.6353, 0.9883 };

		for (size_t s = 0; s < 3; s++) {
			double lo, hi;

			stats_clopper_pearson(hits[s], experiments, 0.99, &lo, &hi);
			checkf(lo <= want[s] && want[s] <= hi,
			       "%.0f %% drop: rejected in %u / %u (99 %% CP %.3f .. %.3f holds numpy/scipy's %.4f)",
			       shifts[s] * 100, hits[s], experiments, lo, hi, want[s]);
		}
	}
}

/* -------------------------------------------------------- Holm and BH */

static bool same_vec(const double *got, const double *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (isnan(want[i]) ? !isnan(got[i]) : !close_abs(got[i], want[i], 1e-15))
			return false;
	}
	return true;
}

static void test_adjust(void)
{
	/*
	 * By hand, p = {0.01, 0.04, 0.03, 0.005}, m = 4; sorted 0.005 0.01
	 * 0.03 0.04.
	 * Holm: 4(0.005) = 0.02, 3(0.01) = 0.03, 2(0.03) = 0.06, 1(0.04) = 0.04
	 *   -> running max 0.02 0.03 0.06 0.06 -> {0.03, 0.06, 0.06, 0.02}.
	 * BH: 0.04 (4/4), 0.03 (4/3) = 0.04, 0.01 (4/2) = 0.02, 0.005 (4/1) =
	 *   0.02 -> running min from the top -> {0.02, 0.04, 0.04, 0.02}.
	 */
	const double p1[] = { 0.01, 0.04, 0.03, 0.005 };
	const double holm1[] = { 0.03, 0.06, 0.06, 0.02 }, bh1[] = { 0.02, 0.04, 0.04, 0.02 };
	/*
	 * p = {0.5, 0.9, 0.02}: Holm 3(0.02) = 0.06, 2(0.5) = 1.0, 0.9 -> max
	 * keeps 1.0 -> {1, 1, 0.06}; BH 0.9, 0.5 (3/2) = 0.75, 0.02 (3) = 0.06
	 * -> {0.75, 0.9, 0.06}.
	 */
	const double p2[] = { 0.5, 0.9, 0.02 };
	const double holm2[] = { 1.0, 1.0, 0.06 }, bh2[] = { 0.75, 0.9, 0.06 };
	/* ties get the same value; 0.4 x 3 caps at 1; NaN is left out (m = 3) */
	const double p3[] = { 0.01, (double)NAN, 0.01, 0.4 };
	const double holm3[] = { 0.03, (double)NAN, 0.03, 0.4 };
	const double bh3[] = { 0.015, (double)NAN, 0.015, 0.4 };
	double got[4];
	struct stats_rng r;
	unsigned bad = 0;

	stats_holm(p1, 4, got);
	checkf(same_vec(got, holm1, 4), "Holm {0.01,0.04,0.03,0.005} = {%.3g,%.3g,%.3g,%.3g}",
	      got[0], got[1], got[2], got[3]);
	stats_benjamini_hochberg(p1, 4, got);
	checkf(same_vec(got, bh1, 4), "BH {0.01,0.04,0.03,0.005} = {%.3g,%.3g,%.3g,%.3g}", got[0],
	      got[1], got[2], got[3]);
	stats_holm(p2, 3, got);
	checkf(same_vec(got, holm2, 3), "Holm {0.5,0.9,0.02} = {%.3g,%.3g,%.3g} (capped, monotone)",
	      got[0], got[1], got[2]);
	stats_benjamini_hochberg(p2, 3, got);
	checkf(same_vec(got, bh2, 3), "BH {0.5,0.9,0.02} = {%.3g,%.3g,%.3g}", got[0], got[1], got[2]);
	stats_holm(p3, 4, got);
	checkf(same_vec(got, holm3, 4), "Holm with ties and NaN = {%.3g,%g,%.3g,%.3g}", got[0],
	      got[1], got[2], got[3]);
	stats_benjamini_hochberg(p3, 4, got);
	checkf(same_vec(got, bh3, 4), "BH with ties and NaN = {%.3g,%g,%.3g,%.3g}", got[0], got[1],
	      got[2], got[3]);
	stats_holm(p1, 1, got);
	checkf(got[0] == 0.01, "a single p is unchanged by Holm");
	stats_benjamini_hochberg(p1, 1, got);
	checkf(got[0] == 0.01, "a single p is unchanged by BH");

	/* properties on random families: monotone, >= raw, BH <= Holm, <= 1 */
	stats_rng_seed(&r, 5);
	for (unsigned t = 0; t < 300; t++) {
		double p[30], h[30], b[30];
		size_t n = 1 + (size_t)below(&r, 30);

		for (size_t i = 0; i < n; i++)
			p[i] = pow(stats_rng_uniform(&r), 3);
		stats_holm(p, n, h);
		stats_benjamini_hochberg(p, n, b);
		for (size_t i = 0; i < n; i++) {
			bad += h[i] < p[i] || b[i] < p[i] || b[i] > h[i] + 1e-15 || h[i] > 1 ||
			       b[i] > 1;
			for (size_t j = 0; j < n; j++)
				bad += p[i] < p[j] && (h[i] > h[j] || b[i] > b[j]);
		}
	}
	checkf(bad == 0, "random families: adjusted >= raw, monotone, BH <= Holm <= 1 (%u violations)",
	      bad);
}

/* ----------------------------------------------------------- E-divisive */

static int ediv(const double *x, size_t n, uint64_t seed, size_t *cps, size_t max)
{
	return stats_edivisive(x, n, 5, 0.01, 199, seed, cps, max);
}

/* 60 points N(level(i), 1): the regimes of each synthetic history. */
enum shape { FLAT, STEP5, STEP2, FIX, STAIRS, BLIP };

static double shape_level(enum shape sh, int i)
{
	switch (sh) {
	case STEP5: /* a 5 % regression at 30 (5 sigma) */
		return i < 30 ? 100.0 : 95.0;
	case STEP2: /* a 2-sigma regression at 30 */
		return i < 30 ? 100.0 : 98.0;
	case FIX: /* regression at 20, fixed at 42 */
		return i < 20 || i >= 42 ? 100.0 : 95.0;
	case STAIRS: /* two regressions, at 25 and 45 */
		return i < 25 ? 100.0 : i < 45 ? 95.0 : 90.0;
	case BLIP: /* a 3-sigma regression that lived 10 nights, 30..39 */
		return i < 30 || i >= 40 ? 100.0 : 97.0;
	case FLAT:
		break;
	}
	return 100.0;
}

static void shape_draw(enum shape sh, uint64_t seed, double *x)
{
	struct stats_rng r;

	stats_rng_seed(&r, seed);
	for (int i = 0; i < 60; i++)
		x[i] = shape_level(sh, i) + stats_rng_normal(&r);
}

static bool cp_near(const size_t *cps, int k, size_t want, size_t tol)
{
	for (int i = 0; i < k; i++)
		if (cps[i] + tol >= want && cps[i] <= want + tol)
			return true;
	return false;
}

/*
 * 20 histories of one shape (seeds base..base+19): in how many are all
 * the true change points found within tol, and how many extra ones
 * appear in total.
 */
static void shape_sweep(enum shape sh, uint64_t base, const size_t *want, int n_want,
			size_t tol, unsigned *found_all, unsigned *extra)
{
	double x[60];
	size_t cps[16];

	*found_all = *extra = 0;
	for (uint64_t seed = base; seed < base + 20; seed++) {
		int k, hit = 0;

		shape_draw(sh, seed, x);
		k = ediv(x, 60, seed, cps, ARRAY_SIZE(cps));
		if (k < 0)
			checkf(0, "stats_edivisive returned %d", k);
		for (int j = 0; j < n_want; j++)
			hit += cp_near(cps, k, want[j], tol);
		*found_all += hit == n_want;
		*extra += k > n_want ? (unsigned)(k - n_want) : 0;
	}
}

/* shape_sweep() of sh: at least min_found of the 20 histories find every
 * change point of want within tol, and at most one finds an extra one. */
static void sweep_check(const char *what, enum shape sh, uint64_t base, const size_t *want,
			int n_want, size_t tol, unsigned min_found)
{
	unsigned all, extra;

	shape_sweep(sh, base, want, n_want, tol, &all, &extra);
	checkf(all >= min_found && extra <= 1, "%s, 20 histories: found within %zu in %u, %u extra",
	       what, tol, all, extra);
}

/*
 * Q of Matteson and James (alpha = 1) for X = y[0..tau), Y = y[tau..kappa),
 * straight from the definition: three double sums, O(len^2) per split.
 */
static double q_by_definition(const double *y, size_t tau, size_t kappa)
{
	const double m = (double)tau, n = (double)(kappa - tau);
	double cross = 0, wx = 0, wy = 0;

	for (size_t i = 0; i < tau; i++)
		for (size_t j = tau; j < kappa; j++)
			cross += fabs(y[i] - y[j]);
	for (size_t i = 0; i < tau; i++)
		for (size_t k = i + 1; k < tau; k++)
			wx += fabs(y[i] - y[k]);
	for (size_t j = tau; j < kappa; j++)
		for (size_t k = j + 1; k < kappa; k++)
			wy += fabs(y[j] - y[k]);
	return m * n / (m + n) * (2 * cross / (m * n) - wx / (m * (m - 1) / 2) - wy / (n * (n - 1) / 2));
}

/*
 * The first change point is the tau of the largest Q over every (tau,
 * kappa) with min_size points on each side. sig_level 1 with one
 * permutation keeps it unless the single shuffle beats it (then skip).
 */
static void test_edivisive_argmax(void)
{
	struct stats_rng r;
	unsigned compared = 0, bad = 0;

	stats_rng_seed(&r, 31);
	for (unsigned t = 0; t < 300; t++) {
		double y[30], q_tau[30], best = -(double)INFINITY;
		const size_t len = 12 + (size_t)below(&r, 19), min_size = 2 + (size_t)below(&r, 3);
		const size_t at = min_size + (size_t)below(&r, len - 2 * min_size + 1);
		const double shift = stats_rng_uniform(&r) * 3;
		size_t cps[1];
		int k;

		for (size_t i = 0; i < len; i++) {
			y[i] = (i < at ? 0.0 : shift) + stats_rng_normal(&r);
			q_tau[i] = -(double)INFINITY;
		}
		for (size_t kappa = 2 * min_size; kappa <= len; kappa++)
			for (size_t tau = min_size; tau + min_size <= kappa; tau++) {
				double q = q_by_definition(y, tau, kappa);

				q_tau[tau] = fmax(q_tau[tau], q);
				best = fmax(best, q);
			}
		k = stats_edivisive(y, len, min_size, 1.0, 1, t, cps, 1);
		if (k < 0)
			checkf(0, "stats_edivisive returned %d", k);
		if (k == 0)
			continue;
		compared++;
		/* the chosen tau reaches the maximum (up to rounding: sums differ) */
		bad += !(q_tau[cps[0]] >= best - 1e-9 * fabs(best));
	}
	checkf(compared >= 200 && bad == 0, "E-divisive split equals the argmax of Q by its"
	      " definition on %u random series (%u differ)", compared, bad);
}

static void test_edivisive(void)
{
	static const size_t at30[] = { 30 }, fix[] = { 20, 42 }, stairs[] = { 25, 45 },
			    blip[] = { 30, 40 };
	double x[400];
	size_t cps[16];
	unsigned false_pos = 0;
	struct stats_rng r;
	uint64_t t0, t1;
	int k;

	/* one shift: N(100, 1) then N(95, 1) from index 30 */
	shape_draw(STEP5, 1, x);
	k = ediv(x, 60, 1, cps, ARRAY_SIZE(cps));
	checkf(k == 1 && cps[0] >= 29 && cps[0] <= 31, "one shift at 30: %d change point(s), first at"
	      " %zu", k, k > 0 ? cps[0] : 0);
	sweep_check("one shift at 30", STEP5, 100, at30, 1, 1, 20);

	/*
	 * a 2-sigma shift (a 2 % drop with 1 % noise): found, but noisy
	 * points near the step can pull the estimate a couple of indexes away
	 */
	sweep_check("2-sigma shift at 30", STEP2, 200, at30, 1, 3, 18);

	/* two shifts: a regression at 20 and its fix at 42 */
	shape_draw(FIX, 2, x);
	k = ediv(x, 60, 1, cps, ARRAY_SIZE(cps));
	checkf(k == 2 && cps[0] >= 19 && cps[0] <= 21 && cps[1] >= 41 && cps[1] <= 43,
	      "regression at 20, fixed at 42: %d change point(s) at %zu, %zu", k,
	      k > 0 ? cps[0] : 0, k > 1 ? cps[1] : 0);
	sweep_check("regression and fix", FIX, 300, fix, 2, 1, 20);
	/*
	 * two shifts in one direction: 100 -> 95 at 25 -> 90 at 45; within 2,
	 * as one of these histories draws its first two points after the step
	 * halfway between the levels and the estimate moves to 27
	 */
	shape_draw(STAIRS, 400, x);
	k = ediv(x, 60, 1, cps, ARRAY_SIZE(cps));
	checkf(k == 2 && cps[0] >= 24 && cps[0] <= 26 && cps[1] >= 44 && cps[1] <= 46,
	      "steps at 25 and 45: %d change point(s) at %zu, %zu", k, k > 0 ? cps[0] : 0,
	      k > 1 ? cps[1] : 0);
	sweep_check("steps at 25 and 45", STAIRS, 400, stairs, 2, 2, 20);
	/*
	 * a short-lived 3-sigma regression (10 points): the search over Y's
	 * end (kappa) is what finds it, see stats_ediv_best
	 */
	sweep_check("10-point 3-sigma regression", BLIP, 500, blip, 2, 3, 18);
	shape_draw(STAIRS, 401, x);
	k = ediv(x, 60, 1, cps, 1);
	checkf(k == 1, "max_cps 1 stops after the first: %d", k);

	/* pure noise: at most 1 false positive over 20 seeds */
	for (uint64_t seed = 0; seed < 20; seed++) {
		shape_draw(FLAT, 1000 + seed, x);
		k = ediv(x, 60, seed, cps, ARRAY_SIZE(cps));
		if (k < 0)
			checkf(0, "stats_edivisive returned %d", k);
		false_pos += (unsigned)k;
		printf("info pure noise seed %" PRIu64 ": %d change point(s)\n", seed, k);
	}
	checkf(false_pos <= 1, "pure noise, 20 seeds, 60 points: %u false change point(s) (<= 1)",
	      false_pos);

	/* constant series: no change, whatever the seed */
	for (int i = 0; i < 60; i++)
		x[i] = 42.0;
	k = ediv(x, 60, 1, cps, ARRAY_SIZE(cps));
	checkf(k == 0, "constant series: %d change point(s)", k);
	/* a spike is one point, less than min_size: not a regime */
	x[30] = 50.0;
	k = ediv(x, 60, 1, cps, ARRAY_SIZE(cps));
	checkf(k == 0, "a single outlier in a constant series: %d change point(s)", k);
	/* too short for two segments of min_size */
	k = ediv(x, 9, 1, cps, ARRAY_SIZE(cps));
	checkf(k == 0, "9 points with min_size 5: %d", k);

	checkf(stats_edivisive(x, 60, 1, 0.01, 199, 1, cps, 4) == -EINVAL, "min_size 1 is -EINVAL");
	checkf(stats_edivisive(x, 60, 5, 0.0, 199, 1, cps, 4) == -EINVAL, "sig_level 0 is -EINVAL");
	checkf(stats_edivisive(x, 60, 5, 0.01, 0, 1, cps, 4) == -EINVAL, "0 permutations is -EINVAL");
	checkf(stats_edivisive(NULL, 60, 5, 0.01, 199, 1, cps, 4) == -EINVAL, "NULL x is -EINVAL");

	/* a year of nightly points with two regressions: timing as info */
	stats_rng_seed(&r, 365);
	for (int i = 0; i < 365; i++)
		x[i] = (i < 120 ? 100.0 : i < 250 ? 96.0 : 92.0) * (1.0 + 0.01 * stats_rng_normal(&r));
	t0 = mtime_now_us();
	k = ediv(x, 365, 7, cps, ARRAY_SIZE(cps));
	t1 = mtime_now_us();
	checkf(k == 2 && cps[0] >= 119 && cps[0] <= 121 && cps[1] >= 249 && cps[1] <= 251,
	      "365 points, 4 %% steps at 120 and 250 with 1 %% noise: %d change point(s) at %zu, %zu",
	      k, k > 0 ? cps[0] : 0, k > 1 ? cps[1] : 0);
	printf("info E-divisive on 365 points (199 permutations, sig 0.01, 2 changes found): %.1f ms\n",
	       (double)(t1 - t0) / 1000.0);
	/* the worst case: nothing to find, so the last test runs all its shuffles */
	stats_rng_seed(&r, 366);
	for (int i = 0; i < 365; i++)
		x[i] = 100.0 * (1.0 + 0.01 * stats_rng_normal(&r));
	t0 = mtime_now_us();
	k = ediv(x, 365, 7, cps, ARRAY_SIZE(cps));
	t1 = mtime_now_us();
	printf("info E-divisive on 365 points of noise: %d change point(s), %.1f ms\n", k,
	       (double)(t1 - t0) / 1000.0);
}

static void test_timing(void)
{
	double a[10], b[10], u, p, lo, hi;
	struct stats_rng r;
	uint64_t t0, t1;
	const int reps = 50;

	stats_rng_seed(&r, 8);
	draw_runs(&r, a, 10, 100.0, 0.02);
	draw_runs(&r, b, 10, 96.0, 0.02);
	t0 = mtime_now_us();
	for (int i = 0; i < reps; i++) {
		mw(a, 10, b, 10, &u, &p);
		if (stats_bootstrap_ratio_ci(a, 10, b, 10, 2000, 0.95, (uint64_t)i, &lo, &hi))
			checkf(0, "bootstrap failed");
	}
	t1 = mtime_now_us();
	printf("info Mann-Whitney + bootstrap (2000 iters), 10 vs 10: %.3f ms per series"
	       " (p %.3g, CI [%.4f, %.4f])\n", (double)(t1 - t0) / 1000.0 / reps, p, lo, hi);
}

int main(void)
{
	test_rng();
	test_median_mad();
	test_mw_published();
	test_mw_min_runs();
	test_mw_brute_force();
	test_mw_normal_switch();
	test_mw_errors();
	test_bootstrap();
	test_power_and_false_alarms();
	test_adjust();
	test_edivisive_argmax();
	test_edivisive();
	test_timing();
	printf("all %u checks passed\n", check_count);
	return 0;
}
