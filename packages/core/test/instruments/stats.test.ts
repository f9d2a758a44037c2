/**
 * Drift statistics against reference values computed independently of this code:
 * SciPy's published docstring examples and test-suite values (cited per case),
 * closed-form cases worked by hand, and a brute-force permutation count for the
 * exact KS distribution. Tolerances are stated per assertion.
 */
import {
  binCounts,
  binIndex,
  binomialVariate,
  chiSquare,
  chiSquareDrift,
  chiSquareIsf,
  chiSquarePdf,
  chiSquareSf,
  fitScaledChiSquare,
  holm,
  jensenShannonDistance,
  kolmogorovSf,
  ks2samp,
  mulberry32,
  multinomialVariate,
  normalizedWasserstein,
  PSI_EPSILON,
  populationStd,
  psi,
  wassersteinDistance,
} from '@glassbox/core/stats';
import { describe, expect, it } from 'vitest';

const linspace = (a: number, b: number, n: number) =>
  Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));

describe('psi (closed-form references)', () => {
  it('[0.5, 0.5] vs [0.25, 0.75] = 0.25·ln 3', () => {
    // (0.25−0.5)·ln(0.25/0.5) + (0.75−0.5)·ln(0.75/0.5) = 0.25·(ln 2 + ln 1.5) = 0.25·ln 3
    expect(psi([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.25 * Math.log(3), 14);
  });

  it('is 0 for identical distributions, and counts are normalised like proportions', () => {
    expect(psi([10, 20, 30], [1, 2, 3])).toBeCloseTo(0, 15);
    expect(psi([50, 50], [25, 75])).toBeCloseTo(0.25 * Math.log(3), 14);
  });

  it('an empty bin is replaced by epsilon = 1e-4 (Evidently), not renormalised', () => {
    // ref [0.5, 0.5, 0] → [0.5, 0.5, 1e-4]; cur [0.5, 0.25, 0.25]
    const expected = 0 + (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.25 - 1e-4) * Math.log(0.25 / 1e-4);
    expect(PSI_EPSILON).toBe(1e-4);
    expect(psi([0.5, 0.5, 0], [0.5, 0.25, 0.25])).toBeCloseTo(expected, 13);
    const withEps = 0.25 * Math.log(2) + (0.25 - 0.01) * Math.log(0.25 / 0.01);
    expect(psi([0.5, 0.5, 0], [0.5, 0.25, 0.25], { epsilon: 0.01 })).toBeCloseTo(withEps, 13);
  });

  it('rejects mismatched or invalid input', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(/same, non-zero number of bins/);
    expect(() => psi([0, 0], [1, 1])).toThrow(/positive sum/);
    expect(() => psi([1, Number.NaN], [1, 1])).toThrow(/finite/);
  });
});

describe('jensenShannonDistance (scipy.spatial.distance.jensenshannon docstring examples)', () => {
  it('([1,0,0], [0,1,0], base 2) = 1.0', () => {
    expect(jensenShannonDistance([1, 0, 0], [0, 1, 0], { base: 2 })).toBeCloseTo(1.0, 14);
  });
  it('([1,0], [0.5,0.5]) = 0.46450140402245893 (natural log, SciPy default)', () => {
    expect(jensenShannonDistance([1, 0], [0.5, 0.5])).toBeCloseTo(0.46450140402245893, 14);
  });
  it('([1,0,0], [1,0,0]) = 0.0', () => {
    expect(jensenShannonDistance([1, 0, 0], [1, 0, 0])).toBe(0);
  });
  it('closed form: disjoint supports give sqrt(ln 2) in base e', () => {
    expect(jensenShannonDistance([1, 0], [0, 1])).toBeCloseTo(Math.sqrt(Math.LN2), 14);
  });
});

describe('wassersteinDistance (scipy.stats.wasserstein_distance docstring examples)', () => {
  it('([0,1,3], [5,6,8]) = 5.0', () => {
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBeCloseTo(5.0, 14);
  });
  it('([0,1], [0,1], [3,1], [2,2]) = 0.25', () => {
    expect(wassersteinDistance([0, 1], [0, 1], [3, 1], [2, 2])).toBeCloseTo(0.25, 14);
  });
  it('([3.4,3.9,7.5,7.8], [4.5,1.4], [1.4,0.9,3.1,7.2], [3.2,3.5]) = 4.0781331438047861', () => {
    expect(
      wassersteinDistance([3.4, 3.9, 7.5, 7.8], [4.5, 1.4], [1.4, 0.9, 3.1, 7.2], [3.2, 3.5]),
    ).toBeCloseTo(4.0781331438047861, 12);
  });
  it('normalised as Evidently: divided by the reference population std, floored at 0.001', () => {
    // ref [0, 2]: np.std = 1; shifted by 0.5 → W = 0.5 → normalised 0.5
    expect(populationStd([0, 2])).toBe(1);
    expect(normalizedWasserstein([0, 2], [0.5, 2.5])).toBeCloseTo(0.5, 14);
    // constant reference: std 0 → floor 0.001; W([1,1],[1.1,1.1]) = 0.1 → 100
    expect(normalizedWasserstein([1, 1], [1.1, 1.1])).toBeCloseTo(100, 9);
    // stored std overrides the sample's
    expect(normalizedWasserstein([0, 2], [0.5, 2.5], 2)).toBeCloseTo(0.25, 14);
  });
});

describe('kolmogorovSf (scipy.special.kolmogorov docstring example and critical values)', () => {
  it('kolmogorov([0, 0.5, 1.0]) = [1, 0.96394524, 0.26999967]', () => {
    expect(kolmogorovSf(0)).toBe(1);
    expect(kolmogorovSf(0.5)).toBeCloseTo(0.96394524, 8);
    expect(kolmogorovSf(1.0)).toBeCloseTo(0.26999967, 8);
  });
  it('classic two-sided critical values c(α): Q(1.3581) ≈ 0.05, Q(1.6276) ≈ 0.01, Q(1.2238) ≈ 0.10', () => {
    // Smirnov (1948) table as reproduced in most KS references; 4 significant digits.
    expect(kolmogorovSf(1.3581)).toBeCloseTo(0.05, 4);
    expect(kolmogorovSf(1.6276)).toBeCloseTo(0.01, 4);
    expect(kolmogorovSf(1.2238)).toBeCloseTo(0.1, 4);
  });
  it('is continuous where the two series meet (x = 1)', () => {
    expect(Math.abs(kolmogorovSf(1 - 1e-9) - kolmogorovSf(1))).toBeLessThan(1e-8);
  });
});

describe('ks2samp, exact (SciPy test-suite values, scipy/stats/tests/test_stats.py TestKSTwoSamples)', () => {
  const cases: Array<[string, number[], number[], number, number]> = [
    ['testSmall [0] vs [1]', [0], [1], 1, 1.0],
    ['testTwoVsThree, data1p', [1.01, 2.01], [1, 2, 3], 1 / 3, 1.0],
    ['testTwoVsThree, data1m', [0.99, 1.99], [1, 2, 3], 2 / 3, 0.6],
    ['testTwoVsFour, data1p', [1.01, 2.01], [1, 2, 3, 4], 2 / 4, 14 / 15],
    ['testTwoVsFour, data1m', [0.99, 1.99], [1, 2, 3, 4], 3 / 4, 6 / 15],
    ['testEqualSizes +1', [1, 2, 3], [2, 3, 4], 1 / 3, 1.0],
    [
      'test100_100 x100 vs x100+2.1',
      linspace(1, 100, 100),
      linspace(1, 100, 100).map((v) => v + 2.1),
      3 / 100,
      0.9999999999962055,
    ],
    [
      'test100_110 x100 vs x110+20.1',
      linspace(1, 100, 100),
      linspace(1, 100, 110).map((v) => v + 20.1),
      232 / 1100,
      0.015739183865607353,
    ],
    [
      'test100_110 x100 vs x110+19.9',
      linspace(1, 100, 100),
      linspace(1, 100, 110).map((v) => v + 19.9),
      229 / 1100,
      0.017803803861026313,
    ],
  ];
  it.each(cases)('%s', (_name, x, y, d, p) => {
    const r = ks2samp(x, y, { method: 'exact' });
    expect(r.method).toBe('exact');
    expect(r.statistic).toBeCloseTo(d, 14);
    // SciPy's test asserts 6 decimals (assert_array_almost_equal); we match to 1e-12.
    expect(r.pvalue).toBeCloseTo(p, 12);
  });

  it('testRepeatedValues: ties are handled as SciPy (statistic and p-value)', () => {
    const x2233 = [...Array(3).fill(2), ...Array(4).fill(3), ...Array(5).fill(5), ...Array(4).fill(6)];
    const x3344 = x2233.map((v) => v + 1);
    const a = ks2samp(x2233, x3344);
    expect(a.statistic).toBeCloseTo(5 / 16, 14);
    expect(a.pvalue).toBeCloseTo(0.4262934613454952, 12);
    const x2356 = [...Array(3).fill(2), ...Array(4).fill(3), ...Array(10).fill(5), ...Array(4).fill(6)];
    const x3467 = [...Array(10).fill(3), ...Array(2).fill(4), ...Array(10).fill(6), ...Array(4).fill(7)];
    const b = ks2samp(x2356, x3467);
    expect(b.statistic).toBeCloseTo(190 / 21 / 26, 14);
    expect(b.pvalue).toBeCloseTo(0.0919245790168125, 12);
  });

  it('matches a brute-force permutation count (every split of the pooled sample)', () => {
    // Independent computation: enumerate all C(9,4) = 126 assignments of 9 distinct
    // values to samples of 4 and 5, compute D for each, and count D ≥ D_observed.
    const x = [0.3, 1.7, 2.2, 5.1];
    const y = [0.9, 3.3, 4.4, 6.0, 7.5];
    const pooled = [...x, ...y];
    const dOf = (a: number[], b: number[]) => {
      let best = 0;
      for (const t of pooled) {
        const fa = a.filter((v) => v <= t).length / a.length;
        const fb = b.filter((v) => v <= t).length / b.length;
        best = Math.max(best, Math.abs(fa - fb));
      }
      return best;
    };
    const observed = dOf(x, y);
    let extreme = 0;
    let total = 0;
    for (let mask = 0; mask < 1 << 9; mask++) {
      let bits = 0;
      for (let k = 0; k < 9; k++) bits += (mask >> k) & 1;
      if (bits !== 4) continue;
      const a = pooled.filter((_, k) => (mask >> k) & 1);
      const b = pooled.filter((_, k) => !((mask >> k) & 1));
      total++;
      if (dOf(a, b) >= observed - 1e-12) extreme++;
    }
    expect(total).toBe(126);
    const r = ks2samp(x, y, { method: 'exact' });
    expect(r.statistic).toBeCloseTo(observed, 14);
    expect(r.pvalue).toBeCloseTo(extreme / total, 14);
  });

  it('closed form: fully separated samples of 3 and 3 give p = 2 / C(6,3) = 0.1', () => {
    expect(ks2samp([1, 2, 3], [4, 5, 6]).pvalue).toBeCloseTo(0.1, 14);
  });

  it('identical samples: D = 0, p = 1', () => {
    expect(ks2samp([1, 2, 3], [3, 2, 1])).toEqual({ statistic: 0, pvalue: 1, method: 'exact' });
  });
});

describe('ks2samp, asymptotic', () => {
  it('is kolmogorovSf(sqrt(nm/(n+m))·D)', () => {
    const x = linspace(1, 100, 100);
    const y = linspace(1, 100, 110).map((v) => v + 20.1);
    const r = ks2samp(x, y, { method: 'asymp' });
    expect(r.method).toBe('asymp');
    expect(r.pvalue).toBeCloseTo(kolmogorovSf(Math.sqrt((100 * 110) / 210) * (232 / 1100)), 15);
  });
  it('agrees with the exact p-value within a factor of 3 at n = m = 1000 (SciPy gh-12999 check)', () => {
    const x = linspace(0, 1, 1000);
    const y = linspace(0.04, 1.04, 1000);
    const exact = ks2samp(x, y, { method: 'exact' }).pvalue;
    const asymp = ks2samp(x, y, { method: 'asymp' }).pvalue;
    expect(exact).toBeGreaterThan(0.01);
    expect(exact).toBeLessThan(3 * asymp);
    expect(asymp).toBeLessThan(3 * exact);
  });
  it('auto picks asymp past the exact limit', () => {
    expect(ks2samp(linspace(0, 1, 3000), linspace(0, 1, 2000)).method).toBe('asymp');
  });
});

describe('chiSquare (scipy.stats.chisquare docstring examples)', () => {
  it('chisquare([16,18,16,14,12,12]) = (2.0, 0.84914503608460956)', () => {
    const r = chiSquare([16, 18, 16, 14, 12, 12]);
    expect(r.statistic).toBeCloseTo(2.0, 14);
    expect(r.pvalue).toBeCloseTo(0.84914503608460956, 12);
    expect(r.df).toBe(5);
  });
  it('chisquare([16,18,16,14,12,12], f_exp=[16,16,16,16,16,8]) = (3.5, 0.62338762774958223)', () => {
    const r = chiSquare([16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8]);
    expect(r.statistic).toBeCloseTo(3.5, 14);
    expect(r.pvalue).toBeCloseTo(0.62338762774958223, 12);
  });
  it('closed form: with 2 degrees of freedom the survival function is exp(−x/2)', () => {
    for (const x of [0.5, 1, 5.991, 10, 40]) expect(chiSquareSf(x, 2)).toBeCloseTo(Math.exp(-x / 2), 14);
  });
  it('drift form: expected = reference share × window size, empty reference share → epsilon', () => {
    // reference [0.5, 0.5], window [30, 70]: expected [50, 50] → (400 + 400) / 50 = 16, df 1
    const r = chiSquareDrift([0.5, 0.5], [30, 70]);
    expect(r.statistic).toBeCloseTo(16, 12);
    expect(r.pvalue).toBeCloseTo(chiSquareSf(16, 1), 15);
    expect(Number.isFinite(chiSquareDrift([1, 0], [10, 1]).statistic)).toBe(true);
  });
});

describe('binning', () => {
  it('bins are [e_i, e_i+1), open at both ends', () => {
    const edges = [0, 1, 2, 3];
    expect([-5, 0, 0.5, 1, 1.99, 2, 3, 100].map((v) => binIndex(edges, v))).toEqual([0, 0, 0, 1, 1, 2, 2, 2]);
    expect([...binCounts(edges, [-1, 0.5, 1.5, 2.5, 9, Number.NaN])]).toEqual([2, 1, 2]);
  });
});

describe('chi-square quantiles and the scaled chi-square fit', () => {
  it('chiSquareIsf inverts the survival function: scipy.stats.chi2.isf(0.05, 1) = 3.841458820694124, isf(0.01, 9) = 21.665994333461924', () => {
    expect(chiSquareIsf(0.05, 1)).toBeCloseTo(3.841458820694124, 8);
    expect(chiSquareIsf(0.01, 9)).toBeCloseTo(21.665994333461924, 8);
    // closed form with 2 degrees of freedom: isf(p) = −2 ln p
    expect(chiSquareIsf(0.001, 2)).toBeCloseTo(-2 * Math.log(0.001), 8);
    for (const df of [0.3, 1.7, 40]) expect(chiSquareSf(chiSquareIsf(1e-5, df), df)).toBeCloseTo(1e-5, 12);
  });

  it('chiSquarePdf: closed form with 2 degrees of freedom is exp(−x/2)/2', () => {
    for (const x of [0.1, 1, 7]) expect(chiSquarePdf(x, 2)).toBeCloseTo(Math.exp(-x / 2) / 2, 14);
  });

  it('fitScaledChiSquare recovers scale and df from two exact upper quantiles', () => {
    const fit = fitScaledChiSquare(0.1, 2.5 * chiSquareIsf(0.1, 3.2), 0.01, 2.5 * chiSquareIsf(0.01, 3.2));
    expect(fit.df).toBeCloseTo(3.2, 3);
    expect(fit.scale).toBeCloseTo(2.5, 3);
  });
});

describe('holm (Holm 1979)', () => {
  it('rejects step-down: the i-th smallest p-value against alpha / (K − i), stopping at the first acceptance', () => {
    // sorted: 0.005 ≤ 0.05/4, 0.01 ≤ 0.05/3, 0.03 > 0.05/2 → stop
    expect(holm([0.01, 0.04, 0.03, 0.005], 0.05)).toEqual([true, false, false, true]);
    expect(holm([0.2, 0.3], 0.05)).toEqual([false, false]);
    expect(holm([], 0.05)).toEqual([]);
  });
});

describe('random variates (seeded)', () => {
  it('binomialVariate: exact small-mean frequencies, and the moments of the normal branch', () => {
    const random = mulberry32(3);
    const draws = Array.from({ length: 40_000 }, () => binomialVariate(10, 0.3, random));
    // P(X = 0) = 0.7^10 = 0.0282; P(X = 3) = C(10,3)·0.3³·0.7⁷ = 0.2668
    expect(draws.filter((x) => x === 0).length / draws.length).toBeCloseTo(0.0282, 2);
    expect(draws.filter((x) => x === 3).length / draws.length).toBeCloseTo(0.2668, 2);
    const big = Array.from({ length: 20_000 }, () => binomialVariate(100_000, 0.4, random));
    const mean = big.reduce((a, b) => a + b) / big.length;
    const sd = Math.sqrt(big.reduce((a, b) => a + (b - mean) ** 2, 0) / big.length);
    expect(mean / 40_000).toBeCloseTo(1, 3);
    expect(sd / Math.sqrt(100_000 * 0.4 * 0.6)).toBeCloseTo(1, 1);
    expect(binomialVariate(5, 1, random)).toBe(5);
    expect(binomialVariate(5, 0, random)).toBe(0);
  });

  it('multinomialVariate: counts sum to n, each with mean n·p', () => {
    const random = mulberry32(4);
    const out = new Float64Array(3);
    const sums = [0, 0, 0];
    for (let i = 0; i < 5000; i++) {
      multinomialVariate(50, [0.5, 0.3, 0.2], random, out);
      expect(out[0]! + out[1]! + out[2]!).toBe(50);
      for (let k = 0; k < 3; k++) sums[k]! += out[k]!;
    }
    expect(sums.map((s) => s / 5000 / 50)).toEqual([
      expect.closeTo(0.5, 2),
      expect.closeTo(0.3, 2),
      expect.closeTo(0.2, 2),
    ]);
  });
});
