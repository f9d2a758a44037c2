import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGlassbox, defineCounter, type Logger, promClientBackend } from '@glassbox/core';
import * as client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMetricsHandler,
  createMetricsServer,
  type MetricsServer,
  type MetricsServerOptions,
  negotiateFormat,
  renderFamilies,
} from '../src/index.js';
import { get } from './helpers.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function setup(options: Partial<MetricsServerOptions> = {}) {
  const registry = new client.Registry();
  const lines: string[] = [];
  const logger: Logger = { warn: (m) => lines.push(m) };
  const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }), logger });
  glassbox
    .counter(defineCounter({ name: 'demo_events_total', help: 'Demo events.', labelNames: ['kind'] }))
    .inc({ kind: 'a' }, 3);
  const server = createMetricsServer({ port: 0, host: '127.0.0.1', registry, glassbox, logger, ...options });
  servers.push(server);
  return { registry, glassbox, server, lines };
}

describe('metrics server', () => {
  it('serves Prometheus text 0.0.4 by default with exact lines, and HEAD without a body', async () => {
    const { server } = setup();
    const { url } = await server.start();
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toContain(
      '# HELP demo_events_total Demo events.\n# TYPE demo_events_total counter\ndemo_events_total{kind="a"} 3\n',
    );
    const head = await get(url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(res.body));
  });

  it('serves OpenMetrics 1.0.0 when asked, ending in one # EOF', async () => {
    const { server } = setup();
    const { url } = await server.start();
    const res = await get(url, {
      Accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    });
    expect(res.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(res.body).toContain(
      '# TYPE demo_events counter\n# HELP demo_events Demo events.\ndemo_events_total{kind="a"} 3\n',
    );
    // The same registry still serves Prometheus text unchanged afterwards.
    expect((await get(url)).body).toContain(
      '# TYPE demo_events_total counter\ndemo_events_total{kind="a"} 3\n',
    );
    expect(res.body.endsWith('# EOF\n')).toBe(true);
    expect(res.body.match(/# EOF/g)?.length).toBe(1);
  });

  it('gzips when Accept-Encoding allows it, identity otherwise', async () => {
    const { server } = setup();
    const { url } = await server.start();
    const gz = await get(url, { 'Accept-Encoding': 'br, gzip;q=0.8' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body).toContain('demo_events_total{kind="a"} 3');
    const off = await get(url, { 'Accept-Encoding': 'gzip;q=0, identity' });
    expect(off.headers['content-encoding']).toBeUndefined();
    expect((await get(url)).headers['content-encoding']).toBeUndefined();
  });

  it('answers 405 to other methods and 404 to other paths', async () => {
    const { server } = setup();
    const { url } = await server.start();
    const post = await get(url, {}, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await get(url.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('negotiates by q-value', () => {
    const both = ['prometheus', 'openmetrics'] as const;
    expect(negotiateFormat(undefined, both)).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text', both)).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text;q=0.2,text/plain;q=0.9', both)).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=0', both)).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text', ['prometheus'])).toBe('prometheus');
  });

  it('has an explicit start(): nothing listens before, port 0 works, close() frees it', async () => {
    const { server } = setup();
    expect(server.server).toBeUndefined();
    const { port } = await server.start();
    expect(port).toBeGreaterThan(0);
    await server.close();
    await expect(get(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });
});

describe('auth', () => {
  const TOKEN = 'sentinel-Token-7f3a9c1e';
  const OTHER = 'second-token-valid-too';

  it('auth matrix over a real socket: never a 500, only valid tokens get 200, tokens never logged', async () => {
    const warnings: string[] = [];
    const consoleWarn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    try {
      const { server, lines } = setup({ auth: { tokens: [TOKEN, OTHER] } });
      const { url } = await server.start();
      const cases: Array<[string, Record<string, string>, number, string | undefined]> = [
        ['no header', {}, 401, 'Bearer realm="metrics"'],
        [
          'wrong scheme',
          { Authorization: `Basic ${TOKEN}` },
          401,
          'Bearer realm="metrics", error="invalid_token"',
        ],
        ['scheme only', { Authorization: 'Bearer' }, 401, 'Bearer realm="metrics", error="invalid_token"'],
        ['empty', { Authorization: '' }, 401, 'Bearer realm="metrics"'],
        [
          'same length, wrong',
          { Authorization: `Bearer ${TOKEN.replace('7', '8')}` },
          401,
          'Bearer realm="metrics", error="invalid_token"',
        ],
        ['shorter', { Authorization: `Bearer ${TOKEN.slice(0, 5)}` }, 401, undefined],
        ['longer', { Authorization: `Bearer ${TOKEN}x` }, 401, undefined],
        ['prefix of a valid one', { Authorization: `Bearer ${TOKEN.slice(0, -1)}` }, 401, undefined],
        [
          'multibyte UTF-8',
          { Authorization: `Bearer ${Buffer.from('tökén-ü€', 'utf8').toString('latin1')}` },
          401,
          undefined,
        ],
        ['valid token', { Authorization: `Bearer ${TOKEN}` }, 200, undefined],
        ['lower-case scheme', { Authorization: `bearer ${TOKEN}` }, 200, undefined],
        ['second valid token', { Authorization: `Bearer ${OTHER}` }, 200, undefined],
      ];
      for (const [name, headers, status, challenge] of cases) {
        const res = await get(url, headers);
        expect(res.status, name).toBe(status);
        if (challenge !== undefined) expect(res.headers['www-authenticate'], name).toBe(challenge);
        if (status === 401) expect(res.body).toBe('Unauthorized\n');
        expect(res.body).not.toContain(TOKEN);
      }
      // A 64 KB header exceeds Node's header limit: node:http answers 431 and closes the
      // socket (the client may see the reset before the status). Never a 500, never a 200.
      const huge = await get(url, { Authorization: `Bearer ${'a'.repeat(64 * 1024)}` }).catch(
        (error: NodeJS.ErrnoException) => ({ status: error.code === 'ECONNRESET' ? 431 : 0 }),
      );
      expect([401, 431]).toContain(huge.status);
      expect(lines.join('\n')).not.toContain(TOKEN);
      expect(warnings.join('\n')).not.toContain(TOKEN);
    } finally {
      console.warn = consoleWarn;
    }
  });

  it('accepts a multibyte UTF-8 token sent as raw bytes', async () => {
    const token = 'tökén-ü€-密码';
    const { server } = setup({ auth: { tokens: token } });
    const { url } = await server.start();
    expect(
      (await get(url, { Authorization: `Bearer ${Buffer.from(token, 'utf8').toString('latin1')}` })).status,
    ).toBe(200);
  });

  it('reads METRICS_BEARER_TOKEN', async () => {
    process.env.METRICS_BEARER_TOKEN = TOKEN;
    try {
      const { server } = setup();
      const { url } = await server.start();
      expect((await get(url)).status).toBe(401);
      expect((await get(url, { Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    } finally {
      delete process.env.METRICS_BEARER_TOKEN;
    }
  });

  it('rotates tokens from a token file without a restart; a failed re-read keeps the last good set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glassbox-tokens-'));
    const file = join(dir, 'token');
    writeFileSync(file, `# metrics tokens\n  old-token  \n`);
    const { server, lines } = setup({ auth: { tokenFile: file, tokenFileCheckIntervalMs: 0 } });
    const { url } = await server.start();
    const as = (t: string) => get(url, { Authorization: `Bearer ${t}` });
    expect((await as('old-token')).status).toBe(200);
    // Rotation: both valid during the overlap, then only the new one. Atomic rename, as Kubernetes does.
    writeFileSync(join(dir, 'next'), 'old-token\nnew-token\n');
    renameSync(join(dir, 'next'), file);
    expect((await as('new-token')).status).toBe(200);
    expect((await as('old-token')).status).toBe(200);
    writeFileSync(join(dir, 'next'), 'new-token\n');
    renameSync(join(dir, 'next'), file);
    expect((await as('old-token')).status).toBe(401);
    expect((await as('new-token')).status).toBe(200);
    // An empty file (a write in progress) keeps the last good set.
    writeFileSync(file, '');
    expect((await as('new-token')).status).toBe(200);
    expect(lines.join('\n')).not.toContain('new-token');
    expect(lines.join('\n')).toContain('has no tokens; keeping the previous set');
  });

  it('requireAuth refuses to start without a token', () => {
    const registry = new client.Registry();
    expect(() => createMetricsHandler({ registry, requireAuth: true })).toThrow(/requireAuth/);
    expect(() => createMetricsHandler({ registry, requireAuth: true, auth: { tokens: 'x' } })).not.toThrow();
    // a blank token fails closed instead: see auth-defaults.test.ts
    expect(() => createMetricsHandler({ registry, requireAuth: true, auth: { tokens: '' } })).toThrow(
      /requireAuth/,
    );
  });
});

describe('failing collects', () => {
  it('a hanging collect answers 500 within the timeout and is counted', async () => {
    const registry = new client.Registry();
    const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
    const hanging = { collect: () => new Promise<never>(() => {}) };
    const server = createMetricsServer({
      port: 0,
      host: '127.0.0.1',
      sources: [hanging],
      glassbox,
      timeoutMs: 300,
      logger: null,
    });
    servers.push(server);
    const { url } = await server.start();
    const started = Date.now();
    const res = await get(url);
    expect(res.status).toBe(500);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await registry.metrics()).toContain(
      'glassbox_instrumentation_errors_total{component="exporter"} 1',
    );
  });

  it("a throwing collect: 500 with 'fail', the rest served with 'partial'", async () => {
    const registry = new client.Registry();
    new client.Counter({ name: 'ok_total', help: 'h', registers: [registry] }).inc();
    const broken = {
      formats: ['prometheus' as const, 'openmetrics' as const],
      collect: () => {
        throw new Error('collector broke');
      },
    };
    const fail = createMetricsServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      sources: [broken],
      logger: null,
    });
    const partial = createMetricsServer({
      port: 0,
      host: '127.0.0.1',
      registry,
      sources: [broken],
      onCollectError: 'partial',
      logger: null,
    });
    servers.push(fail, partial);
    expect((await get((await fail.start()).url)).status).toBe(500);
    const res = await get((await partial.start()).url);
    expect(res.status).toBe(200);
    expect(res.body).toContain('ok_total 1');
  });

  it('a prom-client collect() callback that throws does not crash the process', async () => {
    const registry = new client.Registry();
    new client.Gauge({
      name: 'bad_gauge',
      help: 'h',
      registers: [registry],
      collect() {
        throw new Error('collect exploded');
      },
    });
    const server = createMetricsServer({ port: 0, host: '127.0.0.1', registry, logger: null });
    servers.push(server);
    const { url } = await server.start();
    expect((await get(url)).status).toBe(500);
    expect((await get(url)).status).toBe(500);
  });
});

describe('large scrapes', () => {
  it('streams a large native-backend body in chunks (identity and gzip) with the same content', async () => {
    const { nativeBackend, catalog } = await import('@glassbox/core');
    const native = nativeBackend();
    const glassbox = createGlassbox({ backend: native, seriesLimit: 1e6, logger: null });
    const h = glassbox.histogram(catalog.http.requestDuration);
    for (let i = 0; i < 3000; i++) h.observe({ method: 'GET', route: `/r/${i}`, status_code: 200 }, 0.2);
    const server = createMetricsServer({ port: 0, host: '127.0.0.1', sources: [native], logger: null });
    servers.push(server);
    const { url } = await server.start();
    const expected = await renderFamilies(native.collect(), 'prometheus');
    expect(expected.length).toBeGreaterThan(1 << 20);
    const plainRes = await get(url);
    expect(plainRes.headers['transfer-encoding']).toBe('chunked');
    expect(plainRes.headers['content-length']).toBeUndefined();
    expect(plainRes.body).toBe(expected);
    const gz = await get(url, { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.body).toBe(expected);
    const om = await get(url, { Accept: 'application/openmetrics-text' });
    expect(om.body.endsWith('\n# EOF\n')).toBe(true);
    expect(om.body.match(/# EOF/g)?.length).toBe(1);
  });
});
