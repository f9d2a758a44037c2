/**
 * Name parity: the same recordings through the prom-client backend and through the
 * OTel backend, each served by @glassbox/exporter's handler over a real socket,
 * parse to the same metric names, HELP, TYPE, label sets and values (bucket counts
 * included), in Prometheus text and in OpenMetrics.
 */
import {
  createGlassbox,
  type Glassbox,
  type GlassboxOptions,
  type NamingOptions,
  promClientBackend,
} from '@glassbox/core';
import { createMetricsHandler } from '@glassbox/exporter';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import * as client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { otelBackend } from '../src/index.js';
import { createPrometheusReader, otelSource } from '../src/prometheus.js';
import {
  type Exposition,
  familiesWithSamples,
  get,
  listen,
  parseExposition,
  recordEverything,
} from './helpers.js';

const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

type Options = Omit<GlassboxOptions, 'backend'>;

async function promSide(options: Options): Promise<{ glassbox: Glassbox; url: string }> {
  const registry = new client.Registry();
  // Cast: core's PromClientLike is stricter than prom-client 15's own types (readonly
  // `registers`); the exporter's tests hit the same mismatch.
  const glassbox = createGlassbox({
    ...options,
    backend: promClientBackend({ client: client, registry }),
  });
  const server = await listen(createMetricsHandler({ registry, logger: null }));
  closers.push(server.close);
  return { glassbox, url: `${server.url}/metrics` };
}

async function otelSide(options: Options): Promise<{ glassbox: Glassbox; url: string }> {
  const reader = createPrometheusReader({
    ...(options.seriesLimit === undefined ? {} : { seriesLimit: options.seriesLimit }),
    ...(options.seriesLimits === undefined ? {} : { seriesLimits: options.seriesLimits }),
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  closers.push(() => meterProvider.shutdown());
  const backend = otelBackend({ meterProvider });
  const glassbox = createGlassbox({ ...options, backend });
  const server = await listen(
    createMetricsHandler({ sources: [otelSource({ reader, backend })], logger: null }),
  );
  closers.push(server.close);
  return { glassbox, url: `${server.url}/metrics` };
}

/**
 * Float sums may differ in their last bits: the OTel SDK adds each collection interval's
 * delta to the cumulative total ((a + b) + (c + d)) where prom-client adds every
 * increment in turn (((a + b) + c) + d). Documented in the README; bucket counts,
 * `_count`, integer counters and gauges must be equal as written.
 */
const FLOAT_TOLERANCE = 1e-12;

function expectSame(otel: Exposition, prom: Exposition): void {
  // Families with samples: same names, HELP and TYPE.
  const promFamilies = familiesWithSamples(prom);
  expect(familiesWithSamples(otel)).toEqual(promFamilies);
  for (const name of promFamilies) expect(otel.families.get(name), name).toEqual(prom.families.get(name));
  // Every sample: same name and label set.
  expect([...otel.samples.keys()].sort()).toEqual([...prom.samples.keys()].sort());
  // Same value as written, or (float sums only) equal within rounding.
  for (const [key, expected] of prom.samples) {
    const actual = otel.samples.get(key) as string;
    if (actual === expected) continue;
    const a = Number(actual);
    const e = Number(expected);
    expect(Number.isInteger(e), `${key}: ${actual} vs ${expected}`).toBe(false);
    expect(
      /(_total|_sum)\{/.test(key),
      `${key}: only counter values and histogram sums may round differently`,
    ).toBe(true);
    expect(
      Math.abs(a - e) <= FLOAT_TOLERANCE * Math.max(Math.abs(a), Math.abs(e)),
      `${key}: ${actual} vs ${expected}`,
    ).toBe(true);
  }
}

const cases: Array<[string, Options]> = [
  ['default names', { logger: null, seriesLimits: { ml_drift_checks_total: 5 } }],
  [
    'naming options (prefix, rename, label rename, constant labels)',
    {
      logger: null,
      seriesLimits: { ml_drift_checks_total: 5 },
      naming: {
        prefix: 'svc_',
        rename: { http_requests_total: 'api_requests_total' },
        labelRename: { status_code: 'status', job_name: 'job' },
        constLabels: { service: 'risk-analytics', env: 'prod' },
      } satisfies NamingOptions,
    },
  ],
  [
    'per-metric overrides (buckets, label rename, help)',
    {
      logger: null,
      seriesLimits: { ml_drift_checks_total: 5 },
      naming: {
        labelRename: { status_code: 'status' },
        overrides: {
          http_request_duration_seconds: {
            buckets: [0.05, 0.1, 0.2, 0.5, 1, 2],
            labelRename: { status_code: 'http_status' },
            help: 'Request latency',
          },
          ml_predictions_total: { labelRename: { outcome: 'verdict' } },
        },
      } satisfies NamingOptions,
    },
  ],
];

describe.each(cases)('parity with the prom-client backend: %s', (_name, options) => {
  it('Prometheus text: same families, HELP, TYPE, label sets and values', async () => {
    const prom = await promSide(options);
    const otel = await otelSide(options);
    recordEverything(prom.glassbox, 1);
    recordEverything(otel.glassbox, 1);
    const [p1, o1] = await Promise.all([get(prom.url), get(otel.url)]);
    expectSame(parseExposition(o1.body), parseExposition(p1.body));
    recordEverything(prom.glassbox, 2);
    recordEverything(otel.glassbox, 2);
    const [p, o] = await Promise.all([get(prom.url), get(otel.url)]);
    expect(o.status).toBe(200);
    expect(o.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const promExp = parseExposition(p.body);
    const otelExp = parseExposition(o.body);
    expectSame(otelExp, promExp);
    // No OTel-only labels, series or lines leak through by default.
    expect(o.body).not.toContain('otel_scope_name');
    expect(o.body).not.toContain('target_info');
    expect(o.body).not.toContain('otel_metric_overflow');
    expect(otelExp.comments).toEqual([]);
    // The sequence really covered every group, buckets, escaping, overflow and errors.
    const prefix = options.naming?.prefix ?? '';
    const names = familiesWithSamples(promExp);
    // Every family prom-client wrote has samples here, so the family comparison above is
    // exact (the one documented difference, HELP/TYPE of sample-less families, is not hit).
    expect(names).toEqual([...promExp.families.keys()].sort());
    expect(names.length).toBeGreaterThanOrEqual(35);
    expect(promExp.samples.size).toBeGreaterThan(400);
    expect(names).toContain(`${prefix}glassbox_instrumentation_errors_total`);
    expect(names).toContain(`${prefix}batch_job_progress_ratio`);
    expect(names).toContain(`${prefix}llm_generation_cost_dollars_total`);
    expect(p.body).toMatch(/model="__overflow__"/);
    expect(o.body).toContain('tier="high \\"quoted\\" \\\\ back\\nslash"');
  });

  it('OpenMetrics: same samples as the prom-client registry rendered by the exporter', async () => {
    const prom = await promSide(options);
    const otel = await otelSide(options);
    recordEverything(prom.glassbox, 1);
    recordEverything(otel.glassbox, 1);
    const [p1, o1] = await Promise.all([
      get(prom.url, { Accept: OPENMETRICS }),
      get(otel.url, { Accept: OPENMETRICS }),
    ]);
    expectSame(parseExposition(o1.body), parseExposition(p1.body));
    recordEverything(prom.glassbox, 2);
    recordEverything(otel.glassbox, 2);
    const [p, o] = await Promise.all([
      get(prom.url, { Accept: OPENMETRICS }),
      get(otel.url, { Accept: OPENMETRICS }),
    ]);
    expect(o.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(o.body.endsWith('# EOF\n')).toBe(true);
    expectSame(parseExposition(o.body), parseExposition(p.body));
  });
});

describe('exact exposition lines', () => {
  it('a histogram: buckets, sum and count as prom-client writes them', async () => {
    const otel = await otelSide({ logger: null });
    const { catalog } = await import('@glassbox/core');
    const h = otel.glassbox.histogram(catalog.model.predictionDuration);
    for (const v of [0.004, 0.1, 0.1, 0.7, 12]) h.observe({ model: 'churn', model_version: '3' }, v);
    const { body } = await get(otel.url);
    const l = 'model="churn",model_version="3"';
    expect(body).toContain(
      [
        '# HELP ml_prediction_duration_seconds Model prediction latency in seconds.',
        '# TYPE ml_prediction_duration_seconds histogram',
        `ml_prediction_duration_seconds_bucket{${l},le="0.005"} 1`,
        `ml_prediction_duration_seconds_bucket{${l},le="0.01"} 1`,
        `ml_prediction_duration_seconds_bucket{${l},le="0.025"} 1`,
        `ml_prediction_duration_seconds_bucket{${l},le="0.05"} 1`,
        `ml_prediction_duration_seconds_bucket{${l},le="0.1"} 3`,
        `ml_prediction_duration_seconds_bucket{${l},le="0.25"} 3`,
        `ml_prediction_duration_seconds_bucket{${l},le="0.5"} 3`,
        `ml_prediction_duration_seconds_bucket{${l},le="1"} 4`,
        `ml_prediction_duration_seconds_bucket{${l},le="2"} 4`,
        `ml_prediction_duration_seconds_bucket{${l},le="5"} 4`,
        `ml_prediction_duration_seconds_bucket{${l},le="10"} 4`,
        `ml_prediction_duration_seconds_bucket{${l},le="+Inf"} 5`,
        `ml_prediction_duration_seconds_sum{${l}} 12.904`,
        `ml_prediction_duration_seconds_count{${l}} 5`,
      ].join('\n'),
    );
  });
});
