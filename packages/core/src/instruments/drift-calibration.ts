/**
 * Calibration of the drift decisions: the null distribution of each method's score,
 * simulated from the reference itself when it is built (a parametric bootstrap,
 * Efron & Tibshirani 1993, ch. 6), stored with the reference, and read back as a
 * p-value or a critical value for any window size.
 *
 * Under "no drift" both the reference (N values) and the window (n values) are
 * samples of one distribution. For the binned methods it is the reference's bin
 * proportions: each replicate draws a reference of N and a window of n from them and
 * computes the score exactly as a check does. For Wasserstein it is the reference's
 * stored sample, and windows are drawn from it against the sample itself (the
 * reference's own error enters through n_e). The scores scale as 1/n_e with
 * n_e = n·N / (n + N) (two-sample
 * asymptotics: PSI and chi-square tend to χ²(k − 1)/n_e, the JS divergence to
 * χ²(k − 1)/(8·n_e), the squared Wasserstein distance to a Brownian-bridge
 * functional over n_e), so n_e · score is fitted, per window size, by the scaled
 * chi-square through its simulated upper 10 % and 1 % quantiles.
 */
import { PSI_EPSILON, WASSERSTEIN_MIN_STD } from '../stats/distances.js';
import { mulberry32, multinomialVariate } from '../stats/random.js';
import { chiSquareIsf, chiSquareSf, fitScaledChiSquare, type ScaledChiSquare } from '../stats/tests.js';
import type { CalibratedMethod, DriftCalibration, FeatureReference } from './drift-reference.js';

/** Window sizes at which a reference's null distributions are simulated (interpolated in log n between them). */
export const CALIBRATION_SIZES: readonly number[] = Object.freeze([
  10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 100_000, 1_000_000,
]);

/** Largest window simulated for `wasserstein` (its window is a reservoir of at most `windowSize` values); larger windows use this size's fit. */
export const WASSERSTEIN_CALIBRATION_MAX = 2000;

const CALIBRATED: readonly CalibratedMethod[] = ['psi', 'js', 'chi2', 'wasserstein'];

/** Effective sample size of a two-sample comparison: n·N / (n + N). */
export function effectiveSize(n: number, referenceCount: number): number {
  return (n * referenceCount) / (n + referenceCount);
}

/** Proportions of the bins (numeric) or of the categories plus the "other" bucket (categorical). */
export function referenceBins(ref: FeatureReference): Float64Array {
  if (ref.type === 'numeric') return Float64Array.from(ref.proportions);
  // 1 − Σ leaves floating-point dust (~1e-17) when the categories cover everything;
  // dust is not a share (it would make PSI's log ratio explode against epsilon).
  const rest = 1 - ref.proportions.reduce((a, b) => a + b, 0);
  return Float64Array.from([...ref.proportions, rest > 1e-9 ? rest : 0]);
}

/** Upper-tail probabilities whose simulated quantiles fix each fitted null distribution. */
export const CALIBRATION_TAILS = Object.freeze([0.1, 0.01] as const);

/** Simulated values of n_e · statistic, one row per window size. */
class Replicates {
  private readonly rows: Float64Array[];
  constructor(sizes: number, replicates: number) {
    this.rows = Array.from({ length: sizes }, () => new Float64Array(replicates));
  }
  set(size: number, replicate: number, value: number): void {
    (this.rows[size] as Float64Array)[replicate] = value;
  }
  fits(): [number, number][] {
    const [p1, p2] = CALIBRATION_TAILS;
    return this.rows.map((row) => {
      const sorted = row.slice().sort();
      const fit = fitScaledChiSquare(p1, upperQuantile(sorted, p1), p2, upperQuantile(sorted, p2));
      return [round(fit.scale), round(fit.df)];
    });
  }
}

function upperQuantile(sorted: Float64Array, tail: number): number {
  const pos = (1 - tail) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

const round = (x: number) => Number(x.toPrecision(6));

/**
 * PSI, squared JS distance and chi-square statistic of two count vectors, exactly as
 * `psi`, `jensenShannonDistance` and `chiSquareDrift` compute them (tests check the
 * equality), in one pass without allocation.
 */
export function binnedStatistics(
  ref: Float64Array,
  cur: Float64Array,
): { psi: number; js2: number; chi2: number } {
  let refTotal = 0;
  let curTotal = 0;
  for (let i = 0; i < ref.length; i++) {
    refTotal += ref[i] as number;
    curTotal += cur[i] as number;
  }
  let expectedTotal = 0;
  for (let i = 0; i < ref.length; i++)
    expectedTotal += (ref[i] as number) === 0 ? PSI_EPSILON : (ref[i] as number) / refTotal;
  let psiSum = 0;
  let js = 0;
  let chi2 = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = (ref[i] as number) / refTotal;
    const c = (cur[i] as number) / curTotal;
    const re = r === 0 ? PSI_EPSILON : r;
    const ce = c === 0 ? PSI_EPSILON : c;
    psiSum += (ce - re) * Math.log(ce / re);
    const m = (r + c) / 2;
    if (r > 0) js += r * Math.log(r / m);
    if (c > 0) js += c * Math.log(c / m);
    const e = (re / expectedTotal) * curTotal;
    const d = (cur[i] as number) - e;
    chi2 += (d * d) / e;
  }
  return { psi: psiSum, js2: Math.max(0, js / 2), chi2 };
}

function simulateBinned(
  bins: Float64Array,
  count: number,
  replicates: number,
  random: () => number,
): Record<'psi' | 'js' | 'chi2', [number, number][]> {
  const k = bins.length;
  const sizes = CALIBRATION_SIZES.length;
  const sims = {
    psi: new Replicates(sizes, replicates),
    js: new Replicates(sizes, replicates),
    chi2: new Replicates(sizes, replicates),
  };
  const ref = new Float64Array(k);
  const cur = new Float64Array(k);
  for (let b = 0; b < replicates; b++) {
    multinomialVariate(count, bins, random, ref);
    CALIBRATION_SIZES.forEach((n, s) => {
      multinomialVariate(n, bins, random, cur);
      const ne = effectiveSize(n, count);
      const stats = binnedStatistics(ref, cur);
      sims.psi.set(s, b, ne * stats.psi);
      sims.js.set(s, b, ne * stats.js2);
      sims.chi2.set(s, b, (ne * stats.chi2) / n);
    });
  }
  return { psi: sims.psi.fits(), js: sims.js.fits(), chi2: sims.chi2.fits() };
}

/** Normalised Wasserstein distance between two weightings (counts) of the same sorted support points. */
function supportWasserstein(
  gaps: Float64Array,
  a: Float64Array,
  aTotal: number,
  b: Float64Array,
  bTotal: number,
): number {
  let ca = 0;
  let cb = 0;
  let total = 0;
  for (let j = 0; j < gaps.length; j++) {
    ca += a[j] as number;
    cb += b[j] as number;
    total += Math.abs(ca / aTotal - cb / bTotal) * (gaps[j] as number);
  }
  return total;
}

/**
 * Wasserstein's null, one-sided: windows drawn from the stored sample against the
 * sample itself give n·W² ≈ G (G the Brownian-bridge limit of del Barrio, Giné &
 * Matrán 1999); a reference of N values adds its own error, so a check reads
 * n_e·W² against the same G (n_e = n·N / (n + N)). The windows of one replicate are
 * nested (each size extends the previous one): each size's distribution is exact and
 * a replicate costs the largest size, not the sum.
 */
function simulateWasserstein(
  sample: readonly number[],
  std: number,
  replicates: number,
  random: () => number,
) {
  const m = sample.length;
  const gaps = new Float64Array(Math.max(0, m - 1)).map(
    (_, j) => ((sample[j + 1] as number) - (sample[j] as number)) / Math.max(std, WASSERSTEIN_MIN_STD),
  );
  const sizes = CALIBRATION_SIZES.filter((n) => n <= WASSERSTEIN_CALIBRATION_MAX);
  const sims = new Replicates(sizes.length, replicates);
  const ref = new Float64Array(m).fill(1);
  const cur = new Float64Array(m);
  for (let b = 0; b < replicates; b++) {
    cur.fill(0);
    let drawn = 0;
    sizes.forEach((n, s) => {
      for (; drawn < n; drawn++) {
        const j = Math.floor(random() * m);
        cur[j] = (cur[j] as number) + 1;
      }
      sims.set(s, b, n * supportWasserstein(gaps, ref, m, cur, n) ** 2);
    });
  }
  const fits = sims.fits();
  const last = fits[fits.length - 1] as [number, number];
  return CALIBRATION_SIZES.map((_, s) => fits[s] ?? last);
}

/**
 * Simulates a reference's null distributions (see the module comment). `count` must
 * be set; `wasserstein` is calibrated when the reference has a sample.
 */
export function calibrateFeature(
  ref: FeatureReference,
  options: { readonly replicates: number; readonly seed: number },
): DriftCalibration {
  const count = ref.count as number;
  const random = mulberry32(options.seed);
  const fits: Partial<Record<CalibratedMethod, [number, number][]>> = simulateBinned(
    referenceBins(ref),
    count,
    options.replicates,
    random,
  );
  if (ref.type === 'numeric' && ref.sample !== undefined && ref.sample.length > 1) {
    const std = ref.std ?? Number.NaN;
    fits.wasserstein = simulateWasserstein(
      ref.sample,
      Number.isFinite(std) ? std : 0,
      options.replicates,
      random,
    );
  }
  return { replicates: options.replicates, seed: options.seed, sizes: [...CALIBRATION_SIZES], fits };
}

/** The fitted null distribution of `method` at window size `n` (log-linear interpolation between simulated sizes). */
export function nullFit(calibration: DriftCalibration, method: CalibratedMethod, n: number): ScaledChiSquare {
  const fits = calibration.fits[method];
  if (fits === undefined) throw new TypeError(`Glassbox drift: the calibration has no "${method}" fit`);
  const sizes = calibration.sizes;
  const at = (i: number) => fits[i] as readonly [number, number];
  if (n <= (sizes[0] as number)) return { scale: at(0)[0], df: at(0)[1] };
  const last = sizes.length - 1;
  if (n >= (sizes[last] as number)) return { scale: at(last)[0], df: at(last)[1] };
  let i = 0;
  while ((sizes[i + 1] as number) <= n) i++;
  const w = Math.log(n / (sizes[i] as number)) / Math.log((sizes[i + 1] as number) / (sizes[i] as number));
  const [s0, d0] = at(i);
  const [s1, d1] = at(i + 1);
  return { scale: s0 + (s1 - s0) * w, df: d0 + (d1 - d0) * w };
}

/** p-value of a statistic whose null is `fit` over n_e (`statistic` is the score in its fitted form: PSI, JS², X²/n or W²). */
export function calibratedPvalue(fit: ScaledChiSquare, ne: number, statistic: number): number {
  return chiSquareSf((ne * statistic) / fit.scale, fit.df);
}

/** The statistic (in its fitted form) whose p-value is `level`. */
export function calibratedCritical(fit: ScaledChiSquare, ne: number, level: number): number {
  return (fit.scale * chiSquareIsf(level, fit.df)) / ne;
}

function finitePositive(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** Validates a stored {@link DriftCalibration}; throws naming what is wrong. */
export function validateCalibration(where: string, value: unknown): DriftCalibration {
  const bad = (what: string) => new TypeError(`Glassbox drift: ${where}: calibration.${what}`);
  if (value === null || typeof value !== 'object') throw bad('must be an object');
  const c = value as Record<string, unknown>;
  if (!Number.isInteger(c.replicates) || (c.replicates as number) < 2)
    throw bad('replicates must be an integer ≥ 2');
  if (!Number.isInteger(c.seed) || (c.seed as number) < 0) throw bad('seed must be a non-negative integer');
  const sizes = c.sizes;
  if (!Array.isArray(sizes) || sizes.length === 0 || !sizes.every(finitePositive))
    throw bad('sizes must be positive numbers');
  for (let i = 1; i < sizes.length; i++)
    if (!(sizes[i] > sizes[i - 1])) throw bad('sizes must be strictly increasing');
  if (c.fits === null || typeof c.fits !== 'object') throw bad('fits must be an object');
  const fits: Partial<Record<CalibratedMethod, [number, number][]>> = {};
  for (const [method, pairs] of Object.entries(c.fits as Record<string, unknown>)) {
    if (!CALIBRATED.includes(method as CalibratedMethod)) throw bad(`fits: unknown method "${method}"`);
    const ok =
      Array.isArray(pairs) &&
      pairs.length === sizes.length &&
      pairs.every((p) => Array.isArray(p) && p.length === 2 && finitePositive(p[0]) && finitePositive(p[1]));
    if (!ok) throw bad(`fits.${method} must hold one [scale, df] pair of positive numbers per size`);
    fits[method as CalibratedMethod] = (pairs as [number, number][]).map(([a, b]) => [a, b]);
  }
  return {
    replicates: c.replicates as number,
    seed: c.seed as number,
    sizes: [...(sizes as number[])],
    fits,
  };
}
