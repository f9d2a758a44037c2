/**
 * The Express apps of the shared adapter behaviour suite (test/adapters/contract.ts):
 * the same routes on Express 5 and on Express 4. `/api/v1/users/:id` is registered in
 * a router mounted at `/v1` inside a router mounted at `/api`, so its label is the
 * composed template.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PromRegistryLike } from '@glassbox/core';
import { createMetricsHandler } from '@glassbox/exporter';
import express5 from 'express';
import express4 from 'express4';
import type { StartedApp, SuiteApp, SuiteAppOptions } from '../../../test/adapters/contract.js';
import { glassbox } from '../src/index.js';

type ExpressModule = typeof express5;

/** Builds the contract's routes on an Express module (4 or 5). */
export function buildApp(
  express: ExpressModule,
  options: SuiteAppOptions,
  mode: 'middleware' | 'instrument' = 'middleware',
): express5.Express {
  const app = express();
  // No stack traces in error pages (they would differ between the two variants).
  app.set('env', 'production');
  const auth = { tokens: options.token === undefined ? [] : [options.token], fromEnv: false };
  if (options.instrument) {
    const gb = glassbox({
      glassbox: options.glassbox,
      metrics: { auth, logger: null, sources: [options.source] },
    });
    if (mode === 'middleware') app.use(gb.middleware);
    else gb.instrument(app);
    app.get(gb.metricsPath, gb.metricsHandler);
  } else {
    app.get('/metrics', createMetricsHandler({ sources: [options.source], auth, logger: null }));
  }
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  const v1 = express.Router();
  v1.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  const api = express.Router();
  api.use('/v1', v1);
  app.use('/api', api);
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/slow', (_req, res) => {
    setTimeout(() => res.send('slow'), 300);
  });
  return app;
}

/** Starts an Express app on 127.0.0.1, port 0. */
export function listen(app: express5.Express): Promise<StartedApp> {
  return new Promise((resolve, reject) => {
    const server: Server = app.listen(0, '127.0.0.1');
    server.once('error', reject);
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Express 5. */
export const expressApp: SuiteApp = {
  name: 'express-5',
  start: (options) => listen(buildApp(express5, options)),
};

/** Express 5 instrumented with `gb.instrument(app)` instead of the middleware. */
export const expressInstrumentApp: SuiteApp = {
  name: 'express-5-instrument',
  start: (options) => listen(buildApp(express5, options, 'instrument')),
};

/** Express 4 (installed as the `express4` alias). */
export const express4App: SuiteApp = {
  name: 'express-4',
  start: (options) => listen(buildApp(express4 as unknown as ExpressModule, options)),
};

/**
 * An app with every Glassbox option at its default but the token and the registry (no
 * `metricsRoute`, no `/metrics` route of its own): what the default serves.
 */
export function startWithDefaults(
  major: 4 | 5,
  mode: 'middleware' | 'instrument',
  options: { readonly registry: PromRegistryLike; readonly token: string },
): Promise<StartedApp> {
  const express = major === 5 ? express5 : (express4 as unknown as ExpressModule);
  const gb = glassbox({
    registry: options.registry,
    glassboxOptions: { logger: null },
    metrics: { auth: { tokens: [options.token], fromEnv: false }, logger: null },
  });
  const app = express();
  if (mode === 'middleware') app.use(gb.middleware);
  else gb.instrument(app);
  return listen(app);
}
