/*
 * stats.h: the statistics behind every verdict. Pure C, no I/O, no
 * allocation the caller cannot see, deterministic given a seed.
 *
 * A measurement is a distribution, never one number: medians and MADs,
 * a distribution-free test (Mann-Whitney U), bootstrap confidence
 * intervals of the ratio of medians, multiple-comparison corrections
 * (Holm, Benjamini-Hochberg), and change points over a history
 * (E-divisive means with a permutation test, as MongoDB and Apache Otava
 * do).
 */
#ifndef MPL_STATS_H
#define MPL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Median of v[0..n) (v is not changed). NAN when n == 0. */
double stats_median(const double *v, size_t n);
/* Median absolute deviation from the median, unscaled. NAN when n == 0. */
double stats_mad(const double *v, size_t n);

/*
 * Mann-Whitney U test of a vs b, two-sided. *u is U of sample a (the
 * number of pairs with a > b, ties counting 1/2). The p-value is exact
 * (by the permutation distribution of U) when both samples are small
 * (na + nb <= 40) and there are no ties, otherwise the normal
 * approximation with tie correction and continuity correction.
 * Returns 0, or -EINVAL when a sample is empty.
 */
int stats_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
		       double *p_two_sided);

/*
 * Percentile bootstrap confidence interval of median(b) / median(a):
 * iters resamples of each side with replacement (splitmix64/xoshiro
 * generator seeded by seed), level e.g. 0.95. Returns 0, or -EINVAL
 * (empty side, a median of a that is 0).
 */
int stats_bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
			     unsigned iters, double level, uint64_t seed, double *lo, double *hi);

/* Adjusted p-values (same order as p), monotone, capped at 1. */
void stats_holm(const double *p, size_t n, double *adjusted);
void stats_benjamini_hochberg(const double *p, size_t n, double *adjusted);

/*
 * E-divisive means change points of x[0..n) (time-ordered). Each round
 * finds the split that maximises the energy statistic (alpha = 1) among
 * the segments found so far; a permutation test (permutations shuffles,
 * seeded) keeps it only if p < sig_level. min_size is the smallest
 * segment allowed (>= 2). Change points are indexes i such that a new
 * regime starts at x[i], returned sorted in cps (at most max_cps).
 * Returns the number found (>= 0), or -EINVAL.
 */
int stats_edivisive(const double *x, size_t n, size_t min_size, double sig_level,
		    unsigned permutations, uint64_t seed, size_t *cps, size_t max_cps);
/*
 * The same search (same change points for the same arguments), and in
 * cp_p[k] (when cp_p is not NULL) the permutation p-value of cps[k]: the
 * share of shuffles of its segment, counting the observed order, whose
 * best split scored at least as high, (hits + 1) / (permutations + 1).
 * That p accounts for the split being chosen as the best; a test of the
 * two regimes either side, chosen afterwards, does not (stats.c).
 */
int stats_edivisive_p(const double *x, size_t n, size_t min_size, double sig_level,
		      unsigned permutations, uint64_t seed, size_t *cps, double *cp_p,
		      size_t max_cps);

/* A small deterministic PRNG (xoshiro256**), exposed for tests. */
struct stats_rng {
	uint64_t s[4];
};
void stats_rng_seed(struct stats_rng *r, uint64_t seed);
uint64_t stats_rng_next(struct stats_rng *r);
double stats_rng_uniform(struct stats_rng *r); /* [0, 1) */
double stats_rng_normal(struct stats_rng *r);  /* N(0, 1) */

#endif
