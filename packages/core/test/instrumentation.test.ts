import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { catalog, createGlassbox, nativeBackend, setupInstrumentation } from '../src/index.js';
import { readMetrics } from '../src/testing.js';

describe('setupInstrumentation', () => {
  it('defaults to the native backend plus process metrics', async () => {
    const { glassbox, sources } = setupInstrumentation({}, client);
    expect(glassbox.backendName).toBe('native');
    glassbox.counter(catalog.http.requestsTotal).inc({ method: 'GET', route: '/a', status_code: 200 });
    const [own, processMetrics] = await Promise.all(sources.map((s) => readMetrics(s)));
    expect(own?.value('http_requests_total', { method: 'GET', route: '/a', status_code: '200' })).toBe(1);
    expect(processMetrics?.metricNames()).toContain('process_cpu_user_seconds_total');
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
    const source = viaRegistry.sources[0];
    if (source === undefined) throw new Error('no source');
    expect((await readMetrics(source)).value('shop_http_requests_total')).toBe(1);
    const given = createGlassbox({ backend: nativeBackend(), logger: null });
    expect(setupInstrumentation({ glassbox: given }, client)).toEqual({ glassbox: given, sources: [] });
  });

  it('refuses contradictory options', () => {
    const given = createGlassbox({ backend: nativeBackend(), logger: null });
    expect(() => setupInstrumentation({ glassbox: given, glassboxOptions: {} }, client)).toThrow(/either/);
    expect(() => setupInstrumentation({ registry: new client.Registry() }, undefined)).toThrow(/prom-client/);
    expect(() => setupInstrumentation({}, undefined)).toThrow(/defaultMetrics: false/);
  });
});
