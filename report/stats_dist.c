/*
 * stats_dist.c: shape and proportion tests, and bimodality (contract in
 * stats_dist.h).
 *
 * What it does: the two-sample Kolmogorov-Smirnov statistic and its exact
 * p-value (lattice-path counts, as scipy's ks_2samp method='exact'),
 * Fisher's exact test on a 2 x 2 table (GSL's hypergeometric
 * probabilities), the Clopper-Pearson interval (GSL's beta quantiles), a
 * two-component Gaussian mixture fitted by EM and judged by BIC and
 * Ashman's D, and the Fisher test of a shift in the mix between sides.
 *
 * What it does not do: no I/O, no printing, no randomness (every result is
 * a function of the input), no special function written here (GSL has
 * them); scratch memory is freed before returning. It does not decide a
 * verdict: stats_verdict.c does, with these figures.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "stats_dist.h"
#include "stats_impl.h"

/* ------------------------------------------------------ Kolmogorov-Smirnov */

/* Above this na * nb the exact count (O(na nb)) is refused: -E2BIG. */
#define STATS_KS_MAX_CELLS 100000000ull

/*
 * P(D >= h/n) for two samples of n each (scipy's _compute_prob_outside_square):
 * by the reflection principle P = 2 sum_{k>=1} (-1)^(k-1) C(2n, n-kh) / C(2n, n)
 * (Gnedenko and Korolyuk 1951), evaluated from the innermost term outwards,
 * P = 2 A1 (1 - A2 (1 - A3 (...))) with A_k = C(2n, n-kh) / C(2n, n-(k-1)h)
 * written as h simple factors, so nothing overflows and the small p of a
 * complete separation keeps its relative precision.
 */
static double stats_ks_square_p(uint64_t n, uint64_t h)
{
	double P = 0.0;

	for (int64_t k = (int64_t)(n / h); k >= 0; k--) {
		double p1 = 1.0;

		for (uint64_t j = 0; j < h; j++)
			p1 = ((double)n - (double)k * (double)h - (double)j) * p1 /
			     ((double)n + (double)k * (double)h + (double)j + 1.0);
		P = p1 * (1.0 - P);
	}
	return 2.0 * P;
}

/*
 * P(D >= dmn / (m n)) for samples of m and n: 1 - the share of the
 * C(m+n, m) monotone lattice paths from (0, 0) to (m, n) that stay strictly
 * inside |i n - j m| < dmn (i values of a and j of b below a point: the
 * ECDF difference there is (i n - j m) / (m n)). Counting in shares of
 * C(i+j, i) keeps every number in [0, 1]:
 *	u(i, j) = i/(i+j) u(i-1, j) + j/(i+j) u(i, j-1),
 * one row of n + 1 values at a time.
 */
static int stats_ks_lattice_p(uint64_t m, uint64_t n, uint64_t dmn, double *p)
{
	double *u = malloc((n + 1) * sizeof(*u));

	if (!u)
		return -ENOMEM;
	for (uint64_t i = 0; i <= m; i++)
		for (uint64_t j = 0; j <= n; j++) {
			const int64_t diff = (int64_t)(i * n) - (int64_t)(j * m);
			const uint64_t dist = (uint64_t)(diff < 0 ? -diff : diff);
			double val;

			if (dist >= dmn)
				val = 0.0;
			else if (i == 0 && j == 0)
				val = 1.0;
			else if (i == 0)
				val = u[j - 1];
			else if (j == 0)
				val = u[0];
			else
				val = ((double)i * u[j] + (double)j * u[j - 1]) / (double)(i + j);
			u[j] = val;
		}
	*p = 1.0 - u[n];
	free(u);
	if (*p < 0.0)
		*p = 0.0;
	return 0;
}

int stats_ks_2samp(const double *a, size_t na, const double *b, size_t nb, double *d,
		   double *p)
{
	double *sa = NULL, *sb;
	uint64_t dmn = 0;
	size_t i = 0, j = 0;
	int ret = 0;

	if (!a || !b || !na || !nb || !stats_all_finite(a, na) || !stats_all_finite(b, nb))
		return -EINVAL;
	if ((uint64_t)na * (uint64_t)nb > STATS_KS_MAX_CELLS)
		return -E2BIG;
	sa = malloc((na + nb) * sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	sb = sa + na;
	memcpy(sa, a, na * sizeof(*sa));
	memcpy(sb, b, nb * sizeof(*sb));
	qsort(sa, na, sizeof(*sa), stats_cmp_double);
	qsort(sb, nb, sizeof(*sb), stats_cmp_double);

	/* walk the merged values; compare the ECDFs after each distinct value */
	while (i < na || j < nb) {
		const double x = j >= nb || (i < na && sa[i] <= sb[j]) ? sa[i] : sb[j];
		int64_t diff;

		while (i < na && sa[i] == x)
			i++;
		while (j < nb && sb[j] == x)
			j++;
		diff = (int64_t)(i * nb) - (int64_t)(j * na);
		if ((uint64_t)(diff < 0 ? -diff : diff) > dmn)
			dmn = (uint64_t)(diff < 0 ? -diff : diff);
	}
	if (d)
		*d = (double)dmn / ((double)na * (double)nb);
	if (p) {
		if (dmn == 0)
			*p = 1.0;
		else if (na == nb)
			/* dmn = h n with h the number of steps apart */
			*p = stats_ks_square_p(na, dmn / na);
		else
			ret = stats_ks_lattice_p(na, nb, dmn, p);
		if (!ret && *p > 1.0)
			*p = 1.0;
	}
	free(sa);
	return ret;
}

/* ----------------------------------------------------------------- Fisher */

int stats_fisher_exact(const uint64_t t[2][2], double *p, double *odds_ratio)
{
	gsl_error_handler_t *old;
	uint64_t r0, r1, c0, c1, lo, hi;
	double pobs, sum = 0.0;

	if (!t)
		return -EINVAL;
	r0 = t[0][0] + t[0][1];
	r1 = t[1][0] + t[1][1];
	c0 = t[0][0] + t[1][0];
	c1 = t[0][1] + t[1][1];
	if (r0 + r1 > (1ull << 31))
		return -EINVAL;
	if (odds_ratio) {
		if (!r0 || !r1 || !c0 || !c1)
			*odds_ratio = (double)NAN;
		else if (t[0][1] && t[1][0])
			*odds_ratio = (double)t[0][0] * (double)t[1][1] /
				      ((double)t[0][1] * (double)t[1][0]);
		else
			*odds_ratio = (double)INFINITY;
	}
	if (!p)
		return 0;
	if (!r0 || !r1 || !c0 || !c1) {
		*p = 1.0;
		return 0;
	}
	/*
	 * t00 given the margins is hypergeometric: c0 draws from r0 "row 0"
	 * and r1 "row 1" items. Support max(0, c0 - r1) .. min(c0, r0).
	 */
	lo = c0 > r1 ? c0 - r1 : 0;
	hi = c0 < r0 ? c0 : r0;
	old = stats_gsl_quiet();
	pobs = gsl_ran_hypergeometric_pdf((unsigned)t[0][0], (unsigned)r0, (unsigned)r1,
					  (unsigned)c0);
	for (uint64_t k = lo; k <= hi; k++) {
		const double pk = gsl_ran_hypergeometric_pdf((unsigned)k, (unsigned)r0,
							     (unsigned)r1, (unsigned)c0);

		if (pk <= pobs * (1.0 + 1e-7))
			sum += pk;
	}
	stats_gsl_restore(old);
	*p = sum < 1.0 ? sum : 1.0;
	return 0;
}

/* ---------------------------------------------------------- Clopper-Pearson */

int stats_clopper_pearson(uint64_t k, uint64_t n, double level, double *lo, double *hi)
{
	const double tail = (1.0 - level) / 2.0;
	gsl_error_handler_t *old;

	if (!n || k > n || !(level > 0.0 && level < 1.0) || !lo || !hi)
		return -EINVAL;
	old = stats_gsl_quiet();
	*lo = k == 0 ? 0.0 : gsl_cdf_beta_Pinv(tail, (double)k, (double)(n - k + 1));
	*hi = k == n ? 1.0 : gsl_cdf_beta_Pinv(1.0 - tail, (double)(k + 1), (double)(n - k));
	stats_gsl_restore(old);
	return isfinite(*lo) && isfinite(*hi) ? 0 : -EDOM;
}

/* ----------------------------------------------------------------- mixture */

#define STATS_MIX_LOG_SQRT_2PI 0.91893853320467274178
#define STATS_MIX_MAX_ITER 300	/* for the best start */
#define STATS_MIX_TRIAL_ITER 8	/* for every start */
#define STATS_MIX_BIC_MIN 10.0
#define STATS_MIX_ASHMAN_MIN 2.0
#define STATS_MIX_SD_FLOOR 0.01 /* of the whole sample's SD */
#define STATS_MIX_MIN_SHARE 0.10
#define STATS_MIX_DIP 0.8

struct stats_mix_params {
	double w[2], mu[2], sd[2];
};

static double stats_log_normal_pdf(double x, double mu, double sd)
{
	const double z = (x - mu) / sd;

	return -0.5 * z * z - log(sd) - STATS_MIX_LOG_SQRT_2PI;
}

/* Log-likelihood of the mixture, and the responsibilities of component 1 in r. */
static double stats_mix_estep(const double *v, size_t n, const struct stats_mix_params *q,
			      double *r)
{
	const double c0 = log(q->w[0]) - log(q->sd[0]) - STATS_MIX_LOG_SQRT_2PI;
	const double c1 = log(q->w[1]) - log(q->sd[1]) - STATS_MIX_LOG_SQRT_2PI;
	const double i0 = 1.0 / q->sd[0], i1 = 1.0 / q->sd[1];
	double ll = 0.0;

	for (size_t i = 0; i < n; i++) {
		const double z0 = (v[i] - q->mu[0]) * i0, z1 = (v[i] - q->mu[1]) * i1;
		const double l0 = c0 - 0.5 * z0 * z0, l1 = c1 - 0.5 * z1 * z1;
		/* log(e^l0 + e^l1) and e^l1 / (e^l0 + e^l1) with one exp and one log1p */
		const double e = exp(-fabs(l0 - l1));

		ll += (l0 > l1 ? l0 : l1) + log1p(e);
		r[i] = l1 > l0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
	}
	return ll;
}

/*
 * EM for a two-component mixture (A. P. Dempster, N. M. Laird,
 * D. B. Rubin, JRSS B 39(1), 1977) from the start q, for at most max_iter
 * steps or until the likelihood gains less than 1e-9 per value. Each step
 * cannot lower the likelihood; the SD floor only bounds it.
 */
static double stats_mix_em(const double *v, size_t n, double sd_min, struct stats_mix_params *q,
			   double *r, int max_iter)
{
	double ll = stats_mix_estep(v, n, q, r);

	for (int it = 0; it < max_iter; it++) {
		double s1 = 0.0, m0 = 0.0, m1 = 0.0, v0 = 0.0, v1 = 0.0, next;

		for (size_t i = 0; i < n; i++) {
			s1 += r[i];
			m0 += (1.0 - r[i]) * v[i];
			m1 += r[i] * v[i];
		}
		/* a component that lost every value: keep the best so far */
		if (s1 < 1e-9 || (double)n - s1 < 1e-9)
			break;
		m0 /= (double)n - s1;
		m1 /= s1;
		for (size_t i = 0; i < n; i++) {
			v0 += (1.0 - r[i]) * (v[i] - m0) * (v[i] - m0);
			v1 += r[i] * (v[i] - m1) * (v[i] - m1);
		}
		q->w[1] = s1 / (double)n;
		q->w[0] = 1.0 - q->w[1];
		q->mu[0] = m0;
		q->mu[1] = m1;
		q->sd[0] = fmax(sqrt(v0 / ((double)n - s1)), sd_min);
		q->sd[1] = fmax(sqrt(v1 / s1), sd_min);
		next = stats_mix_estep(v, n, q, r);
		if (next - ll < 1e-9 * (double)n) {
			ll = next;
			break;
		}
		ll = next;
	}
	return ll;
}

/* The start that puts sorted v[0..k) in component 0 and v[k..n) in 1. */
static void stats_mix_start(const double *v, size_t n, size_t k, double sd_min,
			    struct stats_mix_params *q)
{
	const size_t lo[2] = { 0, k }, hi[2] = { k, n };

	for (int c = 0; c < 2; c++) {
		const double cnt = (double)(hi[c] - lo[c]);
		double m = 0.0, var = 0.0;

		for (size_t i = lo[c]; i < hi[c]; i++)
			m += v[i];
		m /= cnt;
		for (size_t i = lo[c]; i < hi[c]; i++)
			var += (v[i] - m) * (v[i] - m);
		q->w[c] = cnt / (double)n;
		q->mu[c] = m;
		q->sd[c] = fmax(sqrt(var / cnt), sd_min);
	}
}

/* Where w0 N(mu0, sd0) = w1 N(mu1, sd1) between the centres (bisection). */
static double stats_mix_threshold(const struct stats_mix_params *q)
{
	double lo = q->mu[0], hi = q->mu[1];
	const double f_lo = log(q->w[0]) + stats_log_normal_pdf(lo, q->mu[0], q->sd[0]) -
			    log(q->w[1]) - stats_log_normal_pdf(lo, q->mu[1], q->sd[1]);
	const double f_hi = log(q->w[0]) + stats_log_normal_pdf(hi, q->mu[0], q->sd[0]) -
			    log(q->w[1]) - stats_log_normal_pdf(hi, q->mu[1], q->sd[1]);

	/* one component dominates the whole way between: no crossing there */
	if (!(f_lo > 0.0 && f_hi < 0.0))
		return (lo + hi) / 2.0;
	for (int it = 0; it < 200 && hi - lo > 1e-12 * fabs(hi); it++) {
		const double mid = (lo + hi) / 2.0;
		const double f = log(q->w[0]) + stats_log_normal_pdf(mid, q->mu[0], q->sd[0]) -
				 log(q->w[1]) - stats_log_normal_pdf(mid, q->mu[1], q->sd[1]);

		if (f > 0.0)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2.0;
}

/*
 * Whether the fitted density has two modes: somewhere between the centres
 * it falls below STATS_MIX_DIP of the lower of its values at the two
 * centres (64 points). Two separated Gaussians of very unequal weight can
 * pass Ashman's D and still make one hump with a shoulder; that is a
 * skewed cluster, not two.
 */
static bool stats_mix_has_dip(const struct stats_mix_params *q)
{
	double lowest = (double)INFINITY, ends;

	for (int i = 0; i <= 64; i++) {
		const double x = q->mu[0] + (q->mu[1] - q->mu[0]) * i / 64.0;
		const double f = q->w[0] * exp(stats_log_normal_pdf(x, q->mu[0], q->sd[0])) +
				 q->w[1] * exp(stats_log_normal_pdf(x, q->mu[1], q->sd[1]));

		if (i == 0)
			ends = f;
		else if (i == 64)
			ends = f < ends ? f : ends;
		else if (f < lowest)
			lowest = f;
	}
	return lowest < STATS_MIX_DIP * ends;
}

int stats_mixture_fit(const double *v, size_t n, struct stats_mixture *m)
{
	struct stats_mix_params best = { { 0 } }, q;
	double *s = NULL, *r, mean = 0.0, var = 0.0, sd, best_ll = -(double)INFINITY;
	size_t starts[4], n_starts = 0, gap_at = 0;
	double gap = -1.0;

	if (!m || (n && !v))
		return -EINVAL;
	if (!stats_all_finite(v, n))
		return -EINVAL;
	*m = (struct stats_mixture){ .n = n,
				     .delta_bic = (double)NAN,
				     .ashman_d = (double)NAN,
				     .loglik1 = (double)NAN,
				     .loglik2 = (double)NAN,
				     .share = { (double)NAN, (double)NAN },
				     .centre = { (double)NAN, (double)NAN },
				     .sd = { (double)NAN, (double)NAN },
				     .threshold = (double)NAN };
	if (n < STATS_MIXTURE_MIN_N)
		return 0;
	s = malloc(2 * n * sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = s + n;
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), stats_cmp_double);
	for (size_t i = 0; i < n; i++)
		mean += s[i];
	mean /= (double)n;
	for (size_t i = 0; i < n; i++)
		var += (s[i] - mean) * (s[i] - mean);
	sd = sqrt(var / (double)n);
	if (!(sd > 0.0)) {
		free(s); /* all equal: one point, no mixture to speak of */
		return 0;
	}
	m->loglik1 = -(double)n * (log(sd) + STATS_MIX_LOG_SQRT_2PI + 0.5);

	for (size_t i = 2; i + 2 <= n; i++)
		if (s[i] - s[i - 1] > gap) {
			gap = s[i] - s[i - 1];
			gap_at = i;
		}
	starts[n_starts++] = n / 4;
	starts[n_starts++] = n / 2;
	starts[n_starts++] = 3 * n / 4;
	starts[n_starts++] = gap_at;
	/* a few steps from every start, then the best one to convergence */
	for (size_t k = 0; k < n_starts; k++) {
		double ll;

		stats_mix_start(s, n, starts[k], STATS_MIX_SD_FLOOR * sd, &q);
		ll = stats_mix_em(s, n, STATS_MIX_SD_FLOOR * sd, &q, r, STATS_MIX_TRIAL_ITER);
		if (ll > best_ll) {
			best_ll = ll;
			best = q;
		}
	}
	best_ll = stats_mix_em(s, n, STATS_MIX_SD_FLOOR * sd, &best, r, STATS_MIX_MAX_ITER);
	if (best.mu[0] > best.mu[1]) {
		q = best;
		for (int c = 0; c < 2; c++) {
			best.w[c] = q.w[1 - c];
			best.mu[c] = q.mu[1 - c];
			best.sd[c] = q.sd[1 - c];
		}
	}
	m->loglik2 = best_ll;
	/* BIC = -2 ln L + k ln n: 2 parameters against 5 */
	m->delta_bic = (-2.0 * m->loglik1 + 2.0 * log((double)n)) -
		       (-2.0 * m->loglik2 + 5.0 * log((double)n));
	m->ashman_d = M_SQRT2 * fabs(best.mu[1] - best.mu[0]) /
		      sqrt(best.sd[0] * best.sd[0] + best.sd[1] * best.sd[1]);
	for (int c = 0; c < 2; c++) {
		m->share[c] = best.w[c];
		m->centre[c] = best.mu[c];
		m->sd[c] = best.sd[c];
	}
	m->threshold = stats_mix_threshold(&best);
	for (size_t i = 0; i < n; i++)
		m->count[s[i] < m->threshold ? 0 : 1]++;
	m->bimodal = m->delta_bic > STATS_MIX_BIC_MIN && m->ashman_d > STATS_MIX_ASHMAN_MIN &&
		     stats_mix_has_dip(&best) &&
		     m->count[0] >= 2 && m->count[1] >= 2 &&
		     (double)m->count[0] >= STATS_MIX_MIN_SHARE * (double)n &&
		     (double)m->count[1] >= STATS_MIX_MIN_SHARE * (double)n;
	free(s);
	return 0;
}

int stats_mixture_component(const struct stats_mixture *m, double x)
{
	return x < m->threshold ? 0 : 1;
}

int stats_mix_shift(const double *a, size_t na, const double *b, size_t nb,
		    struct stats_mix_shift *out)
{
	double *all;
	int ret;

	if (!a || !b || !na || !nb || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->p = out->share_a = out->share_b = (double)NAN;
	all = malloc((na + nb) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all, a, na * sizeof(*all));
	memcpy(all + na, b, nb * sizeof(*all));
	ret = stats_mixture_fit(all, na + nb, &out->mix);
	free(all);
	if (ret < 0)
		return ret;
	if (!out->mix.bimodal)
		return 0;
	for (size_t i = 0; i < na; i++)
		out->count[0][stats_mixture_component(&out->mix, a[i])]++;
	for (size_t j = 0; j < nb; j++)
		out->count[1][stats_mixture_component(&out->mix, b[j])]++;
	out->share_a = (double)out->count[0][1] / (double)na;
	out->share_b = (double)out->count[1][1] / (double)nb;
	return stats_fisher_exact((const uint64_t(*)[2])out->count, &out->p, NULL);
}
