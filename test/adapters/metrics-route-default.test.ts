/**
 * One `/metrics` default on every HTTP adapter (issue 16.1): Express, Fastify and Nest
 * (both platforms) serve the metrics path on the app when nothing says otherwise, and
 * always through the exporter's handler, so the exporter's auth alone decides who reads
 * it. Real sockets on port 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GLASSBOX_EXPRESS_DEFAULTS } from '../../packages/express/src/index.js';
import { startWithDefaults as startExpress } from '../../packages/express/test/suite-app.js';
import { GLASSBOX_FASTIFY_DEFAULTS } from '../../packages/fastify/src/index.js';
import { startWithDefaults as startFastify } from '../../packages/fastify/test/suite-app.js';
import { nestExpressApp, nestFastifyApp } from '../../packages/nest/test/suite-app.js';
import type { StartedApp } from './contract.js';
import { client, promClient, suiteBackends } from './http.js';

const TOKEN = 'default-route-token';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function url(started: Promise<StartedApp>): Promise<string> {
  const app = await started;
  cleanups.push(() => app.close());
  return app.url;
}

const registry = () => new promClient.Registry();
const promBackend = suiteBackends[1] as (typeof suiteBackends)[number];
const nest = { token: TOKEN, instrument: true } as const;

const adapters: Array<[string, () => Promise<string>]> = [
  ['Express 5, middleware', () => url(startExpress(5, 'middleware', { registry: registry(), token: TOKEN }))],
  ['Express 5, instrument', () => url(startExpress(5, 'instrument', { registry: registry(), token: TOKEN }))],
  ['Express 4, middleware', () => url(startExpress(4, 'middleware', { registry: registry(), token: TOKEN }))],
  ['Express 4, instrument', () => url(startExpress(4, 'instrument', { registry: registry(), token: TOKEN }))],
  ['Fastify', () => url(startFastify({ registry: registry(), token: TOKEN }))],
  ['Nest on Express', () => url(nestExpressApp.start({ ...promBackend.create(), ...nest }))],
  ['Nest on Fastify', () => url(nestFastifyApp.start({ ...promBackend.create(), ...nest }))],
];

describe('the metricsRoute default is the same on every adapter', () => {
  it('is on in the Express and Fastify defaults', () => {
    expect(GLASSBOX_EXPRESS_DEFAULTS.metricsRoute).toBe(true);
    expect(GLASSBOX_FASTIFY_DEFAULTS.metricsRoute).toBe(true);
  });

  it.each(adapters)(
    '%s serves /metrics with no option set, behind the exporter auth',
    async (_name, start) => {
      const http = client(await start());
      cleanups.push(() => http.close());
      const denied = await http.get('/metrics');
      expect(denied.status).toBe(401);
      expect(denied.headers['www-authenticate']).toMatch(/^Bearer/);
      const ok = await http.get('/metrics', { authorization: `Bearer ${TOKEN}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('# TYPE http_requests_total counter');
    },
  );
});
