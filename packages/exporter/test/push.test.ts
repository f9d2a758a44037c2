/**
 * The push client without a gateway: grouping-key paths, option validation, and what a
 * failing gateway does to the job (real local sockets: a closed port, a server that
 * answers 503 and then 200, one that answers 400).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBatchJob, createGlassbox, nativeBackend, promClientBackend } from '@glassbox/core';
import * as client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../mixin/test/helpers.js';
import { createPushgateway, PUSHGATEWAY_DEFAULTS, runAndPush } from '../src/index.js';
import { backoffDelay, groupingPath } from '../src/push-http.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local server answering each request with the next status of `statuses` (the last one repeats). */
async function answering(statuses: number[], body = ''): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += String(c);
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text });
      const status = statuses[Math.min(seen.length - 1, statuses.length - 1)] as number;
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function setup() {
  const backend = nativeBackend();
  const warnings: string[] = [];
  const glassbox = createGlassbox({ backend, logger: { warn: (m) => warnings.push(m) } });
  return { backend, glassbox, warnings, job: createBatchJob(glassbox, { name: 'nightly-scoring' }) };
}

describe('grouping key', () => {
  it('encodes values with a slash or empty in the @base64 form, others path-escaped', () => {
    expect(groupingPath('glassbox', { instance: 'nightly-scoring' })).toBe(
      'metrics/job/glassbox/instance/nightly-scoring',
    );
    expect(groupingPath('a/b', { path: '/var/tmp', empty: '', sp: 'x y' })).toBe(
      `metrics/job@base64/${Buffer.from('a/b').toString('base64url')}/path@base64/${Buffer.from('/var/tmp').toString('base64url')}/empty@base64/=/sp/x%20y`,
    );
  });

  it('rejects job and instance inside groupingKey, bad label names and blank values at creation', () => {
    const { backend } = setup();
    const base = { url: 'http://127.0.0.1:9091', sources: [backend] };
    expect(() => createPushgateway({ ...base, job: '' })).toThrow(/job must be a non-empty string/);
    expect(() => createPushgateway({ ...base, job: 'j', instance: '' })).toThrow(/instance must be/);
    expect(() => createPushgateway({ ...base, job: 'j', groupingKey: { job: 'x' } })).toThrow(
      /must not set "job"/,
    );
    expect(() => createPushgateway({ ...base, job: 'j', groupingKey: { 'bad-name': 'x' } })).toThrow(
      /"bad-name" is not a valid label name/,
    );
  });
});

describe('options', () => {
  it('rejects unknown keys, credentials in the url, mixed auth and unbounded retries', () => {
    const { backend } = setup();
    const base = { url: 'http://127.0.0.1:9091', job: 'j', sources: [backend] };
    expect(() => createPushgateway({ ...base, metod: 'put' } as never)).toThrow(/unknown option "metod"/);
    expect(() => createPushgateway({ ...base, method: 'patch' } as never)).toThrow(/method/);
    expect(() => createPushgateway({ ...base, url: 'http://u:p@127.0.0.1:9091' })).toThrow(/auth option/);
    expect(() => createPushgateway({ ...base, auth: { bearer: 't', username: 'u', password: 'p' } })).toThrow(
      /not both/,
    );
    expect(() => createPushgateway({ ...base, auth: { username: 'u' } })).toThrow(
      /needs a non-empty username/,
    );
    expect(() => createPushgateway({ ...base, auth: { bearer: ' ' } })).toThrow(/blank/);
    expect(() => createPushgateway({ ...base, auth: { bearer: 'tok\n' } })).toThrow(
      /auth\.bearer contains a line break/,
    );
    expect(() => createPushgateway({ ...base, retries: { attempts: 11 } })).toThrow(/attempts must be/);
    expect(() => createPushgateway({ ...base, retries: { backoff: 1 } } as never)).toThrow(/unknown option/);
    expect(() => createPushgateway({ url: 'http://127.0.0.1:9091', job: 'j' })).toThrow(
      /registry or at least one/,
    );
  });

  it('states its worst case: collect timeout + attempts × timeout + the back-offs', () => {
    const { backend } = setup();
    const gw = createPushgateway({ url: 'http://127.0.0.1:9091', job: 'j', sources: [backend] });
    const d = PUSHGATEWAY_DEFAULTS;
    expect(d.method).toBe('post');
    expect(gw.maxDurationMs).toBe(d.timeoutMs * (1 + d.retries.attempts) + 500 + 1000);
    expect(backoffDelay({ attempts: 10, backoffMs: 500, maxBackoffMs: 5000 }, 9)).toBe(5000);
  });
});

describe('a gateway that fails', () => {
  it('a closed port: the job returns its value, each push is counted once, logged once', async () => {
    const { backend, glassbox, warnings, job } = setup();
    const gw = createPushgateway({
      url: `http://127.0.0.1:${await freePort()}`,
      job: 'glassbox',
      sources: [backend],
      glassbox,
      retries: { attempts: 3, backoffMs: 1 },
    });
    const outcomes: unknown[] = [];
    for (let i = 0; i < 3; i++)
      expect(await runAndPush(gw, job, () => 42, { onPushed: (o) => outcomes.push(o) })).toBe(42);
    expect(outcomes[0]).toMatchObject({ ok: false, attempts: 3, action: 'push' });
    expect(backend.value('glassbox_instrumentation_errors_total', { component: 'pushgateway' })).toBe(3);
    expect(warnings.filter((w) => w.includes('pushgateway'))).toHaveLength(1);
    expect(warnings[0]).toMatch(/push to the Pushgateway failed.*ECONNREFUSED; 3 attempts/);
  });

  it('a failing job still rethrows its own error after the push', async () => {
    const { backend, job } = setup();
    const gw = createPushgateway({
      url: `http://127.0.0.1:${await freePort()}`,
      job: 'glassbox',
      sources: [backend],
      logger: null,
      retries: { attempts: 1 },
    });
    const boom = new Error('boom');
    await expect(
      runAndPush(gw, job, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('503 twice then 200: retried, third attempt succeeds; the body is text 0.0.4', async () => {
    const { backend, job } = setup();
    const gw503 = await answering([503, 503, 200]);
    const gw = createPushgateway({
      url: gw503.url,
      job: 'glassbox',
      sources: [backend],
      retries: { attempts: 5, backoffMs: 1 },
    });
    const outcomes: unknown[] = [];
    await runAndPush(gw, job, () => undefined, { onPushed: (o) => outcomes.push(o) });
    expect(outcomes).toEqual([{ ok: true, attempts: 3, status: 200, action: 'push' }]);
    expect(gw503.seen.map((s) => [s.method, s.url])).toEqual(
      Array(3).fill(['POST', '/metrics/job/glassbox']),
    );
    expect(gw503.seen[0]?.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(gw503.seen[0]?.body).toContain(
      'batch_job_runs_total{job_name="nightly-scoring",status="success"} 1',
    );
  });

  it('400 (the gateway refuses the push) is not retried; its reason is in the result', async () => {
    const { backend } = setup();
    const refusing = await answering([400], 'pushed metrics are invalid or inconsistent');
    const gw = createPushgateway({ url: refusing.url, job: 'glassbox', sources: [backend], logger: null });
    const r = await gw.push();
    expect(r).toEqual({
      ok: false,
      attempts: 1,
      status: 400,
      error: 'HTTP 400: pushed metrics are invalid or inconsistent; 1 attempt',
    });
  });

  it('sends the bearer or basic credentials, and never logs them', async () => {
    const { backend } = setup();
    const srv = await answering([401]);
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m) };
    await createPushgateway({
      url: srv.url,
      job: 'j',
      sources: [backend],
      auth: { bearer: 's3cret-t' },
      logger,
    }).push();
    await createPushgateway({
      url: srv.url,
      job: 'j',
      sources: [backend],
      auth: { username: 'job', password: 'pa55' },
      logger,
    }).push();
    expect(srv.seen.map((s) => s.headers.authorization)).toEqual([
      'Bearer s3cret-t',
      `Basic ${Buffer.from('job:pa55').toString('base64')}`,
    ]);
    expect(warnings.join('\n')).toMatch(/HTTP 401/);
    expect(warnings.join('\n')).not.toMatch(/s3cret|pa55|am9iOnBhNTU/);
  });

  it('pushes a prom-client registry as well (the prom-client backend)', async () => {
    const registry = new client.Registry();
    const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
    const job = createBatchJob(glassbox, { name: 'prom-client-job' });
    const srv = await answering([200]);
    const gw = createPushgateway({ url: srv.url, job: 'glassbox', registry, glassbox });
    await runAndPush(gw, job, () => undefined);
    expect(srv.seen[0]?.body).toContain(
      'batch_job_runs_total{job_name="prom-client-job",status="success"} 1',
    );
  });

  it('runAndPush rejects unknown options before running the job', async () => {
    const { backend, job } = setup();
    const gw = createPushgateway({ url: 'http://127.0.0.1:9', job: 'j', sources: [backend], logger: null });
    let ran = false;
    await expect(
      runAndPush(
        gw,
        job,
        () => {
          ran = true;
        },
        { onPush: () => {} } as never,
      ),
    ).rejects.toThrow(/unknown option "onPush"/);
    expect(ran).toBe(false);
  });
});
