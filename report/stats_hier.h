/*
 * stats_hier.h: samples whose runs come in groups - the night or the
 * invocation a run belongs to - and the statistics that take the group as
 * the unit: the spread within and between groups, a hierarchical
 * (two-stage) bootstrap of the ratio of medians, and a test on group
 * medians.
 *
 * Runs of one night share its conditions (the machine's state, the
 * kernel's boot, the neighbours' load): they are not independent draws,
 * so n runs of one night carry far less than n runs' worth of evidence
 * about a kernel. When a side spans several groups, its groups are the
 * independent units and the runs inside each are repeated measures.
 *
 * Pure functions, no I/O, deterministic given a seed; returns 0 or a
 * negative errno.
 */
#ifndef MPL_STATS_HIER_H
#define MPL_STATS_HIER_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/*
 * n values and, per value, the group it belongs to (any integer: the
 * night as days since the epoch, an invocation id). group NULL: every
 * value in one group. Groups are told apart by id only; their order is
 * that of the ids, and a group's runs keep their order in v.
 */
struct stats_sample {
	const double *v;
	const int64_t *group;
	size_t n;
};

/*
 * The noise of one side, relative to its level (so 0.01 is 1 %):
 *
 * sigma_within, the spread of a run about its own group's median:
 *	sigma_w = sum_g (n_g - 1) s_g / sum_g (n_g - 1),
 *	s_g = c(n_g) 1.4826 MAD_g / |M|, M the median of all the side's runs,
 * over the groups of 2 runs or more. 1.4826 MAD is a consistent estimate
 * of the SD of normal data that one wild run cannot move; c(n) (1.19 at
 * 6 runs, 1.10 at 10, n / (n - 0.8) beyond 20) removes its small-sample
 * bias (C. Croux and P. J. Rousseeuw, Computational Statistics 1992;
 * tabled by tests/unit/stats_tables.py), so a noise estimate from 6 runs
 * is not 16 % low. Taking the spread about each group's median keeps the
 * night-to-night shifts out of it.
 *
 * sigma_groups, the spread of the group medians about the side's median:
 *	c(G) 1.4826 MAD(median_g / median - 1), G >= 3 groups.
 * It holds the between-group variation and the part of the within noise
 * that survives in a median of n_g runs (variance v(n_g) sigma_w^2 / n_g,
 * v tabled up to 20, then pi/2 - 0.7/n (odd n) or - 2.0/n (even)).
 *
 * sigma_between, the group-to-group spread itself:
 *	sigma_b = sqrt(max(0, sigma_groups^2 - v(n_g) sigma_w^2 / n_g)),
 * with n_g the mean group size. NAN when fewer than 3 groups (two group
 * medians cannot tell a between-group spread from chance).
 */
struct stats_spread {
	size_t n_runs, n_groups;
	double median, mad;	/* of all runs (mad unscaled) */
	double sigma_within;	/* NAN when no group has 2 runs */
	double sigma_groups;	/* NAN when < 3 groups */
	double sigma_between;	/* NAN when < 3 groups */
	double df_within;	/* sum_g (n_g - 1): the weight of sigma_within */
};

/* -EINVAL: empty or non-finite sample, a median of 0 (nothing is
 * relative to 0); -ENOMEM. */
int stats_spread(const struct stats_sample *s, struct stats_spread *out);

/* The small-sample factors above: c(n) for the scaled MAD of n values,
 * v(n) = n Var(median of n) / sigma^2 for normal data. n >= 1. */
double stats_mad_factor(size_t n);
double stats_median_var_factor(size_t n);

/*
 * Percentile bootstrap CI of median(b) / median(a) that keeps each side's
 * structure. Each of iters rounds draws, side a then side b:
 *
 *  - a side of G >= 2 groups: G groups with replacement (uniform over the
 *    groups in id order), and for each drawn group as many runs
 *    as it has, with replacement, from that group; the median of all
 *    drawn runs. This is the two-stage bootstrap (A. C. Davison and
 *    D. V. Hinkley, "Bootstrap Methods and their Application", 1997,
 *    3.8): the first stage carries the between-group variation, the
 *    second the within.
 *  - a side of one group: its runs with replacement, the median; and,
 *    when the other side has G >= 3 groups with sigma_between > 0, times
 *    (1 + e), e a group effect of the other side drawn at random: its
 *    group deviations (median_g / median - 1) centred on their mean and
 *    scaled by sigma_between / sigma_groups (so that only the between
 *    part, not the within noise already resampled, is added).
 *
 * Why the second rule: a single night's runs resampled among themselves
 * say nothing about that night's own offset, yet tonight's offset is as
 * large as any other night's. Without it the CI of "tonight against 28
 * nights" would be the CI of the 28 nights' mean alone: far too narrow,
 * and a quiet night would show as a regression. Under the usual one-way
 * random-effects model the variance of the difference is
 * sigma_b^2 (1/G_a + 1/G_b) + within terms; the borrowed effect supplies
 * the 1/G = 1 term of the single-group side.
 *
 * With one group on both sides it is the ordinary two-sample bootstrap of
 * stats_bootstrap_ratio_ci(), drawing other numbers from the same seed
 * (a faster bounded draw). The draws, for a reimplementation: xoshiro256**
 * seeded as stats_rng_seed(), each index in [0, k) by Lemire's
 * multiply-shift (stats_impl.h); per round side a then side b; a side of
 * one group draws its n runs then, if it borrows, one group of the other
 * side; a side of G groups draws a group then its runs, G times.
 * -EINVAL: empty side, level outside (0, 1), iters 0, median(a*) = 0;
 * -ENOMEM.
 */
int stats_hier_bootstrap_ratio_ci(const struct stats_sample *a, const struct stats_sample *b,
				  unsigned iters, double level, uint64_t seed, double *lo,
				  double *hi);

/*
 * Student's two-sample t-test on the group medians, pooled variance,
 * df = G_a + G_b - 2, two-sided (GSL's t distribution). The night as the
 * unit: each group contributes one value, so runs of one night cannot
 * outvote the nights. For a balanced design this is the test of the
 * one-way random-effects (nested) ANOVA, and with one group on a side it
 * is the prediction test of that group against the other side's groups:
 * t = (m_b - mean_a) / (s_a sqrt(1 + 1/G_a)), which a rank test cannot do
 * at alpha 0.01 (1 group against 28 ranks to p >= 2/29). Group medians
 * are close to normal (a median of several runs, small night offsets), and
 * an outlying night inflates s, making the test conservative, not liberal.
 * *t > 0 when b is higher. -EINVAL: G_a + G_b < 3 (no degree of freedom),
 * an empty side; -ENOMEM.
 */
int stats_group_t_test(const struct stats_sample *a, const struct stats_sample *b, double *t,
		       double *df, double *p);

/* The number of distinct groups of s (1 when group is NULL, 0 when empty). */
size_t stats_sample_groups(const struct stats_sample *s);

#endif
