// Express 5 servers: the same app (GET /users/:id -> JSON) bare and with each library.
import { createGlassbox, nativeBackend } from '@glassbox/core';
import { glassbox } from '@glassbox/express';
import express from 'express';
import client from 'prom-client';

function app() {
  const a = express();
  return a;
}

/** Glassbox on its native backend, /metrics serving it (`metricsRoute` as given). */
function nativeGlassbox(metricsRoute = false) {
  const native = nativeBackend();
  return glassbox({
    glassbox: createGlassbox({ backend: native, logger: null }),
    metrics: { sources: [native], logger: null, auth: false },
    metricsRoute,
  });
}

function routes(a) {
  a.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  return a;
}

export const variants = {
  bare: async () => routes(app()),
  // As the README shows: `gb.instrument(app)` (no router layer), /metrics answered by it
  // (`metricsRoute: true`).
  glassbox: async () => {
    const gb = nativeGlassbox(true);
    const a = app();
    gb.instrument(a);
    return routes(a);
  },
  // The same as a middleware: `app.use(gb.middleware)`, /metrics answered by it.
  'glassbox-middleware': async () => {
    const gb = nativeGlassbox(true);
    const a = app();
    a.use(gb.middleware);
    return routes(a);
  },
  // Reference, not a peer: the minimal hand-written prom-client middleware (one counter,
  // one histogram, `req.route.path`, a 'finish' listener per request).
  'reference-handwritten': async () => {
    const registry = new client.Registry();
    const labelNames = ['method', 'route', 'status_code'];
    const requests = new client.Counter({
      name: 'http_requests_total',
      help: 'HTTP requests',
      labelNames,
      registers: [registry],
    });
    const duration = new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames,
      registers: [registry],
    });
    const a = app();
    a.use((req, res, next) => {
      const start = performance.now();
      res.on('finish', () => {
        const labels = {
          method: req.method,
          route: req.route?.path ?? 'unmatched',
          status_code: res.statusCode,
        };
        requests.inc(labels);
        duration.observe(labels, (performance.now() - start) / 1000);
      });
      next();
    });
    a.get('/metrics', async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    });
    return routes(a);
  },
  // Diagnostic: /metrics as an Express route ahead of the app's routes.
  'glassbox-metrics-route': async () => {
    const gb = nativeGlassbox();
    const a = app();
    a.use(gb.middleware);
    a.get(gb.metricsPath, gb.metricsHandler);
    return routes(a);
  },
  // Diagnostic (not in the default groups): the same as `glassbox`, with a plain `route`
  // data property on the app's request prototype, so the adapter's `route` accessor is
  // not installed (labels of routes under parameterised mount paths lose their template;
  // /users/:id is unaffected). `--groups express-ab` compares the two.
  'glassbox-no-route-accessor': async () => {
    const a = app();
    Object.defineProperty(a.request, 'route', {
      value: undefined,
      writable: true,
      configurable: true,
      enumerable: true,
    });
    const gb = nativeGlassbox();
    a.use(gb.middleware);
    a.get(gb.metricsPath, gb.metricsHandler);
    return routes(a);
  },
  // Diagnostics for `--groups express-diag`: what an empty middleware layer and an extra
  // route ahead of the app's routes cost on bare Express, and Glassbox with /metrics
  // registered after the app's routes (so the router never tries it for them).
  'bare-noop-middleware': async () => {
    const a = app();
    a.use((_req, _res, next) => next());
    return routes(a);
  },
  'bare-close-listener': async () => {
    const a = app();
    const onClose = () => {};
    a.use((_req, res, next) => {
      res.on('close', onClose);
      next();
    });
    return routes(a);
  },
  'bare-extra-route': async () => {
    const a = app();
    a.get('/metrics', (_req, res) => res.end());
    return routes(a);
  },
  'glassbox-metrics-last': async () => {
    const gb = nativeGlassbox();
    const a = app();
    a.use(gb.middleware);
    routes(a);
    a.get(gb.metricsPath, gb.metricsHandler);
    return a;
  },
  'glassbox-prom': async () => {
    const registry = new client.Registry();
    const gb = glassbox({
      registry,
      glassboxOptions: { logger: null },
      metrics: { logger: null, auth: false },
      metricsRoute: true,
    });
    const a = app();
    gb.instrument(a);
    return routes(a);
  },
  'prom-bundle': async () => {
    const { default: promBundle } = await import('express-prom-bundle');
    const a = app();
    a.use(
      promBundle({
        includeMethod: true,
        includePath: true,
        includeStatusCode: true,
        promRegistry: new client.Registry(),
      }),
    );
    return routes(a);
  },
  promster: async () => {
    const { createMiddleware, getSummary, getContentType } = await import('@promster/express');
    const a = app();
    a.use(createMiddleware({ app: a, options: {} }));
    a.get('/metrics', async (_req, res) => {
      res.setHeader('Content-Type', getContentType());
      res.end(await getSummary());
    });
    return routes(a);
  },
};

export async function listen(a) {
  const { createServer } = await import('node:http');
  const server = createServer(a);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, close: () => new Promise((r) => server.close(r)) };
}
