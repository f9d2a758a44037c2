/**
 * Drift statistics: pure functions, no state, no metrics. Each one follows a named
 * reference implementation (SciPy or Evidently) so a score computed here can be
 * compared with one computed offline in Python; the differences are documented
 * on each function.
 */

/** Epsilon substituted for empty bins in PSI (and the reference side of chi-square), as Evidently does (`np.place(p, p == 0, 0.0001)`). */
export const PSI_EPSILON = 1e-4;

/** Floor of the reference standard deviation in the normalised Wasserstein distance, as Evidently (`max(np.std(reference), 0.001)`). */
export const WASSERSTEIN_MIN_STD = 0.001;

function finiteArray(name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new RangeError(
        `Glassbox drift: ${name} must contain finite numbers only (index ${i} is ${String(v)})`,
      );
  }
}

function normalise(name: string, values: ArrayLike<number>): Float64Array {
  finiteArray(name, values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < 0) throw new RangeError(`Glassbox drift: ${name} must not contain negative values`);
    sum += v;
  }
  if (!(sum > 0)) throw new RangeError(`Glassbox drift: ${name} must have a positive sum`);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) / sum;
  return out;
}

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length || a.length === 0)
    throw new RangeError(
      `Glassbox drift: the two distributions need the same, non-zero number of bins (${a.length} vs ${b.length})`,
    );
}

/** Options of {@link psi}. */
export interface PsiOptions {
  /**
   * Proportion substituted for an empty bin on either side, so the logarithm stays
   * finite. Evidently uses 0.0001; substituted values are not renormalised (as there).
   * @default 1e-4
   */
  readonly epsilon?: number;
}

/**
 * Population Stability Index between a reference and a current distribution, given
 * as per-bin counts or proportions (each side is normalised to sum to 1 first):
 * `PSI = Σ (cᵢ − rᵢ) · ln(cᵢ / rᵢ)`. Empty bins become `epsilon` on that side.
 * Common reading (Siddiqi; Evidently's default threshold is 0.1): < 0.1 no
 * significant change, 0.1–0.2 moderate, ≥ 0.2 significant.
 */
export function psi(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  options: PsiOptions = {},
): number {
  sameLength(reference, current);
  const epsilon = options.epsilon ?? PSI_EPSILON;
  if (!(epsilon > 0)) throw new RangeError('Glassbox drift: psi epsilon must be > 0');
  const r = normalise('reference', reference);
  const c = normalise('current', current);
  let total = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = (r[i] as number) === 0 ? epsilon : (r[i] as number);
    const ci = (c[i] as number) === 0 ? epsilon : (c[i] as number);
    total += (ci - ri) * Math.log(ci / ri);
  }
  return total;
}

/** Options of {@link jensenShannonDistance}. */
export interface JensenShannonOptions {
  /** Base of the logarithm. SciPy's `jensenshannon` and Evidently default to e; base 2 bounds the distance by 1. @default Math.E */
  readonly base?: number;
}

/**
 * Jensen–Shannon distance (the square root of the divergence), as
 * `scipy.spatial.distance.jensenshannon`: both sides are normalised, `m = (p + q) / 2`,
 * `JS = sqrt((KL(p‖m) + KL(q‖m)) / 2)`, natural logarithm unless `base` is given.
 * Empty bins need no epsilon (0 · log 0 = 0).
 */
export function jensenShannonDistance(
  p: ArrayLike<number>,
  q: ArrayLike<number>,
  options: JensenShannonOptions = {},
): number {
  sameLength(p, q);
  const base = options.base ?? Math.E;
  if (!(base > 0) || base === 1)
    throw new RangeError('Glassbox drift: the logarithm base must be > 0 and not 1');
  const a = normalise('p', p);
  const b = normalise('q', q);
  let divergence = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] as number;
    const bi = b[i] as number;
    const mi = (ai + bi) / 2;
    if (ai > 0) divergence += ai * Math.log(ai / mi);
    if (bi > 0) divergence += bi * Math.log(bi / mi);
  }
  divergence /= 2 * Math.log(base);
  return Math.sqrt(Math.max(0, divergence));
}

function sortedCopy(name: string, values: ArrayLike<number>): Float64Array {
  if (values.length === 0) throw new RangeError(`Glassbox drift: ${name} must not be empty`);
  finiteArray(name, values);
  const out = Float64Array.from(values as ArrayLike<number>);
  out.sort();
  return out;
}

/**
 * First Wasserstein (earth mover's) distance between two 1-D empirical
 * distributions, optionally weighted, as `scipy.stats.wasserstein_distance`:
 * the integral of |U(x) − V(x)| over x, U and V the two CDFs.
 */
export function wassersteinDistance(
  u: ArrayLike<number>,
  v: ArrayLike<number>,
  uWeights?: ArrayLike<number>,
  vWeights?: ArrayLike<number>,
): number {
  const a = weightedSorted('u', u, uWeights);
  const b = weightedSorted('v', v, vWeights);
  const all = new Float64Array(a.values.length + b.values.length);
  all.set(a.values);
  all.set(b.values, a.values.length);
  all.sort();
  let i = 0;
  let j = 0;
  let cu = 0;
  let cv = 0;
  let total = 0;
  for (let k = 0; k < all.length - 1; k++) {
    const x = all[k] as number;
    while (i < a.values.length && (a.values[i] as number) <= x) cu += a.weights[i++] as number;
    while (j < b.values.length && (b.values[j] as number) <= x) cv += b.weights[j++] as number;
    const width = (all[k + 1] as number) - x;
    if (width > 0) total += Math.abs(cu / a.total - cv / b.total) * width;
  }
  return total;
}

function weightedSorted(
  name: string,
  values: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
): { values: Float64Array; weights: Float64Array; total: number } {
  if (values.length === 0) throw new RangeError(`Glassbox drift: ${name} must not be empty`);
  finiteArray(name, values);
  const n = values.length;
  if (weights === undefined) {
    const sorted = Float64Array.from(values as ArrayLike<number>).sort();
    return { values: sorted, weights: new Float64Array(n).fill(1), total: n };
  }
  if (weights.length !== n)
    throw new RangeError(`Glassbox drift: ${name} weights must match its values in length`);
  finiteArray(`${name} weights`, weights);
  const order = Array.from({ length: n }, (_, k) => k).sort(
    (x, y) => (values[x] as number) - (values[y] as number),
  );
  const sv = new Float64Array(n);
  const sw = new Float64Array(n);
  let total = 0;
  order.forEach((idx, k) => {
    const w = weights[idx] as number;
    if (w < 0) throw new RangeError(`Glassbox drift: ${name} weights must not be negative`);
    sv[k] = values[idx] as number;
    sw[k] = w;
    total += w;
  });
  if (!(total > 0)) throw new RangeError(`Glassbox drift: ${name} weights must have a positive sum`);
  return { values: sv, weights: sw, total };
}

/** Population standard deviation (ddof = 0, as `np.std`). */
export function populationStd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] as number;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / n);
}

/**
 * Wasserstein distance divided by the reference's population standard deviation
 * (floored at 0.001), as Evidently's `wasserstein` stat test (default threshold 0.1).
 * `referenceStd` may be passed when the reference is a sample of a larger set whose
 * std was stored with it.
 */
export function normalizedWasserstein(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  referenceStd?: number,
): number {
  const std = referenceStd ?? populationStd(reference);
  return wassersteinDistance(reference, current) / Math.max(std, WASSERSTEIN_MIN_STD);
}

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

/**
 * Counts values into bins given by `edges` (k + 1 increasing boundaries → k bins).
 * Bin i is [edges[i], edges[i+1]); the first bin is open below and the last open
 * above, so values outside the reference range still count (and show as drift) — a
 * deliberate difference from `np.histogram`, which drops them.
 */
export function binIndex(edges: ArrayLike<number>, value: number): number {
  const bins = edges.length - 1;
  // Binary search over the interior edges edges[1..bins-1].
  let lo = 0;
  let hi = bins - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (value >= (edges[mid] as number)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Per-bin counts of `values` under {@link binIndex}'s convention. */
export function binCounts(edges: ArrayLike<number>, values: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(Math.max(0, edges.length - 1));
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    const b = binIndex(edges, v);
    counts[b] = (counts[b] as number) + 1;
  }
  return counts;
}
