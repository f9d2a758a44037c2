import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  createGlassbox,
  defineCounter,
  defineHistogram,
  nativeBackend,
  promClientBackend,
  promClientSource,
} from '../src/index.js';
import { readMetrics } from '../src/testing.js';

describe('read-back', () => {
  it('reads back values for tests and resets', () => {
    const native = nativeBackend();
    const glassbox = createGlassbox({ backend: native, logger: null });
    const h = glassbox.histogram(
      defineHistogram({ name: 'x_seconds', help: 'h', labelNames: ['k'], buckets: [1, 2] }),
    );
    h.observe({ k: 'a' }, 1);
    h.observe({ k: 'a' }, 1.5);
    h.observe({ k: 'b' }, 9);
    expect(native.distribution('x_seconds', { k: 'a' })).toEqual({
      count: 2,
      sum: 2.5,
      buckets: [
        { le: 1, count: 1 },
        { le: 2, count: 2 },
        { le: Number.POSITIVE_INFINITY, count: 2 },
      ],
    });
    expect(native.distribution('x_seconds')?.count).toBe(3);
    expect(native.distribution('x_seconds', { nope: 'x' })).toBeUndefined();
    native.reset();
    expect(native.distribution('x_seconds')?.count).toBe(0);
  });

  it('tells absent from zero: unknown metric, unknown label, no matching series', () => {
    const native = nativeBackend();
    const glassbox = createGlassbox({ backend: native, logger: null });
    const c = glassbox.counter(defineCounter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['q'] }));
    expect(native.value('jobs_total')).toBeUndefined();
    c.inc({ q: 'a' }, 0);
    expect(native.value('jobs_total')).toBe(0);
    expect(native.value('jobs_total', { q: 'a' })).toBe(0);
    expect(native.value('jobs_total', { q: 'b' })).toBeUndefined();
    expect(native.value('jobs_total', { nope: 'a' })).toBeUndefined();
    expect(native.value('nothing_total')).toBeUndefined();
    expect(native.series('nothing_total')).toEqual([]);
  });

  it('reads any source the same way: a prom-client registry through promClientSource', async () => {
    const registry = new client.Registry();
    const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
    glassbox
      .counter(defineCounter({ name: 'jobs_total', help: 'Jobs.', labelNames: ['q'] }))
      .inc({ q: 'a' }, 2);
    const h = glassbox.histogram(
      defineHistogram({ name: 'x_seconds', help: 'h', labelNames: ['k'], buckets: [1, 2] }),
    );
    h.observe({ k: 'a' }, 1.5);
    h.observe({ k: 'a' }, 3);
    const metrics = await readMetrics(promClientSource(registry));
    expect(metrics.value('jobs_total', { q: 'a' })).toBe(2);
    expect(metrics.value('jobs_total', { q: 'b' })).toBeUndefined();
    expect(metrics.distribution('x_seconds', { k: 'a' })).toEqual({
      count: 2,
      sum: 4.5,
      buckets: [
        { le: 1, count: 0 },
        { le: 2, count: 1 },
        { le: Number.POSITIVE_INFINITY, count: 2 },
      ],
    });
  });
});
