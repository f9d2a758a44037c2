/**
 * Exemplars end to end: a real Prometheus, started with `--enable-feature=exemplar-storage`,
 * scrapes two instrumented Express apps (native backend; prom-client backend on a
 * registry) over OpenMetrics with a bearer token; requests sent with known W3C
 * `traceparent` headers come back from `/api/v1/query_exemplars` with their trace ids,
 * on the `http_request_duration_seconds_bucket` series of their routes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import * as client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusBinary, type StartedPrometheus, startPrometheus } from '../../../test/tools/prometheus.js';
import { glassbox } from '../src/index.js';

const TOKEN = randomBytes(24).toString('hex');
const ROUTES = ['/quotes/:id', '/risk', '/health'] as const;

interface App {
  readonly name: string;
  readonly server: Server;
  readonly target: string;
}

async function startApp(name: string, withRegistry: boolean): Promise<App> {
  const gb = glassbox({
    ...(withRegistry ? { registry: new client.Registry() } : { defaultMetrics: false }),
    metrics: { auth: { tokens: TOKEN } },
  });
  const app = express();
  gb.instrument(app);
  app.get('/quotes/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.get('/risk', (_req, res) => {
    setTimeout(() => res.json({ score: 0.2 }), 120);
  });
  app.get('/health', (_req, res) => {
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return { name, server, target: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface Sent {
  readonly app: App;
  readonly path: string;
  readonly route: string;
  readonly traceId: string;
  readonly spanId: string;
}

interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
}

describe.skipIf(prometheusBinary.skip)('exemplars in a real Prometheus (exemplar-storage)', () => {
  let dir = '';
  let prometheus: StartedPrometheus | undefined;
  const apps: App[] = [];
  const sent: Sent[] = [];

  beforeAll(async () => {
    apps.push(await startApp('native', false), await startApp('prom-client', true));
    dir = await mkdtemp(join(tmpdir(), 'glassbox-exemplars-'));
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        'scrape_configs:',
        '  - job_name: app',
        '    authorization:',
        `      credentials_file: ${tokenFile}`,
        '    static_configs:',
        ...apps.flatMap((a) => [
          `      - targets: ['${a.target}']`,
          '        labels:',
          `          backend: ${a.name}`,
        ]),
        '',
      ].join('\n'),
    );
    prometheus = await startPrometheus(join(dir, 'prometheus.yml'), ['--enable-feature=exemplar-storage']);
    await prometheus.until('both targets up', async () => {
      const t = (await prometheus?.api<{ activeTargets: { health: string }[] }>('/api/v1/targets'))
        ?.activeTargets;
      return t?.length === 2 && t.every((x) => x.health === 'up') ? true : undefined;
    });
    // One request per route and app, each in its own trace; a request without a header in between.
    for (const app of apps) {
      for (const [i, route] of ROUTES.entries()) {
        const path = route.replace(':id', String(40 + i));
        const traceId = randomBytes(16).toString('hex');
        const spanId = randomBytes(8).toString('hex');
        const res = await fetch(`http://${app.target}${path}`, {
          headers: { traceparent: `00-${traceId}-${spanId}-01` },
        });
        expect(res.status).toBe(200);
        await fetch(`http://${app.target}${path}`);
        sent.push({ app, path, route, traceId, spanId });
      }
    }
  });

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(
      apps.map((a) => {
        a.server.closeAllConnections();
        return new Promise((r) => a.server.close(r));
      }),
    );
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('/api/v1/query_exemplars returns the trace id of every request, on its route and backend', async () => {
    const start = Math.floor(Date.now() / 1000) - 300;
    const p = prometheus as StartedPrometheus;
    const series = await p.until('the exemplars of every request', async () => {
      const data = await p.api<ExemplarSeries[]>(
        `/api/v1/query_exemplars?query=${encodeURIComponent('http_request_duration_seconds_bucket')}&start=${start}&end=${Math.ceil(Date.now() / 1000) + 60}`,
      );
      const found = new Set(data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id)));
      return sent.every((s) => found.has(s.traceId)) ? data : undefined;
    });
    for (const s of sent) {
      const hit = series.find((x) => x.exemplars.some((e) => e.labels.trace_id === s.traceId));
      expect(hit?.seriesLabels).toMatchObject({
        __name__: 'http_request_duration_seconds_bucket',
        backend: s.app.name,
        method: 'GET',
        route: s.route,
        status_code: '200',
      });
      const e = hit?.exemplars.find((x) => x.labels.trace_id === s.traceId);
      expect(e?.labels).toEqual({ trace_id: s.traceId, span_id: s.spanId });
      // the observed duration, inside its bucket
      const le = Number(hit?.seriesLabels.le === '+Inf' ? Number.POSITIVE_INFINITY : hit?.seriesLabels.le);
      expect(Number(e?.value)).toBeLessThanOrEqual(le);
      if (s.route === '/risk') expect(Number(e?.value)).toBeGreaterThanOrEqual(0.1);
    }
    // Only the traced requests left exemplars: one per request sent with a header.
    const all = series.flatMap((x) => x.exemplars.map((e) => e.labels.trace_id));
    expect(new Set(all).size).toBe(sent.length);
  });
});
