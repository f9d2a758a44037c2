/**
 * `@glassbox/otel/prometheus`: serve the OTel data on Glassbox's auth-guarded
 * /metrics handler. A pull reader collects from the MeterProvider; the OTel
 * Prometheus exporter's own serializer renders the text; the source strips what the
 * prom-client backend does not emit (scope labels, `target_info`, `# UNIT` lines) so
 * the output matches it.
 *
 * Peers: `@opentelemetry/sdk-metrics` ^2 and `@opentelemetry/exporter-prometheus`
 * >=0.200 <0.300.
 */
import type { Glassbox } from '@glassbox/core';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type InstrumentType,
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
export const PROMETHEUS_READER_DEFAULTS = Object.freeze({ seriesLimit: 2000 });

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

/** The exporter's `MetricsSource` shape (from `@glassbox/exporter`), restated so this package does not depend on it. */
export interface OtelMetricsSource {
  readonly formats: readonly ('prometheus' | 'openmetrics')[];
  collect(format: 'prometheus' | 'openmetrics'): Promise<string>;
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
  /** Emit the `target_info` series with the resource attributes. @default false */
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

/**
 * An exporter source over an OTel reader, for `createMetricsHandler({ sources: [...] })`
 * of `@glassbox/exporter`: /metrics then serves the OTel data with the same auth,
 * negotiation and gzip. The OTel serializer writes the Prometheus text format only,
 * so the source declares `formats: ['prometheus']` (the handler then answers in text
 * even to an OpenMetrics `Accept`).
 *
 * @example
 * ```ts
 * const reader = createPrometheusReader();
 * const meterProvider = new MeterProvider({ readers: [reader] });
 * const backend = otelBackend({ meterProvider });
 * const handler = createMetricsHandler({ sources: [otelSource({ reader, backend })], auth });
 * ```
 */
export function otelSource(options: OtelSourceOptions): OtelMetricsSource {
  if (options === null || typeof options !== 'object' || typeof options.reader?.collect !== 'function')
    throw new TypeError(
      'Glassbox otel: otelSource needs { reader } — a MetricReader registered on the MeterProvider',
    );
  const { reader, backend, glassbox } = options;
  const scopeLabels = options.scopeLabels ?? OTEL_SOURCE_DEFAULTS.scopeLabels;
  const targetInfo = options.targetInfo ?? OTEL_SOURCE_DEFAULTS.targetInfo;
  const unitLines = options.unitLines ?? OTEL_SOURCE_DEFAULTS.unitLines;
  const serializer = new PrometheusSerializer(
    undefined,
    false,
    options.resourceConstantLabels,
    !targetInfo,
    !scopeLabels,
  );
  return {
    formats: ['prometheus'],
    async collect(format) {
      if (format !== 'prometheus')
        throw new Error(`Glassbox otel: the OTel serializer cannot render ${format}`);
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0 && glassbox !== undefined)
        glassbox.reportError('otel', 'the OpenTelemetry SDK reported errors while collecting', errors[0]);
      const data = backend === undefined ? resourceMetrics : dropRemovedGaugePoints(resourceMetrics, backend);
      const lines = serializer.serialize(data).split('\n');
      const kept = lines.filter(
        (line) => line !== '# no registered metrics' && (unitLines || !line.startsWith('# UNIT ')),
      );
      const text = kept.join('\n').trimEnd();
      return text === '' ? '' : `${text}\n`;
    },
  };
}

export { cardinalityLimitFor } from './cardinality.js';
