import { request } from 'node:http';
import { createGlassbox, promClientBackend } from '@glassbox/core';
import Fastify, { type FastifyInstance } from 'fastify';
import * as client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  client as httpClient,
  parseExposition,
  type Sample,
  select,
  sum,
} from '../../../test/adapters/http.js';
import { GLASSBOX_FASTIFY_DEFAULTS, type GlassboxFastifyOptions, glassbox } from '../src/index.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A Fastify app with the plugin registered; `routes` adds routes after it. */
async function setup(
  routes: (app: FastifyInstance) => Promise<void> | void,
  options: Partial<GlassboxFastifyOptions> = {},
  before?: (app: FastifyInstance) => void,
) {
  const registry = new client.Registry();
  const app = Fastify({ logger: false });
  cleanups.push(() => app.close());
  before?.(app);
  await app.register(glassbox, {
    registry,
    glassboxOptions: { logger: null },
    metrics: { logger: null },
    ...options,
  });
  await routes(app);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const http = httpClient(url);
  cleanups.push(() => http.close());
  const scrape = async (): Promise<Sample[]> => parseExposition((await http.get('/metrics')).text);
  const lines = async (name = 'http_requests_total'): Promise<string[]> =>
    select(await scrape(), name).map((s) => s.line);
  return { app, http, url, scrape, lines, registry };
}

describe('@glassbox/fastify', () => {
  it('is a fastify-plugin for Fastify 5.x with a name, and decorates the instance', async () => {
    const meta = (glassbox as unknown as Record<symbol, { fastify: string; name: string }>)[
      Symbol.for('plugin-meta')
    ];
    expect(meta).toMatchObject({ fastify: '5.x', name: '@glassbox/fastify' });
    const registry = new client.Registry();
    const instance = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
    const app = Fastify();
    cleanups.push(() => app.close());
    await app.register(glassbox, { glassbox: instance, registry });
    expect(app.glassbox.glassbox).toBe(instance);
    expect(app.glassbox.metricsPath).toBe('/metrics');
    expect(app.glassbox.metricsHandler.authEnabled).toBe(false);
  });

  it('labels routes with their registered URL, prefixes of nested plugins included', async () => {
    const { http, lines } = await setup(async (app) => {
      app.get('/users/:id', async () => 'u');
      await app.register(
        async (api) => {
          api.get('/', async () => 'root');
          await api.register(
            async (v1) => {
              v1.get('/orders/:orderId/items/:item', async () => 'item');
              v1.get('/files/*', async () => 'file');
            },
            { prefix: '/v1' },
          );
        },
        { prefix: '/api' },
      );
    });
    await http.get('/users/1');
    await http.get('/users/2');
    await http.get('/api');
    await http.get('/api/v1/orders/9/items/3');
    await http.get('/api/v1/files/a/b.txt');
    expect(await lines()).toEqual([
      'http_requests_total{method="GET",route="/users/:id",status_code="200"} 2',
      'http_requests_total{method="GET",route="/api",status_code="200"} 1',
      'http_requests_total{method="GET",route="/api/v1/orders/:orderId/items/:item",status_code="200"} 1',
      'http_requests_total{method="GET",route="/api/v1/files/*",status_code="200"} 1',
    ]);
  });

  it('labels routes registered before the plugin and requests answered by an earlier hook', async () => {
    const { http, lines } = await setup(
      (app) => {
        app.addHook('onRequest', async (request, reply) => {
          if (request.headers['x-deny'] === '1') await reply.code(403).send('denied');
        });
        app.get('/late/:id', async () => 'late');
      },
      {},
      (app) => {
        app.get('/early/:id', async () => 'early');
      },
    );
    await http.get('/early/1');
    await http.get('/late/1', { 'x-deny': '1' });
    expect(await lines()).toEqual([
      'http_requests_total{method="GET",route="/early/:id",status_code="200"} 1',
      'http_requests_total{method="GET",route="/late/:id",status_code="403"} 1',
    ]);
  });

  it('gives unmatched requests the fixed value, also with a custom not-found handler', async () => {
    const { http, lines } = await setup(
      (app) => {
        app.setNotFoundHandler((_request, reply) => {
          void reply.code(404).send({ nope: true });
        });
      },
      { unmatchedRoute: '__none__' },
    );
    await http.get('/wp-admin');
    await http.get('/a/b/c?d=e');
    expect(await lines()).toEqual(['http_requests_total{method="GET",route="__none__",status_code="404"} 2']);
  });

  it('records errors with the status Fastify sends', async () => {
    const { http, lines } = await setup((app) => {
      app.get('/boom', async () => {
        throw new Error('boom');
      });
      app.get('/unavailable', async () => {
        throw Object.assign(new Error('later'), { statusCode: 503 });
      });
      app.get('/teapot', async (_request, reply) => reply.code(418).send('short and stout'));
    });
    expect((await http.get('/boom')).status).toBe(500);
    expect((await http.get('/unavailable')).status).toBe(503);
    expect((await http.get('/teapot')).status).toBe(418);
    expect(await lines()).toEqual([
      'http_requests_total{method="GET",route="/boom",status_code="500"} 1',
      'http_requests_total{method="GET",route="/unavailable",status_code="503"} 1',
      'http_requests_total{method="GET",route="/teapot",status_code="418"} 1',
    ]);
  });

  // Regression: Fastify's onRequestAbort only fires while the request body is unread, so
  // a POST whose JSON body was parsed and whose client left during the handler got
  // neither onRequestAbort nor onResponse: it was never recorded and in-flight leaked.
  it('records a client that leaves during the handler after its body was read, once, with 499', async () => {
    let finished!: () => void;
    const handlerDone = new Promise<void>((r) => {
      finished = r;
    });
    const { url, scrape } = await setup((app) => {
      app.post('/slow', async () => {
        await new Promise((r) => setTimeout(r, 200));
        finished();
        return { ok: true };
      });
    });
    await new Promise<void>((resolve) => {
      const req = request(`${url}/slow`, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json' },
      });
      req.on('error', () => {});
      req.on('close', () => resolve());
      req.end('{"a":1}');
      setTimeout(() => req.destroy(), 100);
    });
    await handlerDone;
    await new Promise((r) => setTimeout(r, 50));
    const samples = await scrape();
    expect(select(samples, 'http_requests_total').map((s) => s.line)).toEqual([
      'http_requests_total{method="POST",route="/slow",status_code="499"} 1',
    ]);
    expect(sum(samples, 'http_requests_in_flight')).toBe(0);
  });

  // Regression: onResponse used `writableFinished`, which fastify.inject() responses do
  // not set, so injected requests were recorded as 499.
  it('records fastify.inject() requests with their real status', async () => {
    const { app, lines } = await setup((a) => {
      a.get('/ping', async () => 'pong');
    });
    expect((await app.inject('/ping')).statusCode).toBe(200);
    expect(await lines()).toEqual(['http_requests_total{method="GET",route="/ping",status_code="200"} 1']);
  });

  it('excludes the metrics path by default and excluded paths; records /metrics when asked', async () => {
    const excluded = await setup(
      (app) => {
        app.get('/health', async () => 'ok');
        app.get('/assets/:file', async () => 'asset');
        app.get('/work', async () => 'work');
      },
      { excludePaths: ['/health', /^\/assets\//] },
    );
    await excluded.http.get('/health?x=1');
    await excluded.http.get('/assets/app.js');
    await excluded.http.get('/work');
    await excluded.http.get('/metrics');
    expect(await excluded.lines()).toEqual([
      'http_requests_total{method="GET",route="/work",status_code="200"} 1',
    ]);
    const included = await setup(() => {}, { excludeMetricsPath: false });
    await included.http.get('/metrics');
    expect(await included.lines()).toEqual([
      'http_requests_total{method="GET",route="/metrics",status_code="200"} 1',
    ]);
  });

  it('groups status codes, records sizes when asked, and adds bounded custom labels', async () => {
    const { url, scrape, http } = await setup(
      (app) => {
        app.post('/echo', async (request, reply) => reply.code(201).send(request.body));
      },
      {
        groupStatusCodes: true,
        recordSizes: true,
        customLabels: [
          { name: 'tier', values: ['free', 'pro'], value: (request) => request.headers['x-tier'] as string },
        ],
      },
    );
    const post = (tier: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${url}/echo`,
          { method: 'POST', headers: { 'content-type': 'text/plain', 'x-tier': tier } },
          (r) => {
            r.resume();
            r.on('end', () => resolve(r.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end('y'.repeat(120));
      });
    expect(await post('pro')).toBe(201);
    expect(await post(`t-${Math.random()}`)).toBe(201);
    await http.get('/nope');
    const samples = await scrape();
    expect(select(samples, 'http_requests_total').map((s) => s.line)).toEqual([
      'http_requests_total{method="POST",route="/echo",status_code="2xx",tier="pro"} 1',
      'http_requests_total{method="POST",route="/echo",status_code="2xx",tier="other"} 1',
      'http_requests_total{method="GET",route="unmatched",status_code="4xx",tier="other"} 1',
    ]);
    expect(select(samples, 'http_request_size_bytes_sum', { route: '/echo' }).map((s) => s.line)).toEqual([
      'http_request_size_bytes_sum{method="POST",route="/echo"} 240',
    ]);
    expect(select(samples, 'http_response_size_bytes_count', { route: '/echo' }).map((s) => s.value)).toEqual(
      [2],
    );
  });

  it('serves metrics on a separate port with the same auth, closed with the app', async () => {
    const registry = new client.Registry();
    const app = Fastify();
    await app.register(glassbox, {
      registry,
      glassboxOptions: { logger: null },
      metricsRoute: false,
      metricsServer: { port: 0, host: '127.0.0.1' },
      metrics: { auth: { tokens: ['s3cret'], fromEnv: false }, logger: null },
    });
    app.get('/ping', async () => 'pong');
    const appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const server = app.glassbox.metricsServer;
    expect(server?.server?.listening).toBe(true);
    const address = server?.server?.address() as { port: number };
    const appHttp = httpClient(appUrl);
    const metricsHttp = httpClient(`http://127.0.0.1:${address.port}`);
    try {
      await appHttp.get('/ping');
      expect((await appHttp.get('/metrics')).status).toBe(404);
      const denied = await metricsHttp.get('/metrics', { authorization: 'Bearer nope' });
      expect(denied.status).toBe(401);
      expect(denied.headers['www-authenticate']).toBe('Bearer realm="metrics", error="invalid_token"');
      const ok = await metricsHttp.get('/metrics', { authorization: 'Bearer s3cret' });
      expect(ok.text).toContain('http_requests_total{method="GET",route="/ping",status_code="200"} 1\n');
    } finally {
      appHttp.close();
      metricsHttp.close();
      await app.close();
    }
    expect(server?.server).toBeUndefined();
  });

  it('guards the /metrics route with the exporter auth, GET and HEAD', async () => {
    const { http, url } = await setup(() => {}, {
      metrics: { auth: { tokens: ['t0k'], fromEnv: false }, logger: null },
    });
    const none = await http.get('/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect((await http.get('/metrics', { authorization: 'Bearer t0k' })).status).toBe(200);
    const head = (authorization?: string) =>
      new Promise<{ status: number; length: string | undefined; body: number }>((resolve, reject) => {
        const req = request(`${url}/metrics`, {
          method: 'HEAD',
          headers: authorization === undefined ? {} : { authorization },
        });
        req.on('response', (res) => {
          let body = 0;
          res.on('data', (c: Buffer) => {
            body += c.length;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], body }),
          );
        });
        req.on('error', reject);
        req.end();
      });
    expect((await head()).status).toBe(401);
    const ok = await head('Bearer t0k');
    expect(ok.status).toBe(200);
    expect(Number(ok.length)).toBeGreaterThan(0);
    expect(ok.body).toBe(0);
  });

  it('routeOf overrides the route label (issue 17): it gets the matched URL; undefined is unmatched; a bad hook records the URL and is counted', async () => {
    const seen: Array<string | undefined> = [];
    const { http, scrape, lines } = await setup(
      (app) => {
        for (const url of ['/v1/users/:id', '/v2/users/:id', '/boom/:id', '/secret'])
          app.get(url, async () => 'ok');
      },
      {
        routeOf: (request, _reply, matched) => {
          seen.push(matched);
          if (matched === '/boom/:id') throw new Error('hook failed');
          if (matched === '/secret') return undefined;
          if (request.headers['x-bad'] !== undefined) return 42 as unknown as string;
          return matched?.replace(/^\/v\d+\//, '/:version/');
        },
      },
    );
    await http.get('/v1/users/1');
    await http.get('/v2/users/2');
    await http.get('/boom/3');
    await http.get('/secret');
    expect((await http.get('/nope')).status).toBe(404);
    await http.get('/v1/users/4', { 'x-bad': '1' });
    expect(seen).toEqual([
      '/v1/users/:id',
      '/v2/users/:id',
      '/boom/:id',
      '/secret',
      undefined,
      '/v1/users/:id',
    ]);
    expect((await lines()).sort()).toEqual(
      [
        'http_requests_total{method="GET",route="/:version/users/:id",status_code="200"} 2',
        'http_requests_total{method="GET",route="/boom/:id",status_code="200"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="200"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="404"} 1',
        'http_requests_total{method="GET",route="/v1/users/:id",status_code="200"} 1',
      ].sort(),
    );
    expect(sum(await scrape(), 'glassbox_instrumentation_errors_total', { component: 'fastify' })).toBe(2);
  });

  it('rejects bad options at start-up', async () => {
    const tryRegister = async (options: GlassboxFastifyOptions) => {
      const app = Fastify();
      cleanups.push(() => app.close());
      await app.register(glassbox, options);
      await app.ready();
    };
    await expect(tryRegister({ glassbox: {} as never })).rejects.toThrow(/must be a Glassbox instance/);
    await expect(tryRegister({ registry: new client.Registry(), abortedStatusCode: 1 })).rejects.toThrow(
      /abortedStatusCode/,
    );
    await expect(tryRegister({ registry: new client.Registry(), excludePaths: ['x'] })).rejects.toThrow(
      /must start with/,
    );
    const instance = createGlassbox({
      backend: promClientBackend({ client, registry: new client.Registry() }),
      logger: null,
    });
    await expect(tryRegister({ glassbox: instance, metricsRoute: true })).rejects.toThrow(/nothing to serve/);
    // With the default, nothing to serve means no route (as on Express and Nest).
    await expect(tryRegister({ glassbox: instance })).resolves.toBeUndefined();
    const registry = new client.Registry();
    await expect(tryRegister({ registry, routeOf: '/x' as never })).rejects.toThrow(
      /routeOf must be a function/,
    );
    await expect(tryRegister({ registry, metricsRoute: 'yes' as never })).rejects.toThrow(
      /metricsRoute must be a boolean/,
    );
    await expect(tryRegister({ glassbox: instance, metricsRoute: false })).resolves.toBeUndefined();
    expect(GLASSBOX_FASTIFY_DEFAULTS.abortedStatusCode).toBe(499);
  });
});

describe('@glassbox/fastify with no options', () => {
  it('records on the native backend and serves it with the process metrics', async () => {
    const app = Fastify();
    await app.register(glassbox);
    app.get('/users/:id', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as import('node:net').AddressInfo;
      expect(app.glassbox.glassbox.backendName).toBe('native');
      await fetch(`http://127.0.0.1:${port}/users/7`).then((r) => r.text());
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      expect(text).toContain('http_requests_total{method="GET",route="/users/:id",status_code="200"} 1\n');
      expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    } finally {
      await app.close();
    }
  });
});
