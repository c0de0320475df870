/*
 * test_stats_hier: report/stats_hier.c, nights (groups) as the unit.
 *
 * Checks, by simulation with a known truth (normal run noise within a
 * night, normal night effects), that the small-sample factors make the
 * MAD-based spread unbiased, that the within and between spreads recover
 * the simulated ones, that the hierarchical bootstrap's 95 % interval
 * covers the true ratio 95 % of the time (asserted with a Clopper-Pearson
 * bound, and an 80 % interval about 80 %: a level that is not honoured
 * fails here) where the candidate is one night against 28, and that the
 * t-test on group medians keeps its false-alarm rate at alpha there,
 * while Mann-Whitney on the pooled runs does not. Plus argument errors.
 *
 * Prints one line per check and exits 1 on the first failure.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"
#include "stats_dist.h"
#include "stats_hier.h"

#define NIGHTS 28
#define RUNS 6

/* nights x runs values: night effect N(0, sd_night), run noise N(0, sd_run) */
static void nights(struct stats_rng *r, double *v, int64_t *g, size_t n_nights, size_t runs,
		   double level, double sd_night, double sd_run, int64_t first_id)
{
	for (size_t k = 0; k < n_nights; k++) {
		const double e = sd_night * stats_rng_normal(r);

		for (size_t i = 0; i < runs; i++) {
			v[k * runs + i] = level * (1 + e) * (1 + sd_run * stats_rng_normal(r));
			g[k * runs + i] = first_id + (int64_t)k;
		}
	}
}

static void test_tables(void)
{
	struct stats_rng r;
	const unsigned reps = 20000;
	double sum6 = 0, sum10 = 0, m6 = 0, m6sq = 0;

	stats_rng_seed(&r, 1);
	for (unsigned k = 0; k < reps; k++) {
		double v[10], med;

		for (int i = 0; i < 10; i++)
			v[i] = stats_rng_normal(&r);
		sum6 += stats_mad_factor(6) * 1.4826 * stats_mad(v, 6);
		sum10 += stats_mad_factor(10) * 1.4826 * stats_mad(v, 10);
		med = stats_median(v, 6);
		m6 += med;
		m6sq += med * med;
	}
	checkf(fabs(sum6 / reps - 1) < 0.02 && fabs(sum10 / reps - 1) < 0.02,
	       "c(n) 1.4826 MAD is unbiased for sigma: mean %.4f at 6 runs, %.4f at 10", sum6 / reps,
	       sum10 / reps);
	{
		const double var = m6sq / reps - (m6 / reps) * (m6 / reps);

		checkf(fabs(6 * var / stats_median_var_factor(6) - 1) < 0.05,
		       "v(6) = %.4f: 6 Var(median of 6) simulated %.4f", stats_median_var_factor(6),
		       6 * var);
	}
	checkf(fabs(stats_median_var_factor(1000) - (M_PI / 2 - 0.002)) < 1e-12 &&
		       stats_median_var_factor(21) / 21 < stats_median_var_factor(20) / 20 &&
		       stats_median_var_factor(22) / 22 < stats_median_var_factor(21) / 21 &&
		       fabs(stats_mad_factor(100) - 100 / 99.2) < 1e-12,
	       "beyond the tables: v -> pi/2, Var(median) keeps falling past 20, c(n) = n / (n - 0.8)");
}

static void test_spread(void)
{
	static double v[NIGHTS * RUNS];
	static int64_t g[NIGHTS * RUNS];
	struct stats_rng r;
	double sw = 0, sb = 0;
	const unsigned reps = 200;
	struct stats_spread sp;

	stats_rng_seed(&r, 2);
	for (unsigned k = 0; k < reps; k++) {
		nights(&r, v, g, NIGHTS, RUNS, 100, 0.01, 0.005, 0);
		if (stats_spread(&(struct stats_sample){ v, g, NIGHTS * RUNS }, &sp) < 0)
			check_failf("spread", "refused");
		sw += sp.sigma_within;
		sb += sp.sigma_between;
	}
	checkf(fabs(sw / reps - 0.005) < 0.0005 && fabs(sb / reps - 0.01) < 0.001,
	       "28 nights x 6 runs, night SD 1 %%, run SD 0.5 %%: sigma_within %.4f %%, sigma_between %.4f %% (means of %u)",
	       sw / reps * 100, sb / reps * 100, reps);
	checkf(sp.n_groups == NIGHTS && sp.n_runs == NIGHTS * RUNS && sp.df_within == NIGHTS * 5,
	       "groups %zu, runs %zu, df %.0f", sp.n_groups, sp.n_runs, sp.df_within);

	/* one group: sigma_within is the scaled relative MAD, no between part */
	{
		const double x[] = { 100, 101, 99, 102, 98, 100 };

		stats_spread(&(struct stats_sample){ x, NULL, 6 }, &sp);
		checkf(sp.n_groups == 1 && isnan(sp.sigma_between) &&
			       fabs(sp.sigma_within - stats_mad_factor(6) * 1.4826 * 1.0 / 100) < 1e-15,
		       "one group of 6: sigma_within = c(6) 1.4826 MAD / median = %.6f, no sigma_between",
		       sp.sigma_within);
	}
	/* a night shift does not leak into the within spread */
	{
		const double x[] = { 100, 101, 99, 110, 111, 109, 90, 91, 89 };
		const int64_t gx[] = { 1, 1, 1, 2, 2, 2, 3, 3, 3 };

		stats_spread(&(struct stats_sample){ x, gx, 9 }, &sp);
		checkf(fabs(sp.sigma_within - stats_mad_factor(3) * 1.4826 * (1.0 / 100)) < 1e-12 &&
			       sp.sigma_between > 0.05,
		       "nights 10 %% apart: within %.4f (each night's own), between %.4f",
		       sp.sigma_within, sp.sigma_between);
	}
	checkf(stats_spread(&(struct stats_sample){ (double[]){ 0, 0, 1 }, NULL, 3 }, &sp) == -EINVAL,
	       "a median of 0 is -EINVAL (no relative spread)");
	checkf(stats_spread(&(struct stats_sample){ NULL, NULL, 0 }, &sp) == -EINVAL,
	       "an empty sample is -EINVAL");
}

/* Clopper-Pearson 99 % bounds of k in n, printed and returned. */
static void cp99(unsigned k, unsigned n, double *lo, double *hi)
{
	if (stats_clopper_pearson(k, n, 0.99, lo, hi) < 0)
		check_failf("clopper-pearson", "refused");
}

/*
 * The nightly case: 28 nights x 6 runs against tonight's 6 runs, no
 * change. The interval must cover 1 at its level; the group t-test must
 * raise p < 0.01 about 1 % of the time; Mann-Whitney over the pooled runs
 * (what `nightly` did) raises far more.
 */
static void test_nightly_null(void)
{
	static double a[NIGHTS * RUNS], b[RUNS];
	static int64_t ga[NIGHTS * RUNS], gb[RUNS];
	const unsigned reps = 600;
	unsigned cov95 = 0, cov80 = 0, t_alarm = 0, mw_alarm = 0;
	double lo, hi;
	struct stats_rng r;

	stats_rng_seed(&r, 3);
	for (unsigned k = 0; k < reps; k++) {
		const struct stats_sample A = { a, ga, NIGHTS * RUNS }, B = { b, gb, RUNS };
		double l, h, p, u;

		nights(&r, a, ga, NIGHTS, RUNS, 100, 0.01, 0.005, 0);
		nights(&r, b, gb, 1, RUNS, 100, 0.01, 0.005, NIGHTS);
		if (stats_hier_bootstrap_ratio_ci(&A, &B, 1000, 0.95, k, &l, &h) < 0)
			check_failf("bootstrap", "refused");
		cov95 += l <= 1 && 1 <= h;
		stats_hier_bootstrap_ratio_ci(&A, &B, 1000, 0.80, k, &l, &h);
		cov80 += l <= 1 && 1 <= h;
		if (stats_group_t_test(&A, &B, NULL, NULL, &p) < 0)
			check_failf("t-test", "refused");
		t_alarm += p < 0.01;
		stats_mann_whitney(a, NIGHTS * RUNS, b, RUNS, &u, &p);
		mw_alarm += p < 0.01;
	}
	cp99(cov95, reps, &lo, &hi);
	checkf(lo <= 0.97 && hi >= 0.93 && lo >= 0.90 && hi <= 0.99,
	       "28 nights vs 1, night SD 1 %%: 95 %% CI covers the true ratio %u / %u (99 %% CP %.3f .. %.3f, must meet [0.93, 0.97])",
	       cov95, reps, lo, hi);
	cp99(cov80, reps, &lo, &hi);
	checkf(lo <= 0.84 && hi >= 0.76,
	       "the 80 %% CI covers %u / %u (99 %% CP %.3f .. %.3f, must meet [0.76, 0.84])", cov80,
	       reps, lo, hi);
	cp99(t_alarm, reps, &lo, &hi);
	checkf(lo <= 0.01, "t on group medians p < 0.01: %u / %u (99 %% CP %.4f .. %.4f holds 0.01 or less)",
	       t_alarm, reps, lo, hi);
	cp99(mw_alarm, reps, &lo, &hi);
	checkf(lo > 0.05,
	       "Mann-Whitney on the pooled runs p < 0.01: %u / %u (99 %% CP %.3f .. %.3f): nights are not independent runs",
	       mw_alarm, reps, lo, hi);
}

/*
 * Several groups a side (5 nights each): the plain two-stage bootstrap;
 * with few groups it is somewhat narrow ((G-1)/G of the between variance,
 * Davison and Hinkley 3.8), so the bound is looser; and one group a side
 * with no night effect: the ordinary bootstrap, 6 runs each.
 */
static void test_other_designs(void)
{
	static double a[5 * RUNS], b[5 * RUNS];
	static int64_t ga[5 * RUNS], gb[5 * RUNS];
	const unsigned reps = 400;
	unsigned cov = 0, cov1 = 0;
	double lo, hi;
	struct stats_rng r;

	stats_rng_seed(&r, 4);
	for (unsigned k = 0; k < reps; k++) {
		const struct stats_sample A = { a, ga, 5 * RUNS }, B = { b, gb, 5 * RUNS };
		const struct stats_sample A1 = { a, NULL, RUNS }, B1 = { b, NULL, RUNS };
		double l, h;

		nights(&r, a, ga, 5, RUNS, 100, 0.01, 0.005, 0);
		nights(&r, b, gb, 5, RUNS, 97, 0.01, 0.005, 10);
		stats_hier_bootstrap_ratio_ci(&A, &B, 1000, 0.95, k, &l, &h);
		cov += l <= 0.97 && 0.97 <= h;
		for (int i = 0; i < RUNS; i++) {
			a[i] = 100 * (1 + 0.01 * stats_rng_normal(&r));
			b[i] = 97 * (1 + 0.01 * stats_rng_normal(&r));
		}
		stats_hier_bootstrap_ratio_ci(&A1, &B1, 1000, 0.95, k, &l, &h);
		cov1 += l <= 0.97 && 0.97 <= h;
	}
	cp99(cov, reps, &lo, &hi);
	checkf(hi >= 0.85 && lo <= 0.97,
	       "5 nights vs 5, -3 %%: 95 %% CI covers %u / %u (99 %% CP %.3f .. %.3f; few groups: >= 0.85)",
	       cov, reps, lo, hi);
	cp99(cov1, reps, &lo, &hi);
	checkf(lo <= 0.97 && hi >= 0.93 && lo >= 0.90,
	       "6 runs vs 6, one group each, -3 %%: 95 %% CI covers %u / %u (99 %% CP %.3f .. %.3f)",
	       cov1, reps, lo, hi);
}

static void test_errors(void)
{
	const double x[] = { 1, 2, 3 };
	const int64_t g1[] = { 1, 1, 1 };
	double lo, hi, p;

	checkf(stats_group_t_test(&(struct stats_sample){ x, g1, 3 },
				  &(struct stats_sample){ x, NULL, 3 }, NULL, NULL, &p) == -EINVAL,
	       "t-test with 1 + 1 groups is -EINVAL (no degree of freedom)");
	checkf(stats_hier_bootstrap_ratio_ci(&(struct stats_sample){ x, NULL, 3 },
					     &(struct stats_sample){ x, NULL, 0 }, 100, 0.95, 1,
					     &lo, &hi) == -EINVAL,
	       "bootstrap with an empty side is -EINVAL");
	checkf(stats_hier_bootstrap_ratio_ci(&(struct stats_sample){ x, NULL, 3 },
					     &(struct stats_sample){ x, NULL, 3 }, 100, 1.0, 1, &lo,
					     &hi) == -EINVAL,
	       "level 1 is -EINVAL");
	checkf(stats_sample_groups(&(struct stats_sample){ x, (const int64_t[]){ 5, 3, 5 }, 3 }) == 2,
	       "groups are told apart by id: {5, 3, 5} is 2 groups");
}

int main(void)
{
	test_tables();
	test_spread();
	test_nightly_null();
	test_other_designs();
	test_errors();
	printf("all %u checks passed\n", check_count);
	return 0;
}
