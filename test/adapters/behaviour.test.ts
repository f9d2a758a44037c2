/**
 * The shared adapter behaviour suite: the same traffic against every app of ./apps.ts
 * (each implements ./contract.ts), over real sockets on port 0, asserting the same
 * scraped /metrics results.
 */
import { randomUUID } from 'node:crypto';
import { createGlassbox } from '@glassbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps } from './apps.js';
import type { StartedApp } from './contract.js';
import {
  type Client,
  client,
  eventually,
  parseExposition,
  type Response,
  type Sample,
  type SuiteBackend,
  select,
  suiteBackends,
  sum,
  throwingBackend,
} from './http.js';

const TOKEN = 'suite-token-0123456789';
const SCAN_PATHS = 2_500;
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** Headers that legitimately differ between two servers (time, connection handling). */
const VOLATILE_HEADERS = new Set(['date', 'connection', 'keep-alive']);

function relevantHeaders(res: Response): Record<string, string | string[] | undefined> {
  return Object.fromEntries(Object.entries(res.headers).filter(([k]) => !VOLATILE_HEADERS.has(k)));
}

const matrix: Array<{ name: string; suiteApp: (typeof apps)[number]; backend: SuiteBackend }> = apps.flatMap(
  (suiteApp) =>
    suiteBackends.map((backend) => ({ name: `${suiteApp.name} on ${backend.name}`, suiteApp, backend })),
);

// The apps run side by side (each suite has its own app and registry, and much of the
// suite is waiting on slow or aborted requests); the tests of one app run in order, as
// each reads the counts the previous ones left.
describe.concurrent.each(matrix)('$name', ({ suiteApp, backend }) => {
  let app: StartedApp;
  let http: Client;

  async function scrape(): Promise<Sample[]> {
    const res = await http.get('/metrics', AUTH);
    expect(res.status).toBe(200);
    return parseExposition(res.text);
  }

  async function inFlight(): Promise<number> {
    return sum(await scrape(), 'http_requests_in_flight', { method: 'GET' });
  }

  beforeAll(async () => {
    const { glassbox, source } = backend.create();
    app = await suiteApp.start({ glassbox, source, token: TOKEN, instrument: true });
    http = client(app.url);
  });

  afterAll(async () => {
    http?.close();
    await app?.close();
  });

  it.sequential('labels param routes and nested/prefixed routes with their templates', async () => {
    expect((await http.get('/users/7')).text).toBe('{"id":"7"}');
    expect((await http.get('/users/8?expand=1')).status).toBe(200);
    expect((await http.get('/api/v1/users/9')).text).toBe('{"id":"9"}');
    const lines = (await scrape()).map((s) => s.line);
    expect(lines).toContain('http_requests_total{method="GET",route="/users/:id",status_code="200"} 2');
    expect(lines).toContain(
      'http_requests_total{method="GET",route="/api/v1/users/:id",status_code="200"} 1',
    );
    const routes = new Set(select(await scrape(), 'http_requests_total').map((s) => s.labels.route));
    for (const raw of ['/users/7', '/users/8', '/api/v1/users/9']) expect(routes.has(raw)).toBe(false);
    // The metrics endpoint itself is not recorded.
    expect(routes.has('/metrics')).toBe(false);
  });

  // More distinct paths than the default series cap (2,000): raw URLs as labels would
  // overflow it; templates keep one route value.
  it.sequential(`gives ${SCAN_PATHS} distinct random unmatched paths exactly one route value`, async () => {
    const before = new Set(select(await scrape(), 'http_requests_total').map((s) => s.labels.route));
    const paths = Array.from({ length: SCAN_PATHS }, (_, i) => `/scan/${i}/${randomUUID()}?q=${i}`);
    const counts = await http.getAll(paths, 32);
    expect(counts.get(404)).toBe(SCAN_PATHS);
    const samples = await scrape();
    const after = new Set(select(samples, 'http_requests_total').map((s) => s.labels.route));
    const added = [...after].filter((r) => !before.has(r));
    expect(added).toEqual(['unmatched']);
    expect(samples.map((s) => s.line)).toContain(
      `http_requests_total{method="GET",route="unmatched",status_code="404"} ${SCAN_PATHS}`,
    );
  });

  it.sequential('records a throwing handler as one 500 sample', async () => {
    const res = await http.get('/boom');
    expect(res.status).toBe(500);
    const samples = await scrape();
    expect(samples.map((s) => s.line)).toContain(
      'http_requests_total{method="GET",route="/boom",status_code="500"} 1',
    );
    expect(select(samples, 'http_requests_total', { route: '/boom' })).toHaveLength(1);
  });

  it.sequential('puts the slow handler (300 ms) in the 0.5 s bucket and not in the 0.25 s one', async () => {
    const res = await http.get('/slow');
    expect(res.text).toBe('slow');
    const samples = await scrape();
    const bucket = (le: string) =>
      sum(samples, 'http_request_duration_seconds_bucket', { route: '/slow', status_code: '200', le });
    expect(bucket('0.25')).toBe(0);
    expect(bucket('0.5')).toBe(1);
    expect(sum(samples, 'http_request_duration_seconds_count', { route: '/slow', status_code: '200' })).toBe(
      1,
    );
  });

  it.sequential('raises in-flight during concurrent requests and returns it to 0', async () => {
    const before = sum(await scrape(), 'http_requests_total', { route: '/slow', status_code: '200' });
    let settled = false;
    const pending = Promise.all(Array.from({ length: 8 }, () => http.get('/slow'))).finally(() => {
      settled = true;
    });
    // Sample the gauge while the 8 requests (300 ms each) are being served. Usually all 8
    // are seen at once; a loaded machine may stagger them, so the bound is >= 2.
    let max = 0;
    while (!settled && max < 8) max = Math.max(max, await inFlight());
    const done = await pending;
    expect(max).toBeGreaterThanOrEqual(2);
    expect(max).toBeLessThanOrEqual(8);
    expect(done.every((r) => r.status === 200)).toBe(true);
    expect(await inFlight()).toBe(0);
    expect(sum(await scrape(), 'http_requests_total', { route: '/slow', status_code: '200' })).toBe(
      before + 8,
    );
  });

  it.sequential('records requests aborted by the client once (status 499) and returns in-flight to 0', async () => {
    const before = sum(await scrape(), 'http_requests_total', { route: '/slow' });
    expect(sum(await scrape(), 'http_requests_total', { route: '/slow', status_code: '499' })).toBe(0);
    await Promise.all([
      http.abortAfter('/slow', 150),
      http.abortAfter('/slow', 150),
      http.abortAfter('/slow', 150),
    ]);
    await eventually(async () => (await inFlight()) === 0, 3000);
    // Let the handlers finish and try to answer the closed sockets: nothing is recorded twice.
    await new Promise((r) => setTimeout(r, 400));
    const samples = await scrape();
    expect(samples.map((s) => s.line)).toContain(
      'http_requests_total{method="GET",route="/slow",status_code="499"} 3',
    );
    expect(sum(samples, 'http_requests_total', { route: '/slow' })).toBe(before + 3);
    expect(sum(samples, 'http_requests_in_flight')).toBe(0);
  });

  it.sequential('guards /metrics with the exporter auth (401 without or with a wrong token, 200 with it)', async () => {
    const none = await http.get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(none.text).toBe('Unauthorized\n');
    const wrong = await http.get('/metrics', { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="metrics", error="invalid_token"');
    const basic = await http.get('/metrics', {
      authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`,
    });
    expect(basic.status).toBe(401);
    const ok = await http.get('/metrics', AUTH);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.text).toContain('# TYPE http_requests_total counter');
  });

  it.sequential('leaves the trace id of a sampled traceparent on the duration bucket, in OpenMetrics only', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const spanId = traceId.slice(0, 16);
    expect((await http.get('/users/31', { traceparent: `00-${traceId}-${spanId}-01` })).status).toBe(200);
    // Invalid or unsampled headers are ignored.
    for (const traceparent of [
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `00-${traceId}-${spanId}-00`,
      'garbage',
    ])
      expect((await http.get('/api/v1/users/31', { traceparent })).status).toBe(200);
    const om = await http.get('/metrics', { ...AUTH, accept: 'application/openmetrics-text; version=1.0.0' });
    expect(om.headers['content-type']).toMatch(/^application\/openmetrics-text/);
    const withExemplar = om.text.split('\n').filter((l) => l.includes(' # {'));
    expect(withExemplar).toHaveLength(1);
    expect(withExemplar[0]).toMatch(
      new RegExp(
        `^http_request_duration_seconds_bucket\\{method="GET",route="/users/:id",status_code="200",le="[^"]+"\\} \\d+ # \\{trace_id="${traceId}",span_id="${spanId}"\\} [0-9.e-]+ \\d+(\\.\\d+)?$`,
      ),
    );
    const text = await http.get('/metrics', AUTH);
    expect(text.text).not.toContain(traceId);
  });

  // The app's own routes are compared; /metrics is part of the instrumentation (an
  // uninstrumented app need not serve it).
  it.sequential('answers byte-for-byte the same when the metrics backend throws on every record', async () => {
    const warnings: string[] = [];
    const broken = createGlassbox({ backend: throwingBackend(), logger: { warn: (m) => warnings.push(m) } });
    const instrumented = await suiteApp.start({
      glassbox: broken,
      source: backend.create().source,
      token: TOKEN,
      instrument: true,
    });
    const plain = await suiteApp.start({
      glassbox: createGlassbox({ backend: throwingBackend(), logger: null }),
      source: backend.create().source,
      token: TOKEN,
      instrument: false,
    });
    const a = client(instrumented.url);
    const b = client(plain.url);
    try {
      const requests: Array<[string, Record<string, string>?]> = [
        ['/users/7'],
        ['/api/v1/users/9?x=1'],
        ['/boom'],
        ['/slow'],
        ['/no/such/route'],
        ['/users/8', { accept: 'application/json', 'accept-encoding': 'gzip' }],
      ];
      for (const [path, headers] of requests) {
        const [x, y] = await Promise.all([a.get(path, headers), b.get(path, headers)]);
        expect({ path, status: x.status, headers: relevantHeaders(x) }).toEqual({
          path,
          status: y.status,
          headers: relevantHeaders(y),
        });
        expect(x.body.equals(y.body), `body of ${path}`).toBe(true);
      }
      // The instrumented app really recorded (and the backend really threw).
      expect(warnings.some((w) => w.includes('the backend threw'))).toBe(true);
    } finally {
      a.close();
      b.close();
      await instrumented.close();
      await plain.close();
    }
  });
});
