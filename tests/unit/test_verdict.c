/*
 * test_verdict: report/stats_verdict.c, the three-answer rule, its floor
 * and its calibration helpers - the logic, case by case.
 *
 * Every branch of stats_compare_decide() on figures set by hand (so the
 * branch, not the data, is under test); the figures of
 * stats_compare_figures() against the functions they come from; the floor
 * formula with its sources; that the noise, not the minimum, sets the
 * floor of a noisy series; that adjustment between p and verdict works
 * (significant raw, not after Holm); the group unit chosen when a side
 * spans several groups; the CI level honoured (coverage of the rule's CI
 * at 95 % and 80 %); the minimum detectable change: infinite where
 * Mann-Whitney cannot reach alpha, and about the planned power where it
 * can (simulated, Clopper-Pearson bound); runs needed consistent with it.
 * The targets are in test_verdict_targets.
 *
 * Prints one line per check and exits 1 on the first failure.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "stats.h"
#include "stats_dist.h"
#include "stats_verdict.h"

static const struct stats_verdict_opts defaults = { .higher_is_better = true,
						    .adjust_name = "Holm" };

static void cp99(unsigned k, unsigned n, double *lo, double *hi)
{
	if (stats_clopper_pearson(k, n, 0.99, lo, hi) < 0)
		check_failf("clopper-pearson", "refused");
}

static void draw(struct stats_rng *r, double *v, size_t n, double m, double cv)
{
	for (size_t i = 0; i < n; i++)
		v[i] = m * (1.0 + cv * stats_rng_normal(r));
}

/* ------------------------------------------------------------------ floor */

static void test_floor(void)
{
	enum stats_floor_source src;
	struct stats_verdict_opts o = defaults;
	double f;

	f = stats_floor(&(struct stats_noise){ 0.02, 0 }, &o, &src);
	checkf(fabs(f - 0.02) < 1e-15 && src == STATS_FLOOR_WITHIN,
	       "noise 2 %% within: floor 2 %% (one run's SD), from the within spread");
	f = stats_floor(&(struct stats_noise){ 0.003, 0 }, &o, &src);
	checkf(f == STATS_DEFAULT_FLOOR_MIN && src == STATS_FLOOR_MIN,
	       "noise 0.3 %%: floor the 0.5 %% minimum (%.4f)", f);
	f = stats_floor(&(struct stats_noise){ 0.006, 0.008 }, &o, &src);
	checkf(fabs(f - 0.01) < 1e-15 && src == STATS_FLOOR_BETWEEN,
	       "0.6 %% within, 0.8 %% between nights: floor sqrt(0.6^2 + 0.8^2) = 1.0 %% (%.4f)", f);
	o.floor_factor = 2;
	o.floor_min = 0.01;
	checkf(fabs(stats_floor(&(struct stats_noise){ 0.02, 0 }, &o, NULL) - 0.04) < 1e-15 &&
		       stats_floor(&(struct stats_noise){ 0.001, 0 }, &o, NULL) == 0.01,
	       "floor_factor 2 doubles it, floor_min 1 %% bounds it");
	checkf(STATS_DEFAULT_FLOOR_MIN <= 0.01, "the default minimum (%.1f %%) is at most 1 %%",
	       STATS_DEFAULT_FLOOR_MIN * 100);
}

/* ------------------------------------------------------------- decide */

/* A comparison set by hand: 8 runs a side, one group each. */
static struct stats_comparison hand(double ratio, double lo, double hi, double p, double floor)
{
	struct stats_comparison c;

	memset(&c, 0, sizeof(c));
	c.base.n_runs = c.cand.n_runs = 8;
	c.base.n_groups = c.cand.n_groups = 1;
	c.base.median = 100;
	c.cand.median = 100 * ratio;
	c.eligible = true;
	c.level = 0.95;
	c.ratio = ratio;
	c.ci_lo = lo;
	c.ci_hi = hi;
	c.p = p;
	c.floor = floor;
	c.noise.sigma_within = floor;
	c.mdc = 0.03;
	return c;
}

static void expect(const char *what, struct stats_comparison c, double p_adj,
		   const struct stats_verdict_opts *o, enum stats_verdict want, const char *words)
{
	stats_compare_decide(&c, p_adj, o);
	check(c.verdict == want && (!words || strstr(c.reason, words)), what,
	      "verdict %s, reason '%s' (want %s with '%s')", stats_verdict_name(c.verdict), c.reason,
	      stats_verdict_name(want), words ? words : "");
	printf("       | %s\n", c.reason);
}

static void test_decide(void)
{
	struct stats_verdict_opts lower = defaults;
	struct stats_comparison c;

	lower.higher_is_better = false;
	expect("significant, CI beyond -floor: regression", hand(0.95, 0.94, 0.96, 0.001, 0.01),
	       0.001, &defaults, STATS_REGRESSION, "lies beyond the 1.0 % floor and p = 0.001 < 0.01 after Holm");
	expect("significant, CI beyond +floor: improvement", hand(1.05, 1.04, 1.06, 0.001, 0.01),
	       0.001, &defaults, STATS_IMPROVEMENT, "beyond");
	expect("lower is better: higher is a regression", hand(1.05, 1.04, 1.06, 0.001, 0.01),
	       0.001, &lower, STATS_REGRESSION, NULL);
	expect("CI inside +-floor: no change", hand(1.001, 0.995, 1.007, 0.6, 0.01), 0.6, &defaults,
	       STATS_NO_CHANGE, "inside the 1.0 % floor either way");
	expect("significant but the CI inside +-floor: no change that matters",
	       hand(0.996, 0.994, 0.998, 0.0001, 0.01), 0.0001, &defaults, STATS_NO_CHANGE,
	       "inside");
	expect("point beyond the floor, CI reaching inside it: inconclusive",
	       hand(0.985, 0.975, 0.995, 0.001, 0.01), 0.001, &defaults, STATS_INCONCLUSIVE,
	       "is significant");
	expect("not significant, CI across the floor: inconclusive with runs to decide",
	       hand(0.995, 0.975, 1.015, 0.2, 0.01), 0.2, &defaults, STATS_INCONCLUSIVE,
	       "runs a side would decide");
	expect("CI beyond the floor but p >= alpha after Holm: inconclusive",
	       hand(0.95, 0.93, 0.97, 0.004, 0.01), 0.016, &defaults, STATS_INCONCLUSIVE,
	       "p = 0.016 >= 0.01 after Holm");

	/* the adjusted p, not the raw one, decides */
	c = hand(0.95, 0.94, 0.96, 0.004, 0.01);
	stats_compare_decide(&c, 0.004, &defaults);
	checkf(c.verdict == STATS_REGRESSION, "raw p 0.004 alone: regression");
	stats_compare_decide(&c, 0.02, &defaults);
	checkf(c.verdict == STATS_INCONCLUSIVE && isfinite(c.p_adjusted) && c.p_adjusted == 0.02,
	       "the same series with p 0.02 after Holm: inconclusive");

	/* not eligible: no verdict, no adjusted p */
	c = hand(0.9, 0.85, 0.95, 0.001, 0.01);
	c.cand.n_runs = 3;
	c.eligible = false;
	stats_compare_decide(&c, 0.001, &defaults);
	checkf(c.verdict == STATS_INCONCLUSIVE && isnan(c.p_adjusted) &&
		       !strcmp(c.reason, "only 3 runs on the candidate side, need 5"),
	       "3 candidate runs: '%s'", c.reason);
	c = hand(1, 1, 1, 1, 0.01);
	c.ratio = NAN;
	c.base.median = c.cand.median = 0;
	stats_compare_decide(&c, 1, &defaults);
	checkf(c.verdict == STATS_NO_CHANGE && strstr(c.reason, "both medians are 0"),
	       "both medians 0, nothing significant: no change ('%s')", c.reason);
}

/* ------------------------------------------------------------- figures */

static void test_figures(void)
{
	const double a[] = { 100, 101, 99, 102, 98, 100.5, 99.5, 101.5 };
	const double b[] = { 95, 96, 94, 95.5, 94.5, 96.5, 93.5, 95.2 };
	const struct stats_sample A = { a, NULL, 8 }, B = { b, NULL, 8 };
	struct stats_verdict_opts o = defaults;
	struct stats_comparison c;
	double p, lo, hi, sw;
	struct stats_spread sa, sb;

	o.seed = 42;
	checkf(stats_compare(&A, &B, &o, &c) == 0, "stats_compare on 8 vs 8");
	stats_mann_whitney(a, 8, b, 8, NULL, &p);
	stats_hier_bootstrap_ratio_ci(&A, &B, 2000, 0.95, 42, &lo, &hi);
	stats_spread(&A, &sa);
	stats_spread(&B, &sb);
	sw = (7 * sa.sigma_within + 7 * sb.sigma_within) / 14;
	checkf(c.p == p && c.ci_lo == lo && c.ci_hi == hi && c.test == STATS_TEST_MANN_WHITNEY,
	       "p is Mann-Whitney's (%.4g), the CI the bootstrap's [%.4f, %.4f]", p, lo, hi);
	checkf(c.ratio == stats_median(b, 8) / stats_median(a, 8) && c.base.mad == stats_mad(a, 8),
	       "ratio of medians %.4f, MADs unscaled", c.ratio);
	checkf(fabs(c.noise.sigma_within - sw) < 1e-15 && fabs(c.floor - sw) < 1e-15 &&
		       c.floor_source == STATS_FLOOR_WITHIN && strstr(c.floor_why, "the noise of a run"),
	       "floor = pooled sigma_within = %.4f %% ('%s')", c.floor * 100, c.floor_why);
	checkf(c.verdict == STATS_REGRESSION && c.eligible, "-4.9 %% with 8 runs a side: regression ('%s')",
	       c.reason);
	checkf(c.p10_ratio < 1 && c.p90_ratio < 1 && !isnan(c.p_shape) && c.ks_d == 1.0,
	       "p10 ratio %.4f, p90 ratio %.4f, KS D %.2f (p %.2g)", c.p10_ratio, c.p90_ratio, c.ks_d,
	       c.p_shape);

	/* the groups become the unit when a side spans several */
	{
		static double base[5 * 6], cand[6];
		static int64_t gb[5 * 6], gc[6];
		struct stats_rng r;

		stats_rng_seed(&r, 5);
		for (int k = 0; k < 5; k++)
			for (int i = 0; i < 6; i++) {
				base[k * 6 + i] = 100 * (1 + 0.01 * k) + stats_rng_normal(&r) * 0.3;
				gb[k * 6 + i] = k;
			}
		for (int i = 0; i < 6; i++) {
			cand[i] = 101 + stats_rng_normal(&r) * 0.3;
			gc[i] = 9;
		}
		stats_compare(&(struct stats_sample){ base, gb, 30 },
			      &(struct stats_sample){ cand, gc, 6 }, &o, &c);
		checkf(c.test == STATS_TEST_GROUP_T && c.df == 4 && c.base.n_groups == 5 &&
			       c.floor_source == STATS_FLOOR_BETWEEN,
		       "5 nights vs 1: t on group medians (df %.0f), floor from within and between (%s)",
		       c.df, c.floor_why);
		o.unit = STATS_UNIT_RUNS;
		stats_compare(&(struct stats_sample){ base, gb, 30 },
			      &(struct stats_sample){ cand, gc, 6 }, &o, &c);
		checkf(c.test == STATS_TEST_MANN_WHITNEY && c.base.n_groups == 1,
		       "unit RUNS: Mann-Whitney on the runs");
		o.unit = STATS_UNIT_GROUPS;
		stats_compare(&(struct stats_sample){ base, NULL, 30 },
			      &(struct stats_sample){ cand, NULL, 6 }, &o, &c);
		checkf(!c.eligible && c.verdict == STATS_INCONCLUSIVE && strstr(c.reason, "need 3"),
		       "unit GROUPS with one group a side: not eligible ('%s')", c.reason);
	}
	checkf(stats_compare_figures(&(struct stats_sample){ a, NULL, 0 }, &B, &o, &c) == -EINVAL,
	       "an empty side is -EINVAL");
}

/*
 * A noisy series (CV 2 %): the floor must follow the noise. An
 * implementation that used only the minimum (0.5 %) fails here.
 */
static void test_floor_follows_noise(void)
{
	struct stats_rng r;
	double sum = 0;
	const unsigned reps = 200;
	unsigned from_noise = 0;

	stats_rng_seed(&r, 6);
	for (unsigned k = 0; k < reps; k++) {
		double a[10], b[10];
		struct stats_comparison c;
		struct stats_verdict_opts o = defaults;

		o.no_shape = true;
		o.boot_iters = 200;
		draw(&r, a, 10, 100, 0.02);
		draw(&r, b, 10, 100, 0.02);
		stats_compare(&(struct stats_sample){ a, NULL, 10 },
			      &(struct stats_sample){ b, NULL, 10 }, &o, &c);
		sum += c.floor;
		from_noise += c.floor_source == STATS_FLOOR_WITHIN;
	}
	checkf(fabs(sum / reps - 0.02) < 0.002 && from_noise == reps,
	       "CV 2 %%, 10 runs a side: mean floor %.3f %% (one run's SD, 2 %%), from the noise in %u / %u",
	       sum / reps * 100, from_noise, reps);
}

/* The rule's CI at its level (runs), and at 80 %. */
static void test_ci_level(void)
{
	struct stats_rng r;
	const unsigned reps = 500;
	unsigned cov95 = 0, cov80 = 0;
	double lo, hi;

	stats_rng_seed(&r, 7);
	for (unsigned k = 0; k < reps; k++) {
		double a[8], b[8];
		struct stats_comparison c;
		struct stats_verdict_opts o = defaults;

		o.no_shape = true;
		o.seed = k;
		draw(&r, a, 8, 100, 0.01);
		draw(&r, b, 8, 98, 0.01);
		stats_compare(&(struct stats_sample){ a, NULL, 8 },
			      &(struct stats_sample){ b, NULL, 8 }, &o, &c);
		cov95 += c.ci_lo <= 0.98 && 0.98 <= c.ci_hi && c.level == 0.95;
		o.level = 0.80;
		stats_compare(&(struct stats_sample){ a, NULL, 8 },
			      &(struct stats_sample){ b, NULL, 8 }, &o, &c);
		cov80 += c.ci_lo <= 0.98 && 0.98 <= c.ci_hi;
	}
	cp99(cov95, reps, &lo, &hi);
	checkf(lo <= 0.975 && hi >= 0.93 && lo >= 0.90,
	       "the rule's 95 %% CI covers the true -2 %% in %u / %u (99 %% CP %.3f .. %.3f)", cov95,
	       reps, lo, hi);
	cp99(cov80, reps, &lo, &hi);
	checkf(lo <= 0.86 && hi >= 0.76 && hi <= 0.92,
	       "level 0.80: covers %u / %u (99 %% CP %.3f .. %.3f): the level is honoured", cov80,
	       reps, lo, hi);
}

/* ------------------------------------------------ detectable change */

static void test_mdc(void)
{
	struct stats_verdict_opts o = defaults;
	const struct stats_noise n1 = { 0.01, 0 };
	double prev = INFINITY;
	bool monotone = true;
	size_t runs;

	checkf(isinf(stats_min_detectable_change(&n1, &(struct stats_design){ 4, 4, 1, 1 }, &o)),
	       "4 runs a side: Mann-Whitney's smallest p 2/70 = 0.029 cannot reach 0.01: no detectable change");
	for (size_t n = 5; n <= 30; n++) {
		const double d = stats_min_detectable_change(&n1, &(struct stats_design){ n, n, 1, 1 }, &o);

		monotone = monotone && d <= prev;
		prev = d;
	}
	checkf(monotone, "the detectable change shrinks with runs (CV 1 %%: %.2f %% at 30 a side)",
	       prev * 100);
	runs = 0;
	checkf(stats_runs_needed(&n1, 0.03, &o, 100, &runs) == 0, "runs needed for 3 %% at CV 1 %%");
	checkf(runs > 5 &&
		       stats_min_detectable_change(&n1, &(struct stats_design){ runs, runs, 1, 1 }, &o) <= 0.03 &&
		       stats_min_detectable_change(&n1, &(struct stats_design){ runs - 1, runs - 1, 1, 1 }, &o) > 0.03,
	       "... %zu a side: the first size whose MDC is <= 3 %%", runs);
	checkf(stats_runs_needed(&(struct stats_noise){ 0.05, 0 }, 0.02, &o, 20, &runs) == -ERANGE,
	       "2 %% at CV 5 %% within 20 runs: -ERANGE");
	checkf(isinf(stats_min_detectable_change(&(struct stats_noise){ 0.005, 0.01 },
						 &(struct stats_design){ 6, 6, 1, 1 }, &o)) == false &&
		       stats_min_detectable_change(&(struct stats_noise){ 0.005, 0.01 },
						   &(struct stats_design){ 168, 6, 28, 1 }, &o) > 0.03,
	       "28 nights vs one, night SD 1 %%: the one night limits what is seen (MDC %.2f %%)",
	       stats_min_detectable_change(&(struct stats_noise){ 0.005, 0.01 },
					   &(struct stats_design){ 168, 6, 28, 1 }, &o) * 100);

	/* the power at the MDC is about the planned 80 % */
	{
		static const struct {
			double cv;
			size_t n;
		} cells[] = { { 0.01, 8 }, { 0.0025, 6 }, { 0.02, 12 } };

		for (size_t k = 0; k < ARRAY_SIZE(cells); k++) {
			const struct stats_noise nz = { cells[k].cv, 0 };
			const double d = stats_min_detectable_change(
				&nz, &(struct stats_design){ cells[k].n, cells[k].n, 1, 1 }, &o);
			const unsigned reps = 300;
			unsigned hit = 0;
			struct stats_rng r;
			double lo, hi;

			stats_rng_seed(&r, 100 + k);
			for (unsigned s = 0; s < reps; s++) {
				double a[16], b[16];
				struct stats_comparison c;
				struct stats_verdict_opts q = defaults;

				q.no_shape = true;
				q.boot_iters = 1000;
				q.seed = s;
				draw(&r, a, cells[k].n, 100, cells[k].cv);
				draw(&r, b, cells[k].n, 100 * (1 - d), cells[k].cv);
				stats_compare(&(struct stats_sample){ a, NULL, cells[k].n },
					      &(struct stats_sample){ b, NULL, cells[k].n }, &q, &c);
				hit += c.verdict == STATS_REGRESSION;
			}
			cp99(hit, reps, &lo, &hi);
			checkf(hi >= 0.65 && lo <= 0.95,
			       "CV %.2f %%, %zu runs a side: MDC %.2f %%, simulated power there %u / %u (99 %% CP %.2f .. %.2f; planned 0.80)",
			       cells[k].cv * 100, cells[k].n, d * 100, hit, reps, lo, hi);
		}
	}
}

/* Runs to show no change: at that size an unchanged series comes out
 * "no change" about power (80 %) of the time. */
static void test_runs_for_no_change(void)
{
	static const double cvs[] = { 0.01, 0.003 };

	for (size_t k = 0; k < ARRAY_SIZE(cvs); k++) {
		const struct stats_noise nz = { cvs[k], 0 };
		size_t n = 0;
		const unsigned reps = 200;
		unsigned nc = 0;
		struct stats_rng r;
		double lo, hi;

		const int ret = stats_runs_for_no_change(&nz, &defaults, 500, &n);

		checkf(ret == 0 && n >= 5 && n <= 64, "CV %.1f %%: %zu runs a side to show no change",
		       cvs[k] * 100, n);
		stats_rng_seed(&r, 200 + k);
		for (unsigned s = 0; s < reps; s++) {
			double a[64], b[64];
			struct stats_comparison c;
			struct stats_verdict_opts q = defaults;

			q.no_shape = true;
			q.boot_iters = 1000;
			q.seed = s;
			draw(&r, a, n, 100, cvs[k]);
			draw(&r, b, n, 100, cvs[k]);
			stats_compare(&(struct stats_sample){ a, NULL, n },
				      &(struct stats_sample){ b, NULL, n }, &q, &c);
			nc += c.verdict == STATS_NO_CHANGE;
		}
		cp99(nc, reps, &lo, &hi);
		checkf(hi >= 0.65 && lo <= 0.95,
		       "... simulated there: no change in %u / %u (99 %% CP %.2f .. %.2f; planned 0.80)",
		       nc, reps, lo, hi);
	}
}

int main(void)
{
	test_floor();
	test_decide();
	test_figures();
	test_floor_follows_noise();
	test_ci_level();
	test_mdc();
	test_runs_for_no_change();
	printf("all %u checks passed\n", check_count);
	return 0;
}
