import { catalog, createGlassbox, inMemoryBackend } from '@glassbox/core';
import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { setupInstrumentation } from '../src/index.js';

describe('setupInstrumentation', () => {
  it('defaults to the native backend plus process metrics', async () => {
    const { glassbox, sources } = setupInstrumentation({}, client);
    expect(glassbox.backendName).toBe('native');
    glassbox.counter(catalog.http.requestsTotal).inc({ method: 'GET', route: '/a', status_code: 200 });
    const text = (await Promise.all(sources.map((s) => s.collect('prometheus')))).join('');
    expect(text).toContain('http_requests_total{method="GET",route="/a",status_code="200"} 1\n');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(setupInstrumentation({ defaultMetrics: false }, client).sources.length).toBe(1);
  });

  it('uses a given registry (and serves it), or a given instance', async () => {
    const registry = new client.Registry();
    const viaRegistry = setupInstrumentation(
      { registry, glassboxOptions: { naming: { prefix: 'shop_' } } },
      client,
    );
    expect(viaRegistry.glassbox.backendName).toBe('prom-client');
    viaRegistry.glassbox
      .counter(catalog.http.requestsTotal)
      .inc({ method: 'GET', route: '/a', status_code: 200 });
    expect(await viaRegistry.sources[0]?.collect('prometheus')).toContain('shop_http_requests_total{');
    const given = createGlassbox({ backend: inMemoryBackend(), logger: null });
    expect(setupInstrumentation({ glassbox: given }, client)).toEqual({ glassbox: given, sources: [] });
  });

  it('refuses contradictory options', () => {
    const given = createGlassbox({ backend: inMemoryBackend(), logger: null });
    expect(() => setupInstrumentation({ glassbox: given, glassboxOptions: {} }, client)).toThrow(/either/);
    expect(() => setupInstrumentation({ registry: new client.Registry() }, undefined)).toThrow(/prom-client/);
    expect(() => setupInstrumentation({}, undefined)).toThrow(/defaultMetrics: false/);
  });
});
