/**
 * A real Prometheus scrapes the OTel backend's /metrics (bearer token from a credentials
 * file) and answers the PromQL the generated dashboards use: the names, labels and
 * buckets land in Prometheus exactly as from the prom-client backend.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalog, createGlassbox } from '@glassbox/core';
import { createMetricsHandler } from '@glassbox/exporter';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { otelBackend } from '../src/index.js';
import { createPrometheusReader, otelSource } from '../src/prometheus.js';
import { listen } from './helpers.js';

const TOKEN = 'prometheus-scrape-token-7';

// The prometheus binary comes from Debian's `prometheus` package. Without it the test
// fails (it never skips).
function prometheusBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('prometheus is not installed (apt-get install -y prometheus)');
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let dir = '';
let prometheus: ChildProcess | undefined;
let promUrl = '';
let closeApp: (() => Promise<void>) | undefined;
let provider: MeterProvider | undefined;
let log = '';

async function query(
  expr: string,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: [] }; error?: string };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; prometheus log:\n${log.slice(-3000)}`);
}

beforeAll(async () => {
  const bin = prometheusBinary();
  const reader = createPrometheusReader();
  provider = new MeterProvider({ readers: [reader] });
  const backend = otelBackend({ meterProvider: provider });
  const glassbox = createGlassbox({ backend, logger: null });
  const requests = glassbox.counter(catalog.http.requestsTotal);
  requests.inc({ method: 'GET', route: '/users/:id', status_code: '200' }, 40);
  requests.inc({ method: 'GET', route: '/users/:id', status_code: '500' }, 2);
  requests.inc({ method: 'POST', route: '/score', status_code: '200' }, 8);
  const latency = glassbox.histogram(catalog.model.predictionDuration);
  for (let i = 0; i < 100; i++) latency.observe({ model: 'lead', model_version: '3' }, i < 90 ? 0.04 : 0.7);
  glassbox.gauge(catalog.model.modelInfo).set({ model: 'lead', model_version: '3' }, 1);

  const app = await listen(
    createMetricsHandler({
      sources: [otelSource({ reader, backend })],
      auth: { tokens: TOKEN },
      logger: null,
    }),
  );
  closeApp = app.close;
  const target = app.url.replace('http://', '');

  dir = mkdtempSync(join(tmpdir(), 'glassbox-otel-prom-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      'scrape_configs:',
      '  - job_name: risk-analytics',
      '    metrics_path: /metrics',
      '    authorization:',
      `      credentials_file: ${join(dir, 'token')}`,
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  prometheus.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  await until(
    async () => (await query('up{job="risk-analytics"}'))[0]?.value[1] === '1',
    'a successful scrape',
  );
});

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  if (prometheus !== undefined && prometheus.exitCode === null)
    await new Promise((r) => prometheus?.once('exit', r));
  await closeApp?.();
  await provider?.shutdown();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

it('Prometheus scrapes the OTel data behind the token and answers the dashboards’ PromQL', async () => {
  const byRoute = await query('sum by (route, status_code) (http_requests_total{job="risk-analytics"})');
  expect(
    Object.fromEntries(byRoute.map((r) => [`${r.metric.route} ${r.metric.status_code}`, r.value[1]])),
  ).toEqual({ '/users/:id 200': '40', '/users/:id 500': '2', '/score 200': '8' });

  const p95 = await query(
    'histogram_quantile(0.95, sum by (le, model) (ml_prediction_duration_seconds_bucket{job="risk-analytics"}))',
  );
  expect(p95).toHaveLength(1);
  expect(p95[0]?.metric.model).toBe('lead');
  // 90 observations at 0.04 s, 10 at 0.7 s: the 95th is in the (0.5, 1] bucket.
  const value = Number(p95[0]?.value[1]);
  expect(value).toBeGreaterThan(0.5);
  expect(value).toBeLessThanOrEqual(1);

  const info = await query('ml_model_info{job="risk-analytics"}');
  expect(info.map((r) => r.metric)).toEqual([
    {
      __name__: 'ml_model_info',
      instance: expect.any(String),
      job: 'risk-analytics',
      model: 'lead',
      model_version: '3',
    },
  ]);
  // No OTel-only series or labels reached Prometheus.
  expect(await query('{job="risk-analytics", __name__=~"target_info|otel_.*"}')).toEqual([]);
  expect(await query('{job="risk-analytics", otel_scope_name!=""}')).toEqual([]);
});
