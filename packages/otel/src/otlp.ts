/**
 * `@glassbox/otel/otlp`: a MeterProvider that pushes to an OTLP/HTTP endpoint (an
 * OpenTelemetry Collector, Grafana Cloud, a Prometheus OTLP receiver, ...), configured
 * from the standard OpenTelemetry environment variables, with a shutdown that flushes.
 *
 * Peers: `@opentelemetry/sdk-metrics` and `@opentelemetry/resources` >=2 <4,
 * `@opentelemetry/exporter-metrics-otlp-http` >=0.200 <0.400.
 */
import { GLASSBOX_DEFAULTS, validateOptions } from '@glassbox/core';
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  type IMetricReader,
  type InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { cardinalityLimitFor, checkCardinalityLimit } from './cardinality.js';

/** Options of {@link createOtlpMeterProvider}. Every field falls back to the standard environment variable. */
export interface OtlpMeterProviderOptions {
  /**
   * Full URL of the OTLP/HTTP metrics endpoint.
   * @default OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + '/v1/metrics', else 'http://localhost:4318/v1/metrics'
   */
  readonly url?: string;
  /**
   * Headers sent with every export (e.g. `{ Authorization: 'Bearer ...' }`).
   * @default OTEL_EXPORTER_OTLP_HEADERS merged with OTEL_EXPORTER_OTLP_METRICS_HEADERS
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * `service.name` of the resource.
   * @default OTEL_SERVICE_NAME, else service.name from OTEL_RESOURCE_ATTRIBUTES, else 'unknown_service:node'
   */
  readonly serviceName?: string;
  /**
   * Resource attributes, merged over OTEL_RESOURCE_ATTRIBUTES (these win).
   * @default {}
   */
  readonly resourceAttributes?: Attributes;
  /**
   * Export interval in milliseconds.
   * @default OTEL_METRIC_EXPORT_INTERVAL, else 60000
   */
  readonly exportIntervalMillis?: number;
  /**
   * Export timeout in milliseconds (at most the interval).
   * @default OTEL_METRIC_EXPORT_TIMEOUT, else 30000
   */
  readonly exportTimeoutMillis?: number;
  /**
   * Aggregation temporality. Prometheus-compatible stores need `'cumulative'`.
   * @default OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, else 'cumulative'
   */
  readonly temporality?: 'cumulative' | 'delta';
  /**
   * Glassbox's series cap; the SDK's cardinality limit becomes `seriesLimit + 2`.
   * @default 2000
   */
  readonly seriesLimit?: number;
  /** Glassbox's per-metric caps; the largest one counts. @default {} */
  readonly seriesLimits?: Readonly<Record<string, number>>;
  /** An explicit SDK cardinality limit per instrument. @default seriesLimit + 2 */
  readonly cardinalityLimit?: number;
  /**
   * The exporter to push with, instead of the OTLP/HTTP JSON one built from the options
   * and variables: e.g. `new OTLPMetricExporter()` from
   * `@opentelemetry/exporter-metrics-otlp-proto` (protobuf) or `-otlp-grpc`. `url`,
   * `headers` and `temporality` then belong to that exporter.
   * @default an OTLPMetricExporter from `@opentelemetry/exporter-metrics-otlp-http`
   */
  readonly exporter?: PushMetricExporter;
  /**
   * More readers on the same MeterProvider, e.g. `createPrometheusReader()` from
   * `@glassbox/otel/prometheus` to also serve `/metrics` from the data that is pushed.
   * @default []
   */
  readonly readers?: readonly IMetricReader[];
}

/** Defaults of {@link OtlpMeterProviderOptions} (used when neither the option nor its variable is set). */
export const OTLP_METER_PROVIDER_DEFAULTS = Object.freeze({
  exportIntervalMillis: 60_000,
  exportTimeoutMillis: 30_000,
  seriesLimit: GLASSBOX_DEFAULTS.seriesLimit,
});

/** What {@link createOtlpMeterProvider} returns. */
export interface OtlpMeterProvider {
  /** Pass it to `otelBackend({ meterProvider })`. */
  readonly meterProvider: MeterProvider;
  /** The resource every export carries. */
  readonly resource: Resource;
  /** The export interval in force (ms). */
  readonly exportIntervalMillis: number;
  /** Exports what was recorded so far, now. */
  forceFlush(): Promise<void>;
  /** Exports the last interval, then stops the reader and the exporter. Safe to call twice. */
  shutdown(): Promise<void>;
}

function positiveMillis(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new RangeError(
      `Glassbox otel: ${name} must be a positive number of milliseconds, got ${String(value)}`,
    );
  return value;
}

function fromEnv(variable: string): number | undefined {
  const raw = process.env[variable];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(
      `Glassbox otel: ${variable} must be a positive number of milliseconds, got "${raw}"`,
    );
  return value;
}

class GlassboxPeriodicReader extends PeriodicExportingMetricReader {
  #limit: number;
  constructor(options: ConstructorParameters<typeof PeriodicExportingMetricReader>[0], limit: number) {
    super(options);
    this.#limit = limit;
  }
  // Overridden (rather than the `cardinalityLimits` option, which sdk-metrics 2.0–2.7 lack)
  // so the limit holds on every 2.x version.
  override selectCardinalityLimit(_instrumentType: InstrumentType): number {
    return this.#limit;
  }
}

/** The export interval and timeout (at most the interval), from the options or the variables. */
function resolveExportTimes(options: OtlpMeterProviderOptions): {
  exportIntervalMillis: number;
  exportTimeoutMillis: number;
} {
  const exportIntervalMillis = positiveMillis(
    'exportIntervalMillis',
    options.exportIntervalMillis ??
      fromEnv('OTEL_METRIC_EXPORT_INTERVAL') ??
      OTLP_METER_PROVIDER_DEFAULTS.exportIntervalMillis,
  );
  const exportTimeoutMillis = Math.min(
    exportIntervalMillis,
    positiveMillis(
      'exportTimeoutMillis',
      options.exportTimeoutMillis ??
        fromEnv('OTEL_METRIC_EXPORT_TIMEOUT') ??
        OTLP_METER_PROVIDER_DEFAULTS.exportTimeoutMillis,
    ),
  );
  return { exportIntervalMillis, exportTimeoutMillis };
}

/** Checks `url` and `temporality`, then returns the SDK cardinality limit. */
function checkExportOptions(options: OtlpMeterProviderOptions): number {
  if (options.url !== undefined) {
    try {
      new URL(options.url);
    } catch {
      throw new TypeError(`Glassbox otel: url is not a valid URL: ${String(options.url)}`);
    }
  }
  if (
    options.temporality !== undefined &&
    options.temporality !== 'cumulative' &&
    options.temporality !== 'delta'
  )
    throw new TypeError("Glassbox otel: temporality must be 'cumulative' or 'delta'");
  return options.cardinalityLimit === undefined
    ? cardinalityLimitFor(
        options.seriesLimit ?? OTLP_METER_PROVIDER_DEFAULTS.seriesLimit,
        options.seriesLimits ?? {},
      )
    : checkCardinalityLimit(options.cardinalityLimit);
}

/** The exporter passed in, else an OTLP/HTTP (JSON) one built from the options. */
function resolveExporter(options: OtlpMeterProviderOptions, exportTimeoutMillis: number): PushMetricExporter {
  if (options.exporter !== undefined && typeof options.exporter?.export !== 'function')
    throw new TypeError('Glassbox otel: exporter must be a PushMetricExporter (with export())');
  const protocol = process.env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (options.exporter === undefined && protocol !== undefined && protocol.trim() === 'grpc')
    throw new Error(
      'Glassbox otel: OTEL_EXPORTER_OTLP_PROTOCOL is grpc, but the built-in exporter speaks OTLP/HTTP; pass { exporter: new OTLPMetricExporter() } from @opentelemetry/exporter-metrics-otlp-grpc',
    );
  return (
    options.exporter ??
    new OTLPMetricExporter({
      ...(options.url === undefined ? {} : { url: options.url }),
      ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
      ...(options.temporality === undefined
        ? {}
        : {
            temporalityPreference:
              options.temporality === 'delta'
                ? AggregationTemporalityPreference.DELTA
                : AggregationTemporalityPreference.CUMULATIVE,
          }),
      timeoutMillis: exportTimeoutMillis,
    })
  );
}

/** The default resource, merged with OTEL_RESOURCE_ATTRIBUTES, merged with the options (these win). */
function resolveResource(options: OtlpMeterProviderOptions): Resource {
  const own: Attributes = { ...(options.resourceAttributes ?? {}) };
  if (options.serviceName !== undefined) {
    if (typeof options.serviceName !== 'string' || options.serviceName === '')
      throw new TypeError('Glassbox otel: serviceName must be a non-empty string');
    own['service.name'] = options.serviceName;
  }
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(own));
}

/**
 * Creates a MeterProvider that exports over OTLP/HTTP (JSON) on an interval (or through
 * the `exporter` you pass). `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf` is accepted (an
 * OTLP/HTTP endpoint takes JSON too); `grpc` needs an `exporter`.
 * Configuration comes from the options, else from the standard variables
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_METRIC_EXPORT_TIMEOUT`, ...). Throws at start-up
 * on bad values. Call `shutdown()` on SIGTERM so the last interval is not lost.
 *
 * @example
 * ```ts
 * const otlp = createOtlpMeterProvider();
 * const glassbox = createGlassbox({ backend: otelBackend({ meterProvider: otlp.meterProvider }) });
 * process.once('SIGTERM', () => void otlp.shutdown());
 * ```
 */
export function createOtlpMeterProvider(options: OtlpMeterProviderOptions = {}): OtlpMeterProvider {
  validateOptions('Glassbox otel', options, {
    url: 'string',
    headers: 'object',
    serviceName: 'string',
    resourceAttributes: 'object',
    exportIntervalMillis: 'number',
    exportTimeoutMillis: 'number',
    temporality: { type: 'string', oneOf: ['cumulative', 'delta'] },
    seriesLimit: 'number',
    seriesLimits: 'object',
    cardinalityLimit: 'number',
    exporter: 'object',
    readers: 'array',
  });
  const { exportIntervalMillis, exportTimeoutMillis } = resolveExportTimes(options);
  const limit = checkExportOptions(options);
  const exporter = resolveExporter(options, exportTimeoutMillis);
  const resource = resolveResource(options);
  const reader = new GlassboxPeriodicReader({ exporter, exportIntervalMillis, exportTimeoutMillis }, limit);
  const extra = options.readers ?? [];
  if (!Array.isArray(extra) || extra.some((r) => typeof r?.collect !== 'function'))
    throw new TypeError('Glassbox otel: readers must be MetricReaders');
  const meterProvider = new MeterProvider({ resource, readers: [reader, ...extra] });
  let stopping: Promise<void> | undefined;
  return {
    meterProvider,
    resource,
    exportIntervalMillis,
    forceFlush: () => meterProvider.forceFlush(),
    shutdown() {
      stopping ??= meterProvider.shutdown();
      return stopping;
    },
  };
}
