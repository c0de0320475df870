#!/usr/bin/env python3
"""stats_ref.py: reference values for test_stats_ref, computed with scipy.

Reads cases from stdin, one per line, and prints one line of reference
numbers per case (repr floats, so nothing is lost). test_stats_ref writes
the cases (deterministic, from its own seed), runs this script and compares.

  mw  NA NB a... b...        Mann-Whitney U of a, two-sided p: scipy.stats.mannwhitneyu,
                             exact when NA+NB <= 40 without ties (as report/stats.c),
                             else asymptotic with tie and continuity corrections
  ks  NA NB a... b...        scipy.stats.ks_2samp(a, b, method='exact'): D, p
  fi  T00 T01 T10 T11        scipy.stats.fisher_exact: p, sample odds ratio
  cp  K N LEVEL              Clopper-Pearson from scipy.stats.beta.ppf: lo, hi
  gt  NA NB a... ga... b... gb...
                             Student's t (scipy.stats.ttest_ind, equal_var) on the
                             group medians (numpy.median per group): t of b - a, p;
                             with one group on a side (ttest_ind gives nan) the
                             pooled formula and scipy.stats.t
  sp  N v... g...            stats_spread by its formulas (below, in numpy):
                             median, sigma_within, sigma_groups, sigma_between
  hb  ITERS LEVEL SEED NA NB a... ga... b... gb...
                             the hierarchical bootstrap of stats_hier.h re-implemented
                             here with the same generator and draws: lo, hi
  sb  ITERS LEVEL SEED NA NB a... b...
                             scipy.stats.bootstrap percentile CI of median(b)/median(a)
                             (independent resampling of each side, its own generator):
                             lo, hi, to compare in distribution, not bit for bit

Exit 0; a case it cannot read is an error (exit 1).
"""
import sys

import numpy as np
from scipy import stats

MASK = (1 << 64) - 1

# stats_hier.c's tables (tests/unit/stats_tables.py)
C_MAD = [1.0, 1.0, 1.1954, 1.4878, 1.3604, 1.2155, 1.1898, 1.1388, 1.1273, 1.1014, 1.0953,
         1.0798, 1.0769, 1.0661, 1.0644, 1.0558, 1.0549, 1.0489, 1.0474, 1.0431, 1.0427]
V_MED = [1.0, 1.0, 1.0, 1.3421, 1.1927, 1.4324, 1.2886, 1.4744, 1.3471, 1.4935, 1.3859,
         1.5081, 1.4113, 1.5150, 1.4313, 1.5269, 1.4474, 1.5302, 1.4562, 1.5340, 1.4696]


def c_mad(n):
    return C_MAD[n] if n < 21 else n / (n - 0.8)


def v_med(n):
    return V_MED[n] if n < 21 else np.pi / 2 - (0.7 if n % 2 else 2.0) / n


class Rng:
    """xoshiro256** seeded by splitmix64, as report/stats.c."""

    def __init__(self, seed):
        x = seed & MASK
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def bounded(self, k):
        """Lemire's nearly divisionless draw in [0, k)."""
        m = self.next() * k
        low = m & MASK
        if low < k:
            t = ((1 << 64) - k) % k
            while low < t:
                m = self.next() * k
                low = m & MASK
        return m >> 64


def median(v):
    """numpy's median: the middle value or the mean of the two middle ones."""
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


def mad(v):
    m = median(v)
    return median([abs(x - m) for x in v])


def groups_of(v, g):
    """The groups in ascending id order, each keeping its runs' order."""
    out = {}
    for x, k in zip(v, g):
        out.setdefault(k, []).append(x)
    return [out[k] for k in sorted(out)]


def spread(v, g):
    """stats_spread() by its formulas (stats_hier.h)."""
    gs = groups_of(v, g)
    M = median(v)
    num = den = 0.0
    gm = [median(x) for x in gs]
    for x, m in zip(gs, gm):
        if len(x) < 2:
            continue
        num += (len(x) - 1) * c_mad(len(x)) * 1.4826 * mad(x) / abs(M)
        den += len(x) - 1
    sw = num / den if den > 0 else float('nan')
    G = len(gs)
    sg = sb = float('nan')
    dev = [m / M - 1.0 for m in gm]
    mean_dev = sum(dev) / G
    cdev = [d - mean_dev for d in dev]
    if G >= 3:
        md = median(dev)
        sg = c_mad(G) * 1.4826 * median([abs(d - md) for d in dev])
        if np.isnan(sw):
            sb = sg
        else:
            nbar = len(v) / G
            nr = int(np.floor(nbar + 0.5))
            within = v_med(nr if nr else 1) * sw * sw / nbar
            b2 = sg * sg - within
            sb = np.sqrt(b2) if b2 > 0 else 0.0
    return M, sw, sg, sb, gs, cdev


def quantile7(v, p):
    v = sorted(v)
    h = (len(v) - 1) * p
    lo = int(np.floor(h))
    if lo + 1 >= len(v):
        return v[-1]
    return v[lo] + (h - lo) * (v[lo + 1] - v[lo])


def hier_boot(a, ga, b, gb, iters, level, seed):
    """stats_hier_bootstrap_ratio_ci(), draw for draw."""
    sides = []
    for v, g in ((a, ga), (b, gb)):
        M, sw, sg, sb, gs, cdev = spread(v, g)
        scale = sb / sg if len(gs) >= 3 and sg > 0 and sb > 0 else 0.0
        sides.append((gs, cdev, scale))
    rng = Rng(seed)
    ratios = []
    for _ in range(iters):
        meds = []
        for i in (0, 1):
            gs, _, _ = sides[i]
            lgs, ldev, lscale = sides[1 - i]
            if len(gs) == 1:
                x = gs[0]
                draw = [x[rng.bounded(len(x))] for _ in range(len(x))]
                med = median(draw)
                if len(lgs) >= 3 and lscale > 0:
                    med *= 1.0 + lscale * ldev[rng.bounded(len(lgs))]
            else:
                draw = []
                for _ in range(len(gs)):
                    x = gs[rng.bounded(len(gs))]
                    draw.extend(x[rng.bounded(len(x))] for _ in range(len(x)))
                med = median(draw)
            meds.append(med)
        ratios.append(meds[1] / meds[0])
    return quantile7(ratios, (1 - level) / 2), quantile7(ratios, (1 + level) / 2)


def floats(tok, n):
    return [float(x) for x in tok[:n]], tok[n:]


def main():
    out = []
    for line in sys.stdin:
        tok = line.split()
        if not tok:
            continue
        kind, tok = tok[0], tok[1:]
        if kind == 'mw':
            na, nb = int(tok[0]), int(tok[1])
            a, tok = floats(tok[2:], na)
            b, tok = floats(tok, nb)
            ties = len(set(a + b)) < na + nb
            method = 'exact' if na + nb <= 40 and not ties else 'asymptotic'
            r = stats.mannwhitneyu(a, b, alternative='two-sided', method=method,
                                   use_continuity=True)
            out.append('%r %r' % (float(r.statistic), float(r.pvalue)))
        elif kind == 'ks':
            na, nb = int(tok[0]), int(tok[1])
            a, tok = floats(tok[2:], na)
            b, tok = floats(tok, nb)
            r = stats.ks_2samp(a, b, method='exact')
            out.append('%r %r' % (float(r.statistic), float(r.pvalue)))
        elif kind == 'fi':
            t = [[int(tok[0]), int(tok[1])], [int(tok[2]), int(tok[3])]]
            odds, p = stats.fisher_exact(t)
            out.append('%r %r' % (float(p), float(odds)))
        elif kind == 'cp':
            k, n, level = int(tok[0]), int(tok[1]), float(tok[2])
            tail = (1 - level) / 2
            lo = 0.0 if k == 0 else stats.beta.ppf(tail, k, n - k + 1)
            hi = 1.0 if k == n else stats.beta.ppf(1 - tail, k + 1, n - k)
            out.append('%r %r' % (float(lo), float(hi)))
        elif kind == 'gt':
            na, nb = int(tok[0]), int(tok[1])
            a, tok = floats(tok[2:], na)
            ga, tok = floats(tok, na)
            b, tok = floats(tok, nb)
            gb, tok = floats(tok, nb)
            ma = [np.median(x) for x in groups_of(a, ga)]
            mb = [np.median(x) for x in groups_of(b, gb)]
            if min(len(ma), len(mb)) > 1:
                r = stats.ttest_ind(mb, ma, equal_var=True)
                out.append('%r %r' % (float(r.statistic), float(r.pvalue)))
            else:
                # ttest_ind gives nan with a one-value side; the pooled
                # t-test is still defined (that side adds no variance):
                # the textbook formula, scipy's t distribution
                df = len(ma) + len(mb) - 2
                ss = sum((x - np.mean(ma)) ** 2 for x in ma) + \
                    sum((x - np.mean(mb)) ** 2 for x in mb)
                se = np.sqrt(ss / df * (1 / len(ma) + 1 / len(mb)))
                t = (np.mean(mb) - np.mean(ma)) / se
                out.append('%r %r' % (float(t), float(2 * stats.t.sf(abs(t), df))))
        elif kind == 'sp':
            n = int(tok[0])
            v, tok = floats(tok[1:], n)
            g, tok = floats(tok, n)
            M, sw, sg, sb, _, _ = spread(v, g)
            out.append('%r %r %r %r' % (M, sw, sg, sb))
        elif kind == 'hb':
            iters, level, seed = int(tok[0]), float(tok[1]), int(tok[2])
            na, nb = int(tok[3]), int(tok[4])
            a, tok = floats(tok[5:], na)
            ga, tok = floats(tok, na)
            b, tok = floats(tok, nb)
            gb, tok = floats(tok, nb)
            lo, hi = hier_boot(a, ga, b, gb, iters, level, seed)
            out.append('%r %r' % (lo, hi))
        elif kind == 'sb':
            iters, level, seed = int(tok[0]), float(tok[1]), int(tok[2])
            na, nb = int(tok[3]), int(tok[4])
            a, tok = floats(tok[5:], na)
            b, tok = floats(tok, nb)
            r = stats.bootstrap((np.array(a), np.array(b)),
                                lambda x, y, axis: np.median(y, axis=axis) / np.median(x, axis=axis),
                                vectorized=True, method='percentile', n_resamples=iters,
                                confidence_level=level, random_state=seed)
            ci = r.confidence_interval
            out.append('%r %r' % (float(ci.low), float(ci.high)))
        else:
            sys.stderr.write('stats_ref: unknown case %r\n' % kind)
            return 1
    sys.stdout.write('\n'.join(out) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
