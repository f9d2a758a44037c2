/**
 * @glassbox/express unchanged on the OTel backend: an Express 5 app over a real socket,
 * the RED middleware recording into an OTel-backed Glassbox, /metrics served through the
 * exporter from the OTel data with bearer auth. The same traffic through a
 * prom-client-backed app gives the same route templates, label sets and counts.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGlassbox, type Glassbox, promClientBackend } from '@glassbox/core';
import { promClientSource } from '@glassbox/exporter';
import { type ExpressMetricsOptions, glassbox as glassboxExpress } from '@glassbox/express';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import express from 'express';
import * as client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelBackend } from '../src/index.js';
import { createPrometheusReader, otelSource } from '../src/prometheus.js';
import { get, parseExposition } from './helpers.js';

const TOKEN = 'otel-express-token-42';
const AUTH = { Authorization: `Bearer ${TOKEN}` };

interface Running {
  url: string;
  close(): Promise<void>;
}

async function startApp(gb: Glassbox, sources: ExpressMetricsOptions | undefined): Promise<Running> {
  const app = express();
  app.set('env', 'test'); // the default error handler then does not log /boom's stack
  const g = glassboxExpress({
    glassbox: gb,
    metrics: { ...sources, auth: { tokens: [TOKEN], fromEnv: false }, logger: null },
  });
  app.use(g.middleware);
  app.get(g.metricsPath, g.metricsHandler);
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
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function traffic(url: string): Promise<number[]> {
  const statuses: number[] = [];
  for (const path of [
    '/users/7',
    '/users/8?expand=1',
    '/api/v1/users/9',
    '/boom',
    '/nope/123',
    '/nope/456',
  ]) {
    statuses.push((await get(`${url}${path}`)).status);
  }
  // Scrapes are not recorded.
  await get(`${url}/metrics`, AUTH);
  return statuses;
}

let otelApp: Running;
let promApp: Running;
let meterProvider: MeterProvider;

beforeAll(async () => {
  const reader = createPrometheusReader();
  meterProvider = new MeterProvider({ readers: [reader] });
  const backend = otelBackend({ meterProvider });
  const otelGlassbox = createGlassbox({ backend, logger: null });
  otelApp = await startApp(otelGlassbox, {
    sources: [otelSource({ reader, backend, glassbox: otelGlassbox })],
  });

  const registry = new client.Registry();
  const promGlassbox = createGlassbox({
    backend: promClientBackend({ client: client, registry }),
    logger: null,
  });
  promApp = await startApp(promGlassbox, { sources: [promClientSource(registry)] });
});

afterAll(async () => {
  await otelApp?.close();
  await promApp?.close();
  await meterProvider?.shutdown();
});

describe('@glassbox/express on the OTel backend', () => {
  it('records route templates and counts, served at /metrics behind the bearer token', async () => {
    expect(await traffic(otelApp.url)).toEqual([200, 200, 200, 500, 404, 404]);
    const denied = await get(`${otelApp.url}/metrics`);
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(denied.body).not.toContain('http_requests_total');

    const res = await get(`${otelApp.url}/metrics`, { ...AUTH, 'Accept-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    const body = res.body;
    expect(body).toContain('http_requests_total{method="GET",route="/users/:id",status_code="200"} 2\n');
    expect(body).toContain(
      'http_requests_total{method="GET",route="/api/v1/users/:id",status_code="200"} 1\n',
    );
    expect(body).toContain('http_requests_total{method="GET",route="/boom",status_code="500"} 1\n');
    expect(body).toContain('http_requests_total{method="GET",route="unmatched",status_code="404"} 2\n');
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 2\n',
    );
    expect(body).toContain('http_requests_in_flight{method="GET"} 0\n');
    for (const raw of ['/users/7', '/users/8', '/api/v1/users/9', '/nope/123', '/metrics'])
      expect(body).not.toContain(`route="${raw}"`);
  });

  it('gives the same label sets and counts as the same app on the prom-client backend', async () => {
    await traffic(promApp.url);
    const [o, p] = await Promise.all([
      get(`${otelApp.url}/metrics`, AUTH),
      get(`${promApp.url}/metrics`, AUTH),
    ]);
    const otel = parseExposition(o.body);
    const prom = parseExposition(p.body);
    // Durations depend on timing: compare every sample's label set, and the values of
    // everything but the duration sums and buckets.
    expect([...otel.samples.keys()].sort()).toEqual([...prom.samples.keys()].sort());
    const timed = /^http_request_duration_seconds_(sum|bucket)\{/;
    for (const [key, value] of prom.samples)
      if (!timed.test(key)) expect(otel.samples.get(key), key).toBe(value);
    // Each app saw the same traffic once.
    expect(otel.samples.get('http_requests_total{method="GET",route="/users/:id",status_code="200"}')).toBe(
      '2',
    );
  });
});
