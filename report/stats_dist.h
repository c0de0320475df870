/*
 * stats_dist.h: distributions, not only medians. A shape test (two-sample
 * Kolmogorov-Smirnov), Fisher's exact test and the Clopper-Pearson
 * interval for proportions (P(exceed a bound), a cluster's share), and
 * bimodality: a two-component Gaussian mixture against one, by BIC, with
 * each cluster's share and centre, and a test for a shift in the mix
 * between two sides.
 *
 * Pure functions: no I/O, no global state left changed (GSL's error
 * handler is switched off for the duration of a call and put back),
 * deterministic. Distribution functions come from GSL; nothing here
 * re-implements a special function. Returns 0 or a negative errno.
 */
#ifndef MPL_STATS_DIST_H
#define MPL_STATS_DIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Two-sample Kolmogorov-Smirnov test, two-sided: *d = sup |F_a - F_b| over
 * the empirical distribution functions (ties handled as scipy does: each
 * ECDF is evaluated after all the values equal to a point). *p is exact
 * for continuous data, P(D >= d) under H0 counted over the C(na+nb, na)
 * equally likely orders by lattice paths (J. L. Hodges, "The significance
 * probability of the Smirnov two-sample test", Arkiv for Matematik 3,
 * 1958), equal to scipy.stats.ks_2samp(a, b, method='exact'). With ties it
 * is the same formula, which is then conservative.
 * -EINVAL: an empty side or a non-finite value; -E2BIG: na * nb > 1e8
 * (the count costs O(na nb)); -ENOMEM.
 */
int stats_ks_2samp(const double *a, size_t na, const double *b, size_t nb, double *d,
		   double *p);

/*
 * Fisher's exact test of the 2 x 2 table
 *
 *	      col 0     col 1
 *	row 0  t[0][0]   t[0][1]
 *	row 1  t[1][0]   t[1][1]
 *
 * two-sided: the sum of the hypergeometric probabilities (margins fixed)
 * of every table no more likely than the observed one, with a relative
 * tolerance of 1e-7 for ties in probability (as R's fisher.test; scipy
 * uses 1e-14, which differs only on tables whose probabilities tie to
 * within 1e-7). *odds_ratio (may be NULL) is the sample odds ratio
 * t00 t11 / (t01 t10) as scipy gives it (INFINITY when the denominator is
 * 0, NAN with an empty row or column, where p = 1).
 * -EINVAL when the table total exceeds 2^31; -ENOMEM never.
 */
int stats_fisher_exact(const uint64_t t[2][2], double *p, double *odds_ratio);

/*
 * Clopper-Pearson ("exact") interval of a proportion, k successes in n
 * trials, at the given level (e.g. 0.95): lo = B^-1((1-level)/2; k, n-k+1)
 * (0 when k = 0), hi = B^-1((1+level)/2; k+1, n-k) (1 when k = n), with B
 * the beta distribution (C. J. Clopper and E. S. Pearson, Biometrika
 * 26(4), 1934). Its coverage is at least the level for every true
 * proportion. -EINVAL: n = 0, k > n or a level outside (0, 1).
 */
int stats_clopper_pearson(uint64_t k, uint64_t n, double level, double *lo, double *hi);

/*
 * A one-dimensional Gaussian mixture of two components against one.
 * Component 0 has the lower centre. bimodal says the data are two clusters:
 *  - BIC (G. Schwarz 1978) prefers two components by more than 10
 *    (delta_bic = BIC(1) - BIC(2) > 10, "very strong" on Kass and
 *    Raftery's scale, JASA 90(430), 1995);
 *  - the two are separated: Ashman's D = sqrt(2) |mu1 - mu0| /
 *    sqrt(sd0^2 + sd1^2) > 2 (K. Ashman, C. Bird, S. Zepf, AJ 108(6),
 *    1994). Without it a skewed or heavy-tailed single cluster, which two
 *    overlapping Gaussians fit better than one when n is large, would
 *    pass as two;
 *  - the fitted density dips between the centres to below 80 % of its
 *    lower peak (two humps, not one hump with a shoulder);
 *  - each component holds at least 2 values and 10 % of them.
 * The threshold is the value between the centres where the two weighted
 * densities are equal: values below it belong to component 0.
 */
struct stats_mixture {
	size_t n;
	bool bimodal;
	double delta_bic;		 /* BIC(1) - BIC(2); NAN when not fitted */
	double ashman_d;
	double loglik1, loglik2;	 /* maximised log-likelihoods */
	double share[2];		 /* mixing weights, summing to 1 */
	double centre[2], sd[2];
	double threshold;
	size_t count[2];		 /* values on each side of the threshold */
};

/* Fewer values than this: no mixture is fitted (bimodal false, figures NAN). */
#define STATS_MIXTURE_MIN_N 10

/*
 * Fit by EM from several deterministic starts (splits of the sorted values
 * at 1/4, 1/2, 3/4 and at the widest gap): a few steps from each, then the
 * best one to convergence (at most 300 steps); a
 * component's SD is kept above 1 % of the whole sample's, so a cluster of
 * equal values cannot make the likelihood unbounded. Deterministic.
 * -EINVAL: non-finite values; -ENOMEM.
 */
int stats_mixture_fit(const double *v, size_t n, struct stats_mixture *m);

/* The component (0 or 1) a value belongs to: 0 below the threshold. */
int stats_mixture_component(const struct stats_mixture *m, double x);

/*
 * A shift in the mix between two sides: the mixture is fitted on both
 * sides pooled, without their labels, and each value is put in its
 * component; count[side][component] (side 0 = a) is then tested by
 * Fisher's exact test. Because the clusters are found blind to the
 * labels, under H0 (both sides from one distribution) every assignment of
 * labels to the pooled values is equally likely given the values, so the
 * hypergeometric null of the table is exact: choosing the clusters on the
 * same data does not bias the test. p is NAN when the pooled data are not
 * bimodal (there is no mix to shift).
 */
struct stats_mix_shift {
	struct stats_mixture mix;
	uint64_t count[2][2];
	double share_a, share_b;	/* share of component 1 on each side */
	double p;
};
int stats_mix_shift(const double *a, size_t na, const double *b, size_t nb,
		    struct stats_mix_shift *out);

#endif
