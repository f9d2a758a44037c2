/**
 * End to end against a real Prometheus: instrumented test apps (node:http servers on
 * port 0 recording through core, served by the exporter behind a bearer token), a
 * Prometheus started with the generated scrape config (token from credentials_file)
 * and rules. After a few scrapes every target is up, every rule evaluates cleanly,
 * every dashboard/rule expression runs through the HTTP API, and every metric name
 * they reference exists in the scraped data — with default and with renamed names, and
 * with a team's own metrics, alerts, recording rules and panels.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createGlassbox,
  createHttpRecorder,
  type Glassbox,
  type NamingOptions,
  promClientBackend,
  resolveMetricName,
} from '@glassbox/core';
import { createMetricsHandler } from '@glassbox/exporter';
import * as client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateMixin,
  type MixinOutput,
  metricNamesIn,
  OUTPUT_PATHS,
  substituteVariables,
  writeMixin,
} from '../src/index.js';
import { TEAM } from './fixtures.js';
import { freePort, requireBinary } from './helpers.js';

const prometheus = requireBinary('prometheus', 'prometheus');

/** Label values the apps record with (bounded, realistic). */
const SAMPLE: Readonly<Record<string, string>> = {
  model: 'risk-scoring',
  model_version: '3',
  outcome: 'A',
  error_type: 'timeout',
  metric: 'brier',
  feature: 'deal_size',
  method: 'psi',
  job_name: 'model-monitoring',
  status: 'success',
  batch_job: 'model-monitoring',
  queue: 'bi_batch_jobs',
  exchange: 'events',
  provider: 'openai',
  type: 'input',
  result: 'block',
};

interface App {
  server: Server;
  port: number;
  glassbox: Glassbox;
  traffic: NodeJS.Timeout;
}

async function startApp(naming: NamingOptions, token: string): Promise<App> {
  const registry = new client.Registry();
  const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }), naming, logger: null });
  const http = createHttpRecorder(glassbox, { recordSizes: true });
  const metrics = createMetricsHandler({
    registry,
    auth: { tokens: [token], fromEnv: false },
    glassbox,
    logger: null,
  });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metrics(req, res);
      return;
    }
    const method = req.method ?? 'GET';
    const start = http.begin(method);
    const route = path?.startsWith('/users/') ? '/users/:id' : path === '/fail' ? '/fail' : undefined;
    const status = route === undefined ? 404 : route === '/fail' ? 500 : 200;
    const body = JSON.stringify({ ok: status === 200 });
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body, () =>
      http.end(method, route, status, start, { requestBytes: 0, responseBytes: Buffer.byteLength(body) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  // Every other metric the assets read (the catalog), through core, once (the
  // instruments' own tests cover their logic).
  for (const def of generateMixin({ custom: TEAM }).definitions) {
    if (def.group === 'http' || def.group === 'sdk') continue;
    const labels = Object.fromEntries(def.labelNames.map((l) => [l, SAMPLE[l] ?? 'x']));
    if (def.kind === 'counter') glassbox.counter(def).inc(labels, 1);
    else if (def.kind === 'gauge')
      glassbox.gauge(def).set(labels, def.name.endsWith('_timestamp_seconds') ? Date.now() / 1000 : 0.5);
    else glassbox.histogram(def).observe(labels, 0.3);
  }
  glassbox.reportError('e2e', 'a synthetic instrumentation error');
  // Steady traffic, a third of it 5xx, so rates and ratios have something to show.
  const hit = (p: string) =>
    fetch(`http://127.0.0.1:${port}${p}`).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
  for (const p of ['/users/1', '/fail', '/nope']) await hit(p);
  const traffic = setInterval(() => {
    for (const p of ['/users/1', '/fail', '/nope']) void hit(p);
  }, 100);
  traffic.unref();
  return { server, port, glassbox, traffic };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : ` (${String(last)})`}`);
}

interface ApiResult<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
  errorType?: string;
}

const cases: [string, NamingOptions][] = [
  ['default naming', {}],
  [
    'renamed metrics and labels',
    {
      prefix: 'acme_',
      rename: { http_requests_total: 'api_requests_total' },
      labelRename: { status_code: 'status', model: 'model_name' },
      constLabels: { env: 'e2e' },
    },
  ],
];

describe.skipIf(prometheus.skip).each(cases)('e2e with a real Prometheus: %s', (_, naming) => {
  const token = randomBytes(24).toString('hex');
  let dir: string;
  let apps: App[] = [];
  let proc: ChildProcess | undefined;
  let logs = '';
  let base = '';
  let output: MixinOutput;
  let names: string[] = [];

  const api = async <T>(path: string, form?: Record<string, string>): Promise<ApiResult<T>> => {
    const res = await fetch(`${base}${path}`, {
      method: form === undefined ? 'GET' : 'POST',
      ...(form === undefined ? {} : { body: new URLSearchParams(form) }),
    });
    return (await res.json()) as ApiResult<T>;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glassbox-mixin-e2e-'));
    apps = [await startApp(naming, token), await startApp(naming, token)];
    const tokenFile = join(dir, 'metrics-token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    output = generateMixin({
      naming,
      custom: TEAM,
      scrape: {
        targets: apps.map((a) => `127.0.0.1:${a.port}`),
        labels: { service: 'e2e-app' },
        credentialsFile: tokenFile,
        interval: '1s',
        timeout: '1s',
        kubernetes: null,
      },
      evaluationInterval: '1s',
    });
    await writeMixin(output, join(dir, 'out'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = spawn(
      prometheus.path as string,
      [
        `--config.file=${join(dir, 'out', OUTPUT_PATHS.prometheusConfig)}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc.stdout?.on('data', (b) => {
      logs += String(b);
    });
    proc.stderr?.on('data', (b) => {
      logs += String(b);
    });
    await waitFor('Prometheus to be ready', async () => {
      if (proc?.exitCode !== null) throw new Error(`prometheus exited: ${logs}`);
      const r = await fetch(`${base}/-/ready`);
      return r.ok ? true : undefined;
    });
    // A few scrapes and rule evaluations: every target up, every recorded series present.
    await waitFor('every target to be up', async () => {
      const t = await api<{ activeTargets: { health: string }[] }>('/api/v1/targets');
      const targets = t.data.activeTargets;
      return targets.length === 2 && targets.every((x) => x.health === 'up') ? true : undefined;
    });
    await waitFor('recorded series', async () => {
      const v = await api<string[]>('/api/v1/label/__name__/values');
      names = v.data;
      return output.recordedNames.every((n) => names.includes(n)) ? true : undefined;
    });
  });

  afterAll(async () => {
    if (proc !== undefined && proc.exitCode === null) {
      const exited = new Promise((r) => proc?.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    for (const a of apps) clearInterval(a.traffic);
    await Promise.all(
      apps.map((a) => {
        a.server.closeAllConnections();
        return new Promise((r) => a.server.close(r));
      }),
    );
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('the apps refuse /metrics without the token; Prometheus scrapes them with credentials_file', async () => {
    const app = apps[0] as App;
    const r = await fetch(`http://127.0.0.1:${app.port}/metrics`);
    expect(r.status).toBe(401);
    const t = await api<{ activeTargets: { health: string; labels: Record<string, string> }[] }>(
      '/api/v1/targets',
    );
    expect(t.data.activeTargets.map((x) => [x.health, x.labels.job, x.labels.service])).toEqual([
      ['up', 'glassbox', 'e2e-app'],
      ['up', 'glassbox', 'e2e-app'],
    ]);
  });

  it('every rule evaluates without error', async () => {
    const rules = await api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>(
      '/api/v1/rules',
    );
    const all = rules.data.groups.flatMap((g) => g.rules);
    expect(all.length).toBe(output.expressions.filter((e) => e.source.startsWith('rule:')).length);
    for (const r of all) expect([r.name, r.health, r.lastError ?? '']).toEqual([r.name, 'ok', '']);
  });

  it('every dashboard panel, annotation, variable and rule expression runs through /api/v1/query', async () => {
    const failures: string[] = [];
    for (const e of output.expressions) {
      const query = substituteVariables(e.expr);
      const r = await api<unknown>('/api/v1/query', { query });
      if (r.status !== 'success') failures.push(`${e.source}: ${r.error ?? 'error'}\n${query}`);
    }
    expect(failures).toEqual([]);
    expect(output.expressions.length).toBeGreaterThan(80);
  });

  it('every metric name any of them references exists in the scraped data', () => {
    const referenced = new Set(output.expressions.flatMap((e) => metricNamesIn(substituteVariables(e.expr))));
    const missing = [...referenced].filter((n) => !names.includes(n));
    expect(missing).toEqual([]);
    expect(referenced.size).toBeGreaterThan(40);
  });

  it('alerts go pending/firing on the real data: 5xx ratio over 5 %, instrumentation errors', async () => {
    const alerts = await waitFor('HighErrorRate and InstrumentationErrors', async () => {
      const r = await api<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts');
      const list = r.data.alerts;
      const has = (name: string) => list.some((a) => a.labels.alertname === name);
      return has('HighErrorRate') && has('InstrumentationErrors') ? list : undefined;
    });
    const high = alerts.find((a) => a.labels.alertname === 'HighErrorRate');
    expect(high?.labels).toMatchObject({
      severity: 'critical',
      team: 'platform',
      job: 'glassbox',
      service: 'e2e-app',
    });
    expect(['pending', 'firing']).toContain(high?.state);
    const sdk = alerts.find((a) => a.labels.alertname === 'InstrumentationErrors');
    expect(sdk?.labels).toMatchObject({ severity: 'info', component: 'e2e' });
    // nothing failed, so no batch alert
    expect(alerts.some((a) => a.labels.alertname === 'BatchJobFailed')).toBe(false);
  });

  it('the scraped names, the rules and the dashboards follow the naming options', () => {
    const requests = resolveMetricName('http_requests_total', naming);
    expect(names).toContain(requests);
    const rules = output.files[OUTPUT_PATHS.alertRules] as string;
    const overview = output.files['grafana/dashboards/service-overview.json'] as string;
    expect(rules).toContain(`${requests}{`);
    expect(overview).toContain(requests.replace(/_total$/, ''));
    // The team's own metric is scraped under the naming options and its rules and panels read it.
    const qc = resolveMetricName('qc_checks_total', naming);
    expect(names).toContain(qc);
    expect(output.files[OUTPUT_PATHS.recordingRules]).toContain(`${qc}{job="glassbox"`);
    expect(output.files['grafana/dashboards/content.json']).toContain(qc);
    if (requests !== 'http_requests_total') {
      expect(names).not.toContain('http_requests_total');
      expect(rules).not.toContain('http_requests_total');
      expect(overview).not.toContain('http_requests_total');
      expect(names).toContain('acme_ml_predictions_total');
    }
  });
});
