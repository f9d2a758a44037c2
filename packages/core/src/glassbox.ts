/**
 * The Glassbox instance: creates guarded metrics on a backend under naming options.
 * Nothing here is a module-level singleton: each instance has its own metrics, series
 * caps and warn-once state, so two apps (or two tests) in one process never share state.
 */
import type {
  Backend,
  BackendCounterSeries,
  BackendGaugeSeries,
  BackendHistogramSeries,
  BackendMetric,
} from './backend.js';
import { catalog } from './catalog.js';
import type {
  CounterDefinition,
  GaugeDefinition,
  HistogramDefinition,
  MetricDefinition,
} from './definitions.js';
import { consoleLogger, type Logger, silentLogger } from './logger.js';
import { type NamingOptions, type ResolvedDefinition, resolveDefinition, validateNaming } from './naming.js';

/** A label value as accepted at record time; numbers and booleans are converted to strings. */
export type LabelValue = string | number | boolean;
/** Label values by name. */
export type Labels<L extends string> = { readonly [K in L]: LabelValue };

/** Options of {@link createGlassbox}. */
export interface GlassboxOptions {
  /** Where values are stored: `promClientBackend(...)`, `inMemoryBackend()`, or the OTel backend. */
  readonly backend: Backend;
  /** Naming options applied to every metric. @default {} */
  readonly naming?: NamingOptions;
  /**
   * Maximum number of series per metric; label sets past the cap are recorded in
   * one overflow series so totals are conserved. 2000 matches OpenTelemetry's default
   * cardinality limit.
   * @default 2000
   */
  readonly seriesLimit?: number;
  /** Per-metric caps, keyed by the definition name; override {@link GlassboxOptions.seriesLimit}. @default {} */
  readonly seriesLimits?: Readonly<Record<string, number>>;
  /** Label value given to every variable label of the overflow series. @default '__overflow__' */
  readonly overflowValue?: string;
  /**
   * Longest label value recorded, in UTF-16 code units. A longer value is truncated to
   * this length (never in the middle of a surrogate pair), so the sample is kept, and the
   * truncation is counted in `glassbox_instrumentation_errors_total` and warned once per
   * metric and label. Bounds the memory a series can hold and the size of a scrape.
   * @default 256
   */
  readonly maxLabelValueLength?: number;
  /** Where warnings go (each cause is warned once); `null` silences them. @default console */
  readonly logger?: Logger | null;
}

/** Defaults of {@link GlassboxOptions}. */
export const GLASSBOX_DEFAULTS = Object.freeze({
  seriesLimit: 2000,
  overflowValue: '__overflow__',
  maxLabelValueLength: 256,
});

/** A counter series with its labels bound. */
export interface BoundCounter {
  /** Adds `value` (default 1). Negative, NaN or infinite values are dropped and counted. */
  inc(value?: number): void;
}
/** A gauge series with its labels bound. */
export interface BoundGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}
/** A histogram series with its labels bound. */
export interface BoundHistogram {
  /** Records one observation. NaN or infinite values are dropped and counted. */
  observe(value: number): void;
}

interface MetricBase<L extends string, B> {
  /** The definition after naming options. */
  readonly resolved: ResolvedDefinition;
  /**
   * The series for these labels, for the hot path: bind once, record many times.
   * Past the series cap this is the overflow series.
   */
  bind(labels?: Labels<L>): B;
  /** Same as {@link bind} with values in the definition's label order. */
  bindValues(values: readonly LabelValue[]): B;
  /** Removes a series. */
  remove(labels?: Labels<L>): void;
  /** Number of live series (the overflow series included). */
  seriesCount(): number;
}

/** A guarded counter. */
export interface Counter<L extends string = string> extends MetricBase<L, BoundCounter> {
  readonly definition: CounterDefinition<L>;
  inc(labels?: Labels<L>, value?: number): void;
}
/** A guarded gauge. */
export interface Gauge<L extends string = string> extends MetricBase<L, BoundGauge> {
  readonly definition: GaugeDefinition<L>;
  set(labels: Labels<L> | undefined, value: number): void;
  inc(labels?: Labels<L>, value?: number): void;
  dec(labels?: Labels<L>, value?: number): void;
}
/** A guarded histogram. */
export interface Histogram<L extends string = string> extends MetricBase<L, BoundHistogram> {
  readonly definition: HistogramDefinition<L>;
  observe(labels: Labels<L> | undefined, value: number): void;
}

/** A Glassbox instance. */
export interface Glassbox {
  /** Backend name. */
  readonly backendName: string;
  /** The naming options in force. */
  readonly naming: NamingOptions;
  /** Label value of overflow series. */
  readonly overflowValue: string;
  /** Longest label value recorded; longer ones are truncated (see {@link GlassboxOptions.maxLabelValueLength}). */
  readonly maxLabelValueLength: number;
  /** Creates (or returns the existing) counter for a definition. Throws at set-up on conflicts. */
  counter<L extends string>(def: CounterDefinition<L>): Counter<L>;
  /** Creates (or returns the existing) gauge for a definition. */
  gauge<L extends string>(def: GaugeDefinition<L>): Gauge<L>;
  /** Creates (or returns the existing) histogram for a definition. */
  histogram<L extends string>(def: HistogramDefinition<L>): Histogram<L>;
  /** The definitions created on this instance so far, resolved. */
  definitions(): ResolvedDefinition[];
  /**
   * Counts a caught error in `glassbox_instrumentation_errors_total{component}` and warns
   * once per `component` + `cause`. Never throws. Adapters call it for their own failures.
   */
  reportError(component: string, cause: string, error?: unknown): void;
}

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : 'unknown error';
}

class Recorder {
  readonly warned = new Set<string>();
  errors: Counter<'component'> | undefined;
  errorSeries = new Map<string, BoundCounter>();
  reporting = false;
  constructor(readonly logger: Logger) {}

  report(component: string, cause: string, error?: unknown): void {
    try {
      const key = `${component}\u0000${cause}`;
      if (!this.warned.has(key)) {
        this.warned.add(key);
        const detail = error === undefined ? '' : ` (${describe(error)})`;
        this.logger.warn(
          `${component}: ${cause}${detail}; counted in glassbox_instrumentation_errors_total, further occurrences not logged`,
        );
      }
    } catch {
      // A broken logger must not reach the host.
    }
    if (this.reporting || this.errors === undefined) return;
    this.reporting = true;
    try {
      let series = this.errorSeries.get(component);
      if (series === undefined) {
        series = this.errors.bindValues([component]);
        this.errorSeries.set(component, series);
      }
      series.inc(1);
    } catch {
      // A broken backend must not reach the host.
    } finally {
      this.reporting = false;
    }
  }
}

class GuardedMetric<L extends string> {
  readonly limit: number;
  readonly series = new Map<string, unknown>();
  overflow: unknown;
  readonly component: string;
  constructor(
    readonly resolved: ResolvedDefinition,
    readonly backend: BackendMetric<unknown>,
    readonly recorder: Recorder,
    readonly overflowValue: string,
    limit: number,
    readonly maxLength: number,
    readonly makeBound: (s: unknown, m: GuardedMetric<L>) => unknown,
  ) {
    this.limit = limit;
    this.component = resolved.definition.group;
  }

  fail(cause: string, error?: unknown): void {
    this.recorder.report(this.component, `${this.resolved.name}: ${cause}`, error);
  }

  valuesFromLabels(labels: Labels<L> | undefined): string[] | undefined {
    const names = this.resolved.definition.labelNames as readonly L[];
    const n = names.length;
    const out = new Array<string>(n + this.resolved.constLabelValues.length);
    if (n > 0 && (labels === undefined || labels === null || typeof labels !== 'object')) {
      this.fail('missing labels');
      return undefined;
    }
    let given = 0;
    for (let i = 0; i < n; i++) {
      const raw = (labels as Record<string, unknown>)[names[i] as string];
      const v = this.coerce(raw, names[i] as string);
      if (v === undefined) return undefined;
      out[i] = v;
      if (raw !== undefined) given++;
    }
    if (labels !== undefined && labels !== null) {
      let count = 0;
      for (const _ in labels) count++;
      if (count !== given) {
        this.fail('unknown label names');
        return undefined;
      }
    }
    this.appendConst(out, n);
    return out;
  }

  valuesFromArray(values: readonly LabelValue[]): string[] | undefined {
    const names = this.resolved.definition.labelNames;
    const n = names.length;
    if (!Array.isArray(values) || values.length !== n) {
      this.fail(`expected ${n} label values`);
      return undefined;
    }
    const out = new Array<string>(n + this.resolved.constLabelValues.length);
    for (let i = 0; i < n; i++) {
      const v = this.coerce(values[i], names[i] as string);
      if (v === undefined) return undefined;
      out[i] = v;
    }
    this.appendConst(out, n);
    return out;
  }

  appendConst(out: string[], n: number): void {
    const c = this.resolved.constLabelValues;
    for (let i = 0; i < c.length; i++) out[n + i] = c[i] as string;
  }

  coerce(raw: unknown, label: string): string | undefined {
    if (typeof raw === 'string') return raw.length <= this.maxLength ? raw : this.truncate(raw, label);
    if (typeof raw === 'number') {
      if (Number.isFinite(raw)) return String(raw);
      this.fail(`label "${label}" is not a finite number`);
      return undefined;
    }
    if (typeof raw === 'boolean') return raw ? 'true' : 'false';
    this.fail(
      raw === undefined || raw === null ? `label "${label}" is missing` : `label "${label}" is not a string`,
    );
    return undefined;
  }

  truncate(value: string, label: string): string {
    this.fail(`label "${label}" value longer than ${this.maxLength} characters; truncated`);
    let end = this.maxLength;
    const last = value.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
    // A fresh string: a slice may keep the whole original alive in V8.
    return value.slice(0, end).split('').join('');
  }

  bindValuesInternal(values: string[] | undefined): unknown {
    if (values === undefined) return undefined;
    const n = this.resolved.variableLabelCount;
    let key = '';
    for (let i = 0; i < n; i++) key += i === 0 ? values[i] : `\u0001${values[i]}`;
    const existing = this.series.get(key);
    if (existing !== undefined) return existing;
    if (this.series.size >= this.limit) return this.overflowSeries();
    try {
      const bound = this.makeBound(this.backend.series(values), this);
      this.series.set(key, bound);
      return bound;
    } catch (error) {
      this.fail('the backend refused a new series', error);
      return undefined;
    }
  }

  overflowSeries(): unknown {
    if (this.overflow !== undefined) return this.overflow;
    const n = this.resolved.variableLabelCount;
    const values = new Array<string>(n).fill(this.overflowValue);
    this.appendConst(values, n);
    try {
      this.overflow = this.makeBound(this.backend.series(values), this);
      this.recorder.report(
        'cardinality',
        `${this.resolved.name}: series limit ${this.limit} reached; new label sets go to the ${this.overflowValue} series`,
      );
      return this.overflow;
    } catch (error) {
      this.fail('the backend refused the overflow series', error);
      return undefined;
    }
  }

  remove(values: string[] | undefined): void {
    if (values === undefined) return;
    const n = this.resolved.variableLabelCount;
    let key = '';
    for (let i = 0; i < n; i++) key += i === 0 ? values[i] : `\u0001${values[i]}`;
    if (!this.series.delete(key)) return;
    try {
      this.backend.remove(values);
    } catch (error) {
      this.fail('the backend failed to remove a series', error);
    }
  }

  count(): number {
    return this.series.size + (this.overflow === undefined ? 0 : 1);
  }
}

class BoundCounterImpl implements BoundCounter {
  constructor(
    private readonly s: BackendCounterSeries,
    private readonly m: GuardedMetric<string>,
  ) {}
  inc(value = 1): void {
    if (typeof value !== 'number') {
      this.m.fail('non-numeric increment');
      return;
    }
    if (!(value >= 0) || value === Number.POSITIVE_INFINITY) {
      this.m.fail('negative, NaN or infinite increment');
      return;
    }
    try {
      this.s.inc(value);
    } catch (error) {
      this.m.fail('the backend threw', error);
    }
  }
}

class BoundGaugeImpl implements BoundGauge {
  constructor(
    private readonly s: BackendGaugeSeries,
    private readonly m: GuardedMetric<string>,
  ) {}
  set(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.m.fail('NaN, infinite or non-numeric gauge value');
      return;
    }
    try {
      this.s.set(value);
    } catch (error) {
      this.m.fail('the backend threw', error);
    }
  }
  inc(value = 1): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.m.fail('NaN, infinite or non-numeric gauge value');
      return;
    }
    try {
      this.s.inc(value);
    } catch (error) {
      this.m.fail('the backend threw', error);
    }
  }
  dec(value = 1): void {
    this.inc(typeof value === 'number' ? -value : value);
  }
}

class BoundHistogramImpl implements BoundHistogram {
  constructor(
    private readonly s: BackendHistogramSeries,
    private readonly m: GuardedMetric<string>,
  ) {}
  observe(value: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.m.fail('NaN, infinite or non-numeric observation');
      return;
    }
    try {
      this.s.observe(value);
    } catch (error) {
      this.m.fail('the backend threw', error);
    }
  }
}

/** Dropped: the record was invalid; every method is a no-op. */
const NOOP_BOUND: BoundCounter & BoundGauge & BoundHistogram = Object.freeze({
  inc() {},
  set() {},
  dec() {},
  observe() {},
});

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new RangeError(`Glassbox: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/**
 * Creates a Glassbox instance on a backend. Throws at start-up on bad options; never
 * throws while recording.
 *
 * @example
 * ```ts
 * const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }) });
 * const evaluations = glassbox.counter(defineCounter({ name: 'risk_evaluations_total', help: '...' }));
 * evaluations.inc();
 * ```
 */
export function createGlassbox(options: GlassboxOptions): Glassbox {
  if (options === null || typeof options !== 'object') throw new TypeError('Glassbox: options are required');
  const { backend } = options;
  if (
    backend === null ||
    typeof backend !== 'object' ||
    typeof backend.counter !== 'function' ||
    typeof backend.gauge !== 'function' ||
    typeof backend.histogram !== 'function'
  )
    throw new TypeError(
      'Glassbox: options.backend must be a Backend (promClientBackend(), inMemoryBackend(), ...)',
    );
  const naming = options.naming ?? {};
  validateNaming(naming);
  const seriesLimit = positiveInteger('seriesLimit', options.seriesLimit ?? GLASSBOX_DEFAULTS.seriesLimit);
  const seriesLimits = options.seriesLimits ?? {};
  for (const [name, limit] of Object.entries(seriesLimits)) positiveInteger(`seriesLimits.${name}`, limit);
  const overflowValue = options.overflowValue ?? GLASSBOX_DEFAULTS.overflowValue;
  if (typeof overflowValue !== 'string' || overflowValue.length === 0)
    throw new TypeError('Glassbox: overflowValue must be a non-empty string');
  const maxLabelValueLength = positiveInteger(
    'maxLabelValueLength',
    options.maxLabelValueLength ?? GLASSBOX_DEFAULTS.maxLabelValueLength,
  );
  const logger = options.logger === null ? silentLogger : (options.logger ?? consoleLogger);
  const recorder = new Recorder(logger);
  const metrics = new Map<string, { def: MetricDefinition; metric: AnyMetric }>();
  const exposed = new Map<string, string>();

  function create<L extends string>(def: MetricDefinition<L>): AnyMetric {
    if (def === null || typeof def !== 'object' || typeof def.name !== 'string')
      throw new TypeError(
        'Glassbox: expected a metric definition (defineCounter/defineGauge/defineHistogram)',
      );
    const existing = metrics.get(def.name);
    if (existing !== undefined) {
      if (existing.def !== def && JSON.stringify(existing.def) !== JSON.stringify(def))
        throw new Error(`Glassbox: metric "${def.name}" is already defined differently on this instance`);
      return existing.metric;
    }
    const resolved = resolveDefinition(def, naming);
    const clash = exposed.get(resolved.name);
    if (clash !== undefined)
      throw new Error(
        `Glassbox: metrics "${clash}" and "${def.name}" would both be exposed as "${resolved.name}"`,
      );
    const limit = seriesLimits[def.name] ?? seriesLimit;
    let metric: AnyMetric;
    switch (resolved.kind) {
      case 'counter': {
        const guarded = new GuardedMetric<L>(
          resolved,
          backend.counter(resolved) as BackendMetric<unknown>,
          recorder,
          overflowValue,
          limit,
          maxLabelValueLength,
          (s, m) => new BoundCounterImpl(s as BackendCounterSeries, m as GuardedMetric<string>),
        );
        metric = counterFacade(def as CounterDefinition<L>, guarded) as unknown as AnyMetric;
        break;
      }
      case 'gauge': {
        const guarded = new GuardedMetric<L>(
          resolved,
          backend.gauge(resolved) as BackendMetric<unknown>,
          recorder,
          overflowValue,
          limit,
          maxLabelValueLength,
          (s, m) => new BoundGaugeImpl(s as BackendGaugeSeries, m as GuardedMetric<string>),
        );
        metric = gaugeFacade(def as GaugeDefinition<L>, guarded) as unknown as AnyMetric;
        break;
      }
      case 'histogram': {
        const guarded = new GuardedMetric<L>(
          resolved,
          backend.histogram(resolved) as BackendMetric<unknown>,
          recorder,
          overflowValue,
          limit,
          maxLabelValueLength,
          (s, m) => new BoundHistogramImpl(s as BackendHistogramSeries, m as GuardedMetric<string>),
        );
        metric = histogramFacade(def as HistogramDefinition<L>, guarded) as unknown as AnyMetric;
        break;
      }
      default:
        throw new TypeError(`Glassbox: unknown metric kind for "${def.name}"`);
    }
    metrics.set(def.name, { def, metric });
    exposed.set(resolved.name, def.name);
    return metric;
  }

  const glassbox: Glassbox = {
    backendName: backend.name,
    naming,
    overflowValue,
    maxLabelValueLength,
    counter: <L extends string>(def: CounterDefinition<L>) => {
      if (def?.kind !== 'counter')
        throw new TypeError(`Glassbox: "${def?.name}" is not a counter definition`);
      return create(def) as unknown as Counter<L>;
    },
    gauge: <L extends string>(def: GaugeDefinition<L>) => {
      if (def?.kind !== 'gauge') throw new TypeError(`Glassbox: "${def?.name}" is not a gauge definition`);
      return create(def) as unknown as Gauge<L>;
    },
    histogram: <L extends string>(def: HistogramDefinition<L>) => {
      if (def?.kind !== 'histogram')
        throw new TypeError(`Glassbox: "${def?.name}" is not a histogram definition`);
      return create(def) as unknown as Histogram<L>;
    },
    definitions: () => [...metrics.values()].map((m) => m.metric.resolved),
    reportError: (component, cause, error) => recorder.report(component, cause, error),
  };
  recorder.errors = glassbox.counter(catalog.sdk.instrumentationErrorsTotal);
  return glassbox;
}

function base<L extends string, B>(guarded: GuardedMetric<L>) {
  return {
    resolved: guarded.resolved,
    bind: (labels?: Labels<L>): B =>
      (guarded.bindValuesInternal(guarded.valuesFromLabels(labels)) ?? NOOP_BOUND) as B,
    bindValues: (values: readonly LabelValue[]): B =>
      (guarded.bindValuesInternal(guarded.valuesFromArray(values)) ?? NOOP_BOUND) as B,
    remove: (labels?: Labels<L>) => guarded.remove(guarded.valuesFromLabels(labels)),
    seriesCount: () => guarded.count(),
  };
}

function counterFacade<L extends string>(definition: CounterDefinition<L>, g: GuardedMetric<L>): Counter<L> {
  const b = base<L, BoundCounter>(g);
  return Object.freeze({
    ...b,
    definition,
    inc: (labels?: Labels<L>, value?: number) => b.bind(labels).inc(value),
  });
}

function gaugeFacade<L extends string>(definition: GaugeDefinition<L>, g: GuardedMetric<L>): Gauge<L> {
  const b = base<L, BoundGauge>(g);
  return Object.freeze({
    ...b,
    definition,
    set: (labels: Labels<L> | undefined, value: number) => b.bind(labels).set(value),
    inc: (labels?: Labels<L>, value?: number) => b.bind(labels).inc(value),
    dec: (labels?: Labels<L>, value?: number) => b.bind(labels).dec(value),
  });
}

function histogramFacade<L extends string>(
  definition: HistogramDefinition<L>,
  g: GuardedMetric<L>,
): Histogram<L> {
  const b = base<L, BoundHistogram>(g);
  return Object.freeze({
    ...b,
    definition,
    observe: (labels: Labels<L> | undefined, value: number) => b.bind(labels).observe(value),
  });
}
