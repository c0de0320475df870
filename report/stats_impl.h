/*
 * stats_impl.h: helpers the statistics files share (stats.c,
 * stats_dist.c, stats_hier.c, stats_verdict.c), and nothing else includes.
 *
 * Not a public contract: the writers and commands use stats.h,
 * stats_dist.h, stats_hier.h and stats_verdict.h only.
 */
#ifndef MPL_STATS_IMPL_H
#define MPL_STATS_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_errno.h>

#include "stats.h"

/*
 * The generator's step (xoshiro256**, stats.c says why), inline: the
 * bootstraps draw millions of indexes, and a call per draw showed.
 */
static inline uint64_t stats_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t stats_rng_next_inline(struct stats_rng *r)
{
	uint64_t *s = r->s;
	const uint64_t result = stats_rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = stats_rotl(s[3], 45);
	return result;
}

/*
 * Uniform integer in [0, k), k > 0, without modulo bias, given
 * threshold = (2^64 mod k) = (0 - k) % k: raw values below it are
 * rejected so that every residue is equally likely (the "OpenBSD" method
 * in D. Lemire, "Fast random integer generation in an interval", ACM
 * TOMACS 29(1), 2019; portable, no 128-bit product). A loop that draws
 * from one k many times computes the threshold once.
 */
static inline uint64_t stats_rng_below_inline(struct stats_rng *r, uint64_t k,
					      uint64_t threshold)
{
	uint64_t x;

	do
		x = stats_rng_next_inline(r);
	while (x < threshold);
	return x % k;
}

/* The same, computing the threshold (stats.c). */
uint64_t stats_rng_below(struct stats_rng *r, uint64_t k);

/*
 * Uniform integer in [0, k), k > 0, without modulo bias and almost
 * without division: Lemire's multiply-and-shift with rejection
 * ("nearly divisionless", Algorithm 5 of the paper above). The 128-bit
 * product (GCC and Clang on 64-bit targets) takes the high word as the
 * draw; only when the low word falls below k, which happens k / 2^64 of
 * the time, is the threshold computed and a rejection possible. A
 * different mapping from stats_rng_below(): the same uniform law, other
 * numbers, so it is used where no earlier output must be reproduced (the
 * grouped bootstrap of stats_hier.c).
 */
static inline uint64_t stats_rng_bounded(struct stats_rng *r, uint64_t k)
{
	unsigned __int128 m = (unsigned __int128)stats_rng_next_inline(r) * k;
	uint64_t low = (uint64_t)m;

	if (low < k) {
		const uint64_t t = (0 - k) % k;

		while (low < t) {
			m = (unsigned __int128)stats_rng_next_inline(r) * k;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}
/* Whether every v[i] is finite (n == 0: true). */
bool stats_all_finite(const double *v, size_t n);
/* Median of v[0..n), n > 0, reordering v. */
double stats_median_inplace(double *v, size_t n);
/* k-th smallest of v[0..n) (0-based), in place: v is left partitioned
 * around it, v[0..k) <= v[k] <= v(k..n). */
double stats_select(double *v, size_t n, size_t kth);
/* stats_quantile_sorted()'s value for unsorted v, which it reorders; O(n). */
double stats_quantile_select(double *v, size_t n, double prob);
/* qsort() comparison of doubles, ascending. */
int stats_cmp_double(const void *pa, const void *pb);
/* Quantile of sorted v[0..n), n > 0, linear interpolation (R's type 7). */
double stats_quantile_sorted(const double *v, size_t n, double prob);

/*
 * GSL calls abort() on an error unless told otherwise, and its handler is
 * process-wide. Every entry point that calls GSL brackets the calls with
 * these two, so a GSL failure becomes a NaN the caller checks (never an
 * abort of the harness) and the caller's own handler, if any, is put back.
 */
static inline gsl_error_handler_t *stats_gsl_quiet(void)
{
	return gsl_set_error_handler_off();
}

static inline void stats_gsl_restore(gsl_error_handler_t *old)
{
	gsl_set_error_handler(old);
}

#endif
