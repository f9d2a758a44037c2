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
import { catalog, catalogDefinitions } from './catalog.js';
import type {
  CounterDefinition,
  GaugeDefinition,
  HistogramDefinition,
  MetricDefinition,
} from './definitions.js';
import {
  BoundCounterImpl,
  BoundGaugeImpl,
  BoundHistogramImpl,
  GuardedMetric,
  NOOP_BOUND,
  Recorder,
} from './guarded.js';
import { consoleLogger, type Logger, silentLogger } from './logger.js';
import {
  legacyNameWarnings,
  type NamingOptions,
  type ResolvedDefinition,
  resolveDefinition,
  validateNaming,
} from './naming.js';
import { type OptionsSpec, validateOptions } from './options.js';
import type { TraceContext } from './trace-context.js';

/** A label value as accepted at record time; numbers and booleans are converted to strings. */
export type LabelValue = string | number | boolean;
/** Label values by name. */
export type Labels<L extends string> = { readonly [K in L]: LabelValue };

/** Options of {@link createGlassbox}. */
export interface GlassboxOptions {
  /** Where values are stored: `promClientBackend(...)`, `nativeBackend()`, or the OTel backend. */
  readonly backend: Backend;
  /** Naming options applied to every metric. @default {} */
  readonly naming?: NamingOptions;
  /**
   * The team's own definitions, known at start-up, so `naming.overrides` and
   * `naming.legacyNames` may refer to them (the catalog's are always known) and a typo in
   * an override's key fails at start-up. Passing a definition here does not create it.
   * @default []
   */
  readonly definitions?: readonly MetricDefinition[];
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
  /**
   * Exemplars: a histogram observation made inside a sampled trace keeps its trace id
   * and span id on the bucket it fell in (one per bucket, the latest wins), exposed in
   * OpenMetrics only. The HTTP adapters, the model instrument and the amqplib consumer
   * read the trace from the active OpenTelemetry span or the W3C `traceparent` header.
   * `false` turns it off everywhere: no header or span is read and nothing is stored.
   * @default true
   */
  readonly exemplars?: boolean;
}

/** Defaults of {@link GlassboxOptions}. */
export const GLASSBOX_DEFAULTS = Object.freeze({
  seriesLimit: 2000,
  overflowValue: '__overflow__',
  maxLabelValueLength: 256,
  exemplars: true,
});

/** The valid keys of {@link GlassboxOptions} and their types. */
const GLASSBOX_OPTIONS_SPEC: OptionsSpec = {
  backend: 'object',
  naming: 'object',
  definitions: 'array',
  seriesLimit: 'number',
  seriesLimits: 'object',
  overflowValue: 'string',
  maxLabelValueLength: 'number',
  logger: ['object', 'null'],
  exemplars: 'boolean',
};

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
  /**
   * Records one observation. NaN or infinite values are dropped and counted. With
   * `trace` (and exemplars on), the observation's bucket keeps it as its exemplar
   * (latest wins); an invalid trace context is dropped and counted, the observation kept.
   */
  observe(value: number, trace?: TraceContext): void;
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
  /** Records one observation; see {@link BoundHistogram.observe} for `trace`. */
  observe(labels: Labels<L> | undefined, value: number, trace?: TraceContext): void;
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
  /**
   * Whether exemplars are recorded (see {@link GlassboxOptions.exemplars}). Adapters and
   * instruments read a trace context only when it is true.
   */
  readonly exemplars: boolean;
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

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new RangeError(`Glassbox: ${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** {@link GlassboxOptions} validated, defaults applied. */
interface ResolvedGlassboxOptions {
  readonly backend: Backend;
  readonly naming: NamingOptions;
  /** The catalog's definitions and the team's known ones. */
  readonly known: readonly MetricDefinition[];
  readonly seriesLimit: number;
  readonly seriesLimits: Readonly<Record<string, number>>;
  readonly overflowValue: string;
  readonly maxLabelValueLength: number;
  readonly logger: Logger;
  readonly exemplars: boolean;
}

function resolveGlassboxOptions(options: GlassboxOptions): ResolvedGlassboxOptions {
  validateOptions('Glassbox', options, GLASSBOX_OPTIONS_SPEC);
  const { backend } = options;
  if (
    backend === null ||
    typeof backend !== 'object' ||
    typeof backend.counter !== 'function' ||
    typeof backend.gauge !== 'function' ||
    typeof backend.histogram !== 'function'
  )
    throw new TypeError(
      'Glassbox: options.backend must be a Backend (promClientBackend(), nativeBackend(), ...)',
    );
  const naming = options.naming ?? {};
  const known = knownDefinitions(options.definitions);
  validateNaming(naming, known);
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
  const exemplars = options.exemplars ?? GLASSBOX_DEFAULTS.exemplars;
  return {
    backend,
    naming,
    known,
    seriesLimit,
    seriesLimits,
    overflowValue,
    maxLabelValueLength,
    logger: logger(options),
    exemplars,
  };
}

function logger(options: GlassboxOptions): Logger {
  return options.logger === null ? silentLogger : (options.logger ?? consoleLogger);
}

/** The catalog's definitions and the team's ({@link GlassboxOptions.definitions}), checked. */
function knownDefinitions(definitions: readonly MetricDefinition[] | undefined): MetricDefinition[] {
  const known = catalogDefinitions();
  for (const [i, def] of (definitions ?? []).entries()) {
    if (def === null || typeof def !== 'object' || typeof def.name !== 'string' || !('kind' in def))
      throw new TypeError(
        `Glassbox: options.definitions[${i}] must be a metric definition (defineCounter/defineGauge/defineHistogram)`,
      );
    known.push(def);
  }
  return known;
}

/**
 * Warns once per name, at start-up, for a declared legacy name that breaks the lint: the
 * known definitions renamed to one of `naming.legacyNames` now, a team definition with
 * `legacy: true` when it is created.
 */
class LegacyWarnings {
  private readonly warned = new Set<string>();
  constructor(private readonly log: Logger) {}

  warn(resolved: Iterable<ResolvedDefinition>): void {
    for (const r of resolved) {
      if (!r.legacy || this.warned.has(r.name)) continue;
      this.warned.add(r.name);
      for (const message of legacyNameWarnings([r])) this.log.warn(message);
    }
  }

  warnDeclared(o: ResolvedGlassboxOptions): void {
    const legacy = new Set(o.naming.legacyNames ?? []);
    if (legacy.size === 0) return;
    const resolved = o.known.map((def) => resolveDefinition(def, o.naming)).filter((r) => legacy.has(r.name));
    this.warn(resolved);
  }
}
/** Wraps the backend metric of a resolved definition in the guard of its kind. */
function guardMetric(
  def: MetricDefinition<string>,
  resolved: ResolvedDefinition,
  o: ResolvedGlassboxOptions,
  recorder: Recorder,
): AnyMetric {
  const limit = o.seriesLimits[def.name] ?? o.seriesLimit;
  const guard = (backendMetric: unknown, makeBound: (s: unknown, m: GuardedMetric<string>) => unknown) =>
    new GuardedMetric<string>(
      resolved,
      backendMetric as BackendMetric<unknown>,
      recorder,
      o.overflowValue,
      limit,
      o.maxLabelValueLength,
      makeBound,
      o.exemplars,
    );
  switch (resolved.kind) {
    case 'counter':
      return counterFacade(
        def as CounterDefinition<string>,
        guard(o.backend.counter(resolved), (s, m) => new BoundCounterImpl(s as BackendCounterSeries, m)),
      );
    case 'gauge':
      return gaugeFacade(
        def as GaugeDefinition<string>,
        guard(o.backend.gauge(resolved), (s, m) => new BoundGaugeImpl(s as BackendGaugeSeries, m)),
      );
    case 'histogram':
      return histogramFacade(
        def as HistogramDefinition<string>,
        guard(
          o.backend.histogram(resolved),
          (s, m) => new BoundHistogramImpl(s as BackendHistogramSeries, m),
        ),
      );
    default:
      throw new TypeError(`Glassbox: unknown metric kind for "${def.name}"`);
  }
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
  const o = resolveGlassboxOptions(options);
  const errorsName = catalog.sdk.instrumentationErrorsTotal.name;
  const recorder = new Recorder(o.logger, o.seriesLimits[errorsName] ?? o.seriesLimit, o.maxLabelValueLength);
  const metrics = new Map<string, { def: MetricDefinition; metric: AnyMetric }>();
  const exposed = new Map<string, string>();
  const legacy = new LegacyWarnings(o.logger);
  legacy.warnDeclared(o);

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
    const resolved = resolveDefinition(def, o.naming);
    const clash = exposed.get(resolved.name);
    if (clash !== undefined)
      throw new Error(
        `Glassbox: metrics "${clash}" and "${def.name}" would both be exposed as "${resolved.name}"`,
      );
    const metric = guardMetric(def as MetricDefinition<string>, resolved, o, recorder);
    legacy.warn([resolved]);
    metrics.set(def.name, { def, metric });
    exposed.set(resolved.name, def.name);
    return metric;
  }

  const glassbox: Glassbox = {
    backendName: o.backend.name,
    naming: o.naming,
    overflowValue: o.overflowValue,
    maxLabelValueLength: o.maxLabelValueLength,
    exemplars: o.exemplars,
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
    observe: (labels: Labels<L> | undefined, value: number, trace?: TraceContext) =>
      b.bind(labels).observe(value, trace),
  });
}
