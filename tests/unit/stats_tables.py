#!/usr/bin/env python3
"""stats_tables.py: the two small-sample tables of report/stats_hier.c, by simulation.

For n = 2..20 normal values (10^6 samples of each size, fixed seed), prints
  - c_mad(n) = 1 / E[1.4826 MAD_n / sigma]: the factor that makes the scaled
    MAD an unbiased estimate of sigma (C. Croux and P. J. Rousseeuw, 1992,
    give the same factors to about 0.01; beyond 20, n / (n - 0.8) is theirs),
  - v_med(n) = n Var(median_n) / sigma^2: the variance of a median of n
    (pi / 2 = 1.5708 in the limit; even n, the mean of the two middle values,
    is lower).
as the C initialisers stats_hier.c carries. Run with Debian's python3-numpy:
  python3 tests/unit/stats_tables.py
test_stats_hier checks the tables against its own simulation.
"""
import numpy as np

rng = np.random.default_rng(20260101)
R = 1_000_000
c_mad, v_med = [], []
for n in range(2, 21):
    cs, vs = [], []
    for _ in range(10):
        x = rng.standard_normal((R // 10, n))
        med = np.median(x, 1)
        mad = 1.4826 * np.median(np.abs(x - med[:, None]), 1)
        cs.append(mad.mean())
        vs.append(med)
    c_mad.append(1 / np.mean(cs))
    v_med.append(n * np.concatenate(vs).var())
print("c_mad[2..20]:", ", ".join("%.4f" % c for c in c_mad))
print("v_med[2..20]:", ", ".join("%.4f" % v for v in v_med))
