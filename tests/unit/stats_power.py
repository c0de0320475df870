#!/usr/bin/env python3
"""stats_power.py: the reference rates test_stats asserts for Mann-Whitney
at p < 0.01, 10 runs a side, 2 % noise, drops of 0, 3 and 5 % - computed
without the project's code: the rejection set of U comes from
scipy.stats.mannwhitneyu(method='exact'), the draws from numpy.

    /usr/bin/python3 tests/unit/stats_power.py
    0.00 0.00904 +- 0.00021
    0.03 0.63531 +- 0.00108
    0.05 0.98833 +- 0.00024
"""
import numpy as np
from scipy import stats

N = 10
REPS = 200000


def p_of_u(u):
    """The exact two-sided p of a 10 v 10 sample whose U is u (no ties)."""
    a, rem = [], u
    for _ in range(N):
        k = min(rem, N)
        a.append(k - 0.5)  # above k of the b values 0 .. 9
        rem -= k
    b = np.arange(N, dtype=float)
    return stats.mannwhitneyu(a, b, alternative='two-sided', method='exact').pvalue


def main():
    reject = [u for u in range(N * N + 1) if p_of_u(u) < 0.01]
    rng = np.random.default_rng(2026)
    for shift in (0.0, 0.03, 0.05):
        a = rng.normal(100, 2, size=(REPS, N))
        b = rng.normal(100 * (1 - shift), 2, size=(REPS, N))
        u = (a[:, :, None] > b[:, None, :]).sum(axis=(1, 2))
        rate = np.isin(u, reject).mean()
        print('%.2f %.5f +- %.5f' % (shift, rate, np.sqrt(rate * (1 - rate) / REPS)))


if __name__ == '__main__':
    main()
