/// <reference path="../../express/test/express4.d.ts" />
/**
 * The Express apps of the shared adapter behaviour suite (packages/express/test/suite-app.ts,
 * Express 5 and Express 4), started unchanged with an OTel-backed Glassbox. The suite
 * contract serves /metrics from a registry; here that "registry" renders the OTel data
 * (through otelSource), so scrapes go through the same exporter handler and auth.
 */
import { createGlassbox } from '@glassbox/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedApp } from '../../../test/adapters/contract.js';
import { express4App, expressApp } from '../../express/test/suite-app.js';
import { otelBackend } from '../src/index.js';
import { createPrometheusReader, otelSource } from '../src/prometheus.js';
import { get } from './helpers.js';

const TOKEN = 'suite-token-otel-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}` };

describe.each([expressApp, express4App])('$name on the OTel backend', (suiteApp) => {
  let app: StartedApp;
  let meterProvider: MeterProvider;

  beforeAll(async () => {
    const reader = createPrometheusReader();
    meterProvider = new MeterProvider({ readers: [reader] });
    const backend = otelBackend({ meterProvider });
    const glassbox = createGlassbox({ backend, logger: null });
    const source = otelSource({ reader, backend });
    app = await suiteApp.start({ glassbox, source, token: TOKEN, instrument: true });
  });

  afterAll(async () => {
    await app?.close();
    await meterProvider?.shutdown();
  });

  const scrape = async (): Promise<string> => {
    const res = await get(`${app.url}/metrics`, AUTH);
    expect(res.status).toBe(200);
    return res.body;
  };

  it('labels routes with their templates; 404s get the fixed unmatched value; errors count as 500', async () => {
    for (const path of [
      '/users/7',
      '/users/8?expand=1',
      '/api/v1/users/9',
      '/boom',
      '/scan/1/x',
      '/scan/2/y',
    ])
      await get(`${app.url}${path}`);
    const body = await scrape();
    expect(body).toContain('http_requests_total{method="GET",route="/users/:id",status_code="200"} 2\n');
    expect(body).toContain(
      'http_requests_total{method="GET",route="/api/v1/users/:id",status_code="200"} 1\n',
    );
    expect(body).toContain('http_requests_total{method="GET",route="/boom",status_code="500"} 1\n');
    expect(body).toContain('http_requests_total{method="GET",route="unmatched",status_code="404"} 2\n');
    expect(body).toContain(
      'http_request_duration_seconds_count{method="GET",route="/api/v1/users/:id",status_code="200"} 1\n',
    );
    expect(body).not.toMatch(/route="\/(users\/7|scan|metrics)/);
  });

  it('tracks in-flight requests on the OTel gauge (1 during /slow, 0 after)', async () => {
    const slow = get(`${app.url}/slow`);
    let during = '';
    for (let i = 0; i < 50 && !during.includes('http_requests_in_flight{method="GET"} 1\n'); i++) {
      during = await scrape();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(during).toContain('http_requests_in_flight{method="GET"} 1\n');
    expect((await slow).body).toBe('slow');
    const after = await scrape();
    expect(after).toContain('http_requests_in_flight{method="GET"} 0\n');
    expect(after).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/slow",status_code="200",le="0.25"} 0\n',
    );
    expect(after).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/slow",status_code="200",le="+Inf"} 1\n',
    );
  });

  it('guards /metrics with the bearer token', async () => {
    const res = await get(`${app.url}/metrics`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect((await get(`${app.url}/metrics`, { Authorization: 'Bearer wrong' })).status).toBe(401);
  });
});
