/**
 * Drift monitoring: a reference distribution per feature (see drift-reference.ts), a
 * fixed-memory window of current values per feature, and a check that scores each
 * window against its reference, turns the scores into calibrated p-values, decides
 * per test and for the whole model (drift-decision.ts), and records
 * `ml_drift_score`, `ml_drift_threshold`, `ml_drift_detected`,
 * `ml_drift_checks_total` and `ml_drift_detections_total`.
 */
import { catalog } from '../catalog.js';
import type { BoundCounter, Gauge, Glassbox } from '../glassbox.js';
import { type OptionsSpec, validateOptions } from '../options.js';
import { calibrateFeature, referenceBins } from './drift-calibration.js';
import {
  DRIFT_DECISION_DEFAULTS,
  type DriftDecisionOptions,
  decide,
  type ResolvedDecision,
  resolveDecision,
} from './drift-decision.js';
import {
  DRIFT_REFERENCE_DEFAULTS,
  type DriftReference,
  type FeatureReference,
  parseDriftReference,
  positiveInt,
  validateFeatureReference,
} from './drift-reference.js';
import {
  addValue,
  type FeatureState,
  initialThreshold,
  type Measured,
  type MethodGauges,
  measure,
  resetWindow,
} from './drift-window.js';
import { checkLabelValue, zeroed } from './shared.js';

/** Drift methods. `ks` and `chi2` score a p-value (lower is worse); the others a distance (higher is worse). */
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
 * Evidently's fixed per-method thresholds (`default_threshold` of each stat test):
 * PSI 0.1, KS p < 0.05, Jensen–Shannon distance 0.1, normalised Wasserstein 0.1,
 * chi-square p < 0.05. Not the monitor's default: a fixed threshold ignores the
 * window size, so its false-alarm rate is not controlled (see docs/instruments/drift.md).
 * Pass them as `thresholds` to reproduce Evidently's per-column rule.
 */
export const EVIDENTLY_DRIFT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = Object.freeze({
  psi: 0.1,
  ks: 0.05,
  js: 0.1,
  wasserstein: 0.1,
  chi2: 0.05,
});

/** True when `score` crosses a fixed `threshold` for `method` (p-values below, distances at or above). */
export function isDrift(method: DriftMethod, score: number, threshold: number): boolean {
  return PVALUE_METHODS.includes(method) ? score < threshold : score >= threshold;
}

/** Per-feature overrides of {@link DriftMonitorOptions}. */
export interface DriftFeatureOptions {
  /** Methods for this feature. @default the monitor's methods for the feature's type */
  readonly methods?: readonly DriftMethod[];
  /** Fixed thresholds for this feature (see {@link DriftMonitorOptions.thresholds}). @default the monitor's */
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
  /** How scores become decisions, per test and for the model. @default DRIFT_DECISION_DEFAULTS (holm, alpha 0.005) */
  readonly decision?: DriftDecisionOptions;
  /**
   * Fixed thresholds per method, replacing the calibrated decision of that method
   * (for example `EVIDENTLY_DRIFT_THRESHOLDS`). Such tests bypass the calibration and
   * the multiple-testing correction: their false-alarm rate depends on the window
   * size and is not controlled.
   * @default {} (every method calibrated)
   */
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
  decision: DRIFT_DECISION_DEFAULTS,
  windowSize: 1000,
  minSamples: 100,
  resetAfterCheck: true,
  intervalMs: 60_000,
});

/** One score of a check. */
export interface DriftScore {
  readonly feature: string;
  readonly method: DriftMethod;
  /** The score exported as `ml_drift_score` (a p-value for `ks` and `chi2`, a distance for the others). */
  readonly score: number;
  /** The test statistic behind a p-value score (`ks`: D, `chi2`: χ²). */
  readonly statistic?: number;
  /** Calibrated p-value of the score under "no drift" at this window size. */
  readonly pvalue: number;
  /** The score's critical value at this window size and level (exported as `ml_drift_threshold`), or the fixed threshold. */
  readonly threshold: number;
  /** The per-test level the p-value was compared with (undefined for a fixed threshold). */
  readonly level?: number;
  /** The decision (exported as `ml_drift_detected`). */
  readonly drifted: boolean;
  /** Values the score was computed from (window size). */
  readonly samples: number;
}

/** Result of {@link DriftMonitor.check}. */
export interface DriftCheckResult {
  /** True when at least one feature had enough samples to be scored (only then is the check counted). */
  readonly evaluated: boolean;
  /** The dataset-level decision (counted in `ml_drift_detections_total`). */
  readonly drifted: boolean;
  readonly scores: readonly DriftScore[];
  /** Features with at least one drifted test. */
  readonly driftedFeatures: readonly string[];
  /** Share of the scored features that drifted. */
  readonly driftShare: number;
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
  /** Scores every feature with enough samples, decides and records the metrics. Never throws. */
  check(): DriftCheckResult;
  /** Runs `check()` every `intervalMs` on an unref'd timer (does not keep the process alive). */
  start(intervalMs?: number): void;
  /** Stops the timer. */
  stop(): void;
  /** Adds or replaces a feature's reference (empties its window). Throws on an invalid reference. */
  setReference(feature: string, reference: FeatureReference): void;
  /** The references in use (with their calibrations), as JSON-serialisable data. */
  reference(): DriftReference;
  /** Window sizes per feature. */
  windowStats(): Readonly<Record<string, DriftWindowStats>>;
}

interface MonitorConfig {
  readonly model: string;
  readonly numericMethods: readonly DriftMethod[];
  readonly categoricalMethods: readonly DriftMethod[];
  readonly fixed: Readonly<Partial<Record<DriftMethod, number>>>;
  readonly featureOptions: Readonly<Record<string, DriftFeatureOptions>>;
  readonly decision: ResolvedDecision;
  readonly windowSize: number;
  readonly minSamples: number;
  readonly resetAfterCheck: boolean;
  readonly intervalMs: number;
  readonly random: () => number;
}

interface Metrics {
  readonly score: Gauge;
  readonly threshold: Gauge;
  readonly detected: Gauge;
  readonly checks: BoundCounter;
  readonly detections: BoundCounter;
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

/** The keys of {@link DriftMonitorOptions} and their types (start-up validation). */
export const DRIFT_MONITOR_OPTIONS_SPEC: OptionsSpec = {
  model: { type: 'string', required: true },
  reference: { type: ['object', 'string'], required: true },
  methods: 'object',
  decision: 'object',
  thresholds: 'object',
  features: 'object',
  windowSize: 'number',
  minSamples: 'number',
  resetAfterCheck: 'boolean',
  intervalMs: 'number',
  random: 'function',
};

function resolveOptions(options: DriftMonitorOptions): MonitorConfig {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox drift: options are required');
  // a typo (`windowsize`) would otherwise fall back to the default silently
  validateOptions('Glassbox drift', options, DRIFT_MONITOR_OPTIONS_SPEC);
  const d = DRIFT_MONITOR_DEFAULTS;
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw new TypeError('Glassbox drift: random must be a function');
  return {
    model: checkLabelValue('model', options.model),
    numericMethods: checkMethods('methods.numeric', options.methods?.numeric ?? d.methods.numeric),
    categoricalMethods: checkMethods(
      'methods.categorical',
      options.methods?.categorical ?? d.methods.categorical,
    ),
    fixed: checkThresholds('thresholds', options.thresholds),
    featureOptions: options.features ?? {},
    decision: resolveDecision(options.decision),
    windowSize: positiveInt('windowSize', options.windowSize ?? d.windowSize),
    minSamples: positiveInt('minSamples', options.minSamples ?? d.minSamples),
    resetAfterCheck: options.resetAfterCheck ?? d.resetAfterCheck,
    intervalMs: positiveInt('intervalMs', options.intervalMs ?? d.intervalMs),
    random,
  };
}

function checkFeatureMethods(name: string, ref: FeatureReference, methods: readonly DriftMethod[]): void {
  for (const m of methods) {
    if (ref.type === 'categorical' && (m === 'ks' || m === 'wasserstein'))
      throw new TypeError(`Glassbox drift: feature "${name}" is categorical; "${m}" needs numeric values`);
    if (ref.type === 'numeric' && (m === 'ks' || m === 'wasserstein') && (ref.sample?.length ?? 0) === 0)
      throw new TypeError(
        `Glassbox drift: feature "${name}": "${m}" needs a reference sample (build it with numericReference(values) or add "sample")`,
      );
  }
}

/** The reference with a calibration: the stored one, or one computed now (deterministic, default replicates and seed). */
function calibrated(ref: FeatureReference): FeatureReference & { readonly count: number } {
  const withCount = ref as FeatureReference & { readonly count: number };
  if (ref.calibration !== undefined) return withCount;
  const { replicates, seed } = DRIFT_REFERENCE_DEFAULTS;
  return { ...withCount, calibration: calibrateFeature(ref, { replicates, seed }) };
}

function buildState(
  config: MonitorConfig,
  metrics: Metrics,
  name: string,
  input: FeatureReference,
): FeatureState {
  checkLabelValue('feature name', name);
  const per = config.featureOptions[name] ?? {};
  const methods = checkMethods(
    `features.${name}.methods`,
    per.methods ?? (input.type === 'numeric' ? config.numericMethods : config.categoricalMethods),
  );
  checkFeatureMethods(name, input, methods);
  const fixed = { ...config.fixed, ...checkThresholds(`features.${name}.thresholds`, per.thresholds) };
  const ref = calibrated(input);
  const refBins = referenceBins(ref);
  const needsSample = methods.includes('ks') || methods.includes('wasserstein');
  const gauges = new Map<DriftMethod, MethodGauges>();
  for (const method of methods) {
    const labels = { model: config.model, feature: name, method };
    const detected = metrics.detected.bind(labels);
    detected.set(0);
    gauges.set(method, {
      score: metrics.score.bind(labels),
      threshold: metrics.threshold.bind(labels),
      detected,
    });
  }
  return {
    name,
    ref,
    methods,
    fixed,
    counts: new Float64Array(refBins.length),
    reservoir: new Float64Array(needsSample ? config.windowSize : 0),
    index: ref.type === 'categorical' ? new Map(ref.categories.map((c, i) => [c, i])) : undefined,
    refBins,
    gauges,
    size: 0,
    seen: 0,
  };
}

interface ScoredTest {
  readonly state: FeatureState;
  readonly method: DriftMethod;
  readonly measured: Measured;
}

function scoreAll(
  features: Iterable<FeatureState>,
  config: MonitorConfig,
  report: (message: string, error?: unknown) => void,
): { tests: ScoredTest[]; skipped: string[]; scored: FeatureState[] } {
  const tests: ScoredTest[] = [];
  const skipped: string[] = [];
  const scored: FeatureState[] = [];
  for (const state of features) {
    if (state.seen < config.minSamples) {
      skipped.push(state.name);
      continue;
    }
    scored.push(state);
    for (const method of state.methods) {
      try {
        tests.push({ state, method, measured: measure(state, method) });
      } catch (error) {
        report(`scoring ${method} failed`, error);
      }
    }
  }
  return { tests, skipped, scored };
}

function decideAndRecord(config: MonitorConfig, tests: readonly ScoredTest[]) {
  const out = decide(
    config.decision,
    tests.map(({ state, method, measured }) => {
      const fixed = state.fixed[method];
      return fixed === undefined
        ? { feature: state.name, pvalue: measured.pvalue }
        : { feature: state.name, pvalue: measured.pvalue, fixedHit: isDrift(method, measured.score, fixed) };
    }),
  );
  const scores = tests.map(({ state, method, measured }, i): DriftScore => {
    const level = out.levels[i] as number;
    const fixed = state.fixed[method];
    const threshold = fixed ?? measured.critical(level);
    const drifted = out.drifted[i] as boolean;
    const gauges = state.gauges.get(method) as MethodGauges;
    gauges.score.set(measured.score);
    gauges.threshold.set(threshold);
    gauges.detected.set(drifted ? 1 : 0);
    return {
      feature: state.name,
      method,
      score: measured.score,
      ...(measured.statistic === undefined ? {} : { statistic: measured.statistic }),
      pvalue: measured.pvalue,
      threshold,
      ...(fixed === undefined ? { level } : {}),
      drifted,
      samples: measured.samples,
    };
  });
  return { scores, out };
}

function refreshThresholds(features: ReadonlyMap<string, FeatureState>, config: MonitorConfig): void {
  let tests = 0;
  for (const s of features.values()) tests += s.methods.filter((m) => s.fixed[m] === undefined).length;
  for (const s of features.values())
    for (const [method, g] of s.gauges) g.threshold.set(initialThreshold(s, method, config, tests));
}

function runCheck(
  features: ReadonlyMap<string, FeatureState>,
  config: MonitorConfig,
  metrics: Metrics,
  report: (message: string, error?: unknown) => void,
): DriftCheckResult {
  const empty = { evaluated: false, drifted: false, scores: [], driftedFeatures: [], driftShare: 0 };
  try {
    const { tests, skipped, scored } = scoreAll(features.values(), config, report);
    const { scores, out } = decideAndRecord(config, tests);
    if (config.resetAfterCheck) for (const state of scored) resetWindow(state);
    if (scores.length === 0) return { ...empty, skipped };
    metrics.checks.inc(1);
    if (out.datasetDrift) metrics.detections.inc(1);
    const { driftedFeatures, share: driftShare, datasetDrift: drifted } = out;
    return { evaluated: true, drifted, scores, driftedFeatures, driftShare, skipped };
  } catch (error) {
    report('drift check failed', error);
    return { ...empty, skipped: [] };
  }
}

function windowStatsOf(features: ReadonlyMap<string, FeatureState>): Record<string, DriftWindowStats> {
  const out: Record<string, DriftWindowStats> = {};
  for (const [name, s] of features)
    out[name] = { seen: s.seen, retained: s.size, capacity: s.reservoir.length, bins: s.counts.length };
  return out;
}

function referenceOf(features: ReadonlyMap<string, FeatureState>): DriftReference {
  const out: Record<string, FeatureReference> = {};
  for (const [name, state] of features) out[name] = state.ref;
  return { version: 1, features: out };
}

/**
 * Creates a drift monitor for one model. Throws at creation on an invalid reference
 * or options (for example `ks` on a feature whose reference has no sample, or a
 * reference built from too few values). A reference without a stored calibration
 * is calibrated here (under a second per feature).
 *
 * @example
 * ```ts
 * const drift = createDriftMonitor(glassbox, { model: 'risk', reference: fs.readFileSync('reference.json', 'utf8') });
 * drift.start(); // checks every minute
 * drift.observe({ age: 41, plan: 'pro' });
 * ```
 */
export function createDriftMonitor(glassbox: Glassbox, options: DriftMonitorOptions): DriftMonitor {
  const config = resolveOptions(options);
  const reference = parseDriftReference(options.reference);
  const { model } = config;
  const metrics: Metrics = {
    score: glassbox.gauge(catalog.drift.score),
    threshold: glassbox.gauge(catalog.drift.threshold),
    detected: glassbox.gauge(catalog.drift.detected),
    checks: zeroed(glassbox.counter(catalog.drift.checksTotal).bind({ model })),
    detections: zeroed(glassbox.counter(catalog.drift.detectionsTotal).bind({ model })),
  };
  const features = new Map<string, FeatureState>();
  const report = (message: string, error?: unknown) => glassbox.reportError('drift', message, error);
  let timer: ReturnType<typeof setInterval> | undefined;

  function setReference(name: string, ref: FeatureReference): void {
    const state = buildState(config, metrics, name, validateFeatureReference(name, ref));
    for (const m of features.get(name)?.methods ?? []) {
      if (state.methods.includes(m)) continue;
      for (const gauge of [metrics.score, metrics.threshold, metrics.detected])
        gauge.remove({ model, feature: name, method: m });
    }
    features.set(name, state);
    refreshThresholds(features, config);
  }

  for (const [name, ref] of Object.entries(reference.features)) setReference(name, ref);

  function observeValue(feature: string, value: unknown): void {
    try {
      const state = features.get(feature);
      const problem =
        state === undefined
          ? 'value for a feature without a reference; dropped'
          : addValue(state, value, config.random);
      if (problem !== undefined) report(problem);
    } catch (error) {
      report('observing a value failed', error);
    }
  }

  const check = () => runCheck(features, config, metrics, report);

  return {
    model,
    observe(values) {
      if (values === null || typeof values !== 'object') {
        report('observe() needs an object of feature values');
        return;
      }
      for (const key in values)
        if (Object.hasOwn(values, key)) observeValue(key, (values as Record<string, unknown>)[key]);
    },
    observeValue,
    check,
    start(intervalMs) {
      const ms = intervalMs === undefined ? config.intervalMs : positiveInt('intervalMs', intervalMs);
      if (timer !== undefined) clearInterval(timer);
      timer = setInterval(check, ms);
      timer.unref?.();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    setReference,
    reference: () => referenceOf(features),
    windowStats: () => windowStatsOf(features),
  };
}
