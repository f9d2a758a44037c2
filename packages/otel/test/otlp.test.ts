/**
 * OTLP push: a real HTTP receiver started here decodes the OTLP/HTTP JSON payloads
 * that createOtlpMeterProvider sends; configuration comes from the standard OTEL_*
 * variables; shutdown() flushes the last interval.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { catalog, createGlassbox } from '@glassbox/core';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { otelBackend } from '../src/index.js';
import { createOtlpMeterProvider } from '../src/otlp.js';
import { createPrometheusReader, otelSource } from '../src/prometheus.js';
import { listen, render } from './helpers.js';

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface DataPoint {
  attributes?: KeyValue[];
  asDouble?: number;
  asInt?: number | string;
  count?: number | string;
  sum?: number;
  bucketCounts?: Array<number | string>;
  explicitBounds?: number[];
}
interface OtlpMetric {
  name: string;
  unit?: string;
  description?: string;
  sum?: { dataPoints: DataPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
  gauge?: { dataPoints: DataPoint[] };
  histogram?: { dataPoints: DataPoint[]; aggregationTemporality?: number };
}
interface OtlpRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: {
    resourceMetrics: Array<{
      resource: { attributes: KeyValue[] };
      scopeMetrics: Array<{ scope: { name: string }; metrics: OtlpMetric[] }>;
    }>;
  };
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? [])
    out[key] = value.stringValue ?? value.doubleValue ?? value.boolValue ?? Number(value.intValue);
  return out;
}
function num(p: DataPoint): number {
  return p.asDouble ?? Number(p.asInt);
}

/** A minimal OTLP/HTTP metrics receiver: records every request, answers 200 `{}`. */
async function receiver() {
  const requests: OtlpRequest[] = [];
  const waiters: Array<() => void> = [];
  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
      for (const w of waiters.splice(0)) w();
    });
  });
  return {
    url: server.url,
    requests,
    close: server.close,
    /** Resolves at the next request (or rejects after `ms`). */
    next(ms = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no OTLP request arrived')), ms);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** The metrics of the last request, by name. */
function metricsOf(request: OtlpRequest | undefined): Map<string, OtlpMetric> {
  const out = new Map<string, OtlpMetric>();
  for (const rm of request?.body.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.name, m);
  return out;
}

const VARS = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_EXPORTER_OTLP_METRICS_HEADERS',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_METRIC_EXPORT_INTERVAL',
  'OTEL_METRIC_EXPORT_TIMEOUT',
  'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL',
] as const;
let saved: Record<string, string | undefined> = {};
const closers: Array<() => Promise<unknown>> = [];
beforeEach(() => {
  saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
  for (const v of VARS) delete process.env[v];
});
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
});

describe('createOtlpMeterProvider', () => {
  it('pushes names, attributes, values and buckets configured from OTEL_* variables; shutdown flushes', async () => {
    const rx = await receiver();
    closers.push(rx.close);
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = rx.url;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-api-key=abc123,x-tenant=risk%20team';
    process.env.OTEL_SERVICE_NAME = 'risk-analytics';
    process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment=prod,service.version=1.4.2';
    process.env.OTEL_METRIC_EXPORT_INTERVAL = '3600000';
    const otlp = createOtlpMeterProvider();
    closers.push(() => otlp.shutdown());
    expect(otlp.exportIntervalMillis).toBe(3_600_000);
    const glassbox = createGlassbox({
      backend: otelBackend({ meterProvider: otlp.meterProvider }),
      logger: null,
    });

    const predictions = glassbox.counter(catalog.model.predictionsTotal);
    const latency = glassbox.histogram(catalog.model.predictionDuration);
    const info = glassbox.gauge(catalog.model.modelInfo);
    predictions.inc({ model: 'churn', model_version: '7', outcome: 'high' }, 2);
    for (const v of [0.02, 0.3, 0.3, 4]) latency.observe({ model: 'churn', model_version: '7' }, v);
    info.set({ model: 'churn', model_version: '7' }, 1);

    // An interval of an hour: nothing is sent until shutdown.
    await new Promise((r) => setTimeout(r, 100));
    expect(rx.requests).toHaveLength(0);
    predictions.inc({ model: 'churn', model_version: '7', outcome: 'high' }); // the last interval
    await otlp.shutdown();
    expect(rx.requests).toHaveLength(1);
    const request = rx.requests[0] as OtlpRequest;
    expect(request.path).toBe('/v1/metrics');
    expect(request.headers['content-type']).toMatch(/^application\/json/);
    expect(request.headers['x-api-key']).toBe('abc123');
    expect(request.headers['x-tenant']).toBe('risk team');
    const resource = attrs(request.body.resourceMetrics[0]?.resource.attributes);
    expect(resource).toMatchObject({
      'service.name': 'risk-analytics',
      'service.version': '1.4.2',
      'deployment.environment': 'prod',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(request.body.resourceMetrics[0]?.scopeMetrics[0]?.scope.name).toBe('@glassbox/otel');

    const metrics = metricsOf(request);
    const counter = metrics.get('ml_predictions_total');
    expect(counter?.sum?.isMonotonic).toBe(true);
    expect(counter?.sum?.aggregationTemporality).toBe(2); // cumulative
    expect(counter?.sum?.dataPoints.map((p) => [attrs(p.attributes), num(p)])).toEqual([
      [{ model: 'churn', model_version: '7', outcome: 'high' }, 3],
    ]);
    const histogram = metrics.get('ml_prediction_duration_seconds');
    expect(histogram?.unit).toBe('s');
    expect(histogram?.description).toBe('Model prediction latency in seconds.');
    const point = histogram?.histogram?.dataPoints[0] as DataPoint;
    expect(attrs(point.attributes)).toEqual({ model: 'churn', model_version: '7' });
    expect(Number(point.count)).toBe(4);
    expect(point.sum).toBeCloseTo(4.62, 10);
    expect(point.explicitBounds).toEqual([...catalog.model.predictionDuration.buckets]);
    expect(point.bucketCounts?.map(Number)).toEqual([0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0]);
    const gauge = metrics.get('ml_model_info');
    expect(gauge?.gauge?.dataPoints.map((p) => [attrs(p.attributes), num(p)])).toEqual([
      [{ model: 'churn', model_version: '7' }, 1],
    ]);
    // Idempotent.
    await otlp.shutdown();
    expect(rx.requests).toHaveLength(1);
  });

  it('exports every OTEL_METRIC_EXPORT_INTERVAL; OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is used as is', async () => {
    const rx = await receiver();
    closers.push(rx.close);
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:9/ignored';
    process.env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT = `${rx.url}/otlp/custom`;
    process.env.OTEL_METRIC_EXPORT_INTERVAL = '200';
    const otlp = createOtlpMeterProvider();
    closers.push(() => otlp.shutdown());
    const glassbox = createGlassbox({
      backend: otelBackend({ meterProvider: otlp.meterProvider }),
      logger: null,
    });
    glassbox.counter(catalog.batch.triggersTotal).inc({ batch_job: 'nightly' });
    await rx.next();
    expect(rx.requests[0]?.path).toBe('/otlp/custom');
    expect(metricsOf(rx.requests[0]).get('batch_job_triggers_total')?.sum?.dataPoints[0]).toBeDefined();
  });

  it('options win over the variables; delta temporality on request; the cardinality limit follows seriesLimit', async () => {
    const rx = await receiver();
    closers.push(rx.close);
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:9';
    process.env.OTEL_SERVICE_NAME = 'from-env';
    const otlp = createOtlpMeterProvider({
      url: `${rx.url}/v1/metrics`,
      headers: { Authorization: 'Bearer t0ken' },
      serviceName: 'from-options',
      resourceAttributes: { 'k8s.namespace.name': 'risk' },
      exportIntervalMillis: 3_600_000,
      temporality: 'delta',
      seriesLimit: 3,
    });
    closers.push(() => otlp.shutdown());
    const glassbox = createGlassbox({
      backend: otelBackend({ meterProvider: otlp.meterProvider }),
      logger: null,
      seriesLimit: 3,
    });
    const c = glassbox.counter(catalog.http.requestsTotal);
    for (let i = 0; i < 8; i++) c.inc({ method: 'GET', route: `/r/${i}`, status_code: '200' });
    await otlp.forceFlush();
    const request = rx.requests[0] as OtlpRequest;
    expect(request.headers.authorization).toBe('Bearer t0ken');
    expect(attrs(request.body.resourceMetrics[0]?.resource.attributes)).toMatchObject({
      'service.name': 'from-options',
      'k8s.namespace.name': 'risk',
    });
    const sum = metricsOf(request).get('http_requests_total')?.sum;
    expect(sum?.aggregationTemporality).toBe(1); // delta
    const points = (sum?.dataPoints ?? []).map((p) => [attrs(p.attributes), num(p)]);
    expect(points).toHaveLength(4);
    expect(points).toContainEqual([
      { method: '__overflow__', route: '__overflow__', status_code: '__overflow__' },
      5,
    ]);
    expect(JSON.stringify(request.body)).not.toContain('otel.metric.overflow');
  });

  it('pushes through the exporter it is given (protobuf, gRPC), with the same resource, limit and flush', async () => {
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'grpc'; // fine: the exporter is ours
    process.env.OTEL_SERVICE_NAME = 'scoring-api';
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const otlp = createOtlpMeterProvider({ exporter, exportIntervalMillis: 3_600_000 });
    closers.push(() => otlp.shutdown());
    const glassbox = createGlassbox({
      backend: otelBackend({ meterProvider: otlp.meterProvider }),
      logger: null,
    });
    glassbox.counter(catalog.llm.tokensTotal).inc({ provider: 'openai', model: 'gpt', type: 'output' }, 120);
    await otlp.shutdown();
    const batches = exporter.getMetrics();
    expect(batches).toHaveLength(1);
    expect(batches[0]?.resource.attributes['service.name']).toBe('scoring-api');
    const tokens = batches[0]?.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === 'llm_tokens_total');
    expect(tokens?.dataPoints[0]?.value).toBe(120);
  });

  it('serves /metrics from the pushed data with an extra pull reader on the same provider', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const pull = createPrometheusReader();
    const otlp = createOtlpMeterProvider({ exporter, readers: [pull], exportIntervalMillis: 3_600_000 });
    closers.push(() => otlp.shutdown());
    const backend = otelBackend({ meterProvider: otlp.meterProvider });
    const glassbox = createGlassbox({ backend, logger: null });
    glassbox.counter(catalog.consumer.consumedTotal).inc({ queue: 'scoring', outcome: 'ack' }, 5);
    expect(await render(otelSource({ reader: pull, backend }), 'prometheus')).toContain(
      'rabbitmq_messages_consumed_total{queue="scoring",outcome="ack"} 5\n',
    );
    await otlp.shutdown();
    const pushed = exporter
      .getMetrics()[0]
      ?.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === 'rabbitmq_messages_consumed_total');
    expect(pushed?.dataPoints[0]?.value).toBe(5);
    expect(() => createOtlpMeterProvider({ readers: [{}] as never })).toThrow(/readers/);
  });

  it('accepts http/protobuf and refuses grpc without an exporter', async () => {
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/protobuf';
    const ok = createOtlpMeterProvider({ url: 'http://127.0.0.1:9/v1/metrics' });
    await ok.shutdown().catch(() => undefined);
    process.env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL = 'grpc';
    expect(() => createOtlpMeterProvider()).toThrow(/grpc.*exporter-metrics-otlp-grpc/);
    expect(() => createOtlpMeterProvider({ exporter: {} as never })).toThrow(/PushMetricExporter/);
  });

  it('throws at start-up on bad options or variables', () => {
    expect(() => createOtlpMeterProvider({ url: 'not a url' })).toThrow(/valid URL/);
    expect(() => createOtlpMeterProvider({ exportIntervalMillis: 0 })).toThrow(/exportIntervalMillis/);
    expect(() => createOtlpMeterProvider({ temporality: 'sideways' as never })).toThrow(/temporality/);
    expect(() => createOtlpMeterProvider({ serviceName: '' })).toThrow(/serviceName/);
    expect(() => createOtlpMeterProvider({ cardinalityLimit: 0 })).toThrow(/cardinalityLimit/);
    process.env.OTEL_METRIC_EXPORT_INTERVAL = 'soon';
    expect(() => createOtlpMeterProvider()).toThrow(/OTEL_METRIC_EXPORT_INTERVAL/);
  });
});
