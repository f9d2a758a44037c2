/**
 * The model instrument: one per model. Wraps predict functions (sync or async,
 * single or batch) or is driven by start/end calls, and records the model group of
 * the catalog: predictions by outcome, latency, errors by type, scores, batch sizes,
 * the live version, quality measurements and degradations.
 */
import { catalog } from '../catalog.js';
import type {
  BoundCounter,
  BoundGauge,
  BoundHistogram,
  Counter,
  Gauge,
  Glassbox,
  Histogram,
} from '../glassbox.js';
import { type OptionsSpec, validateOptions } from '../options.js';
import { activeTraceContext } from '../trace-context.js';
import {
  createDriftMonitor,
  DRIFT_MONITOR_OPTIONS_SPEC,
  type DriftMonitor,
  type DriftMonitorOptions,
} from './drift.js';
import {
  type DriftReference,
  type NumericFeatureReference,
  type NumericReferenceOptions,
  numericReference,
} from './drift-reference.js';
import {
  BoundedValues,
  checkLabelValue,
  ERROR_CLASSIFICATION_SPEC,
  type ErrorClassificationOptions,
  errorClassifier,
  passThrough,
  secondsSince,
  zeroed,
} from './shared.js';

/** A quality bound: the value is degraded below `min` or above `max`. */
export interface QualityBound {
  /** Degraded when the value is below this (accuracy, auc, precision, ...). @default undefined */
  readonly min?: number;
  /** Degraded when the value is above this (brier, mape, rmse, log_loss, ...). @default undefined */
  readonly max?: number;
}

/** Options of {@link createModelInstrument}. */
export interface ModelInstrumentOptions extends ErrorClassificationOptions {
  /** Model name (the `model` label). */
  readonly name: string;
  /** Version of the model now serving (the `model_version` label). */
  readonly version: string;
  /**
   * The declared, bounded set of outcomes (classes, tiers, decisions). Outcomes
   * outside it are recorded as {@link ModelInstrumentOptions.otherOutcome} and counted
   * in `glassbox_instrumentation_errors_total{component="model"}`.
   * @default []
   */
  readonly outcomes?: readonly string[];
  /** Outcome recorded for values outside the declared set. @default 'other' */
  readonly otherOutcome?: string;
  /** Outcome recorded when a prediction reports none (regressors, or no `outcome` extractor). @default 'none' */
  readonly defaultOutcome?: string;
  /**
   * Bounds per quality metric for `ml_performance_degraded_total`, e.g.
   * `{ accuracy: { min: 0.8 }, brier: { max: 0.25 }, mape: { max: 0.15 } }`. The counter
   * counts crossings into the degraded range, not every degraded reading.
   * @default {}
   */
  readonly qualityBounds?: Readonly<Record<string, QualityBound>>;
}

/** Defaults of {@link ModelInstrumentOptions}. */
export const MODEL_INSTRUMENT_DEFAULTS = Object.freeze({
  outcomes: Object.freeze([] as string[]),
  otherOutcome: 'other',
  defaultOutcome: 'none',
  qualityBounds: Object.freeze({}) as Readonly<Record<string, QualityBound>>,
});

/** What one prediction produced. */
export interface PredictionResult {
  /** Outcome / class / tier; one of the declared outcomes. */
  readonly outcome?: string;
  /** Score in 0..1 (probability, confidence), recorded in `ml_prediction_score`. */
  readonly score?: number;
}

// biome-ignore lint/suspicious/noExplicitAny: a wrapped function may take any arguments
type AnyFunction = (...args: any[]) => unknown;

/** Extracts outcome and score from a single prediction's result (after awaiting a promise). */
export interface WrapOptions<F extends AnyFunction> {
  /** @default () => undefined (the default outcome) */
  readonly outcome?: (result: Awaited<ReturnType<F>>, args: Parameters<F>) => string | undefined;
  /** @default () => undefined (no score recorded) */
  readonly score?: (result: Awaited<ReturnType<F>>, args: Parameters<F>) => number | undefined;
}

/** Extracts the items of a batch prediction's result, and outcome and score per item. */
export interface WrapBatchOptions<F extends AnyFunction> {
  /** The predictions in the result. @default the result itself when it is an array */
  readonly items?: (result: Awaited<ReturnType<F>>, args: Parameters<F>) => readonly unknown[];
  /** @default () => undefined */
  readonly outcome?: (item: unknown, index: number) => string | undefined;
  /** @default () => undefined */
  readonly score?: (item: unknown, index: number) => number | undefined;
}

/** A prediction in progress, from {@link ModelInstrument.start}. Exactly one of its methods should be called; later calls are ignored and counted. */
export interface PredictionHandle {
  /** One prediction succeeded. */
  end(result?: PredictionResult): void;
  /** A batch prediction succeeded with these per-item results. */
  endBatch(results: readonly PredictionResult[]): void;
  /** The prediction failed. */
  fail(error: unknown): void;
}

/** Options of {@link ModelInstrument.scoreDrift}. */
export interface ScoreDriftOptions extends Omit<DriftMonitorOptions, 'model' | 'reference'> {
  /**
   * Reference scores: a sample of known-good scores, or a numeric feature reference.
   * When omitted, the first {@link ScoreDriftOptions.baselineSize} scores seen become the
   * reference (checks skip the feature until then).
   * @default undefined
   */
  readonly reference?: ArrayLike<number> | NumericFeatureReference;
  /** Scores collected for the automatic reference. @default 1000 */
  readonly baselineSize?: number;
  /** How the reference is binned when built from scores. @default { bins: 10, binning: 'uniform' } */
  readonly referenceOptions?: NumericReferenceOptions;
  /** The `feature` label of the score drift series. @default 'prediction_score' */
  readonly feature?: string;
}

/** The model instrument. */
export interface ModelInstrument {
  readonly name: string;
  /** The version now recorded. */
  readonly version: string;
  /** Wraps a single-prediction function; returns, throws and rejects exactly as `fn`. */
  wrap<F extends AnyFunction>(fn: F, options?: WrapOptions<F>): F;
  /** Wraps a batch-prediction function (records `ml_prediction_batch_size` and one prediction per item). */
  wrapBatch<F extends AnyFunction>(fn: F, options?: WrapBatchOptions<F>): F;
  /** Starts timing a prediction driven by explicit calls. */
  start(): PredictionHandle;
  /** Switches the live version: `ml_model_info` keeps exactly one series for this model. */
  setVersion(version: string): void;
  /** Sets `ml_model_quality{metric}`; counts `ml_performance_degraded_total` when the value crosses into its bound. */
  setQuality(metric: string, value: number): void;
  /** A drift monitor on the scores this instrument records (feature `prediction_score`). */
  scoreDrift(options?: ScoreDriftOptions): DriftMonitor;
  /** Removes this model's `ml_model_info` series (the model is unloaded). */
  close(): void;
}

const QUALITY_METRIC = /^[a-z][a-z0-9_]{0,63}$/;
/** Bound series of quality metrics kept per model instrument. */
const QUALITY_CACHE_LIMIT = 256;

const COMPONENT = 'Glassbox model';
const MODEL_OPTIONS_SPEC: OptionsSpec = {
  name: 'string',
  version: 'string',
  outcomes: 'array',
  otherOutcome: 'string',
  defaultOutcome: 'string',
  qualityBounds: 'object',
  ...ERROR_CLASSIFICATION_SPEC,
};
const QUALITY_BOUND_SPEC: OptionsSpec = { min: 'number', max: 'number' };
const WRAP_SPEC: OptionsSpec = { outcome: 'function', score: 'function' };
const WRAP_BATCH_SPEC: OptionsSpec = { items: 'function', outcome: 'function', score: 'function' };
/** {@link ScoreDriftOptions}: its own keys and those of the drift monitor it passes on. */
const { model: _model, reference: _reference, ...DRIFT_KEYS } = DRIFT_MONITOR_OPTIONS_SPEC;
const SCORE_DRIFT_SPEC: OptionsSpec = {
  ...DRIFT_KEYS,
  reference: ['array', 'object'],
  baselineSize: 'number',
  referenceOptions: 'object',
  feature: 'string',
};

/** {@link ModelInstrumentOptions} validated, defaults applied. */
interface ResolvedModelOptions {
  readonly name: string;
  readonly version: string;
  readonly outcomes: BoundedValues;
  readonly defaultOutcome: string;
  readonly classify: (error: unknown) => string;
  readonly errorTypes: BoundedValues;
  readonly bounds: ReadonlyMap<string, QualityBound>;
}

function parseQualityBounds(input: Readonly<Record<string, QualityBound>>): Map<string, QualityBound> {
  const bounds = new Map<string, QualityBound>();
  for (const [metric, bound] of Object.entries(input)) {
    if (!QUALITY_METRIC.test(metric))
      throw new TypeError(`Glassbox model: quality metric "${metric}" must be snake_case ([a-z][a-z0-9_]*)`);
    validateOptions(COMPONENT, bound, QUALITY_BOUND_SPEC, `qualityBounds.${metric}`);
    if (bound.min === undefined && bound.max === undefined)
      throw new TypeError(`Glassbox model: qualityBounds.${metric} needs min and/or max`);
    for (const v of [bound.min, bound.max])
      if (v !== undefined && !Number.isFinite(v))
        throw new TypeError(`Glassbox model: qualityBounds.${metric} bounds must be finite numbers`);
    bounds.set(metric, bound);
  }
  return bounds;
}

function resolveModelOptions(glassbox: Glassbox, options: ModelInstrumentOptions): ResolvedModelOptions {
  validateOptions(COMPONENT, options, MODEL_OPTIONS_SPEC);
  const name = checkLabelValue('model name', options.name);
  const version = checkLabelValue('model version', options.version);
  const outcomes = new BoundedValues(
    glassbox,
    'model',
    'outcome',
    [
      ...(options.outcomes ?? MODEL_INSTRUMENT_DEFAULTS.outcomes),
      options.defaultOutcome ?? MODEL_INSTRUMENT_DEFAULTS.defaultOutcome,
    ],
    options.otherOutcome ?? MODEL_INSTRUMENT_DEFAULTS.otherOutcome,
  );
  const defaultOutcome = checkLabelValue(
    'defaultOutcome',
    options.defaultOutcome ?? MODEL_INSTRUMENT_DEFAULTS.defaultOutcome,
  );
  const { classify, types } = errorClassifier(glassbox, 'model', options);
  const bounds = parseQualityBounds(options.qualityBounds ?? MODEL_INSTRUMENT_DEFAULTS.qualityBounds);
  return { name, version, outcomes, defaultOutcome, classify, errorTypes: types, bounds };
}

/**
 * The recording side of one model instrument: the catalog's model metrics, the bound
 * series of the live version, and the quality state. Never throws while recording.
 */
class ModelRecorder {
  version: string;
  readonly scoreListeners: Array<(score: number) => void> = [];
  private readonly predictions: Counter<'model' | 'model_version' | 'outcome'>;
  private readonly duration: Histogram<'model' | 'model_version'>;
  private readonly info: Gauge<'model' | 'model_version'>;
  private readonly quality: Gauge<'model' | 'metric'>;
  private readonly scoreHist: BoundHistogram;
  private readonly batchSize: BoundHistogram;
  private readonly errorSeries = new Map<string, BoundCounter>();
  private readonly degradedSeries = new Map<string, BoundCounter>();
  private readonly qualitySeries = new Map<string, BoundGauge>();
  private readonly degradedState = new Map<string, boolean>();
  // Bound series of the live version, rebuilt on a version switch.
  private outcomeSeries = new Map<string, BoundCounter>();
  private durationSeries!: BoundHistogram;

  constructor(
    readonly glassbox: Glassbox,
    readonly o: ResolvedModelOptions,
  ) {
    const model = o.name;
    this.version = o.version;
    // Created in the catalog's order, which is the exposition order.
    this.predictions = glassbox.counter(catalog.model.predictionsTotal);
    this.duration = glassbox.histogram(catalog.model.predictionDuration);
    const errors = glassbox.counter(catalog.model.predictionErrorsTotal);
    this.scoreHist = glassbox.histogram(catalog.model.predictionScore).bind({ model });
    this.batchSize = glassbox.histogram(catalog.model.predictionBatchSize).bind({ model });
    this.info = glassbox.gauge(catalog.model.modelInfo);
    this.quality = glassbox.gauge(catalog.model.modelQuality);
    const degraded = glassbox.counter(catalog.model.performanceDegradedTotal);
    for (const t of o.errorTypes.all())
      this.errorSeries.set(t, zeroed(errors.bind({ model, error_type: t })));
    for (const metric of o.bounds.keys())
      this.degradedSeries.set(metric, zeroed(degraded.bind({ model, metric })));
    this.bindVersion();
  }

  private bindVersion(): void {
    const labels = { model: this.o.name, model_version: this.version };
    this.outcomeSeries = new Map();
    for (const outcome of this.o.outcomes.all())
      this.outcomeSeries.set(outcome, zeroed(this.predictions.bind({ ...labels, outcome })));
    this.durationSeries = this.duration.bind(labels);
    this.info.set(labels, 1);
  }

  setVersion(next: string): void {
    const v = checkLabelValue('model version', next);
    if (v === this.version) return;
    this.close();
    this.version = v;
    this.bindVersion();
  }

  close(): void {
    this.info.remove({ model: this.o.name, model_version: this.version });
  }

  /** The prediction's duration, with the active span as its exemplar (when exemplars are on). */
  private observeDuration(start: number): void {
    const seconds = secondsSince(start);
    if (this.glassbox.exemplars) this.durationSeries.observe(seconds, activeTraceContext());
    else this.durationSeries.observe(seconds);
  }

  private countPrediction(outcome: unknown, score: unknown): void {
    const o =
      outcome === undefined || outcome === null ? this.o.defaultOutcome : this.o.outcomes.resolve(outcome);
    (this.outcomeSeries.get(o) as BoundCounter).inc(1);
    if (score === undefined || score === null) return;
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      this.glassbox.reportError('model', 'non-finite or non-numeric score; dropped');
      return;
    }
    this.scoreHist.observe(score);
    for (const listener of this.scoreListeners) listener(score);
  }

  /** A prediction (`results` undefined: `single`) or a batch of them succeeded. */
  success(start: number, results: readonly PredictionResult[] | undefined, single?: PredictionResult): void {
    this.observeDuration(start);
    if (results === undefined) {
      this.countPrediction(single?.outcome, single?.score);
      return;
    }
    this.batchSize.observe(results.length);
    for (const r of results) this.countPrediction(r?.outcome, r?.score);
  }

  /** The time of a prediction whose result could not be read. */
  timeOnly(start: number): void {
    this.observeDuration(start);
  }

  failure(start: number, error: unknown): void {
    this.observeDuration(start);
    (this.errorSeries.get(this.o.classify(error)) as BoundCounter).inc(1);
  }

  setQuality(metric: string, value: number): void {
    if (typeof metric !== 'string' || !QUALITY_METRIC.test(metric)) {
      this.glassbox.reportError('model', 'quality metric name is not snake_case; dropped');
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.glassbox.reportError('model', 'non-finite quality value; dropped');
      return;
    }
    let g = this.qualitySeries.get(metric);
    if (g === undefined) {
      g = this.quality.bind({ model: this.o.name, metric });
      // Bounded: past the limit the gauge's own series cap (and overflow series) decides.
      if (this.qualitySeries.size < QUALITY_CACHE_LIMIT) this.qualitySeries.set(metric, g);
    }
    g.set(value);
    const bound = this.o.bounds.get(metric);
    if (bound === undefined) return;
    const bad =
      (bound.min !== undefined && value < bound.min) || (bound.max !== undefined && value > bound.max);
    const was = this.degradedState.get(metric) ?? false;
    this.degradedState.set(metric, bad);
    if (bad && !was) (this.degradedSeries.get(metric) as BoundCounter).inc(1);
  }
}

/** Calls a user extractor; a throw is counted and gives `fallback`. */
function extract<T>(glassbox: Glassbox, fn: () => T, fallback: T, what: string): T {
  try {
    return fn();
  } catch (error) {
    glassbox.reportError('model', `${what} extractor threw`, error);
    return fallback;
  }
}

function wrapSingle<F extends AnyFunction>(rec: ModelRecorder, fn: F, options: WrapOptions<F>): F {
  if (typeof fn !== 'function') throw new TypeError('Glassbox model: wrap() needs a function');
  validateOptions(`${COMPONENT} wrap()`, options, WRAP_SPEC);
  const { glassbox } = rec;
  const { outcome, score } = options;
  return function (this: unknown, ...args: Parameters<F>) {
    const start = performance.now();
    return passThrough(
      glassbox,
      'model',
      () => fn.apply(this, args),
      (value) => {
        const r = value as Awaited<ReturnType<F>>;
        rec.success(start, undefined, {
          ...(outcome ? { outcome: extract(glassbox, () => outcome(r, args), undefined, 'outcome') } : {}),
          ...(score ? { score: extract(glassbox, () => score(r, args), undefined, 'score') } : {}),
        } as PredictionResult);
      },
      (error) => rec.failure(start, error),
    );
  } as F;
}

function wrapBatchFn<F extends AnyFunction>(rec: ModelRecorder, fn: F, options: WrapBatchOptions<F>): F {
  if (typeof fn !== 'function') throw new TypeError('Glassbox model: wrapBatch() needs a function');
  validateOptions(`${COMPONENT} wrapBatch()`, options, WRAP_BATCH_SPEC);
  const { glassbox } = rec;
  const { items, outcome, score } = options;
  const record = (start: number, r: Awaited<ReturnType<F>>, args: Parameters<F>): void => {
    const list = items
      ? extract(glassbox, () => items(r, args), undefined, 'items')
      : Array.isArray(r)
        ? r
        : undefined;
    if (!Array.isArray(list)) {
      rec.timeOnly(start);
      glassbox.reportError('model', 'batch result is not an array (pass items); predictions not counted');
      return;
    }
    const results = list.map((item, i) => ({
      ...(outcome ? { outcome: extract(glassbox, () => outcome(item, i), undefined, 'outcome') } : {}),
      ...(score ? { score: extract(glassbox, () => score(item, i), undefined, 'score') } : {}),
    })) as PredictionResult[];
    rec.success(start, results);
  };
  return function (this: unknown, ...args: Parameters<F>) {
    const start = performance.now();
    return passThrough(
      glassbox,
      'model',
      () => fn.apply(this, args),
      (value) => record(start, value as Awaited<ReturnType<F>>, args),
      (error) => rec.failure(start, error),
    );
  } as F;
}

function startPrediction(rec: ModelRecorder): PredictionHandle {
  const start = performance.now();
  let done = false;
  const once = (what: string, fn: () => void) => {
    if (done) {
      rec.glassbox.reportError(
        'model',
        `prediction handle ${what}() called after the prediction ended; ignored`,
      );
      return;
    }
    done = true;
    try {
      fn();
    } catch (error) {
      rec.glassbox.reportError('model', 'recording failed', error);
    }
  };
  return {
    end: (result) => once('end', () => rec.success(start, undefined, result ?? {})),
    endBatch: (results) =>
      once('endBatch', () => {
        if (!Array.isArray(results)) throw new TypeError('endBatch() needs an array');
        rec.success(start, results);
      }),
    fail: (error) => once('fail', () => rec.failure(start, error)),
  };
}

function createScoreDrift(rec: ModelRecorder, options: ScoreDriftOptions): DriftMonitor {
  validateOptions(`${COMPONENT} scoreDrift()`, options, SCORE_DRIFT_SPEC);
  const feature = checkLabelValue('feature', options.feature ?? 'prediction_score');
  const refOptions = options.referenceOptions ?? { bins: 10, binning: 'uniform' };
  const baselineSize = options.baselineSize ?? 1000;
  if (!Number.isInteger(baselineSize) || baselineSize < 1)
    throw new RangeError('Glassbox model: baselineSize must be a positive integer');
  const {
    reference: given,
    baselineSize: _b,
    referenceOptions: _o,
    feature: _f,
    ...monitorOptions
  } = options;
  let initial: DriftReference = { version: 1, features: {} };
  if (given !== undefined) {
    const ref =
      typeof (given as NumericFeatureReference).type === 'string'
        ? (given as NumericFeatureReference)
        : numericReference(given as ArrayLike<number>, refOptions);
    initial = { version: 1, features: { [feature]: ref } };
  }
  const monitor = createDriftMonitor(rec.glassbox, {
    ...monitorOptions,
    model: rec.o.name,
    reference: initial,
  });
  if (given !== undefined) {
    rec.scoreListeners.push((s) => monitor.observeValue(feature, s));
    return monitor;
  }
  const baseline: number[] = [];
  let learning = true;
  rec.scoreListeners.push((s) => {
    if (!learning) {
      monitor.observeValue(feature, s);
      return;
    }
    baseline.push(s);
    if (baseline.length >= baselineSize) {
      learning = false;
      monitor.setReference(feature, numericReference(baseline, refOptions));
      baseline.length = 0;
    }
  });
  return monitor;
}

/**
 * Creates a model instrument. The metrics are created now, so a bad option or a
 * naming clash throws at start-up.
 *
 * @example
 * ```ts
 * const model = createModelInstrument(glassbox, { name: 'lead-scoring', version: '3.1.0', outcomes: ['hot', 'warm', 'cold'] });
 * const predict = model.wrap(rawPredict, { outcome: (r) => r.tier, score: (r) => r.probability });
 * ```
 */
export function createModelInstrument(glassbox: Glassbox, options: ModelInstrumentOptions): ModelInstrument {
  const rec = new ModelRecorder(glassbox, resolveModelOptions(glassbox, options));
  return {
    name: rec.o.name,
    get version() {
      return rec.version;
    },
    wrap: (fn, wrapOptions = {}) => wrapSingle(rec, fn, wrapOptions),
    wrapBatch: (fn, wrapOptions = {}) => wrapBatchFn(rec, fn, wrapOptions),
    start: () => startPrediction(rec),
    setVersion: (next) => rec.setVersion(next),
    setQuality(metric, value) {
      try {
        rec.setQuality(metric, value);
      } catch (error) {
        glassbox.reportError('model', 'recording quality failed', error);
      }
    },
    scoreDrift: (driftOptions = {}) => createScoreDrift(rec, driftOptions),
    close: () => rec.close(),
  };
}
