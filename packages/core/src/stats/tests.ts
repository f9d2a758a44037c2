/**
 * Hypothesis tests and the special functions behind them: two-sample
 * Kolmogorov–Smirnov, Pearson's chi-square, the incomplete gamma function. Pure
 * functions following SciPy; differences are documented on each function.
 */
import { finiteArray, normalise, sameLength, sortedCopy } from './checks.js';
import { PSI_EPSILON } from './distances.js';

/**
 * Survival function of Kolmogorov's limiting distribution, P(K > x): the same
 * function as `scipy.special.kolmogorov` / `scipy.stats.kstwobign.sf`.
 */
export function kolmogorovSf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x < 1) {
    // CDF by the theta-function series, fast for small x: sqrt(2π)/x Σ exp(−(2k−1)²π²/(8x²)).
    const t = -(Math.PI * Math.PI) / (8 * x * x);
    let sum = 0;
    for (let k = 1; k < 100; k++) {
      const term = Math.exp((2 * k - 1) * (2 * k - 1) * t);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / x) * sum));
  }
  // Survival by the alternating series 2 Σ (−1)^(k−1) exp(−2k²x²), fast for x ≥ 1.
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** How {@link ks2samp} computes the p-value. */
export type KsMethod = 'auto' | 'exact' | 'asymp';

/** Options of {@link ks2samp}. */
export interface KsOptions {
  /**
   * `exact`: the exact null distribution of D for continuous data (lattice-path
   * count, as SciPy's `method='exact'`); `asymp`: Kolmogorov's limiting distribution
   * `kstwobign.sf(sqrt(nm/(n+m))·D)`; `auto`: exact while n·m ≤ {@link KS_EXACT_LIMIT}.
   * @default 'auto'
   */
  readonly method?: KsMethod;
}

/** Largest n·m for which `method: 'auto'` computes the exact p-value (it costs O(n·m)). */
export const KS_EXACT_LIMIT = 4_000_000;

/** Result of {@link ks2samp}. */
export interface KsResult {
  /** D: the largest absolute difference between the two empirical CDFs. */
  readonly statistic: number;
  /** Two-sided p-value of the null hypothesis that both samples come from one distribution. */
  readonly pvalue: number;
  /** How the p-value was computed. */
  readonly method: 'exact' | 'asymp';
}

/**
 * Two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp`.
 *
 * - The statistic equals SciPy's (ties handled by evaluating both CDFs after each
 *   distinct value).
 * - `exact` equals SciPy's `method='exact'` (probability that D ≥ the observed value
 *   under the null, counted over the n·m lattice; like SciPy it assumes no ties).
 *   Precision is absolute (~1e-15), so p-values below ~1e-14 read as 0.
 * - `asymp` is the limiting Kolmogorov distribution. Note SciPy ≥ 1.5 uses
 *   `kstwo.sf(D, round(nm/(n+m)))` for `method='asymp'`; the two differ by
 *   O(1/√n), which is why `auto` stays exact up to {@link KS_EXACT_LIMIT}.
 */
export function ks2samp(a: ArrayLike<number>, b: ArrayLike<number>, options: KsOptions = {}): KsResult {
  const x = sortedCopy('first sample', a);
  const y = sortedCopy('second sample', b);
  const n = x.length;
  const m = y.length;
  // D·n·m as an exact integer: max |i·m − j·n| over the merged order statistics.
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < n || j < m) {
    const v = Math.min(
      i < n ? (x[i] as number) : Number.POSITIVE_INFINITY,
      j < m ? (y[j] as number) : Infinity,
    );
    while (i < n && (x[i] as number) === v) i++;
    while (j < m && (y[j] as number) === v) j++;
    const diff = Math.abs(i * m - j * n);
    if (diff > k) k = diff;
  }
  const statistic = k / (n * m);
  const requested = options.method ?? 'auto';
  if (requested !== 'auto' && requested !== 'exact' && requested !== 'asymp')
    throw new TypeError(`Glassbox drift: unknown KS method "${String(requested)}"`);
  const method = requested === 'auto' ? (n * m <= KS_EXACT_LIMIT ? 'exact' : 'asymp') : requested;
  if (k === 0) return { statistic, pvalue: 1, method };
  if (method === 'asymp') {
    const en = (n * m) / (n + m);
    return { statistic, pvalue: kolmogorovSf(Math.sqrt(en) * statistic), method };
  }
  return { statistic, pvalue: ksExactPvalue(n, m, k), method };
}

/**
 * P(D ≥ k/(n·m)) under the null, by counting monotone lattice paths from (0,0) to
 * (n,m) that stay strictly inside |i·m − j·n| < k. Counts are kept normalised by
 * C(i+j, i) so nothing overflows.
 */
function ksExactPvalue(n: number, m: number, k: number): number {
  const row = new Float64Array(m + 1);
  row[0] = 1;
  for (let jj = 1; jj <= m; jj++) row[jj] = jj * n < k ? (row[jj - 1] as number) : 0;
  for (let ii = 1; ii <= n; ii++) {
    row[0] = ii * m < k ? (row[0] as number) : 0;
    for (let jj = 1; jj <= m; jj++) {
      if (Math.abs(ii * m - jj * n) < k) {
        row[jj] = ((row[jj] as number) * ii + (row[jj - 1] as number) * jj) / (ii + jj);
      } else {
        row[jj] = 0;
      }
    }
  }
  return Math.min(1, Math.max(0, 1 - (row[m] as number)));
}

// Lanczos approximation of ln Γ(x), g = 7, n = 9 (as in Numerical Recipes 3rd ed. / Boost's tables).
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Natural logarithm of the gamma function, for x > 0. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a). */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const lnPrefix = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    // Series for P(a, x).
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 1000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-16) break;
    }
    return Math.min(1, Math.max(0, 1 - sum * Math.exp(lnPrefix)));
  }
  // Continued fraction for Q(a, x), modified Lentz.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.min(1, Math.max(0, Math.exp(lnPrefix) * h));
}

/** Survival function of the chi-square distribution with `df` degrees of freedom. */
export function chiSquareSf(statistic: number, df: number): number {
  return gammaQ(df / 2, statistic / 2);
}

/** Result of {@link chiSquare}. */
export interface ChiSquareResult {
  readonly statistic: number;
  readonly pvalue: number;
  /** Degrees of freedom: number of categories − 1. */
  readonly df: number;
}

/**
 * Pearson's chi-square goodness-of-fit test, as `scipy.stats.chisquare`: observed
 * counts against expected frequencies (uniform when omitted). Unlike SciPy, expected
 * frequencies are rescaled to the observed total instead of rejected when the sums
 * differ — which is how a reference distribution is compared with a window of counts.
 */
export function chiSquare(observed: ArrayLike<number>, expected?: ArrayLike<number>): ChiSquareResult {
  finiteArray('observed', observed);
  const k = observed.length;
  if (k < 2) throw new RangeError('Glassbox drift: chi-square needs at least two categories');
  let total = 0;
  for (let i = 0; i < k; i++) total += observed[i] as number;
  let expectedCounts: Float64Array;
  if (expected === undefined) {
    expectedCounts = new Float64Array(k).fill(total / k);
  } else {
    sameLength(observed, expected);
    const p = normalise('expected', expected);
    expectedCounts = p.map((v) => v * total);
  }
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    const e = expectedCounts[i] as number;
    const d = (observed[i] as number) - e;
    statistic += e === 0 ? (d === 0 ? 0 : Number.POSITIVE_INFINITY) : (d * d) / e;
  }
  const df = k - 1;
  return { statistic, pvalue: chiSquareSf(statistic, df), df };
}

/**
 * Chi-square drift test of a window of category counts against reference
 * proportions (Evidently's `chisquare` stat test: expected = reference share × window
 * size). Reference categories with a zero share get {@link PSI_EPSILON} so a new
 * category gives a large, finite statistic instead of infinity.
 */
export function chiSquareDrift(
  referenceProportions: ArrayLike<number>,
  currentCounts: ArrayLike<number>,
  epsilon: number = PSI_EPSILON,
): ChiSquareResult {
  sameLength(referenceProportions, currentCounts);
  const r = normalise('reference', referenceProportions).map((v) => (v === 0 ? epsilon : v));
  return chiSquare(currentCounts, r);
}

/** Density of the chi-square distribution with `df` degrees of freedom at x > 0. */
export function chiSquarePdf(x: number, df: number): number {
  if (!(x > 0) || !(df > 0)) return 0;
  const k = df / 2;
  return Math.exp((k - 1) * Math.log(x) - x / 2 - k * Math.LN2 - lnGamma(k));
}

/**
 * Upper quantile of the chi-square distribution: the x with `chiSquareSf(x, df) = p`
 * (`scipy.stats.chi2.isf(p, df)`), by Newton's method on {@link chiSquareSf}
 * safeguarded by bisection, to a relative precision of 1e-10. `df` may be fractional.
 */
export function chiSquareIsf(p: number, df: number): number {
  if (p === 1) return 0;
  if (p === 0) return Number.POSITIVE_INFINITY;
  if (!(p > 0 && p < 1) || !(df > 0)) return Number.NaN;
  let lo = 0;
  let hi = Math.max(1, df);
  while (chiSquareSf(hi, df) > p) {
    lo = hi;
    hi *= 2;
  }
  let x = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const sf = chiSquareSf(x, df);
    if (sf > p) lo = x;
    else hi = x;
    let next = x + (sf - p) / chiSquarePdf(x, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-10 * x || hi - lo <= 1e-10 * hi) return next;
    x = next;
  }
  return x;
}

/** A scaled chi-square distribution `scale · χ²(df)`. */
export interface ScaledChiSquare {
  readonly scale: number;
  readonly df: number;
}

/**
 * The scaled chi-square `scale · χ²(df)` whose upper quantiles at tail
 * probabilities `p1` > `p2` are `x1` < `x2` (quantile matching; the ratio x2/x1 fixes
 * df, then x1 fixes the scale). Matching two quantiles of the upper tail extrapolates
 * a simulated statistic's tail better than matching moments (Satterthwaite 1946),
 * which heavy-tailed statistics such as the Wasserstein distance defeat. df is kept
 * in [0.05, 10⁴]; a degenerate sample (x1 ≤ 0) gets df = 1 through x2.
 */
export function fitScaledChiSquare(p1: number, x1: number, p2: number, x2: number): ScaledChiSquare {
  if (!(p1 > p2 && p2 > 0 && p1 < 1)) throw new RangeError('Glassbox stats: need 1 > p1 > p2 > 0');
  if (!(x1 > 0)) return { scale: x2 > 0 ? x2 / chiSquareIsf(p2, 1) : 1e-12, df: 1 };
  const ratio = (df: number) => chiSquareIsf(p2, df) / chiSquareIsf(p1, df);
  const target = Math.max(x2 / x1, 1);
  let lo = Math.log(0.05);
  let hi = Math.log(1e4);
  if (target >= ratio(Math.exp(lo))) hi = lo;
  else if (target <= ratio(Math.exp(hi))) lo = hi;
  for (let i = 0; i < 40 && hi - lo > 1e-5; i++) {
    const mid = (lo + hi) / 2;
    // ratio decreases with df: a larger target ratio needs a smaller df.
    if (ratio(Math.exp(mid)) > target) lo = mid;
    else hi = mid;
  }
  const df = Math.exp((lo + hi) / 2);
  return { scale: x1 / chiSquareIsf(p1, df), df };
}

/**
 * Holm's step-down procedure (Holm 1979): which of `pvalues` are rejected at a
 * family-wise error rate `alpha`. The i-th smallest p-value (i from 0) is rejected
 * while every smaller one was and it is ≤ alpha / (K − i).
 */
export function holm(pvalues: readonly number[], alpha: number): boolean[] {
  const k = pvalues.length;
  const order = pvalues.map((_, i) => i).sort((a, b) => (pvalues[a] as number) - (pvalues[b] as number));
  const rejected = new Array<boolean>(k).fill(false);
  for (let rank = 0; rank < k; rank++) {
    const i = order[rank] as number;
    if (!((pvalues[i] as number) <= alpha / (k - rank))) break;
    rejected[i] = true;
  }
  return rejected;
}
