/**
 * `@glassbox/otel/prometheus`: serve the OTel data on Glassbox's auth-guarded
 * /metrics handler. A pull reader collects from the MeterProvider; the OTel
 * Prometheus exporter's own serializer renders the text; the source strips what the
 * prom-client backend does not emit (scope labels, `target_info`, `# UNIT` lines) so
 * the output matches it.
 *
 * Peers: `@opentelemetry/sdk-metrics` >=2 <4 and `@opentelemetry/exporter-prometheus`
 * >=0.209 <0.400 (the first with `withoutScopeInfo`).
 */
import { GLASSBOX_DEFAULTS, type Glassbox } from '@glassbox/core';
import {
  type ExpositionFormat,
  type MetricsSource,
  type PromMetricJson,
  renderOpenMetrics,
} from '@glassbox/exporter';
import type { Attributes } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
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
   * Keep the `otel_scope_name` / `otel_scope_version` labels the OTel serializer adds to
   * every series. Off, so label sets equal the prom-client backend's.
   * @default false
   */
  readonly scopeLabels?: boolean;
  /**
   * Emit the `target_info` series with the resource attributes (Prometheus text only:
   * with it on, the source offers no OpenMetrics).
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
   * Keep the `# UNIT` lines the OTel serializer writes. The Prometheus text format 0.0.4
   * has no UNIT line (Prometheus ignores it as a comment); off, so the text matches.
   * @default false
   */
  readonly unitLines?: boolean;
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
  unitLines: false,
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

/** The OTel Prometheus serializer's name sanitation, applied the same way for OpenMetrics. */
function sanitize(name: string): string {
  return name.replace(INVALID, '_').replace(UNDERSCORES, '_');
}

function labelsOf(attributes: Attributes, extra: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes))
    out[sanitize(k)] = typeof v === 'string' ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(extra)) out[sanitize(k)] = v;
  return out;
}

/**
 * Converts collected OTel data to prom-client's JSON shape, so the exporter renders
 * OpenMetrics for it exactly as it does for a prom-client registry.
 */
function toPromJson(
  resourceMetrics: ResourceMetrics,
  scopeLabels: boolean,
  resourceLabels: RegExp | undefined,
): PromMetricJson[] {
  const constant: Record<string, string> = {};
  if (resourceLabels !== undefined) {
    for (const [k, v] of Object.entries(resourceMetrics.resource.attributes))
      if (k.match(resourceLabels) && v !== undefined)
        constant[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  const out: PromMetricJson[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    const extra: Record<string, string> = {};
    if (scopeLabels) {
      extra['otel.scope.name'] = scope.scope.name;
      if (scope.scope.schemaUrl) extra['otel.scope.schema_url'] = scope.scope.schemaUrl;
      if (scope.scope.version) extra['otel.scope.version'] = scope.scope.version;
    }
    Object.assign(extra, constant);
    for (const metric of scope.metrics) {
      const converted = convertMetric(metric, extra);
      if (converted !== undefined) out.push(converted);
    }
  }
  return out;
}

function convertMetric(
  metric: MetricData,
  extra: Readonly<Record<string, string>>,
): PromMetricJson | undefined {
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
        values: metric.dataPoints.map((p) => ({ value: p.value, labels: labelsOf(p.attributes, extra) })),
      };
    }
    case DataPointType.HISTOGRAM: {
      const values: Array<PromMetricJson['values'][number]> = [];
      for (const p of metric.dataPoints) {
        const labels = labelsOf(p.attributes, extra);
        const { boundaries, counts } = p.value.buckets;
        let cumulative = 0;
        for (let i = 0; i < counts.length; i++) {
          cumulative += counts[i] ?? 0;
          const bound = boundaries[i];
          values.push({
            value: cumulative,
            labels: {
              le: bound === undefined || bound === Number.POSITIVE_INFINITY ? '+Inf' : bound,
              ...labels,
            },
            metricName: `${name}_bucket`,
          });
        }
        values.push({ value: p.value.sum ?? 0, labels, metricName: `${name}_sum` });
        values.push({ value: p.value.count, labels, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', values };
    }
    default:
      // Exponential histograms have no classic Prometheus form (the text serializer skips them too).
      return undefined;
  }
}

/**
 * An exporter source over an OTel reader, for `createMetricsHandler({ sources: [...] })`
 * of `@glassbox/exporter`: /metrics then serves the OTel data with the same auth,
 * negotiation and gzip. Prometheus text comes from the OTel Prometheus exporter's
 * serializer; OpenMetrics is rendered by `@glassbox/exporter` from the same data, as
 * for a prom-client registry.
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
  const { reader, backend, glassbox } = options;
  const scopeLabels = options.scopeLabels ?? OTEL_SOURCE_DEFAULTS.scopeLabels;
  const targetInfo = options.targetInfo ?? OTEL_SOURCE_DEFAULTS.targetInfo;
  const unitLines = options.unitLines ?? OTEL_SOURCE_DEFAULTS.unitLines;
  const resourceLabels = options.resourceConstantLabels;
  if (resourceLabels !== undefined && !(resourceLabels instanceof RegExp))
    throw new TypeError('Glassbox otel: resourceConstantLabels must be a RegExp');
  const serializer = new PrometheusSerializer(undefined, false, resourceLabels, !targetInfo, !scopeLabels);
  const formats: readonly ExpositionFormat[] = targetInfo ? ['prometheus'] : ['prometheus', 'openmetrics'];

  async function collectData(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0 && glassbox !== undefined)
      glassbox.reportError('otel', 'the OpenTelemetry SDK reported errors while collecting', errors[0]);
    return backend === undefined ? resourceMetrics : dropRemovedGaugePoints(resourceMetrics, backend);
  }

  return {
    formats,
    async collect(format: ExpositionFormat) {
      const data = await collectData();
      if (format === 'openmetrics') {
        if (targetInfo) throw new Error('Glassbox otel: OpenMetrics is not offered with targetInfo on');
        return renderOpenMetrics(toPromJson(data, scopeLabels, resourceLabels));
      }
      const kept = serializer
        .serialize(data)
        .split('\n')
        .filter((line) => line !== '# no registered metrics' && (unitLines || !line.startsWith('# UNIT ')));
      const text = kept.join('\n').trimEnd();
      return text === '' ? '' : `${text}\n`;
    },
  };
}

export { cardinalityLimitFor } from './cardinality.js';
