/**
 * `@glassbox/otel/prometheus`: serve the OTel data on Glassbox's auth-guarded
 * /metrics handler. A pull reader collects from the MeterProvider; the source turns
 * the collected data into metric families (names sanitized as the OTel Prometheus
 * exporter does, counters with `_total`, no scope labels or `target_info` unless asked)
 * and the exporter renders them like every other source, so the output matches the
 * prom-client and native backends.
 *
 * Peer: `@opentelemetry/sdk-metrics` >=2 <4 (a `PrometheusExporter` of
 * `@opentelemetry/exporter-prometheus` also works as the reader).
 */
import {
  type Exemplar,
  GLASSBOX_DEFAULTS,
  type Glassbox,
  type MetricFamily,
  type MetricsSource,
  validateOptions,
} from '@glassbox/core';
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type InstrumentType,
  type MetricData,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { OtelBackend } from './backend.js';
import { cardinalityLimitFor, checkCardinalityLimit } from './cardinality.js';

/** Options of {@link createPrometheusReader}. */
export interface PrometheusReaderOptions {
  /**
   * Glassbox's series cap (`GlassboxOptions.seriesLimit`); the reader's cardinality
   * limit becomes `seriesLimit + 2` so the SDK never folds a series Glassbox let through.
   * @default 2000
   */
  readonly seriesLimit?: number;
  /** Glassbox's per-metric caps (`GlassboxOptions.seriesLimits`); the largest one counts. @default {} */
  readonly seriesLimits?: Readonly<Record<string, number>>;
  /**
   * An explicit SDK cardinality limit per instrument, instead of the one derived from
   * the series caps.
   * @default seriesLimit + 2
   */
  readonly cardinalityLimit?: number;
}

/** Defaults of {@link PrometheusReaderOptions}. */
export const PROMETHEUS_READER_DEFAULTS = Object.freeze({ seriesLimit: GLASSBOX_DEFAULTS.seriesLimit });

class GlassboxPullReader extends MetricReader {
  constructor(limit: number) {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      cardinalitySelector: (_type: InstrumentType) => limit,
    });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * Creates a pull MetricReader (cumulative, like Prometheus expects) for
 * `new MeterProvider({ readers: [reader] })`, with its cardinality limit aligned on
 * Glassbox's series cap. Pass it to {@link otelSource}.
 */
export function createPrometheusReader(options: PrometheusReaderOptions = {}): MetricReader {
  validateOptions('Glassbox otel', options, {
    seriesLimit: 'number',
    seriesLimits: 'object',
    cardinalityLimit: 'number',
  });
  const limit =
    options.cardinalityLimit === undefined
      ? cardinalityLimitFor(
          options.seriesLimit ?? PROMETHEUS_READER_DEFAULTS.seriesLimit,
          options.seriesLimits ?? {},
        )
      : checkCardinalityLimit(options.cardinalityLimit);
  return new GlassboxPullReader(limit);
}

/** The reader surface {@link otelSource} uses: any MetricReader (including a `PrometheusExporter`). */
export interface CollectingReader {
  collect(options?: { timeoutMillis?: number }): Promise<CollectionResult>;
}

/** Options of {@link otelSource}. */
export interface OtelSourceOptions {
  /** The reader registered on the MeterProvider: {@link createPrometheusReader}, or a `PrometheusExporter`. */
  readonly reader: CollectingReader;
  /**
   * The Glassbox OTel backend. When given, series removed from Glassbox gauges are
   * dropped from the output (the SDK keeps reporting their last value).
   * @default undefined
   */
  readonly backend?: OtelBackend;
  /**
   * Add the `otel_scope_name` / `otel_scope_version` labels the OTel Prometheus exporter adds to
   * every series. Off, so label sets equal the prom-client backend's.
   * @default false
   */
  readonly scopeLabels?: boolean;
  /**
   * Emit the `target_info` series with the resource attributes (an info family: a
   * gauge in text 0.0.4, `info` in OpenMetrics).
   * @default false
   */
  readonly targetInfo?: boolean;
  /**
   * Resource attributes copied as labels onto every series (a regex on the attribute
   * name, e.g. `/^service_/`), as the OTel Prometheus exporter's `withResourceConstantLabels`.
   * @default undefined
   */
  readonly resourceConstantLabels?: RegExp;
  /**
   * Instance whose `glassbox_instrumentation_errors_total{component="otel"}` counts
   * errors the SDK reports during a collection (the scrape still serves what was collected).
   * @default undefined
   */
  readonly glassbox?: Glassbox;
}

/** Defaults of {@link OtelSourceOptions}. */
export const OTEL_SOURCE_DEFAULTS = Object.freeze({
  scopeLabels: false,
  targetInfo: false,
});

function dropRemovedGaugePoints(resourceMetrics: ResourceMetrics, backend: OtelBackend): ResourceMetrics {
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
      scope: scope.scope,
      metrics: scope.metrics.map((metric) => {
        if (metric.dataPointType !== DataPointType.GAUGE) return metric;
        const name = metric.descriptor.name;
        return {
          ...metric,
          dataPoints: metric.dataPoints.filter((p) => backend.isLiveGaugePoint(name, p.attributes) !== false),
        };
      }),
    })),
  };
}

const INVALID = /[^a-z0-9_]/gi;
const UNDERSCORES = /_{2,}/g;

/** The OTel Prometheus exporter's name sanitation. */
function sanitize(name: string): string {
  return name.replace(INVALID, '_').replace(UNDERSCORES, '_');
}

function attributeValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Label names and values of a data point, then the scope/resource labels. */
function pointLabels(
  attributes: Attributes,
  extra: Readonly<Record<string, string>>,
): { labelNames: string[]; labelValues: string[] } {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) merged[sanitize(k)] = attributeValue(v);
  for (const [k, v] of Object.entries(extra)) merged[sanitize(k)] = v;
  return { labelNames: Object.keys(merged), labelValues: Object.values(merged) };
}

/** Labels every series gets: the scope's (when asked) and the resource attributes matching `resourceLabels`. */
function constantLabels(
  resourceMetrics: ResourceMetrics,
  scope: ResourceMetrics['scopeMetrics'][number]['scope'],
  scopeLabels: boolean,
  resourceLabels: RegExp | undefined,
): Record<string, string> {
  const extra: Record<string, string> = {};
  if (scopeLabels) {
    extra['otel.scope.name'] = scope.name;
    if (scope.schemaUrl) extra['otel.scope.schema_url'] = scope.schemaUrl;
    if (scope.version) extra['otel.scope.version'] = scope.version;
  }
  if (resourceLabels !== undefined) {
    for (const [k, v] of Object.entries(resourceMetrics.resource.attributes))
      if (k.match(resourceLabels) && v !== undefined) extra[k] = attributeValue(v);
  }
  return extra;
}

/** The `target_info` family: the resource attributes as labels, value 1. */
function targetInfoFamily(resourceMetrics: ResourceMetrics): MetricFamily {
  const { labelNames, labelValues } = pointLabels(resourceMetrics.resource.attributes, {});
  return {
    name: 'target_info',
    type: 'info',
    help: 'Target metadata',
    labelNames: [],
    points: [{ labelNames, labelValues, value: 1 }],
  };
}

/** Converts collected OTel data to metric families (the exporter's data model). */
function toFamilies(
  resourceMetrics: ResourceMetrics,
  scopeLabels: boolean,
  resourceLabels: RegExp | undefined,
  targetInfo: boolean,
): MetricFamily[] {
  const out: MetricFamily[] = targetInfo ? [targetInfoFamily(resourceMetrics)] : [];
  for (const scope of resourceMetrics.scopeMetrics) {
    const extra = constantLabels(resourceMetrics, scope.scope, scopeLabels, resourceLabels);
    for (const metric of scope.metrics) {
      const converted = convertMetric(metric, extra);
      if (converted !== undefined) out.push(converted);
    }
  }
  return out;
}

/**
 * An exemplar as an OpenTelemetry SDK that records them puts on a data point
 * (`DataPoint.exemplars`, the OTel data model's `Exemplar`). Read structurally: SDK
 * releases without exemplars simply leave the field out.
 */
interface OtelExemplarLike {
  readonly value: number;
  readonly timestamp: readonly [number, number];
  readonly traceId?: string;
  readonly spanId?: string;
}

function toExemplar(e: OtelExemplarLike): Exemplar | undefined {
  if (typeof e?.traceId !== 'string' || typeof e.spanId !== 'string' || typeof e.value !== 'number')
    return undefined;
  const [s, ns] = e.timestamp ?? [];
  return {
    labels: { trace_id: e.traceId, span_id: e.spanId },
    value: e.value,
    timestamp: typeof s === 'number' && typeof ns === 'number' ? s + ns / 1e9 : undefined,
  };
}

/**
 * A point's exemplars in the renderer's layout: per bucket for a histogram (by value;
 * the latest wins when several fall in one bucket), one at index 0 for a counter.
 * Only exemplars with a trace id and span id are kept (OpenMetrics exemplar labels).
 */
function exemplarsOf(
  p: object,
  bounds: readonly number[] | undefined,
): Array<Exemplar | undefined> | undefined {
  const list = (p as { exemplars?: readonly OtelExemplarLike[] }).exemplars;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out = new Array<Exemplar | undefined>(bounds === undefined ? 1 : bounds.length + 1).fill(undefined);
  let any = false;
  for (const raw of list) {
    const e = toExemplar(raw);
    if (e === undefined) continue;
    let i = 0;
    if (bounds !== undefined) while (i < bounds.length && e.value > (bounds[i] as number)) i++;
    const kept = out[i];
    if (kept === undefined || (e.timestamp ?? 0) >= (kept.timestamp ?? 0)) out[i] = e;
    any = true;
  }
  return any ? out : undefined;
}

function convertMetric(
  metric: MetricData,
  extra: Readonly<Record<string, string>>,
): MetricFamily | undefined {
  let name = sanitize(metric.descriptor.name);
  const help = metric.descriptor.description || 'description missing';
  switch (metric.dataPointType) {
    case DataPointType.SUM:
    case DataPointType.GAUGE: {
      const counter = metric.dataPointType === DataPointType.SUM && metric.isMonotonic;
      if (counter && !name.endsWith('_total')) name += '_total';
      return {
        name,
        help,
        type: counter ? 'counter' : 'gauge',
        labelNames: [],
        points: metric.dataPoints.map((p) => ({
          ...pointLabels(p.attributes, extra),
          value: p.value,
          exemplars: counter ? exemplarsOf(p, undefined) : undefined,
        })),
      };
    }
    case DataPointType.HISTOGRAM: {
      const first = metric.dataPoints[0];
      const bounds = (first?.value.buckets.boundaries ?? []).filter((b) => b !== Number.POSITIVE_INFINITY);
      return {
        name,
        help,
        type: 'histogram',
        labelNames: [],
        bounds,
        points: metric.dataPoints.map((p) => ({
          ...pointLabels(p.attributes, extra),
          value: p.value.count,
          sum: p.value.sum ?? 0,
          bucketCounts: p.value.buckets.counts,
          exemplars: exemplarsOf(p, bounds),
        })),
      };
    }
    default:
      // Exponential histograms have no classic Prometheus form (the OTel serializer skips them too).
      return undefined;
  }
}

/**
 * An exporter source over an OTel reader, for `createMetricsHandler({ sources: [...] })`
 * of `@glassbox/exporter`: /metrics then serves the OTel data with the same auth,
 * negotiation and gzip, rendered in both formats by `@glassbox/exporter` from the
 * families this source hands over, as for every other source.
 *
 * @example
 * ```ts
 * const reader = createPrometheusReader();
 * const meterProvider = new MeterProvider({ readers: [reader] });
 * const backend = otelBackend({ meterProvider });
 * const handler = createMetricsHandler({ sources: [otelSource({ reader, backend })], auth });
 * ```
 */
export function otelSource(options: OtelSourceOptions): MetricsSource {
  if (options === null || typeof options !== 'object' || typeof options.reader?.collect !== 'function')
    throw new TypeError(
      'Glassbox otel: otelSource needs { reader } — a MetricReader registered on the MeterProvider',
    );
  validateOptions('Glassbox otel', options, {
    reader: 'object',
    backend: 'object',
    scopeLabels: 'boolean',
    targetInfo: 'boolean',
    resourceConstantLabels: 'object',
    glassbox: 'object',
  });
  const { reader, backend, glassbox } = options;
  const scopeLabels = options.scopeLabels ?? OTEL_SOURCE_DEFAULTS.scopeLabels;
  const targetInfo = options.targetInfo ?? OTEL_SOURCE_DEFAULTS.targetInfo;
  const resourceLabels = options.resourceConstantLabels;
  if (resourceLabels !== undefined && !(resourceLabels instanceof RegExp))
    throw new TypeError('Glassbox otel: resourceConstantLabels must be a RegExp');

  async function collectData(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0 && glassbox !== undefined)
      glassbox.reportError('otel', 'the OpenTelemetry SDK reported errors while collecting', errors[0]);
    return backend === undefined ? resourceMetrics : dropRemovedGaugePoints(resourceMetrics, backend);
  }

  return {
    async collect() {
      const data = await collectData();
      return toFamilies(data, scopeLabels, resourceLabels, targetInfo);
    },
  };
}

export { cardinalityLimitFor } from './cardinality.js';
