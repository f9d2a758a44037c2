/**
 * Drift references: the distribution of each feature as shipped with a model (JSON a
 * training job writes and a service reads), how they are built from sample values,
 * and how they are validated when parsed.
 */
import { binCounts, populationStd } from '../stats/distances.js';
import { calibrateFeature, validateCalibration } from './drift-calibration.js';

/** Methods whose null distribution is simulated when a reference is built. `ks` needs none (its p-value is exact). */
export type CalibratedMethod = 'psi' | 'js' | 'chi2' | 'wasserstein';

/**
 * The null distribution of each calibrated method, simulated when the reference was
 * built (see docs/instruments/drift.md, "How a decision is made"): at each window size
 * in `sizes`, `replicates` pairs (reference, window) are drawn from the reference's
 * own distribution, and the scaled chi-square `scale · χ²(df)` through the upper 10 %
 * and 1 % quantiles of n_e · statistic is stored (n_e = n·N / (n + N)).
 */
export interface DriftCalibration {
  /** Simulated replicates per window size. */
  readonly replicates: number;
  /** Seed of the simulation (the same seed gives the same calibration). */
  readonly seed: number;
  /** Window sizes simulated, strictly increasing. */
  readonly sizes: readonly number[];
  /** Per method, one `[scale, df]` per window size. */
  readonly fits: Readonly<Partial<Record<CalibratedMethod, readonly (readonly [number, number])[]>>>;
}

/** Reference of a numeric feature. */
export interface NumericFeatureReference {
  readonly type: 'numeric';
  /**
   * k + 1 strictly increasing bin boundaries. Bin i is [edges[i], edges[i+1]); the
   * first bin also takes values below edges[0] and the last values above edges[k].
   */
  readonly edges: readonly number[];
  /** k proportions, one per bin, summing to 1. */
  readonly proportions: readonly number[];
  /** A sorted sample of the reference (needed by `ks` and `wasserstein`). */
  readonly sample?: readonly number[];
  /** Population standard deviation of the full reference (normalises `wasserstein`). */
  readonly std?: number;
  /** Number of values the reference was built from (required: the decision accounts for the reference's own sampling error). */
  readonly count?: number;
  /** Null distributions of the calibrated methods; computed when the monitor loads the reference if absent. */
  readonly calibration?: DriftCalibration;
}

/** Reference of a categorical feature. */
export interface CategoricalFeatureReference {
  readonly type: 'categorical';
  /** The categories kept. Values outside them are counted together as one "other" bucket. */
  readonly categories: readonly string[];
  /** One proportion per category; 1 − their sum is the share of the "other" bucket. */
  readonly proportions: readonly number[];
  /** Number of values the reference was built from (required, as for numeric references). */
  readonly count?: number;
  /** Null distributions of the calibrated methods (as for numeric references). */
  readonly calibration?: DriftCalibration;
}

/** A feature's reference. */
export type FeatureReference = NumericFeatureReference | CategoricalFeatureReference;

/** References of every feature of a model, as shipped in JSON. */
export interface DriftReference {
  readonly version: 1;
  readonly features: Readonly<Record<string, FeatureReference>>;
}

/** Options of the calibration stored in a reference. */
export interface DriftCalibrationOptions {
  /** Simulated null replicates per window size; 0 stores no calibration (the monitor then computes it when it loads the reference). @default 5000 */
  readonly replicates?: number;
  /** Seed of the simulation. @default 1 */
  readonly seed?: number;
}

/** Options of {@link numericReference}. */
export interface NumericReferenceOptions extends DriftCalibrationOptions {
  /** Number of bins. @default 10 */
  readonly bins?: number;
  /** `quantile`: equal-frequency bins (deciles by default, the usual PSI practice); `uniform`: equal width over the reference range. @default 'quantile' */
  readonly binning?: 'quantile' | 'uniform';
  /** Size of the sorted sample kept for `ks` and `wasserstein` (evenly spaced order statistics); 0 keeps none. @default 1000 */
  readonly sampleSize?: number;
}

/** Options of {@link categoricalReference}. */
export interface CategoricalReferenceOptions extends DriftCalibrationOptions {
  /** Most frequent categories kept; the rest fall into the "other" bucket. @default 50 */
  readonly maxCategories?: number;
}

/** Defaults of reference building. */
export const DRIFT_REFERENCE_DEFAULTS = Object.freeze({
  bins: 10,
  binning: 'quantile' as const,
  sampleSize: 1000,
  maxCategories: 50,
  replicates: 5000,
  seed: 1,
  /** Fewest values a reference may be built from. */
  minCount: 100,
  /** Fewest values per numeric bin (on average) a reference may be built from. */
  minCountPerBin: 10,
});

/**
 * Fewest values a reference needs so that its calibration holds: at least
 * {@link DRIFT_REFERENCE_DEFAULTS}.minCount, and for a numeric reference
 * minCountPerBin per bin.
 */
export function minimumReferenceCount(type: 'numeric' | 'categorical', bins: number): number {
  const { minCount, minCountPerBin } = DRIFT_REFERENCE_DEFAULTS;
  return type === 'numeric' ? Math.max(minCount, minCountPerBin * bins) : minCount;
}

function tooSmall(what: string, needed: number, got: number): RangeError {
  return new RangeError(
    `Glassbox drift: ${what} needs at least ${needed} values for its false-alarm calibration (got ${got}); build it from more values`,
  );
}

/** @internal */
export function positiveInt(what: string, value: unknown, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1))
    throw new RangeError(
      `Glassbox drift: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer`,
    );
  return value;
}

function calibrationOptions(options: DriftCalibrationOptions): { replicates: number; seed: number } {
  const replicates = positiveInt(
    'replicates',
    options.replicates ?? DRIFT_REFERENCE_DEFAULTS.replicates,
    true,
  );
  if (replicates === 1)
    throw new RangeError('Glassbox drift: replicates must be 0 (no stored calibration) or at least 2');
  return { replicates, seed: positiveInt('seed', options.seed ?? DRIFT_REFERENCE_DEFAULTS.seed, true) };
}

function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

function binEdges(sorted: Float64Array, bins: number, binning: 'quantile' | 'uniform'): number[] {
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    const e = binning === 'quantile' ? quantileSorted(sorted, i / bins) : min + ((max - min) * i) / bins;
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  if (edges.length >= 3) return edges;
  // (Nearly) constant reference: three bins — below, at, above the value.
  const step = Math.max(Math.abs(min) * 1e-9, 1e-9);
  return [min - step, min, min + step, min + 2 * step];
}

function evenSample(sorted: Float64Array, sampleSize: number): number[] | undefined {
  if (sampleSize === 0) return undefined;
  if (sorted.length <= sampleSize) return [...sorted];
  if (sampleSize === 1) return [quantileSorted(sorted, 0.5)];
  const sample: number[] = [];
  for (let i = 0; i < sampleSize; i++)
    sample.push(sorted[Math.round((i * (sorted.length - 1)) / (sampleSize - 1))] as number);
  return sample;
}

/**
 * Builds a numeric feature's reference from a sample of training (or known-good)
 * values, with its calibration. Throws when fewer than
 * {@link minimumReferenceCount} finite values are given.
 */
export function numericReference(
  values: ArrayLike<number>,
  options: NumericReferenceOptions = {},
): NumericFeatureReference {
  const bins = positiveInt('bins', options.bins ?? DRIFT_REFERENCE_DEFAULTS.bins);
  const binning = options.binning ?? DRIFT_REFERENCE_DEFAULTS.binning;
  if (binning !== 'quantile' && binning !== 'uniform')
    throw new TypeError(`Glassbox drift: binning must be 'quantile' or 'uniform'`);
  const sampleSize = positiveInt(
    'sampleSize',
    options.sampleSize ?? DRIFT_REFERENCE_DEFAULTS.sampleSize,
    true,
  );
  const calibration = calibrationOptions(options);
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) finite.push(v);
  }
  const needed = minimumReferenceCount('numeric', bins);
  if (finite.length < needed) throw tooSmall(`a numeric reference with ${bins} bins`, needed, finite.length);
  const sorted = Float64Array.from(finite).sort();
  const edges = binEdges(sorted, bins, binning);
  const proportions = [...binCounts(edges, sorted)].map((c) => c / sorted.length);
  const sample = evenSample(sorted, sampleSize);
  const ref: NumericFeatureReference = {
    type: 'numeric',
    edges,
    proportions,
    std: populationStd(sorted),
    count: sorted.length,
    ...(sample === undefined ? {} : { sample }),
  };
  if (calibration.replicates === 0) return ref;
  return { ...ref, calibration: calibrateFeature(ref, calibration) };
}

/**
 * Builds a categorical feature's reference from a sample of values (converted to
 * strings), with its calibration. Throws when fewer than
 * {@link minimumReferenceCount} values are given.
 */
export function categoricalReference(
  values: ArrayLike<string | number | boolean>,
  options: CategoricalReferenceOptions = {},
): CategoricalFeatureReference {
  const maxCategories = positiveInt(
    'maxCategories',
    options.maxCategories ?? DRIFT_REFERENCE_DEFAULTS.maxCategories,
  );
  const calibration = calibrationOptions(options);
  const counts = new Map<string, number>();
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || v === null) continue;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    n++;
  }
  const needed = minimumReferenceCount('categorical', 0);
  if (n < needed) throw tooSmall('a categorical reference', needed, n);
  const kept = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxCategories);
  const ref: CategoricalFeatureReference = {
    type: 'categorical',
    categories: kept.map(([k]) => k),
    proportions: kept.map(([, c]) => c / n),
    count: n,
  };
  if (calibration.replicates === 0) return ref;
  return { ...ref, calibration: calibrateFeature(ref, calibration) };
}

/** Builds a model's {@link DriftReference} from samples per feature. */
export function buildDriftReference(
  samples: {
    readonly numeric?: Readonly<Record<string, ArrayLike<number>>>;
    readonly categorical?: Readonly<Record<string, ArrayLike<string | number | boolean>>>;
  },
  options: NumericReferenceOptions & CategoricalReferenceOptions = {},
): DriftReference {
  const features: Record<string, FeatureReference> = {};
  for (const [name, values] of Object.entries(samples.numeric ?? {}))
    features[name] = withFeatureName(name, () => numericReference(values, options));
  for (const [name, values] of Object.entries(samples.categorical ?? {})) {
    if (name in features)
      throw new TypeError(`Glassbox drift: feature "${name}" is both numeric and categorical`);
    features[name] = withFeatureName(name, () => categoricalReference(values, options));
  }
  return { version: 1, features };
}

function withFeatureName<T>(name: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof Error)
      error.message = error.message.replace('Glassbox drift: ', `Glassbox drift: feature "${name}": `);
    throw error;
  }
}

function numberArray(what: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
    throw new TypeError(`Glassbox drift: ${what} must be an array of finite numbers`);
  return value as number[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function validateNumeric(
  where: string,
  r: Record<string, unknown>,
  proportions: number[],
): NumericFeatureReference {
  const edges = numberArray(`${where}: edges`, r.edges);
  if (edges.length < 2) throw new RangeError(`Glassbox drift: ${where}: needs at least 2 edges`);
  for (let i = 1; i < edges.length; i++)
    if (!((edges[i] as number) > (edges[i - 1] as number)))
      throw new RangeError(`Glassbox drift: ${where}: edges must be strictly increasing`);
  if (proportions.length !== edges.length - 1)
    throw new RangeError(`Glassbox drift: ${where}: needs one proportion per bin (${edges.length - 1})`);
  const sum = proportions.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new RangeError(`Glassbox drift: ${where}: proportions must sum to 1`);
  const out: Mutable<NumericFeatureReference> = {
    type: 'numeric',
    edges: [...edges],
    proportions: [...proportions],
  };
  if (r.sample !== undefined) {
    const sample = numberArray(`${where}: sample`, r.sample);
    if (sample.length === 0) throw new RangeError(`Glassbox drift: ${where}: sample must not be empty`);
    out.sample = [...sample].sort((a, b) => a - b);
  }
  if (r.std !== undefined) {
    if (typeof r.std !== 'number' || !(r.std >= 0))
      throw new RangeError(`Glassbox drift: ${where}: std must be ≥ 0`);
    out.std = r.std;
  }
  return out;
}

function validateCategorical(
  where: string,
  r: Record<string, unknown>,
  proportions: number[],
): CategoricalFeatureReference {
  const categories = r.categories;
  if (!Array.isArray(categories) || categories.some((c) => typeof c !== 'string'))
    throw new TypeError(`Glassbox drift: ${where}: categories must be an array of strings`);
  if (new Set(categories).size !== categories.length)
    throw new RangeError(`Glassbox drift: ${where}: categories must be unique`);
  if (categories.length !== proportions.length)
    throw new RangeError(`Glassbox drift: ${where}: needs one proportion per category`);
  if (proportions.reduce((a, b) => a + b, 0) > 1 + 1e-6)
    throw new RangeError(`Glassbox drift: ${where}: proportions must not sum above 1`);
  return { type: 'categorical', categories: [...(categories as string[])], proportions: [...proportions] };
}

/**
 * Validates one feature reference; throws a clear Error naming the feature. A
 * reference needs its `count`, at least {@link minimumReferenceCount}.
 */
export function validateFeatureReference(feature: string, ref: unknown): FeatureReference {
  const where = `reference of feature "${feature}"`;
  if (ref === null || typeof ref !== 'object')
    throw new TypeError(`Glassbox drift: ${where} must be an object`);
  const r = ref as Record<string, unknown>;
  const proportions = numberArray(`${where}: proportions`, r.proportions);
  if (proportions.some((p) => p < 0))
    throw new RangeError(`Glassbox drift: ${where}: proportions must be ≥ 0`);
  let out: Mutable<FeatureReference>;
  if (r.type === 'numeric') out = validateNumeric(where, r, proportions);
  else if (r.type === 'categorical') out = validateCategorical(where, r, proportions);
  else throw new TypeError(`Glassbox drift: ${where}: type must be 'numeric' or 'categorical'`);
  const needed = minimumReferenceCount(out.type, proportions.length);
  if (r.count === undefined)
    throw new RangeError(
      `Glassbox drift: ${where}: count (the number of values it was built from, at least ${needed}) is required`,
    );
  out.count = positiveInt(`${where}: count`, r.count);
  if (out.count < needed) throw tooSmall(where, needed, out.count);
  if (r.calibration !== undefined) out.calibration = validateCalibration(where, r.calibration);
  return out;
}

/** Parses and validates a {@link DriftReference} from JSON text or a parsed object. */
export function parseDriftReference(input: unknown): DriftReference {
  const value = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  if (value === null || typeof value !== 'object')
    throw new TypeError('Glassbox drift: a reference must be an object');
  const v = value as Record<string, unknown>;
  if (v.version !== 1) throw new TypeError('Glassbox drift: unsupported reference version (expected 1)');
  if (v.features === null || typeof v.features !== 'object')
    throw new TypeError('Glassbox drift: reference.features must be an object');
  const features: Record<string, FeatureReference> = {};
  for (const [name, ref] of Object.entries(v.features as Record<string, unknown>))
    features[name] = validateFeatureReference(name, ref);
  return { version: 1, features };
}
