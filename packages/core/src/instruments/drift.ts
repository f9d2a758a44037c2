/**
 * Drift monitoring: a reference distribution per feature (serialisable to JSON so a
 * training job can ship it with the model), a fixed-memory window of current values
 * per feature, and a check that scores the window against the reference and records
 * `ml_drift_score`, `ml_drift_threshold`, `ml_drift_checks_total` and
 * `ml_drift_detections_total`.
 */
import { catalog } from '../catalog.js';
import type { BoundCounter, BoundGauge, Glassbox } from '../glassbox.js';
import { checkLabelValue, zeroed } from './shared.js';
import {
  binCounts,
  binIndex,
  chiSquareDrift,
  jensenShannonDistance,
  ks2samp,
  normalizedWasserstein,
  populationStd,
  psi,
} from './stats.js';

/** Drift methods. `ks` and `chi2` score a p-value (drift when the score is *below* the threshold); the others a distance (drift when at or above). */
export type DriftMethod = 'psi' | 'ks' | 'js' | 'wasserstein' | 'chi2';

/** Every drift method. */
export const DRIFT_METHODS: readonly DriftMethod[] = Object.freeze([
  'psi',
  'ks',
  'js',
  'wasserstein',
  'chi2',
]);

/** Methods whose score is a p-value: lower is worse. */
export const PVALUE_METHODS: readonly DriftMethod[] = Object.freeze(['ks', 'chi2']);

/**
 * Default thresholds, from Evidently's stat tests (`default_threshold` of each):
 * PSI 0.1 (≥ 0.2 is commonly read as significant), KS p < 0.05, Jensen–Shannon
 * distance 0.1, normalised Wasserstein 0.1, chi-square p < 0.05.
 */
export const DEFAULT_DRIFT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = Object.freeze({
  psi: 0.1,
  ks: 0.05,
  js: 0.1,
  wasserstein: 0.1,
  chi2: 0.05,
});

/** True when `score` crosses `threshold` for `method` (direction aware). */
export function isDrift(method: DriftMethod, score: number, threshold: number): boolean {
  return PVALUE_METHODS.includes(method) ? score < threshold : score >= threshold;
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
  /** Number of values the reference was built from. */
  readonly count?: number;
}

/** Reference of a categorical feature. */
export interface CategoricalFeatureReference {
  readonly type: 'categorical';
  /** The categories kept. Values outside them are counted together as one "other" bucket. */
  readonly categories: readonly string[];
  /** One proportion per category; 1 − their sum is the share of the "other" bucket. */
  readonly proportions: readonly number[];
  /** Number of values the reference was built from. */
  readonly count?: number;
}

/** A feature's reference. */
export type FeatureReference = NumericFeatureReference | CategoricalFeatureReference;

/** References of every feature of a model, as shipped in JSON. */
export interface DriftReference {
  readonly version: 1;
  readonly features: Readonly<Record<string, FeatureReference>>;
}

/** Options of {@link numericReference}. */
export interface NumericReferenceOptions {
  /** Number of bins. @default 10 */
  readonly bins?: number;
  /** `quantile`: equal-frequency bins (deciles by default, the usual PSI practice); `uniform`: equal width over the reference range. @default 'quantile' */
  readonly binning?: 'quantile' | 'uniform';
  /** Size of the sorted sample kept for `ks` and `wasserstein` (evenly spaced order statistics); 0 keeps none. @default 1000 */
  readonly sampleSize?: number;
}

/** Options of {@link categoricalReference}. */
export interface CategoricalReferenceOptions {
  /** Most frequent categories kept; the rest fall into the "other" bucket. @default 50 */
  readonly maxCategories?: number;
}

/** Defaults of reference building. */
export const DRIFT_REFERENCE_DEFAULTS = Object.freeze({
  bins: 10,
  binning: 'quantile' as const,
  sampleSize: 1000,
  maxCategories: 50,
});

function positiveInt(what: string, value: unknown, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1))
    throw new RangeError(
      `Glassbox drift: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer`,
    );
  return value;
}

function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** Builds a numeric feature's reference from a sample of training (or known-good) values. */
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
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v)) finite.push(v);
  }
  if (finite.length === 0)
    throw new RangeError('Glassbox drift: a numeric reference needs at least one finite value');
  const sorted = Float64Array.from(finite).sort();
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  let edges: number[] = [];
  for (let i = 0; i <= bins; i++) {
    const e = binning === 'quantile' ? quantileSorted(sorted, i / bins) : min + ((max - min) * i) / bins;
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  if (edges.length < 3) {
    // (Nearly) constant reference: three bins — below, at, above the value.
    const step = Math.max(Math.abs(min) * 1e-9, 1e-9);
    edges = [min - step, min, min + step, min + 2 * step];
  }
  const counts = binCounts(edges, sorted);
  const proportions = [...counts].map((c) => c / sorted.length);
  let sample: number[] | undefined;
  if (sampleSize > 0) {
    if (sorted.length <= sampleSize) sample = [...sorted];
    else if (sampleSize === 1) sample = [quantileSorted(sorted, 0.5)];
    else {
      sample = [];
      for (let i = 0; i < sampleSize; i++)
        sample.push(sorted[Math.round((i * (sorted.length - 1)) / (sampleSize - 1))] as number);
    }
  }
  const ref: NumericFeatureReference = {
    type: 'numeric',
    edges,
    proportions,
    std: populationStd(sorted),
    count: sorted.length,
    ...(sample === undefined ? {} : { sample }),
  };
  return ref;
}

/** Builds a categorical feature's reference from a sample of values (converted to strings). */
export function categoricalReference(
  values: ArrayLike<string | number | boolean>,
  options: CategoricalReferenceOptions = {},
): CategoricalFeatureReference {
  const maxCategories = positiveInt(
    'maxCategories',
    options.maxCategories ?? DRIFT_REFERENCE_DEFAULTS.maxCategories,
  );
  const counts = new Map<string, number>();
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || v === null) continue;
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    n++;
  }
  if (n === 0) throw new RangeError('Glassbox drift: a categorical reference needs at least one value');
  const kept = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxCategories);
  return {
    type: 'categorical',
    categories: kept.map(([k]) => k),
    proportions: kept.map(([, c]) => c / n),
    count: n,
  };
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
    features[name] = numericReference(values, options);
  for (const [name, values] of Object.entries(samples.categorical ?? {})) {
    if (name in features)
      throw new TypeError(`Glassbox drift: feature "${name}" is both numeric and categorical`);
    features[name] = categoricalReference(values, options);
  }
  return { version: 1, features };
}

function numberArray(what: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
    throw new TypeError(`Glassbox drift: ${what} must be an array of finite numbers`);
  return value as number[];
}

/** Validates one feature reference; throws a clear Error naming the feature. */
export function validateFeatureReference(feature: string, ref: unknown): FeatureReference {
  const where = `reference of feature "${feature}"`;
  if (ref === null || typeof ref !== 'object')
    throw new TypeError(`Glassbox drift: ${where} must be an object`);
  const r = ref as Record<string, unknown>;
  const proportions = numberArray(`${where}: proportions`, r.proportions);
  if (proportions.some((p) => p < 0))
    throw new RangeError(`Glassbox drift: ${where}: proportions must be ≥ 0`);
  const sum = proportions.reduce((a, b) => a + b, 0);
  if (r.type === 'numeric') {
    const edges = numberArray(`${where}: edges`, r.edges);
    if (edges.length < 2) throw new RangeError(`Glassbox drift: ${where}: needs at least 2 edges`);
    for (let i = 1; i < edges.length; i++)
      if (!((edges[i] as number) > (edges[i - 1] as number)))
        throw new RangeError(`Glassbox drift: ${where}: edges must be strictly increasing`);
    if (proportions.length !== edges.length - 1)
      throw new RangeError(`Glassbox drift: ${where}: needs one proportion per bin (${edges.length - 1})`);
    if (Math.abs(sum - 1) > 1e-6) throw new RangeError(`Glassbox drift: ${where}: proportions must sum to 1`);
    const out: { -readonly [K in keyof NumericFeatureReference]: NumericFeatureReference[K] } = {
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
    if (r.count !== undefined) out.count = positiveInt(`${where}: count`, r.count);
    return out;
  }
  if (r.type === 'categorical') {
    const categories = r.categories;
    if (!Array.isArray(categories) || categories.some((c) => typeof c !== 'string'))
      throw new TypeError(`Glassbox drift: ${where}: categories must be an array of strings`);
    if (new Set(categories).size !== categories.length)
      throw new RangeError(`Glassbox drift: ${where}: categories must be unique`);
    if (categories.length !== proportions.length)
      throw new RangeError(`Glassbox drift: ${where}: needs one proportion per category`);
    if (sum > 1 + 1e-6) throw new RangeError(`Glassbox drift: ${where}: proportions must not sum above 1`);
    return {
      type: 'categorical',
      categories: [...(categories as string[])],
      proportions: [...proportions],
      ...(r.count === undefined ? {} : { count: positiveInt(`${where}: count`, r.count) }),
    };
  }
  throw new TypeError(`Glassbox drift: ${where}: type must be 'numeric' or 'categorical'`);
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

/** Per-feature overrides of {@link DriftMonitorOptions}. */
export interface DriftFeatureOptions {
  /** Methods for this feature. @default the monitor's methods for the feature's type */
  readonly methods?: readonly DriftMethod[];
  /** Thresholds for this feature. @default the monitor's thresholds */
  readonly thresholds?: Readonly<Partial<Record<DriftMethod, number>>>;
}

/** Options of {@link createDriftMonitor}. */
export interface DriftMonitorOptions {
  /** Model name (the `model` label). */
  readonly model: string;
  /** References per feature: a {@link DriftReference} or its JSON text. Features can be added later with `setReference`. */
  readonly reference: DriftReference | string;
  /** Methods per feature type. @default { numeric: ['psi', 'ks'], categorical: ['psi', 'js'] } */
  readonly methods?: {
    readonly numeric?: readonly DriftMethod[];
    readonly categorical?: readonly DriftMethod[];
  };
  /** Thresholds per method. @default DEFAULT_DRIFT_THRESHOLDS (Evidently's) */
  readonly thresholds?: Readonly<Partial<Record<DriftMethod, number>>>;
  /** Per-feature overrides. @default {} */
  readonly features?: Readonly<Record<string, DriftFeatureOptions>>;
  /**
   * Values kept per numeric feature for `ks` and `wasserstein` (a uniform reservoir
   * sample, Vitter's algorithm R). Bin counts are kept for every value. Memory per
   * feature is fixed at this many numbers plus one count per bin.
   * @default 1000
   */
  readonly windowSize?: number;
  /** A feature is scored only once its window holds at least this many values. @default 100 */
  readonly minSamples?: number;
  /** Empty a feature's window after it has been scored (tumbling windows). @default true */
  readonly resetAfterCheck?: boolean;
  /** Period of `start()`'s checks. @default 60000 */
  readonly intervalMs?: number;
  /** Random source of the reservoir (tests pass a seeded one). @default Math.random */
  readonly random?: () => number;
}

/** Defaults of {@link DriftMonitorOptions}. */
export const DRIFT_MONITOR_DEFAULTS = Object.freeze({
  methods: Object.freeze({
    numeric: Object.freeze(['psi', 'ks'] as DriftMethod[]),
    categorical: Object.freeze(['psi', 'js'] as DriftMethod[]),
  }),
  thresholds: DEFAULT_DRIFT_THRESHOLDS,
  windowSize: 1000,
  minSamples: 100,
  resetAfterCheck: true,
  intervalMs: 60_000,
});

/** One score of a check. */
export interface DriftScore {
  readonly feature: string;
  readonly method: DriftMethod;
  /** The score exported as `ml_drift_score` (a p-value for `ks` and `chi2`). */
  readonly score: number;
  /** The test statistic behind a p-value (`ks`: D, `chi2`: χ²). */
  readonly statistic?: number;
  readonly threshold: number;
  readonly drifted: boolean;
  /** Values in the window when scored. */
  readonly samples: number;
}

/** Result of {@link DriftMonitor.check}. */
export interface DriftCheckResult {
  /** True when at least one feature had enough samples to be scored (only then is the check counted). */
  readonly evaluated: boolean;
  /** True when any score crossed its threshold. */
  readonly drifted: boolean;
  readonly scores: readonly DriftScore[];
  /** Features not scored for lack of samples. */
  readonly skipped: readonly string[];
}

/** Window sizes of a feature, to verify memory stays bounded. */
export interface DriftWindowStats {
  /** Values observed since the window was last emptied. */
  readonly seen: number;
  /** Values retained in the reservoir (never more than `windowSize`). */
  readonly retained: number;
  /** Capacity of the reservoir. */
  readonly capacity: number;
  /** Number of bin (or category) counters. */
  readonly bins: number;
}

/** A drift monitor. */
export interface DriftMonitor {
  readonly model: string;
  /** Adds one row of feature values to the windows. Unknown features and bad values are dropped and counted. Never throws. */
  observe(values: Readonly<Record<string, unknown>>): void;
  /** Adds one value of one feature. Never throws. */
  observeValue(feature: string, value: unknown): void;
  /** Scores every feature with enough samples and records the metrics. Never throws. */
  check(): DriftCheckResult;
  /** Runs `check()` every `intervalMs` on an unref'd timer (does not keep the process alive). */
  start(intervalMs?: number): void;
  /** Stops the timer. */
  stop(): void;
  /** Adds or replaces a feature's reference (empties its window). Throws on an invalid reference. */
  setReference(feature: string, reference: FeatureReference): void;
  /** The references in use, as JSON-serialisable data. */
  reference(): DriftReference;
  /** Window sizes per feature. */
  windowStats(): Readonly<Record<string, DriftWindowStats>>;
}

interface FeatureState {
  readonly name: string;
  readonly ref: FeatureReference;
  readonly methods: readonly DriftMethod[];
  readonly thresholds: Readonly<Record<DriftMethod, number>>;
  readonly counts: Float64Array;
  readonly reservoir: Float64Array;
  readonly index: Map<string, number> | undefined;
  readonly refBins: Float64Array;
  readonly scoreGauges: ReadonlyMap<DriftMethod, BoundGauge>;
  size: number;
  seen: number;
}

function checkThresholds(where: string, t: unknown): Partial<Record<DriftMethod, number>> {
  if (t === undefined) return {};
  if (t === null || typeof t !== 'object') throw new TypeError(`Glassbox drift: ${where} must be an object`);
  for (const [method, value] of Object.entries(t)) {
    if (!DRIFT_METHODS.includes(method as DriftMethod))
      throw new TypeError(`Glassbox drift: ${where}: unknown method "${method}"`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new RangeError(`Glassbox drift: ${where}.${method} must be a finite number ≥ 0`);
  }
  return t as Partial<Record<DriftMethod, number>>;
}

function checkMethods(where: string, methods: unknown): DriftMethod[] {
  if (!Array.isArray(methods) || methods.length === 0)
    throw new TypeError(`Glassbox drift: ${where} must be a non-empty array of methods`);
  for (const m of methods)
    if (!DRIFT_METHODS.includes(m))
      throw new TypeError(`Glassbox drift: ${where}: unknown method "${String(m)}"`);
  return [...new Set(methods as DriftMethod[])];
}

/**
 * Creates a drift monitor for one model. Throws at creation on an invalid reference
 * or options (for example `ks` on a feature whose reference has no sample).
 *
 * @example
 * ```ts
 * const drift = createDriftMonitor(glassbox, { model: 'risk', reference: fs.readFileSync('reference.json', 'utf8') });
 * drift.start(); // checks every minute
 * drift.observe({ age: 41, plan: 'pro' });
 * ```
 */
export function createDriftMonitor(glassbox: Glassbox, options: DriftMonitorOptions): DriftMonitor {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox drift: options are required');
  const model = checkLabelValue('model', options.model);
  const reference = parseDriftReference(options.reference);
  const globalThresholds = checkThresholds('thresholds', options.thresholds);
  const numericMethods = checkMethods(
    'methods.numeric',
    options.methods?.numeric ?? DRIFT_MONITOR_DEFAULTS.methods.numeric,
  );
  const categoricalMethods = checkMethods(
    'methods.categorical',
    options.methods?.categorical ?? DRIFT_MONITOR_DEFAULTS.methods.categorical,
  );
  const featureOptions = options.features ?? {};
  const windowSize = positiveInt('windowSize', options.windowSize ?? DRIFT_MONITOR_DEFAULTS.windowSize);
  const minSamples = positiveInt('minSamples', options.minSamples ?? DRIFT_MONITOR_DEFAULTS.minSamples);
  const resetAfterCheck = options.resetAfterCheck ?? DRIFT_MONITOR_DEFAULTS.resetAfterCheck;
  const defaultInterval = positiveInt('intervalMs', options.intervalMs ?? DRIFT_MONITOR_DEFAULTS.intervalMs);
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw new TypeError('Glassbox drift: random must be a function');

  const scoreMetric = glassbox.gauge(catalog.drift.score);
  const thresholdMetric = glassbox.gauge(catalog.drift.threshold);
  const checks: BoundCounter = zeroed(glassbox.counter(catalog.drift.checksTotal).bind({ model }));
  const detections: BoundCounter = zeroed(glassbox.counter(catalog.drift.detectionsTotal).bind({ model }));
  const features = new Map<string, FeatureState>();
  let timer: ReturnType<typeof setInterval> | undefined;

  function build(name: string, ref: FeatureReference): FeatureState {
    checkLabelValue('feature name', name);
    const per = featureOptions[name] ?? {};
    const methods = checkMethods(
      `features.${name}.methods`,
      per.methods ?? (ref.type === 'numeric' ? numericMethods : categoricalMethods),
    );
    for (const m of methods) {
      if (ref.type === 'categorical' && (m === 'ks' || m === 'wasserstein'))
        throw new TypeError(`Glassbox drift: feature "${name}" is categorical; "${m}" needs numeric values`);
      if (ref.type === 'numeric' && (m === 'ks' || m === 'wasserstein') && (ref.sample?.length ?? 0) === 0)
        throw new TypeError(
          `Glassbox drift: feature "${name}": "${m}" needs a reference sample (build it with numericReference(values) or add "sample")`,
        );
    }
    const thresholds = {
      ...DEFAULT_DRIFT_THRESHOLDS,
      ...globalThresholds,
      ...checkThresholds(`features.${name}.thresholds`, per.thresholds),
    };
    const needsSample = methods.includes('ks') || methods.includes('wasserstein');
    let index: Map<string, number> | undefined;
    let refBins: Float64Array;
    let bins: number;
    if (ref.type === 'numeric') {
      bins = ref.proportions.length;
      refBins = Float64Array.from(ref.proportions);
    } else {
      index = new Map(ref.categories.map((c, i) => [c, i]));
      bins = ref.categories.length + 1;
      // 1 − Σ leaves floating-point dust (~1e-17) when the categories cover everything;
      // dust is not a share (it would make PSI's log ratio explode against epsilon).
      const rest = 1 - ref.proportions.reduce((a, b) => a + b, 0);
      const other = rest > 1e-9 ? rest : 0;
      refBins = Float64Array.from([...ref.proportions, other]);
    }
    const scoreGauges = new Map<DriftMethod, BoundGauge>();
    for (const m of methods) {
      scoreGauges.set(m, scoreMetric.bind({ model, feature: name, method: m }));
      thresholdMetric.set({ model, feature: name, method: m }, thresholds[m]);
    }
    return {
      name,
      ref,
      methods,
      thresholds,
      counts: new Float64Array(bins),
      reservoir: new Float64Array(needsSample ? windowSize : 0),
      index,
      refBins,
      scoreGauges,
      size: 0,
      seen: 0,
    };
  }

  function setReference(name: string, ref: FeatureReference): void {
    const validated = validateFeatureReference(name, ref);
    const previous = features.get(name);
    const state = build(name, validated);
    if (previous !== undefined) {
      for (const m of previous.methods) {
        if (!state.methods.includes(m)) {
          scoreMetric.remove({ model, feature: name, method: m });
          thresholdMetric.remove({ model, feature: name, method: m });
        }
      }
    }
    features.set(name, state);
  }

  for (const [name, ref] of Object.entries(reference.features)) setReference(name, ref);

  function add(state: FeatureState, value: unknown): void {
    if (state.ref.type === 'numeric') {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        glassbox.reportError('drift', 'non-finite or non-numeric value for a numeric feature; dropped');
        return;
      }
      const b = binIndex(state.ref.edges, value);
      state.counts[b] = (state.counts[b] as number) + 1;
      state.seen++;
      const cap = state.reservoir.length;
      if (cap === 0) return;
      if (state.size < cap) {
        state.reservoir[state.size++] = value;
      } else {
        const j = Math.floor(random() * state.seen);
        if (j < cap) state.reservoir[j] = value;
      }
      return;
    }
    if (value === undefined || value === null) {
      glassbox.reportError('drift', 'missing value for a categorical feature; dropped');
      return;
    }
    const i = (state.index as Map<string, number>).get(String(value)) ?? state.counts.length - 1;
    state.counts[i] = (state.counts[i] as number) + 1;
    state.seen++;
  }

  function observeValue(feature: string, value: unknown): void {
    try {
      const state = features.get(feature);
      if (state === undefined) {
        glassbox.reportError('drift', 'value for a feature without a reference; dropped');
        return;
      }
      add(state, value);
    } catch (error) {
      glassbox.reportError('drift', 'observing a value failed', error);
    }
  }

  function score(state: FeatureState, method: DriftMethod): { score: number; statistic?: number } {
    switch (method) {
      case 'psi':
        return { score: psi(state.refBins, state.counts) };
      case 'js':
        return { score: jensenShannonDistance(state.refBins, state.counts) };
      case 'chi2': {
        const r = chiSquareDrift(state.refBins, state.counts);
        return { score: r.pvalue, statistic: r.statistic };
      }
      case 'ks': {
        const ref = state.ref as NumericFeatureReference;
        const r = ks2samp(ref.sample as readonly number[], state.reservoir.subarray(0, state.size));
        return { score: r.pvalue, statistic: r.statistic };
      }
      case 'wasserstein': {
        const ref = state.ref as NumericFeatureReference;
        return {
          score: normalizedWasserstein(
            ref.sample as readonly number[],
            state.reservoir.subarray(0, state.size),
            ref.std,
          ),
        };
      }
    }
  }

  function reset(state: FeatureState): void {
    state.counts.fill(0);
    state.size = 0;
    state.seen = 0;
  }

  function check(): DriftCheckResult {
    const scores: DriftScore[] = [];
    const skipped: string[] = [];
    let drifted = false;
    try {
      for (const state of features.values()) {
        if (state.seen < minSamples) {
          skipped.push(state.name);
          continue;
        }
        for (const method of state.methods) {
          try {
            const s = score(state, method);
            const threshold = state.thresholds[method];
            const hit = isDrift(method, s.score, threshold);
            drifted ||= hit;
            (state.scoreGauges.get(method) as BoundGauge).set(s.score);
            scores.push({
              feature: state.name,
              method,
              score: s.score,
              ...(s.statistic === undefined ? {} : { statistic: s.statistic }),
              threshold,
              drifted: hit,
              samples: state.seen,
            });
          } catch (error) {
            glassbox.reportError('drift', `scoring ${method} failed`, error);
          }
        }
        if (resetAfterCheck) reset(state);
      }
      if (scores.length > 0) {
        checks.inc(1);
        if (drifted) detections.inc(1);
      }
    } catch (error) {
      glassbox.reportError('drift', 'drift check failed', error);
    }
    return { evaluated: scores.length > 0, drifted, scores, skipped };
  }

  return {
    model,
    observe(values) {
      if (values === null || typeof values !== 'object') {
        glassbox.reportError('drift', 'observe() needs an object of feature values');
        return;
      }
      for (const key in values) {
        if (Object.hasOwn(values, key)) observeValue(key, (values as Record<string, unknown>)[key]);
      }
    },
    observeValue,
    check,
    start(intervalMs) {
      const ms = intervalMs === undefined ? defaultInterval : positiveInt('intervalMs', intervalMs);
      if (timer !== undefined) clearInterval(timer);
      timer = setInterval(check, ms);
      timer.unref?.();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    setReference,
    reference() {
      const out: Record<string, FeatureReference> = {};
      for (const [name, state] of features) out[name] = state.ref;
      return { version: 1, features: out };
    },
    windowStats() {
      const out: Record<string, DriftWindowStats> = {};
      for (const [name, s] of features)
        out[name] = { seen: s.seen, retained: s.size, capacity: s.reservoir.length, bins: s.counts.length };
      return out;
    },
  };
}
