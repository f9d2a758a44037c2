/**
 * Per-metric naming overrides and declared legacy names reach the exposition on both
 * backends, served by the exporter over a real socket: the overridden buckets (seed 002's
 * 0.2 s), help text and per-metric label rename (seed 001's outcome → tier on the model
 * metric only), and seed 004's legacy `batch_review_progress_percent`. `promtool check
 * metrics` reports nothing.
 * promtool comes from Debian's `prometheus` package; without it this test fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  catalog,
  createGlassbox,
  defineGauge,
  type NamingOptions,
  nativeBackend,
  promClientBackend,
} from '@glassbox/core';
import * as client from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetricsServer } from '../src/index.js';
import { get } from './helpers.js';

function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('promtool is not installed (apt-get install -y prometheus)');
  return found;
}

const naming: NamingOptions = {
  labelRename: { status_code: 'status' },
  overrides: {
    http_request_duration_seconds: {
      buckets: [0.05, 0.1, 0.2, 0.5, 1, 2],
      labelRename: { status_code: 'http_status' },
      help: 'Request latency',
    },
    ml_predictions_total: { labelRename: { outcome: 'tier' } },
  },
};

const progress = defineGauge({
  name: 'batch_review_progress_percent',
  help: 'Batch processing progress per batch_id.',
  labelNames: ['batch_id'],
  legacy: true,
});

const TOKEN = 'overrides-test';

function promClientSetup() {
  const registry = new client.Registry();
  const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }), naming, logger: null });
  const server = createMetricsServer({ port: 0, host: '127.0.0.1', registry, auth: { tokens: TOKEN } });
  return { glassbox, server };
}
function nativeSetup() {
  const native = nativeBackend();
  const glassbox = createGlassbox({ backend: native, naming, logger: null });
  const server = createMetricsServer({
    port: 0,
    host: '127.0.0.1',
    sources: [native],
    auth: { tokens: TOKEN },
  });
  return { glassbox, server };
}

function checkMetrics(body: string): string {
  try {
    return execFileSync(promtool(), ['check', 'metrics'], { input: body, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

describe.each([
  ['prom-client', promClientSetup],
  ['native', nativeSetup],
])('naming overrides in the exposition (%s backend)', (_, setup) => {
  const { glassbox, server } = setup();
  afterAll(() => server.close());

  let started: Promise<{ url: string }> | undefined;
  async function scrape(accept: string): Promise<string> {
    started ??= server.start();
    const { url } = await started;
    const res = await get(url, { Authorization: `Bearer ${TOKEN}`, Accept: accept });
    expect(res.status).toBe(200);
    return res.body;
  }

  it('records and exposes override buckets, help and per-metric label names', async () => {
    const labels = { method: 'GET', route: '/score', status_code: 200 };
    glassbox.histogram(catalog.http.requestDuration).observe(labels, 0.15);
    glassbox.counter(catalog.http.requestsTotal).inc(labels);
    glassbox.counter(catalog.model.predictionsTotal).inc({ model: 'lead', model_version: '3', outcome: 'A' });
    glassbox.counter(catalog.consumer.consumedTotal).inc({ queue: 'leads', outcome: 'ack' });
    glassbox.gauge(progress).set({ batch_id: 'batch_abc123' }, 75);

    const text = await scrape('text/plain');
    expect(text).toContain('# HELP http_request_duration_seconds Request latency\n');
    const le = [...text.matchAll(/^http_request_duration_seconds_bucket\{.*le="([^"]+)"\}/gm)].map(
      (m) => m[1],
    );
    expect(le).toEqual(['0.05', '0.1', '0.2', '0.5', '1', '2', '+Inf']);
    expect(text).toMatch(/^http_request_duration_seconds_bucket\{[^}]*http_status="200",le="0.2"\} 1$/m);
    // The per-metric rename wins; the other metrics keep the global one.
    expect(text).toMatch(/^http_requests_total\{[^}]*status="200"\} 1$/m);
    expect(text).toMatch(/^ml_predictions_total\{model="lead",model_version="3",tier="A"\} 1$/m);
    expect(text).toMatch(/^rabbitmq_messages_consumed_total\{queue="leads",outcome="ack"\} 1$/m);
    expect(text).toMatch(/^batch_review_progress_percent\{batch_id="batch_abc123"\} 75$/m);

    const om = await scrape('application/openmetrics-text');
    expect(om).toContain('# HELP http_request_duration_seconds Request latency\n');
    expect(om).toMatch(/^http_request_duration_seconds_bucket\{[^}]*le="0.2"\} 1$/m);
    expect(om).toMatch(/^ml_predictions_total\{[^}]*tier="A"\} 1$/m);
  });

  // promtool's linter (2.42, Debian 12) has no rule against `_percent`, so the legacy
  // name is promtool-clean; Glassbox's own lint is stricter and warns at start-up.
  it('passes promtool check metrics with zero findings, the legacy name included', async () => {
    const body = await scrape('text/plain');
    expect(body).toContain('batch_review_progress_percent{');
    expect(checkMetrics(body).trim()).toBe('');
  });
});
