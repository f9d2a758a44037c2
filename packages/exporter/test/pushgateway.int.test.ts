/**
 * The push client against Debian's real `prometheus-pushgateway`: PUT and POST
 * semantics, grouping keys (extra labels, a `/` and an empty value), bearer auth through
 * a small real proxy, basic auth through the gateway's own `--web.config.file`, bounded
 * retries against a gateway that is down or hangs, delete on success, and a failed run
 * that keeps the last success of an earlier one.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createBatchJob,
  createGlassbox,
  defineCounter,
  type MetricsSource,
  type NativeBackend,
  nativeBackend,
} from '@glassbox/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pushgatewayBinary,
  type StartedPushgateway,
  startPushgateway,
} from '../../../test/tools/pushgateway.js';
import { freePort } from '../../mixin/test/helpers.js';
import { createPushgateway, runAndPush } from '../src/index.js';

interface Group {
  labels: Record<string, string>;
  [metric: string]: unknown;
}

async function groups(gw: StartedPushgateway, headers: Record<string, string> = {}): Promise<Group[]> {
  const r = await fetch(`${gw.url}/api/v1/metrics`, { headers });
  const body = (await r.json()) as { data: Group[] };
  return body.data;
}

/** Sample lines of the gateway's /metrics for one metric name. */
async function lines(
  gw: StartedPushgateway,
  name: string,
  headers: Record<string, string> = {},
): Promise<string[]> {
  const text = await (await fetch(`${gw.url}/metrics`, { headers })).text();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

/** A native backend with counters `a_total` and (optionally) `b_total`. */
function source(withB: boolean): NativeBackend {
  const backend = nativeBackend();
  const glassbox = createGlassbox({ backend, logger: null });
  glassbox.counter(defineCounter({ name: 'a_total', help: 'A.' })).inc(undefined, withB ? 1 : 2);
  if (withB) glassbox.counter(defineCounter({ name: 'b_total', help: 'B.' })).inc(undefined, 5);
  return backend;
}

function batch(name = 'nightly-scoring') {
  const backend = nativeBackend();
  const warnings: string[] = [];
  const glassbox = createGlassbox({ backend, logger: { warn: (m) => warnings.push(m) } });
  return { backend, glassbox, warnings, job: createBatchJob(glassbox, { name }) };
}

describe.skipIf(pushgatewayBinary.skip)('push to a real Pushgateway', () => {
  let gw: StartedPushgateway;
  beforeAll(async () => {
    gw = await startPushgateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const client = (job: string, sources: MetricsSource[], method: 'put' | 'post') =>
    createPushgateway({ url: gw.url, job, instance: 'w1', sources, method, logger: null });

  it('POST replaces only the metrics it carries; PUT replaces the whole group', async () => {
    expect((await client('semantics', [source(true)], 'put').push()).ok).toBe(true);
    expect(await lines(gw, 'b_total')).toEqual(['b_total{instance="w1",job="semantics"} 5']);
    // POST with a only: a replaced, b stays
    expect((await client('semantics', [source(false)], 'post').push()).ok).toBe(true);
    expect(await lines(gw, 'a_total')).toEqual(['a_total{instance="w1",job="semantics"} 2']);
    expect(await lines(gw, 'b_total')).toEqual(['b_total{instance="w1",job="semantics"} 5']);
    // PUT with a only: b gone
    expect((await client('semantics', [source(false)], 'put').push()).ok).toBe(true);
    expect(await lines(gw, 'b_total')).toEqual([]);
    const g = (await groups(gw)).find((x) => x.labels.job === 'semantics') as Group;
    expect(Object.keys(g).filter((k) => k.endsWith('_total'))).toEqual(['a_total']);
    expect(g).toHaveProperty('push_time_seconds');
  });

  it('grouping key: extra labels, a value with a slash and an empty value land as given', async () => {
    const gateway = createPushgateway({
      url: gw.url,
      job: 'reports/daily',
      instance: 'eu-west',
      groupingKey: { path: '/var/reports', tenant: 'acme', empty: '' },
      sources: [source(false)],
      logger: null,
    });
    expect(await gateway.push()).toEqual({ ok: true, attempts: 1, status: 200 });
    const g = (await groups(gw)).find((x) => x.labels.job === 'reports/daily');
    // the empty value is part of the group's key (Prometheus drops empty labels at ingestion)
    expect(g?.labels).toEqual({
      job: 'reports/daily',
      instance: 'eu-west',
      path: '/var/reports',
      tenant: 'acme',
      empty: '',
    });
    expect(await lines(gw, 'a_total')).toContain(
      'a_total{empty="",instance="eu-west",job="reports/daily",path="/var/reports",tenant="acme"} 2',
    );
    expect((await gateway.delete()).ok).toBe(true);
    expect((await groups(gw)).some((x) => x.labels.job === 'reports/daily')).toBe(false);
  });

  it('a failed run keeps the last success of the run before it (POST), and counts the failure', async () => {
    const ok = batch();
    const good = createPushgateway({
      url: gw.url,
      job: 'glassbox',
      instance: 'keep',
      sources: [ok.backend],
      glassbox: ok.glassbox,
    });
    await runAndPush(good, ok.job, () => 'done');
    const [lastSuccess] = await lines(gw, 'batch_job_last_success_timestamp_seconds');
    expect(lastSuccess).toMatch(/instance="keep".* 1\.\d+e\+09$/);
    // the next run is a new process: a fresh instance that fails
    const bad = batch();
    const failing = createPushgateway({
      url: gw.url,
      job: 'glassbox',
      instance: 'keep',
      sources: [bad.backend],
      glassbox: bad.glassbox,
    });
    await expect(
      runAndPush(failing, bad.job, () => {
        throw new Error('input missing');
      }),
    ).rejects.toThrow('input missing');
    expect(await lines(gw, 'batch_job_last_success_timestamp_seconds')).toEqual([lastSuccess]);
    expect(await lines(gw, 'batch_job_runs_total')).toEqual([
      'batch_job_runs_total{instance="keep",job="glassbox",job_name="nightly-scoring",status="failure"} 1',
      'batch_job_runs_total{instance="keep",job="glassbox",job_name="nightly-scoring",status="success"} 0',
    ]);
  });

  it('delete on success removes the group; a failed run is still pushed', async () => {
    const first = batch('one-shot-migration');
    const gateway = createPushgateway({
      url: gw.url,
      job: 'glassbox',
      instance: 'one-shot',
      sources: [first.backend],
      glassbox: first.glassbox,
      deleteOnSuccess: true,
    });
    await expect(runAndPush(gateway, first.job, () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    const mine = async () => (await groups(gw)).filter((g) => g.labels.instance === 'one-shot');
    expect(await mine()).toHaveLength(1);
    const actions: string[] = [];
    await runAndPush(gateway, first.job, () => 1, { onPushed: (o) => actions.push(`${o.action}:${o.ok}`) });
    expect(actions).toEqual(['delete:true']);
    expect(await mine()).toHaveLength(0);
  });
});

describe.skipIf(pushgatewayBinary.skip)('auth', () => {
  const PASSWORD = 'push-basic-secret-4';
  // bcrypt of PASSWORD (cost 4), as the gateway's web config wants it
  const HASH = '$2b$04$M667KjrtYZBPM55i1xFpPuGvy/EXea1MJ6N.MHiJw/x9R2d17Asqm';
  const TOKEN = 'push-bearer-token-9';
  let basic: StartedPushgateway;
  let open: StartedPushgateway;
  let proxy: Server;
  let proxyUrl = '';
  const basicHeader = { Authorization: `Basic ${Buffer.from(`batch:${PASSWORD}`).toString('base64')}` };

  beforeAll(async () => {
    basic = await startPushgateway({ webConfig: `basic_auth_users:\n  batch: ${HASH}\n` });
    open = await startPushgateway();
    // A tiny bearer-checking reverse proxy in front of the open gateway.
    proxy = createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end('unauthorized\n');
        return;
      }
      const target = new URL(req.url ?? '/', open.url);
      const up = request(
        target,
        { method: req.method, headers: { ...req.headers, host: target.host } },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.writeHead(502).end());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise((r) => proxy?.close(r));
    await basic?.stop();
    await open?.stop();
  });

  it('basic auth: the gateway takes the right password and refuses a wrong one (not retried, counted)', async () => {
    const ok = createPushgateway({
      url: basic.url,
      job: 'glassbox',
      sources: [source(false)],
      auth: { username: 'batch', password: PASSWORD },
      logger: null,
    });
    expect(await ok.push()).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(await lines(basic, 'a_total', basicHeader)).toEqual(['a_total{instance="",job="glassbox"} 2']);
    const b = batch();
    const wrong = createPushgateway({
      url: basic.url,
      job: 'glassbox',
      sources: [b.backend],
      glassbox: b.glassbox,
      auth: { username: 'batch', password: 'wrong' },
    });
    expect(await wrong.push()).toMatchObject({ ok: false, attempts: 1, status: 401 });
    expect(b.backend.value('glassbox_instrumentation_errors_total', { component: 'pushgateway' })).toBe(1);
    expect(b.warnings.join('\n')).not.toContain('wrong');
  });

  it('bearer: a proxy that checks the token lets the push through to the gateway', async () => {
    const gateway = createPushgateway({
      url: proxyUrl,
      job: 'glassbox',
      instance: 'via-proxy',
      sources: [source(true)],
      auth: { bearer: TOKEN },
      logger: null,
    });
    expect(await gateway.push()).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(await lines(open, 'b_total')).toEqual(['b_total{instance="via-proxy",job="glassbox"} 5']);
    const denied = createPushgateway({
      url: proxyUrl,
      job: 'glassbox',
      sources: [source(true)],
      logger: null,
    });
    expect(await denied.push()).toMatchObject({ ok: false, attempts: 1, status: 401 });
  });
});

describe('a gateway that is down or hangs: the job completes in bounded time', () => {
  it('nothing listening: every attempt made, the job returns, counted and logged once', async () => {
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const b = batch();
    const gateway = createPushgateway({
      url,
      job: 'glassbox',
      sources: [b.backend],
      glassbox: b.glassbox,
      retries: { attempts: 4, backoffMs: 50, maxBackoffMs: 100 },
      timeoutMs: 1000,
    });
    const t0 = performance.now();
    for (let i = 0; i < 2; i++)
      expect(await runAndPush(gateway, b.job, () => 'still done')).toBe('still done');
    const elapsed = performance.now() - t0;
    expect(b.backend.value('glassbox_instrumentation_errors_total', { component: 'pushgateway' })).toBe(2);
    expect(b.warnings.filter((w) => w.includes('Pushgateway'))).toHaveLength(1);
    expect(b.warnings[0]).toMatch(/ECONNREFUSED; 4 attempts/);
    // 3 back-offs (50 + 100 + 100 ms) per push
    expect(elapsed).toBeGreaterThanOrEqual(2 * 250);
    expect(elapsed).toBeLessThan(2 * gateway.maxDurationMs);
  });

  it('a gateway that accepts and never answers: each attempt times out, the total stays under maxDurationMs', async () => {
    const hang = createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const b = batch();
      const gateway = createPushgateway({
        url: `http://127.0.0.1:${(hang.address() as AddressInfo).port}`,
        job: 'glassbox',
        sources: [b.backend],
        glassbox: b.glassbox,
        retries: { attempts: 2, backoffMs: 100 },
        timeoutMs: 300,
      });
      const t0 = performance.now();
      const outcomes: unknown[] = [];
      await runAndPush(gateway, b.job, () => undefined, { onPushed: (o) => outcomes.push(o) });
      const elapsed = performance.now() - t0;
      expect(outcomes).toEqual([
        { ok: false, attempts: 2, error: 'no answer within 300 ms; 2 attempts', action: 'push' },
      ]);
      expect(elapsed).toBeGreaterThanOrEqual(2 * 300 + 100 - 5);
      expect(elapsed).toBeLessThanOrEqual(gateway.maxDurationMs);
    } finally {
      hang.closeAllConnections();
      await new Promise((r) => hang.close(r));
    }
  });
});
