/**
 * The OTel data on @glassbox/exporter's handler: auth, negotiation and gzip as for a
 * prom-client registry; the OTel-only labels and lines as options; cardinality.
 */
import { catalog, createGlassbox } from '@glassbox/core';
import { createMetricsHandler } from '@glassbox/exporter';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { otelBackend } from '../src/index.js';
import { createPrometheusReader, type OtelSourceOptions, otelSource } from '../src/prometheus.js';
import { get, listen, render } from './helpers.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function serve(sourceOptions: Partial<OtelSourceOptions> = {}, token?: string) {
  const reader = createPrometheusReader();
  const meterProvider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'risk-analytics', 'service.namespace': 'bi' }),
  });
  closers.push(() => meterProvider.shutdown());
  const backend = otelBackend({ meterProvider, scopeVersion: '0.1.0' });
  const glassbox = createGlassbox({ backend, logger: null });
  const handler = createMetricsHandler({
    sources: [otelSource({ reader, backend, glassbox, ...sourceOptions })],
    logger: null,
    glassbox,
    ...(token === undefined ? {} : { auth: { tokens: token } }),
  });
  const server = await listen(handler);
  closers.push(server.close);
  return { glassbox, url: `${server.url}/metrics`, reader };
}

describe('otelSource on createMetricsHandler', () => {
  it('answers 401 with a Bearer challenge without the token, 200 with it', async () => {
    const { glassbox, url } = await serve({}, 's3cret-token');
    glassbox.counter(catalog.http.requestsTotal).inc({ method: 'GET', route: '/', status_code: '200' });
    const none = await get(url);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(none.body).not.toContain('http_requests_total');
    const wrong = await get(url, { Authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const ok = await get(url, { Authorization: 'Bearer s3cret-token' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('http_requests_total{method="GET",route="/",status_code="200"} 1\n');
  });

  it('gzips when accepted', async () => {
    const { glassbox, url } = await serve();
    const c = glassbox.counter(catalog.http.requestsTotal);
    for (let i = 0; i < 200; i++) c.inc({ method: 'GET', route: `/r${i}`, status_code: '200' });
    const plain = await get(url);
    const zipped = await get(url, { 'Accept-Encoding': 'gzip' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body).toBe(plain.body);
    expect(zipped.wireBytes).toBeLessThan(plain.wireBytes / 4);
  });

  it('negotiates OpenMetrics: counter families without _total, one # EOF', async () => {
    const { glassbox, url } = await serve();
    glassbox.counter(catalog.batch.triggersTotal).inc({ batch_job: 'nightly' }, 3);
    glassbox.histogram(catalog.model.predictionScore).observe({ model: 'lead' }, 0.05);
    const om = await get(url, { Accept: 'application/openmetrics-text; version=1.0.0' });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body).toContain(
      '# TYPE batch_job_triggers counter\n# HELP batch_job_triggers Batch jobs triggered by the scheduling service, by job.\nbatch_job_triggers_total{batch_job="nightly"} 3\n',
    );
    expect(om.body).toContain('ml_prediction_score_bucket{model="lead",le="0.1"} 1\n');
    expect(om.body.match(/# EOF/g)).toHaveLength(1);
    const text = await get(url, { Accept: 'text/plain' });
    expect(text.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).toContain('batch_job_triggers_total{batch_job="nightly"} 3\n');
  });

  it('adds the OTel scope labels, target_info and resource labels only when asked', async () => {
    const { glassbox, url } = await serve({
      scopeLabels: true,
      targetInfo: true,
      resourceConstantLabels: /^service\.name$/,
    });
    glassbox
      .histogram(catalog.http.requestDuration)
      .observe({ method: 'GET', route: '/', status_code: '200' }, 0.2);
    const om = await get(url, { Accept: 'application/openmetrics-text' });
    // target_info is an info family: `info` in OpenMetrics, a gauge in text 0.0.4.
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.body).toContain('# TYPE target info\n# HELP target Target metadata\ntarget_info{');
    const { body } = await get(url);
    expect(body).toContain('# HELP target_info Target metadata\n# TYPE target_info gauge\ntarget_info{');
    expect(body).toContain('service_name="risk-analytics"');
    expect(body).not.toContain('# UNIT');
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/",status_code="200",otel_scope_name="@glassbox/otel",otel_scope_version="0.1.0",service_name="risk-analytics"} 1\n',
    );
  });

  it('OpenMetrics carries the scope labels too when asked', async () => {
    const { glassbox, url } = await serve({ scopeLabels: true });
    glassbox.counter(catalog.drift.checksTotal).inc({ model: 'm' });
    const { body } = await get(url, { Accept: 'application/openmetrics-text' });
    expect(body).toContain(
      'ml_drift_checks_total{model="m",otel_scope_name="@glassbox/otel",otel_scope_version="0.1.0"} 1\n',
    );
  });

  it('counts SDK collection errors and still serves the rest', async () => {
    const { glassbox, url, reader } = await serve();
    glassbox.counter(catalog.drift.checksTotal).inc({ model: 'm' });
    // A reader whose collection reports an error (as a failing observable callback does).
    const source = otelSource({
      reader: {
        collect: async () => {
          const result = await reader.collect();
          return { ...result, errors: [new Error('callback failed')] };
        },
      },
      glassbox,
    });
    const text = await render(source, 'prometheus');
    expect(text).toContain('ml_drift_checks_total{model="m"} 1\n');
    const after = await get(url);
    expect(after.body).toContain('glassbox_instrumentation_errors_total{component="otel"} 1\n');
  });

  it('throws at start-up without a reader or with a bad option', () => {
    expect(() => otelSource({} as never)).toThrow(/needs \{ reader \}/);
    expect(() =>
      otelSource({ reader: { collect: async () => ({}) as never }, resourceConstantLabels: 'x' as never }),
    ).toThrow(/option "resourceConstantLabels" must be an object/);
    expect(() =>
      otelSource({ reader: { collect: async () => ({}) as never }, scopelabels: true } as never),
    ).toThrow(/unknown option "scopelabels" \(did you mean "scopeLabels"\?\)/);
    expect(() => createPrometheusReader({ cardinalityLimit: 1 })).toThrow(/cardinalityLimit/);
    expect(() => createPrometheusReader({ seriesLimit: -5 })).toThrow(RangeError);
  });
});

describe('cardinality: the SDK limit is aligned on the Glassbox series cap', () => {
  async function flood(seriesLimit: number, cardinalityLimit?: number) {
    const reader = createPrometheusReader(
      cardinalityLimit === undefined ? { seriesLimit } : { seriesLimit, cardinalityLimit },
    );
    const meterProvider = new MeterProvider({ readers: [reader] });
    closers.push(() => meterProvider.shutdown());
    const backend = otelBackend({ meterProvider });
    const glassbox = createGlassbox({ backend, logger: null, seriesLimit });
    const c = glassbox.counter(catalog.http.requestsTotal);
    const g = glassbox.gauge(catalog.drift.score);
    for (let i = 0; i < 12; i++) {
      c.inc({ method: 'GET', route: `/random/${i}`, status_code: '404' }, 1);
      g.set({ model: 'm', feature: `f${i}`, method: 'psi' }, i);
    }
    return render(otelSource({ reader, backend }), 'prometheus');
  }

  it('with seriesLimit + 2, every Glassbox series and the Glassbox overflow series come through', async () => {
    const text = await flood(5);
    const counters = text.split('\n').filter((l) => l.startsWith('http_requests_total{'));
    expect(counters).toHaveLength(6);
    expect(text).toContain(
      'http_requests_total{method="__overflow__",route="__overflow__",status_code="__overflow__"} 7\n',
    );
    expect(text).toContain(
      'ml_drift_score{model="__overflow__",feature="__overflow__",method="__overflow__"} 11\n',
    );
    expect(text).not.toContain('otel_metric_overflow');
  });

  it('with only seriesLimit + 1, the SDK folds a Glassbox series into otel.metric.overflow', async () => {
    const text = await flood(5, 6);
    expect(text).toContain('http_requests_total{otel_metric_overflow="true"} 7\n');
  });
});
