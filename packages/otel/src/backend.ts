/**
 * The OpenTelemetry backend: core's Backend on `@opentelemetry/api` instruments.
 *
 * - counter   → `Counter` (synchronous, monotonic sum)
 * - gauge     → `ObservableGauge` whose callback reports the values kept here per
 *               series, so `set`, `inc`/`dec` and `remove` all work (a synchronous
 *               OTel `Gauge` has no `inc`, an `UpDownCounter` has no `set`)
 * - histogram → `Histogram` with `advice.explicitBucketBoundaries` = the definition's buckets
 *
 * The caller passes the Meter (or MeterProvider), so nothing here touches the global
 * OTel API state.
 *
 * Exemplars are OpenTelemetry's own: the SDK's exemplar filter and reservoirs sample
 * them from the context of each measurement (the active one, or the one passed to
 * `record`). An observation Glassbox knows the trace of (the active span, or a
 * `traceparent` header with no tracer installed) is recorded with that span context.
 */
import type {
  Backend,
  BackendCounterSeries,
  BackendGaugeSeries,
  BackendHistogramSeries,
  BackendMetric,
  ResolvedDefinition,
} from '@glassbox/core';
import { type TraceContext, validateOptions } from '@glassbox/core';
import {
  type Attributes,
  type Context,
  type Meter,
  type MeterProvider,
  type ObservableResult,
  ROOT_CONTEXT,
  TraceFlags,
  trace as traceApi,
} from '@opentelemetry/api';

/** Options of {@link otelBackend}. Pass `meter` or `meterProvider`, not both. */
export interface OtelBackendOptions {
  /**
   * The Meter to create instruments on. Either this or {@link OtelBackendOptions.meterProvider}.
   * @default undefined
   */
  readonly meter?: Meter;
  /**
   * A MeterProvider (the SDK's `MeterProvider`, or `metrics.getMeterProvider()`); the
   * backend takes a Meter named {@link OtelBackendOptions.scopeName} from it.
   * @default undefined
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Instrumentation scope name used with `meterProvider`.
   * @default '@glassbox/otel'
   */
  readonly scopeName?: string;
  /**
   * Instrumentation scope version used with `meterProvider`.
   * @default undefined
   */
  readonly scopeVersion?: string;
  /**
   * Set each instrument's unit from the definition's unit (UCUM: `seconds` → `s`,
   * `bytes` → `By`, `ratio` → `1`, anything else → `{unit}`). The mapping is chosen so
   * that Prometheus' OTLP translation (which appends unit suffixes) keeps the
   * Glassbox names unchanged. `false` leaves every unit empty.
   * @default true
   */
  readonly units?: boolean;
}

/** Defaults of {@link OtelBackendOptions}. */
export const OTEL_BACKEND_DEFAULTS = Object.freeze({
  scopeName: '@glassbox/otel',
  units: true,
});

/** The OpenTelemetry backend: a core {@link Backend} plus what the exporter source needs. */
export interface OtelBackend extends Backend {
  readonly name: 'otel';
  /** The Meter the instruments were created on. */
  readonly meter: Meter;
  /**
   * For an exported data point: `false` when it belongs to a Glassbox gauge series
   * that was removed (the OTel SDK keeps reporting the last value of an asynchronous
   * series under cumulative temporality), `true` when it is live, `undefined` when the
   * metric is not a Glassbox gauge of this backend.
   */
  isLiveGaugePoint(metricName: string, attributes: Attributes): boolean | undefined;
  /** Names of the instruments created, with their OTel unit. */
  instruments(): ReadonlyArray<{ readonly name: string; readonly kind: string; readonly unit: string }>;
}

const OTEL_NAME = /^[a-z][a-z0-9_.\-/]{0,254}$/i;
const UCUM: Readonly<Record<string, string>> = Object.freeze({ seconds: 's', bytes: 'By', ratio: '1' });

/**
 * The OTel unit for a definition: UCUM for the base units Prometheus' OTLP translator
 * knows (`s`, `By`; `1` for a `_ratio` gauge), an annotation (`{dollars}`, ignored by
 * the translator) for anything else, so no suffix is ever added to a Glassbox name.
 */
export function otelUnit(def: Pick<ResolvedDefinition, 'unit' | 'kind' | 'name'>): string {
  const unit = def.unit;
  if (unit === undefined || unit === '') return '';
  if (unit === 'ratio') return def.kind === 'gauge' && def.name.endsWith('_ratio') ? '1' : '{ratio}';
  return UCUM[unit] ?? `{${unit}}`;
}

function keyOf(values: readonly string[]): string {
  return values.join('\u0001');
}

function attributesOf(labelNames: readonly string[], values: readonly string[]): Attributes {
  const out: Attributes = {};
  for (let i = 0; i < labelNames.length; i++) out[labelNames[i] as string] = values[i] as string;
  return Object.freeze(out);
}

interface GaugeCell {
  readonly attributes: Attributes;
  value: number;
}

/** A gauge's series, kept for the exporter's liveness check. */
interface GaugeState {
  readonly def: ResolvedDefinition;
  readonly cells: Map<string, GaugeCell>;
}

/** Returns the instrument options (help, OTel unit) after checking and recording the name. */
type Claim = (def: ResolvedDefinition) => { description: string; unit: string };

/** The Meter from `options`: the given one, or one taken from the MeterProvider. Throws on bad options. */
function resolveMeter(options: OtelBackendOptions): Meter {
  const { meter: givenMeter, meterProvider } = options;
  if (givenMeter !== undefined && meterProvider !== undefined)
    throw new TypeError('Glassbox otel: pass either meter or meterProvider, not both');
  let meter: Meter;
  if (givenMeter !== undefined) {
    if (givenMeter === null || typeof givenMeter.createCounter !== 'function')
      throw new TypeError('Glassbox otel: options.meter must be an OpenTelemetry Meter');
    meter = givenMeter;
  } else if (meterProvider !== undefined) {
    if (meterProvider === null || typeof meterProvider.getMeter !== 'function')
      throw new TypeError('Glassbox otel: options.meterProvider must be an OpenTelemetry MeterProvider');
    const scopeName = options.scopeName ?? OTEL_BACKEND_DEFAULTS.scopeName;
    if (typeof scopeName !== 'string' || scopeName.length === 0)
      throw new TypeError('Glassbox otel: scopeName must be a non-empty string');
    meter =
      options.scopeVersion === undefined
        ? meterProvider.getMeter(scopeName)
        : meterProvider.getMeter(scopeName, options.scopeVersion);
  } else {
    throw new TypeError('Glassbox otel: otelBackend needs { meter } or { meterProvider }');
  }
  if (
    typeof meter.createCounter !== 'function' ||
    typeof meter.createHistogram !== 'function' ||
    typeof meter.createObservableGauge !== 'function'
  )
    throw new TypeError('Glassbox otel: the Meter lacks createCounter/createHistogram/createObservableGauge');
  return meter;
}

/** The name check and unit of each instrument, recording what was created. */
function createClaim(withUnits: boolean, created: Map<string, { kind: string; unit: string }>): Claim {
  return (def) => {
    if (!OTEL_NAME.test(def.name))
      throw new Error(
        `Glassbox otel: "${def.name}" is not a valid OpenTelemetry instrument name (it must start with a letter and be at most 255 characters)`,
      );
    if (created.has(def.name))
      throw new Error(`Glassbox otel: metric "${def.name}" is already defined in this backend`);
    const unit = withUnits ? otelUnit(def) : '';
    created.set(def.name, { kind: def.kind, unit });
    return { description: def.help, unit };
  };
}

/** A counter on an OTel `Counter`. */
function otelCounter(
  meter: Meter,
  claim: Claim,
  def: ResolvedDefinition,
): BackendMetric<BackendCounterSeries> {
  const counter = meter.createCounter(def.name, claim(def));
  // prom-client shows a label-less counter at 0 before the first increment; so do we.
  if (def.labelNames.length === 0) counter.add(0, {});
  return {
    series(values) {
      const attributes = attributesOf(def.labelNames, values);
      return { inc: (v) => counter.add(v, attributes) };
    },
    // OTel has no way to forget a synchronous series: it keeps its cumulative value.
    remove() {},
  };
}

/** A gauge on an OTel `ObservableGauge` reporting the values kept here per series. */
function otelGauge(
  meter: Meter,
  claim: Claim,
  gauges: Map<string, GaugeState>,
  def: ResolvedDefinition,
): BackendMetric<BackendGaugeSeries> {
  const cells = new Map<string, GaugeCell>();
  const gauge = meter.createObservableGauge(def.name, claim(def));
  gauge.addCallback((result: ObservableResult) => {
    for (const cell of cells.values()) result.observe(cell.value, cell.attributes);
  });
  gauges.set(def.name, { def, cells });
  const cellFor = (key: string, values: readonly string[]): GaugeCell => {
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { attributes: attributesOf(def.labelNames, values), value: 0 };
      cells.set(key, cell);
    }
    return cell;
  };
  // prom-client shows a label-less gauge at 0 before the first set; so do we.
  if (def.labelNames.length === 0) cellFor('', []);
  return {
    // Lazy, like prom-client: a series exists from its first set/inc. Each call looks
    // the cell up, so a handle still held after remove() re-creates its series.
    series(labelValues) {
      const values = [...labelValues];
      const key = keyOf(values);
      return {
        set: (v) => {
          cellFor(key, values).value = v;
        },
        inc: (v) => {
          cellFor(key, values).value += v;
        },
      };
    },
    remove(values) {
      cells.delete(keyOf(values));
    },
  };
}

/** A histogram on an OTel `Histogram` with the definition's buckets as advice. */
function otelHistogram(
  meter: Meter,
  claim: Claim,
  def: ResolvedDefinition,
): BackendMetric<BackendHistogramSeries> {
  const histogram = meter.createHistogram(def.name, {
    ...claim(def),
    advice: { explicitBucketBoundaries: [...(def.buckets ?? [])] },
  });
  return {
    series(values) {
      const attributes = attributesOf(def.labelNames, values);
      return {
        observe: (v) => histogram.record(v, attributes),
        observeWithExemplar: (v, trace) => histogram.record(v, attributes, traceContextOf(trace)),
      };
    },
    remove() {},
  };
}

/** A context holding the span context of `trace` (sampled), for the SDK's exemplar filter. */
function traceContextOf(trace: TraceContext): Context {
  return traceApi.setSpanContext(ROOT_CONTEXT, {
    traceId: trace.traceId,
    spanId: trace.spanId,
    traceFlags: TraceFlags.SAMPLED,
  });
}

/**
 * Creates the OpenTelemetry backend.
 *
 * @example
 * ```ts
 * import { MeterProvider } from '@opentelemetry/sdk-metrics';
 * const meterProvider = new MeterProvider({ readers: [reader] });
 * const glassbox = createGlassbox({ backend: otelBackend({ meterProvider }) });
 * ```
 */
export function otelBackend(options: OtelBackendOptions): OtelBackend {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox otel: otelBackend needs { meter } or { meterProvider }');
  validateOptions('Glassbox otel', options, {
    meter: 'object',
    meterProvider: 'object',
    scopeName: 'string',
    scopeVersion: 'string',
    units: 'boolean',
  });
  const meter = resolveMeter(options);
  const withUnits = options.units ?? OTEL_BACKEND_DEFAULTS.units;
  const created = new Map<string, { kind: string; unit: string }>();
  const gauges = new Map<string, GaugeState>();
  const claim = createClaim(withUnits, created);

  return {
    name: 'otel',
    meter,
    counter: (def) => otelCounter(meter, claim, def),
    gauge: (def) => otelGauge(meter, claim, gauges, def),
    histogram: (def) => otelHistogram(meter, claim, def),
    isLiveGaugePoint(metricName, attributes) {
      const g = gauges.get(metricName);
      if (g === undefined) return undefined;
      const values = g.def.labelNames.map((l) => String(attributes[l] ?? ''));
      return g.cells.has(keyOf(values));
    },
    instruments: () => [...created].map(([name, { kind, unit }]) => ({ name, kind, unit })),
  };
}
