import { request } from 'node:http';
import { createGlassbox, promClientBackend } from '@glassbox/core';
import express5 from 'express';
import express4 from 'express4';
import * as client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  client as httpClient,
  parseExposition,
  type Sample,
  select,
  sum,
} from '../../../test/adapters/http.js';
import { type GlassboxExpress, type GlassboxExpressOptions, glassbox } from '../src/index.js';
import { listen } from './suite-app.js';

type ExpressModule = typeof express5;
type Cleanup = () => Promise<void> | void;

const cleanups: Cleanup[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const versions: Array<{ name: string; express: ExpressModule; major: 4 | 5 }> = [
  { name: 'Express 5', express: express5, major: 5 },
  { name: 'Express 4', express: express4 as unknown as ExpressModule, major: 4 },
];

/** How the app is instrumented: `app.use(gb.middleware)` or `gb.instrument(app)`. */
type Mode = 'middleware' | 'instrument';
const modes: Mode[] = ['middleware', 'instrument'];

function install(app: express5.Express, gb: GlassboxExpress, mode: Mode): void {
  if (mode === 'middleware') app.use(gb.middleware);
  else gb.instrument(app);
}

/** An app instrumented (`mode`) with /metrics mounted; `routes` adds the app's routes. */
async function setup(
  express: ExpressModule,
  routes: (app: express5.Express, gb: GlassboxExpress) => void,
  options: Partial<GlassboxExpressOptions> = {},
  mode: Mode = 'middleware',
) {
  const registry = new client.Registry();
  const gb = glassbox({ registry, glassboxOptions: { logger: null }, metrics: { logger: null }, ...options });
  const app = express();
  app.set('env', 'test');
  install(app, gb, mode);
  app.get(gb.metricsPath, gb.metricsHandler);
  routes(app, gb);
  const started = await listen(app);
  const http = httpClient(started.url);
  cleanups.push(
    () => started.close(),
    () => http.close(),
  );
  const scrape = async (): Promise<Sample[]> => parseExposition((await http.get('/metrics')).text);
  const lines = async (name = 'http_requests_total'): Promise<string[]> =>
    select(await scrape(), name).map((s) => s.line);
  return { gb, app, http, scrape, lines, url: started.url, registry };
}

describe.each(versions.flatMap((v) => modes.map((mode) => ({ ...v, mode }))))(
  '$name, $mode',
  ({ express: expressModule, major, mode }) => {
    // Every app of this block is instrumented the same way.
    const express = expressModule;
    const setupApp: typeof setup = (e, routes, options = {}) => setup(e, routes, options, mode);
    it('composes mount paths of nested routers with the route template, also for errors leaving the routers', async () => {
      const { http, lines } = await setupApp(express, (app) => {
        const users = express.Router();
        users.get('/:id', (req, res) => {
          res.json({ id: req.params.id });
        });
        users.get('/:id/fail', () => {
          throw new Error('fail');
        });
        users.get('/:id/teapot', (_req, _res, next) => {
          next(Object.assign(new Error('short and stout'), { status: 418 }));
        });
        users.get('/', (_req, res) => {
          res.send('list');
        });
        const v1 = express.Router();
        v1.use('/users', users);
        const api = express.Router();
        api.use('/v1', v1);
        app.use('/api', api);
        const sub = express();
        sub.get('/items/:item', (_req, res) => {
          res.send('item');
        });
        sub.get('/items/:item/fail', () => {
          throw new Error('fail');
        });
        app.use('/shop', sub);
      });
      expect((await http.get('/api/v1/users/7')).status).toBe(200);
      expect((await http.get('/api/v1/users')).status).toBe(200);
      expect((await http.get('/api/v1/users/7/fail')).status).toBe(500);
      expect((await http.get('/api/v1/users/8/teapot')).status).toBe(418);
      expect((await http.get('/shop/items/42')).status).toBe(200);
      expect((await http.get('/shop/items/42/fail')).status).toBe(500);
      expect(await lines()).toEqual([
        'http_requests_total{method="GET",route="/api/v1/users/:id",status_code="200"} 1',
        'http_requests_total{method="GET",route="/api/v1/users",status_code="200"} 1',
        // The error left three routers (Express resets req.baseUrl on the way out) and
        // is still labelled with the full template.
        'http_requests_total{method="GET",route="/api/v1/users/:id/fail",status_code="500"} 1',
        'http_requests_total{method="GET",route="/api/v1/users/:id/teapot",status_code="418"} 1',
        'http_requests_total{method="GET",route="/shop/items/:item",status_code="200"} 1',
        // The error left the sub-app (which gives the request its parent's prototype back).
        'http_requests_total{method="GET",route="/shop/items/:item/fail",status_code="500"} 1',
      ]);
    });

    it('turns mount paths with parameters back into templates (mergeParams or not, nested, errors)', async () => {
      const { http, lines } = await setupApp(express, (app) => {
        const posts = express.Router({ mergeParams: true });
        posts.get('/:postId', (req, res) => {
          res.json(req.params);
        });
        posts.get('/:postId/fail', () => {
          throw new Error('fail');
        });
        const comments = express.Router();
        comments.get('/:commentId', (_req, res) => {
          res.send('comment');
        });
        posts.use('/:postId/comments', comments);
        app.use('/users/:userId/posts', posts);
        const tenant = express.Router();
        tenant.get('/dashboard', (_req, res) => {
          res.send('dash');
        });
        app.use('/t/:tenant', tenant);
      });
      // The first request is the one that installs the accessors.
      expect((await http.get('/users/42/posts/7')).text).toBe('{"userId":"42","postId":"7"}');
      await http.get('/users/43/posts/8');
      await http.get('/users/a%20b/posts/9/comments/3');
      await http.get('/users/44/posts/10/fail');
      await http.get('/t/acme/dashboard');
      await http.get('/t/globex/dashboard');
      expect(await lines()).toEqual([
        'http_requests_total{method="GET",route="/users/:userId/posts/:postId",status_code="200"} 2',
        'http_requests_total{method="GET",route="/users/:userId/posts/:postId/comments/:commentId",status_code="200"} 1',
        'http_requests_total{method="GET",route="/users/:userId/posts/:postId/fail",status_code="500"} 1',
        'http_requests_total{method="GET",route="/t/:tenant/dashboard",status_code="200"} 2',
      ]);
    });

    it('regression (issue 16.3): the route label comes from the registered templates, never from the letter case of the request', async () => {
      const { http, lines } = await setupApp(express, (app) => {
        const deals = express.Router();
        deals.get('/deals/:dealId', (_req, res) => {
          res.send('deal');
        });
        deals.get('/deals/:dealId/fail', () => {
          throw new Error('fail');
        });
        const risk = express.Router();
        risk.use('/risk', deals);
        app.use(['/api/v1', '/api/V2'], risk);
        const posts = express.Router({ mergeParams: true });
        posts.get('/:postId', (_req, res) => {
          res.send('post');
        });
        app.use('/Users/:userId/posts', posts);
        const shop = express();
        shop.get('/items/:item', (_req, res) => {
          res.send('item');
        });
        app.use('/Shop', shop);
      });
      // Express matches paths case-insensitively: every spelling reaches the same route.
      const spell = (path: string, i: number) =>
        [...path].map((c, j) => ((i >> (j % 16)) & 1 ? c.toUpperCase() : c.toLowerCase())).join('');
      for (let i = 0; i < 40; i++) {
        expect((await http.get(`${spell('/api/v1/risk/deals', i)}/D-${i}`)).status).toBe(200);
        expect((await http.get(`${spell('/users', i)}/u${i}${spell('/posts', i + 1)}/${i}`)).status).toBe(
          200,
        );
        expect((await http.get(`${spell('/shop/items', i)}/${i}`)).status).toBe(200);
        if (i < 5) expect((await http.get(`${spell('/api/v2/risk/deals', i)}/D-${i}`)).status).toBe(200);
      }
      expect((await http.get('/API/V1/RISK/DEALS/x/fail')).status).toBe(500);
      expect(await lines()).toEqual([
        'http_requests_total{method="GET",route="/api/v1/risk/deals/:dealId",status_code="200"} 40',
        'http_requests_total{method="GET",route="/Users/:userId/posts/:postId",status_code="200"} 40',
        'http_requests_total{method="GET",route="/Shop/items/:item",status_code="200"} 40',
        'http_requests_total{method="GET",route="/api/V2/risk/deals/:dealId",status_code="200"} 5',
        'http_requests_total{method="GET",route="/api/v1/risk/deals/:dealId/fail",status_code="500"} 1',
      ]);
    });

    it('routeOf overrides the route label (issue 17): it gets the matched template; undefined is unmatched; a bad hook records the template and is counted', async () => {
      const seen: Array<string | undefined> = [];
      const { http, scrape, lines } = await setupApp(
        express,
        (app) => {
          for (const path of ['/v1/users/:id', '/v2/users/:id', '/boom/:id', '/secret'])
            app.get(path, (_req, res) => {
              res.send('ok');
            });
        },
        {
          routeOf: (req, _res, matched) => {
            seen.push(matched);
            if (matched === '/boom/:id') throw new Error('hook failed');
            if (matched === '/secret') return undefined;
            if (req.headers['x-bad'] !== undefined) return 42 as unknown as string;
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
      expect(sum(await scrape(), 'glassbox_instrumentation_errors_total', { component: 'express' })).toBe(2);
    });

    it("keeps each version's path syntax as the template (wildcards, optional segments)", async () => {
      const { http, lines } = await setupApp(express, (app) => {
        if (major === 5) {
          app.get('/files/*splat', (_req, res) => {
            res.send('file');
          });
          app.get('/docs{/:section}', (_req, res) => {
            res.send('doc');
          });
        } else {
          app.get('/files/*', (_req, res) => {
            res.send('file');
          });
          app.get('/docs/:section?', (_req, res) => {
            res.send('doc');
          });
        }
      });
      await http.get('/files/a/b/c.txt');
      await http.get('/files/x.txt');
      await http.get('/docs');
      await http.get('/docs/intro');
      const files = major === 5 ? '/files/*splat' : '/files/*';
      const docs = major === 5 ? '/docs{/:section}' : '/docs/:section?';
      expect(await lines()).toEqual([
        `http_requests_total{method="GET",route="${files}",status_code="200"} 2`,
        `http_requests_total{method="GET",route="${docs}",status_code="200"} 2`,
      ]);
    });

    if (major === 5) {
      it('records a rejected async handler (Express 5) with the status Express sends', async () => {
        const { http, lines } = await setupApp(express, (app) => {
          app.get('/async', async () => {
            throw Object.assign(new Error('gone'), { statusCode: 503 });
          });
        });
        expect((await http.get('/async')).status).toBe(503);
        expect(await lines()).toEqual([
          'http_requests_total{method="GET",route="/async",status_code="503"} 1',
        ]);
      });
    }

    it('gives unmatched requests the fixed value (configurable) and records a route that calls next() under its template', async () => {
      const { http, lines } = await setupApp(
        express,
        (app) => {
          app.get('/pass', (_req, _res, next) => next());
        },
        { unmatchedRoute: '__none__' },
      );
      await http.get('/wp-login.php');
      await http.get('/.env');
      await http.get('/pass');
      expect(await lines()).toEqual([
        'http_requests_total{method="GET",route="__none__",status_code="404"} 2',
        'http_requests_total{method="GET",route="/pass",status_code="404"} 1',
      ]);
    });

    it('excludes the metrics path by default, and excluded paths (exact or RegExp)', async () => {
      const { http, lines } = await setupApp(
        express,
        (app) => {
          app.get('/health', (_req, res) => {
            res.send('ok');
          });
          app.get('/static/:file', (_req, res) => {
            res.send('static');
          });
          app.get('/work', (_req, res) => {
            res.send('work');
          });
        },
        { excludePaths: ['/health', /^\/static\//] },
      );
      await http.get('/health?probe=1');
      await http.get('/static/app.js');
      await http.get('/work');
      await http.get('/metrics');
      expect(await lines()).toEqual(['http_requests_total{method="GET",route="/work",status_code="200"} 1']);
    });

    it('serves the metrics path itself with metricsRoute: true, ahead of the app and unrecorded', async () => {
      const registry = new client.Registry();
      const gb = glassbox({
        registry,
        glassboxOptions: { logger: null },
        metrics: { logger: null, auth: { tokens: 'route-token' } },
        metricsRoute: true,
      });
      const app = express();
      install(app, gb, mode);
      app.get('/users/:id', (_req, res) => {
        res.send('user');
      });
      // an app route at the same path and a catch-all: the middleware answers first
      app.get('/metrics', (_req, res) => {
        res.send('app metrics');
      });
      app.use((_req, res) => {
        res.status(404).send('app 404');
      });
      const started = await listen(app);
      const http = httpClient(started.url);
      cleanups.push(
        () => started.close(),
        () => http.close(),
      );
      const auth = { authorization: 'Bearer route-token' };
      await http.get('/users/1');
      expect((await http.get('/metrics')).status).toBe(401);
      const wrong = await http.get('/metrics?x=1', { authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
      expect((await http.get('/metricsx', auth)).text).toBe('app 404');
      const post = await new Promise<number>((resolve, reject) => {
        const req = request(`${started.url}/metrics`, { method: 'POST', headers: auth }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(post).toBe(405);
      const ok = await http.get('/metrics?debug=1', auth);
      expect(ok.status).toBe(200);
      expect(ok.text).not.toContain('app metrics');
      const samples = select(parseExposition(ok.text), 'http_requests_total').map((s) => s.line);
      // /metrics (5 requests) and the app's 404 for /metricsx: only the latter two routes are recorded
      expect(samples.sort()).toEqual([
        'http_requests_total{method="GET",route="/users/:id",status_code="200"} 1',
        'http_requests_total{method="GET",route="unmatched",status_code="404"} 1',
      ]);
    });

    it('serves the metrics path by default behind the exporter auth, and leaves it to the app with metricsRoute: false', async () => {
      const start = async (options: Partial<GlassboxExpressOptions>) => {
        const gb = glassbox({
          registry: new client.Registry(),
          glassboxOptions: { logger: null },
          metrics: { logger: null, auth: { tokens: 's3cret', fromEnv: false } },
          ...options,
        });
        const app = express();
        install(app, gb, mode);
        const started = await listen(app);
        const http = httpClient(started.url);
        cleanups.push(
          () => started.close(),
          () => http.close(),
        );
        return http;
      };
      const byDefault = await start({});
      expect((await byDefault.get('/metrics')).status).toBe(401);
      const ok = await byDefault.get('/metrics', { authorization: 'Bearer s3cret' });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('# TYPE http_requests_total counter');
      const off = await start({ metricsRoute: false });
      expect((await off.get('/metrics', { authorization: 'Bearer s3cret' })).status).toBe(404);
    });

    it('records the metrics path when excludeMetricsPath is false', async () => {
      const { http, lines } = await setupApp(express, () => {}, { excludeMetricsPath: false });
      await http.get('/metrics');
      expect(await lines()).toEqual([
        'http_requests_total{method="GET",route="/metrics",status_code="200"} 1',
      ]);
    });

    it('groups status codes, and records sizes only when asked', async () => {
      const routes = (app: express5.Express) => {
        app.post('/echo', express.text(), (req, res) => {
          res.status(201).send(String(req.body));
        });
      };
      const grouped = await setupApp(express, routes, { groupStatusCodes: true, recordSizes: true });
      const body = 'x'.repeat(300);
      const res = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${grouped.url}/echo`,
          { method: 'POST', headers: { 'content-type': 'text/plain' } },
          (r) => {
            r.resume();
            r.on('end', () => resolve(r.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(res).toBe(201);
      const samples = await grouped.scrape();
      expect(select(samples, 'http_requests_total').map((s) => s.line)).toEqual([
        'http_requests_total{method="POST",route="/echo",status_code="2xx"} 1',
      ]);
      expect(select(samples, 'http_request_size_bytes_sum').map((s) => s.line)).toEqual([
        'http_request_size_bytes_sum{method="POST",route="/echo"} 300',
      ]);
      expect(select(samples, 'http_response_size_bytes_sum').map((s) => s.line)).toEqual([
        'http_response_size_bytes_sum{method="POST",route="/echo"} 300',
      ]);
      const plain = await setupApp(express, routes);
      await plain.http.get('/echo');
      expect(select(await plain.scrape(), 'http_request_size_bytes_count')).toEqual([]);
    });

    it('adds custom labels whose values stay in the declared set', async () => {
      const { http, lines, scrape } = await setupApp(
        express,
        (app) => {
          app.get('/t', (_req, res) => {
            res.send('t');
          });
        },
        {
          customLabels: [
            {
              name: 'tier',
              values: ['free', 'pro'],
              value: (req) => req.headers['x-tier'] as string | undefined,
            },
            {
              name: 'region',
              values: ['eu'],
              fallback: 'elsewhere',
              value: (req) => {
                if (req.headers['x-region'] === 'boom') throw new Error('hook failed');
                return req.headers['x-region'] as string | undefined;
              },
            },
          ],
        },
      );
      await http.get('/t', { 'x-tier': 'pro', 'x-region': 'eu' });
      await http.get('/t', { 'x-tier': `random-${Math.random()}`, 'x-region': 'us' });
      await http.get('/t', { 'x-region': 'boom' });
      expect(await lines()).toEqual([
        'http_requests_total{method="GET",route="/t",status_code="200",tier="pro",region="eu"} 1',
        'http_requests_total{method="GET",route="/t",status_code="200",tier="other",region="elsewhere"} 2',
      ]);
      expect(sum(await scrape(), 'glassbox_instrumentation_errors_total', { component: 'express' })).toBe(1);
    });

    it('records a client that leaves during the handler once, with 499, after the body was read', async () => {
      let finished!: () => void;
      const handlerDone = new Promise<void>((r) => {
        finished = r;
      });
      const { url, scrape } = await setupApp(express, (app) => {
        app.post('/slow', express.json(), (_req, res) => {
          setTimeout(() => {
            res.json({ ok: true });
            finished();
          }, 200);
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

    it('counts each request once when installed twice, or both ways', async () => {
      const { http, lines } = await setupApp(express, (app, gb) => {
        install(app, gb, mode); // the same way again
        install(app, gb, mode === 'middleware' ? 'instrument' : 'middleware'); // and the other way
        app.get('/x', (_req, res) => {
          res.send('x');
        });
      });
      await http.get('/x');
      expect(await lines()).toEqual(['http_requests_total{method="GET",route="/x",status_code="200"} 1']);
    });
  },
);

describe.each(versions)('gb.instrument(app) on $name', ({ express }) => {
  /** The app's router stack (Express 5: `app.router`; Express 4: `app._router`, created lazily). */
  const stackOf = (app: unknown): unknown[] => {
    const a = app as {
      router?: { stack: unknown[] };
      _router?: { stack: unknown[] };
      lazyrouter?: () => void;
    };
    if (typeof a.lazyrouter === 'function') {
      a.lazyrouter();
      return a._router?.stack ?? [];
    }
    return a.router?.stack ?? [];
  };
  const gbFor = (options: Partial<GlassboxExpressOptions> = {}) =>
    glassbox({
      registry: new client.Registry(),
      glassboxOptions: { logger: null },
      metrics: { logger: null, auth: { tokens: 'i-token', fromEnv: false } },
      ...options,
    });
  const start = async (app: express5.Express) => {
    const started = await listen(app);
    const http = httpClient(started.url);
    cleanups.push(
      () => started.close(),
      () => http.close(),
    );
    return http;
  };
  const auth = { authorization: 'Bearer i-token' };

  it('adds no router layer, and records what middleware registered before it answers', async () => {
    const gb = gbFor({ metricsRoute: true });
    const bare = express();
    bare.get('/x', (_req, res) => {
      res.send('x');
    });
    const app = express();
    // registered before instrument(): still behind it
    app.use((req, res, next) => {
      if (req.url === '/blocked') res.status(403).send('no');
      else next();
    });
    gb.instrument(app);
    app.get('/x', (_req, res) => {
      res.send('x');
    });
    expect(stackOf(app).length).toBe(stackOf(bare).length + 1); // the app's own middleware only
    const http = await start(app);
    expect((await http.get('/x')).status).toBe(200);
    expect((await http.get('/blocked')).status).toBe(403);
    expect((await http.get('/metrics')).status).toBe(401);
    const ok = await http.get('/metrics', auth);
    expect(ok.status).toBe(200);
    expect(
      select(parseExposition(ok.text), 'http_requests_total')
        .map((s) => s.line)
        .sort(),
    ).toEqual([
      'http_requests_total{method="GET",route="/x",status_code="200"} 1',
      'http_requests_total{method="GET",route="unmatched",status_code="403"} 1',
    ]);
  });

  it('an instrumented sub-app records its templates under the mount path, errors included', async () => {
    const gb = gbFor();
    const sub = express();
    gb.instrument(sub);
    sub.get('/items/:item', (_req, res) => {
      res.send('item');
    });
    sub.get('/fail', () => {
      throw new Error('fail');
    });
    sub.get(gb.metricsPath, gb.metricsHandler);
    const app = express();
    app.set('env', 'test');
    app.get('/outside', (_req, res) => {
      res.send('not instrumented');
    });
    app.use('/shop', sub);
    const http = await start(app);
    await http.get('/shop/items/42');
    await http.get('/shop/fail');
    await http.get('/outside');
    const text = (await http.get('/shop/metrics', auth)).text;
    // the scrape itself is recorded once it has closed; /outside never reaches the sub-app
    expect(
      select(parseExposition(text), 'http_requests_total')
        .map((s) => s.line)
        .sort(),
    ).toEqual([
      'http_requests_total{method="GET",route="/shop/fail",status_code="500"} 1',
      'http_requests_total{method="GET",route="/shop/items/:item",status_code="200"} 1',
    ]);
  });

  it('throws a TypeError for something that is not an Express app', () => {
    const gb = gbFor();
    expect(() => gb.instrument({} as never)).toThrow(/instrument\(\) needs an Express app/);
    expect(() => gb.instrument(null as never)).toThrow(TypeError);
  });
});

describe('glassbox() options', () => {
  it('records into an existing instance and serves /metrics on a separate port with the same auth', async () => {
    const registry = new client.Registry();
    const instance = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
    const gb = glassbox({
      glassbox: instance,
      registry,
      metricsRoute: false,
      metrics: { auth: { tokens: ['s3cret'], fromEnv: false } },
    });
    expect(gb.glassbox).toBe(instance);
    const app = express5();
    app.use(gb.middleware);
    app.get('/ping', (_req, res) => {
      res.send('pong');
    });
    const started = await listen(app);
    const server = gb.createMetricsServer({ port: 0, host: '127.0.0.1' });
    const { url } = await server.start();
    const appHttp = httpClient(started.url);
    const metricsHttp = httpClient(new URL(url).origin);
    cleanups.push(
      () => started.close(),
      () => server.close(),
      () => appHttp.close(),
      () => metricsHttp.close(),
    );
    await appHttp.get('/ping');
    expect((await appHttp.get('/metrics')).status).toBe(404);
    const denied = await metricsHttp.get('/metrics');
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    const ok = await metricsHttp.get('/metrics', { authorization: 'Bearer s3cret' });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('http_requests_total{method="GET",route="/ping",status_code="200"} 1\n');
  });

  it('throws clear errors at start-up for bad options', () => {
    const registry = new client.Registry();
    expect(() => glassbox({ glassbox: {} as never })).toThrow(/must be a Glassbox instance/);
    const instance = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
    expect(() => glassbox({ glassbox: instance, glassboxOptions: {} })).toThrow(/either/);
    const fresh = () => ({ registry: new client.Registry() });
    expect(() => glassbox({ ...fresh(), abortedStatusCode: 42 })).toThrow(/abortedStatusCode/);
    expect(() => glassbox({ ...fresh(), metricsPath: 'metrics' })).toThrow(/metricsPath/);
    expect(() => glassbox({ ...fresh(), excludePaths: ['health'] })).toThrow(/must start with/);
    expect(() => glassbox({ ...fresh(), routeOf: '/x' as never })).toThrow(/routeOf must be a function/);
    expect(() =>
      glassbox({ ...fresh(), customLabels: [{ name: 'tier', values: [], value: () => 'x' }] }),
    ).toThrow(/allowed string values/);
    expect(() =>
      glassbox({ ...fresh(), customLabels: [{ name: 'route', values: ['a'], value: () => 'a' }] }),
    ).toThrow();
    const noServe = glassbox({
      glassbox: createGlassbox({
        backend: promClientBackend({ client, registry: new client.Registry() }),
        logger: null,
      }),
    });
    expect(() => noServe.metricsHandler).toThrow(/nothing to serve/);
    expect(() =>
      glassbox({
        glassbox: createGlassbox({
          backend: promClientBackend({ client, registry: new client.Registry() }),
          logger: null,
        }),
        metricsRoute: true,
      }),
    ).toThrow(/nothing to serve/);
    expect(() => glassbox({ ...fresh(), metricsRoute: 'yes' as never })).toThrow(
      /metricsRoute must be a boolean/,
    );
  });
});

describe('glassbox() with no options', () => {
  it('records on the native backend and serves it with the process metrics', async () => {
    const app = express5();
    const gb = glassbox();
    expect(gb.glassbox.backendName).toBe('native');
    app.use(gb.middleware);
    app.get('/users/:id', (_req, res) => {
      res.send('ok');
    });
    app.get(gb.metricsPath, gb.metricsHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as import('node:net').AddressInfo;
    try {
      await fetch(`http://127.0.0.1:${port}/users/7`).then((r) => r.text());
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
      expect(text).toContain('http_requests_total{method="GET",route="/users/:id",status_code="200"} 1\n');
      expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    } finally {
      server.close();
    }
  });
});
