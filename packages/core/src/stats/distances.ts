/**
 * Distances between distributions: pure functions, no state, no metrics. Each one
 * follows a named reference implementation (SciPy or Evidently) so a score computed
 * here can be compared with one computed offline in Python; the differences are
 * documented on each function.
 */
import { finiteArray, normalise, sameLength } from './checks.js';

/** Epsilon substituted for empty bins in PSI (and the reference side of chi-square), as Evidently does (`np.place(p, p == 0, 0.0001)`). */
export const PSI_EPSILON = 1e-4;

/** Floor of the reference standard deviation in the normalised Wasserstein distance, as Evidently (`max(np.std(reference), 0.001)`). */
export const WASSERSTEIN_MIN_STD = 0.001;

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
