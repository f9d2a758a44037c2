import {
  catalog,
  createGlassbox,
  defineCounter,
  defineGauge,
  defineHistogram,
  resolveDefinition,
} from '@glassbox/core';
import type { MetricsSource } from '@glassbox/exporter';
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { cardinalityLimitFor, otelBackend, otelUnit } from '../src/index.js';
import { createPrometheusReader, otelSource } from '../src/prometheus.js';
import { render } from './helpers.js';

const providers: MeterProvider[] = [];
afterEach(async () => {
  while (providers.length > 0) await providers.pop()?.shutdown();
});

function setup(options: { seriesLimit?: number } = {}) {
  const reader = createPrometheusReader(options);
  const meterProvider = new MeterProvider({ readers: [reader] });
  providers.push(meterProvider);
  const backend = otelBackend({ meterProvider });
  const glassbox = createGlassbox({ backend, logger: null, ...options });
  return { reader, meterProvider, backend, glassbox };
}

describe('otelBackend options', () => {
  it('throws clear errors for missing, doubled or wrong meters', () => {
    const meterProvider = new MeterProvider();
    providers.push(meterProvider);
    expect(() => otelBackend({} as never)).toThrow(/needs \{ meter \} or \{ meterProvider \}/);
    expect(() => otelBackend(undefined as never)).toThrow(/needs \{ meter \} or \{ meterProvider \}/);
    expect(() => otelBackend({ meter: meterProvider.getMeter('x'), meterProvider })).toThrow(/not both/);
    expect(() => otelBackend({ meter: {} as never })).toThrow(/must be an OpenTelemetry Meter/);
    expect(() => otelBackend({ meterProvider: {} as never })).toThrow(
      /must be an OpenTelemetry MeterProvider/,
    );
    expect(() => otelBackend({ meterProvider, scopeName: '' })).toThrow(/scopeName/);
  });

  it('names the scope @glassbox/otel by default, or as told', async () => {
    const reader = createPrometheusReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    providers.push(meterProvider);
    const a = createGlassbox({ backend: otelBackend({ meterProvider }), logger: null });
    const b = createGlassbox({
      backend: otelBackend({ meterProvider, scopeName: 'risk-service', scopeVersion: '2.1.0' }),
      logger: null,
    });
    a.counter(catalog.batch.triggersTotal).inc({ batch_job: 'a' });
    b.counter(catalog.batch.runsTotal).inc({ job_name: 'b', status: 'success' });
    const { resourceMetrics } = await reader.collect();
    expect(resourceMetrics.scopeMetrics.map((s) => [s.scope.name, s.scope.version])).toEqual([
      ['@glassbox/otel', ''],
      ['risk-service', '2.1.0'],
    ]);
  });

  it('refuses a name OpenTelemetry rejects, and a metric defined twice on one backend', () => {
    const { backend } = setup();
    const bad = resolveDefinition(defineCounter({ name: '_hidden_total', help: 'x' }));
    expect(() => backend.counter(bad)).toThrow(/not a valid OpenTelemetry instrument name/);
    const def = resolveDefinition(catalog.http.requestsTotal);
    backend.counter(def);
    expect(() => backend.counter(def)).toThrow(/already defined in this backend/);
  });
});

describe('instruments', () => {
  it('maps units so that Prometheus OTLP translation adds no suffix', () => {
    const r = (d: Parameters<typeof resolveDefinition>[0]) => otelUnit(resolveDefinition(d));
    expect(r(catalog.http.requestDuration)).toBe('s');
    expect(r(catalog.http.requestSize)).toBe('By');
    expect(r(catalog.batch.progress)).toBe('1');
    expect(r(catalog.llm.costTotal)).toBe('{dollars}');
    expect(r(catalog.http.requestsTotal)).toBe('');
    expect(r(defineHistogram({ name: 'qc_ratio_spread', help: 'x', unit: 'ratio', buckets: [1] }))).toBe(
      '{ratio}',
    );
  });

  it('creates Counter, ObservableGauge and Histogram instruments with the catalog buckets as advice', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    providers.push(meterProvider);
    const backend = otelBackend({ meterProvider });
    const glassbox = createGlassbox({ backend, logger: null });
    glassbox.counter(catalog.llm.tokensTotal).inc({ provider: 'p', model: 'm', type: 'input' }, 12);
    glassbox.gauge(catalog.batch.progress).set({ job_name: 'nightly' }, 0.5);
    glassbox.histogram(catalog.batch.duration).observe({ job_name: 'nightly', status: 'success' }, 42);
    await meterProvider.forceFlush();
    const metrics = exporter.getMetrics().at(-1)?.scopeMetrics[0]?.metrics ?? [];
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    const tokens = byName.get('llm_tokens_total');
    expect(tokens?.dataPointType).toBe(DataPointType.SUM);
    expect(tokens).toMatchObject({ isMonotonic: true });
    expect(tokens?.dataPoints[0]?.value).toBe(12);
    const progress = byName.get('batch_job_progress_ratio');
    expect(progress?.dataPointType).toBe(DataPointType.GAUGE);
    expect(progress?.descriptor.unit).toBe('1');
    expect(progress?.dataPoints[0]).toMatchObject({ attributes: { job_name: 'nightly' }, value: 0.5 });
    const duration = byName.get('batch_job_duration_seconds') as HistogramMetricData;
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPoints[0]?.value.buckets.boundaries).toEqual([...catalog.batch.duration.buckets]);
    expect(backend.instruments()).toEqual(
      expect.arrayContaining([
        { name: 'llm_tokens_total', kind: 'counter', unit: '' },
        { name: 'batch_job_progress_ratio', kind: 'gauge', unit: '1' },
        { name: 'batch_job_duration_seconds', kind: 'histogram', unit: 's' },
      ]),
    );
  });

  it('leaves units empty with units: false', () => {
    const meterProvider = new MeterProvider();
    providers.push(meterProvider);
    const backend = otelBackend({ meterProvider, units: false });
    createGlassbox({ backend, logger: null }).histogram(catalog.http.requestDuration);
    expect(backend.instruments().find((i) => i.name === 'http_request_duration_seconds')?.unit).toBe('');
  });

  it('gauges support set, inc and dec on the same series', async () => {
    const { reader, backend, glassbox } = setup();
    const g = glassbox.gauge(catalog.consumer.inFlight);
    g.inc({ queue: 'scoring' });
    g.inc({ queue: 'scoring' }, 4);
    g.dec({ queue: 'scoring' }, 2);
    const bound = g.bind({ queue: 'billing' });
    bound.set(10);
    bound.dec();
    const text = await render(otelSource({ reader, backend }), 'prometheus');
    expect(text).toContain('rabbitmq_messages_in_flight{queue="scoring"} 3\n');
    expect(text).toContain('rabbitmq_messages_in_flight{queue="billing"} 9\n');
  });

  it('shows label-less counters and gauges at 0 before the first record, as prom-client does', async () => {
    const { reader, backend, glassbox } = setup();
    glassbox.counter(defineCounter({ name: 'forecasts_generated_total', help: 'Forecasts.' }));
    glassbox.gauge(defineGauge({ name: 'active_jobs', help: 'Jobs.' }));
    const text = await render(otelSource({ reader, backend }), 'prometheus');
    expect(text).toContain('\nforecasts_generated_total 0\n');
    expect(text).toContain('\nactive_jobs 0\n');
  });

  it('never throws into the host when the SDK instrument throws', () => {
    const throwing = {
      createCounter: () => ({
        add() {
          throw new Error('boom');
        },
      }),
      createHistogram: () => ({
        record() {
          throw new Error('boom');
        },
      }),
      createObservableGauge: () => ({ addCallback() {}, removeCallback() {} }),
    };
    const glassbox = createGlassbox({ backend: otelBackend({ meter: throwing as never }), logger: null });
    expect(() => glassbox.counter(catalog.drift.checksTotal).inc({ model: 'm' })).not.toThrow();
    expect(() =>
      glassbox.histogram(catalog.model.predictionScore).observe({ model: 'm' }, 0.5),
    ).not.toThrow();
  });
});

describe('remove()', () => {
  it('drops a removed gauge series from the served output (the SDK alone keeps its last value)', async () => {
    const { reader, backend, glassbox } = setup();
    const info = glassbox.gauge(catalog.model.modelInfo);
    info.set({ model: 'churn', model_version: '1' }, 1);
    await reader.collect(); // the SDK has now seen version 1
    info.remove({ model: 'churn', model_version: '1' });
    info.set({ model: 'churn', model_version: '2' }, 1);
    const withBackend = await render(otelSource({ reader, backend }), 'prometheus');
    expect(withBackend).not.toContain('model_version="1"');
    expect(withBackend).toContain('ml_model_info{model="churn",model_version="2"} 1\n');
    // Without the backend the SDK's cumulative state still reports version 1: the
    // reason otelSource takes the backend.
    const sdkOnly = await render(otelSource({ reader }), 'prometheus');
    expect(sdkOnly).toContain('ml_model_info{model="churn",model_version="1"} 1\n');
  });

  it('a removed gauge series set again starts from its new value', async () => {
    const { reader, backend, glassbox } = setup();
    const g = glassbox.gauge(catalog.batch.inProgress);
    g.inc({ job_name: 'etl' }, 5);
    g.remove({ job_name: 'etl' });
    g.inc({ job_name: 'etl' });
    expect(await render(otelSource({ reader, backend }), 'prometheus')).toContain(
      'batch_job_in_progress{job_name="etl"} 1\n',
    );
  });

  it('is a no-op on counters and histograms: OpenTelemetry cannot forget a synchronous series', async () => {
    const { reader, backend, glassbox } = setup();
    const c = glassbox.counter(catalog.model.predictionsTotal);
    const labels = { model: 'churn', model_version: '1', outcome: 'high' };
    c.inc(labels, 3);
    c.remove(labels);
    const text = await render(otelSource({ reader, backend }), 'prometheus');
    expect(text).toContain('ml_predictions_total{model="churn",model_version="1",outcome="high"} 3\n');
  });
});

describe('public types', () => {
  it('otelSource returns the exporter MetricsSource; cardinalityLimitFor is seriesLimit + 2', () => {
    expectTypeOf(otelSource).returns.toEqualTypeOf<MetricsSource>();
    expect(cardinalityLimitFor()).toBe(2002);
    expect(cardinalityLimitFor(100, { http_requests_total: 500 })).toBe(502);
    expect(() => cardinalityLimitFor(0)).toThrow(RangeError);
  });
});
