/*
 * test_stats_dist: report/stats_dist.c beyond the scipy reference values
 * (test_stats_ref has those): the properties that make the figures usable.
 *
 * Clopper-Pearson's coverage is at least its level for every true
 * proportion (computed exactly from the binomial law); KS's p is valid on
 * continuous data (rejection rate at 5 % within a bound); the mixture
 * calls normal and skewed unimodal data bimodal rarely and a two-cluster
 * sample (three-path's shape) bimodal nearly always, with the right
 * shares and centres; the mix-shift test holds its level under H0 (the
 * clusters are chosen on the pooled data) and sees a moved mix.
 * Every rate is asserted with a Clopper-Pearson bound.
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

static void cp99(unsigned k, unsigned n, double *lo, double *hi)
{
	if (stats_clopper_pearson(k, n, 0.99, lo, hi) < 0)
		check_failf("clopper-pearson", "refused");
}

/* P(X = k), X ~ Binomial(n, p), by lgamma. */
static double binom_pmf(unsigned k, unsigned n, double p)
{
	return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) +
		   (n - k) * log1p(-p));
}

static void test_clopper_pearson(void)
{
	double worst = 1.0, lo, hi;
	const unsigned n = 20;

	for (double p = 0.01; p < 1.0; p += 0.01) {
		double cover = 0.0;

		for (unsigned k = 0; k <= n; k++) {
			stats_clopper_pearson(k, n, 0.95, &lo, &hi);
			if (lo <= p && p <= hi)
				cover += binom_pmf(k, n, p);
		}
		if (cover < worst)
			worst = cover;
	}
	checkf(worst >= 0.95 - 1e-9,
	       "95 %% Clopper-Pearson, n = 20: coverage >= 0.95 for every p in 0.01..0.99 (worst %.4f)",
	       worst);
	stats_clopper_pearson(3, 20, 0.95, &lo, &hi);
	checkf(fabs(lo - 0.0320709371854637) < 1e-9 && fabs(hi - 0.37892682654531396) < 1e-9,
	       "3 of 20 (simult_flows' flaky runs): [%.6f, %.6f] (scipy: 0.032071, 0.378927)", lo, hi);
	checkf(stats_clopper_pearson(0, 10, 0.95, &lo, &hi) == 0 && lo == 0 &&
		       fabs(hi - (1 - pow(0.025, 0.1))) < 1e-12,
	       "0 of 10: [0, 1 - 0.025^(1/10)] = [0, %.4f]", hi);
	checkf(stats_clopper_pearson(11, 10, 0.95, &lo, &hi) == -EINVAL &&
		       stats_clopper_pearson(1, 0, 0.95, &lo, &hi) == -EINVAL &&
		       stats_clopper_pearson(1, 10, 1.0, &lo, &hi) == -EINVAL,
	       "k > n, n = 0 and level 1 are -EINVAL");
}

static void test_fisher_and_ks(void)
{
	const uint64_t tea[2][2] = { { 3, 1 }, { 1, 3 } };
	const uint64_t whales[2][2] = { { 8, 2 }, { 1, 5 } };
	double p, odds, d;
	struct stats_rng r;
	unsigned rej = 0;
	const unsigned reps = 1000;

	stats_fisher_exact(tea, &p, &odds);
	checkf(fabs(p - 34.0 / 70.0) < 1e-12 && odds == 9.0,
	       "Fisher's tea: p = 34/70 = %.6f, odds ratio %.0f", p, odds);
	stats_fisher_exact(whales, &p, &odds);
	checkf(fabs(p - 0.03496503496503495) < 1e-12,
	       "scipy's whales and sharks: p = %.6f (0.0349650)", p);

	stats_rng_seed(&r, 7);
	for (unsigned k = 0; k < reps; k++) {
		double a[12], b[9];

		for (int i = 0; i < 12; i++)
			a[i] = stats_rng_normal(&r);
		for (int i = 0; i < 9; i++)
			b[i] = stats_rng_normal(&r);
		stats_ks_2samp(a, 12, b, 9, &d, &p);
		rej += p <= 0.05;
	}
	{
		double lo, hi;

		cp99(rej, reps, &lo, &hi);
		checkf(lo <= 0.05, "KS 12 vs 9, same normal law: p <= 0.05 in %u / %u (99 %% CP %.3f .. %.3f)",
		       rej, reps, lo, hi);
	}
	checkf(stats_ks_2samp((const double[]){ 1, 2, 3 }, 3, (const double[]){ 4, 5, 6 }, 3, &d,
			      &p) == 0 &&
		       d == 1.0 && fabs(p - 0.1) < 1e-12,
	       "KS {1,2,3} vs {4,5,6}: D = 1, p = 2/C(6,3) = 0.1");
}

/* n values: share w from N(c1, s1), the rest from N(c0, s0). */
static void mix_draw(struct stats_rng *r, double *v, size_t n, double w, double c0, double s0,
		     double c1, double s1)
{
	for (size_t i = 0; i < n; i++)
		v[i] = stats_rng_uniform(r) < w ? c1 + s1 * stats_rng_normal(r) :
						  c0 + s0 * stats_rng_normal(r);
}

static void test_mixture(void)
{
	static const size_t sizes[] = { 12, 20, 50, 200 };
	struct stats_rng r;
	double lo, hi, v[200];
	unsigned hits;
	const unsigned reps = 300;
	struct stats_mixture m;

	stats_rng_seed(&r, 8);
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		hits = 0;
		for (unsigned k = 0; k < reps; k++) {
			for (size_t i = 0; i < sizes[s]; i++)
				v[i] = 80 + 2 * stats_rng_normal(&r);
			stats_mixture_fit(v, sizes[s], &m);
			hits += m.bimodal;
		}
		cp99(hits, reps, &lo, &hi);
		checkf(lo <= 0.02, "normal data, n = %zu: called bimodal %u / %u (99 %% CP %.3f .. %.3f)",
		       sizes[s], hits, reps, lo, hi);
	}
	hits = 0;
	for (unsigned k = 0; k < reps; k++) {
		for (size_t i = 0; i < 200; i++)
			v[i] = 80 * exp(0.3 * stats_rng_normal(&r)); /* skewed */
		stats_mixture_fit(v, 200, &m);
		hits += m.bimodal;
	}
	cp99(hits, reps, &lo, &hi);
	checkf(lo <= 0.02, "log-normal (skewed) data, n = 200: called bimodal %u / %u (99 %% CP %.3f .. %.3f)",
	       hits, reps, lo, hi);

	/* three-path: ~85 Mbit/s tight, 71-77 spread */
	hits = 0;
	{
		double share = 0, c0 = 0, c1 = 0;

		for (unsigned k = 0; k < reps; k++) {
			mix_draw(&r, v, 20, 0.6, 74, 1.8, 85, 0.5);
			stats_mixture_fit(v, 20, &m);
			hits += m.bimodal;
			share += m.share[1];
			c0 += m.centre[0];
			c1 += m.centre[1];
		}
		cp99(hits, reps, &lo, &hi);
		checkf(hi >= 0.95, "three-path's shape, 20 runs (60 %% at 85 +- 0.5, 40 %% at 74 +- 1.8): bimodal %u / %u (99 %% CP %.3f .. %.3f)",
		       hits, reps, lo, hi);
		checkf(fabs(share / reps - 0.6) < 0.03 && fabs(c0 / reps - 74) < 0.5 &&
			       fabs(c1 / reps - 85) < 0.3,
		       "its mean share of the upper cluster %.3f, centres %.2f and %.2f", share / reps,
		       c0 / reps, c1 / reps);
	}
	{
		const double few[] = { 1, 2, 3 };

		checkf(stats_mixture_fit(few, 3, &m) == 0 && !m.bimodal && isnan(m.delta_bic),
		       "fewer than %d values: no mixture fitted", STATS_MIXTURE_MIN_N);
	}
}

static void test_mix_shift(void)
{
	struct stats_rng r;
	const unsigned reps = 400;
	unsigned rej = 0, tested = 0, moved = 0;
	double lo, hi;

	stats_rng_seed(&r, 9);
	for (unsigned k = 0; k < reps; k++) {
		double a[12], b[12];
		struct stats_mix_shift ms;

		mix_draw(&r, a, 12, 0.5, 74, 1.0, 85, 0.5);
		mix_draw(&r, b, 12, 0.5, 74, 1.0, 85, 0.5);
		stats_mix_shift(a, 12, b, 12, &ms);
		if (!isnan(ms.p)) {
			tested++;
			rej += ms.p <= 0.05;
		}
		mix_draw(&r, a, 12, 0.85, 74, 1.0, 85, 0.5);
		mix_draw(&r, b, 12, 0.15, 74, 1.0, 85, 0.5);
		stats_mix_shift(a, 12, b, 12, &ms);
		moved += ms.p <= 0.05;
	}
	cp99(rej, tested, &lo, &hi);
	checkf(tested > reps * 9 / 10 && lo <= 0.05,
	       "same mix both sides (50/50, 12 a side): shift p <= 0.05 in %u / %u tested (99 %% CP %.3f .. %.3f)",
	       rej, tested, lo, hi);
	cp99(moved, reps, &lo, &hi);
	checkf(lo >= 0.80, "mix moved 85/15 -> 15/85: p <= 0.05 in %u / %u (99 %% CP %.3f .. %.3f)",
	       moved, reps, lo, hi);
}

int main(void)
{
	test_clopper_pearson();
	test_fisher_and_ks();
	test_mixture();
	test_mix_shift();
	printf("all %u checks passed\n", check_count);
	return 0;
}
