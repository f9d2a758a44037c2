import * as ioClient from '@prometheus-io/client';
import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  type Backend,
  catalog,
  catalogDefinitions,
  createGlassbox,
  defineCounter,
  defineGauge,
  defineHistogram,
  type Logger,
  nativeBackend,
  promClientBackend,
} from '../src/index.js';

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m) };
}

const libraries = [
  ['prom-client', promClient],
  ['@prometheus-io/client', ioClient],
] as const;

describe.each(libraries)('prom-client backend on %s', (_, client) => {
  function setup(naming = {}) {
    const registry = new client.Registry();
    const glassbox = createGlassbox({
      backend: promClientBackend({ client, registry }),
      naming,
      logger: null,
    });
    return { registry, glassbox };
  }

  it('exposes exact lines for a counter, a gauge and a histogram', async () => {
    const { registry, glassbox } = setup();
    const jobs = glassbox.counter(
      defineCounter({ name: 'jobs_done_total', help: 'Jobs done.', labelNames: ['queue'] }),
    );
    const depth = glassbox.gauge(
      defineGauge({ name: 'queue_depth', help: 'Queue depth.', labelNames: ['queue'] }),
    );
    const took = glassbox.histogram(
      defineHistogram({
        name: 'job_duration_seconds',
        unit: 'seconds',
        help: 'Job time.',
        buckets: [0.1, 1],
      }),
    );
    jobs.inc({ queue: 'a' });
    jobs.inc({ queue: 'a' }, 2);
    depth.set({ queue: 'a' }, 7);
    depth.dec({ queue: 'a' });
    took.observe(undefined, 0.05);
    took.observe(undefined, 0.5);
    took.observe(undefined, 3);
    const text = await registry.metrics();
    const lines = text.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '# HELP jobs_done_total Jobs done.',
        '# TYPE jobs_done_total counter',
        'jobs_done_total{queue="a"} 3',
        '# TYPE queue_depth gauge',
        'queue_depth{queue="a"} 6',
        '# TYPE job_duration_seconds histogram',
        'job_duration_seconds_bucket{le="0.1"} 1',
        'job_duration_seconds_bucket{le="1"} 2',
        'job_duration_seconds_bucket{le="+Inf"} 3',
        'job_duration_seconds_sum 3.55',
        'job_duration_seconds_count 3',
      ]),
    );
  });

  it('applies naming options: rename, prefix, label rename, constant labels', async () => {
    const { registry, glassbox } = setup({
      rename: { http_requests_total: 'api_requests_total' },
      labelRename: { status_code: 'code' },
      constLabels: { service: 'risk-analytics' },
    });
    glassbox.counter(catalog.http.requestsTotal).inc({ method: 'GET', route: '/x', status_code: 200 });
    const text = await registry.metrics();
    expect(text).toContain(
      'api_requests_total{method="GET",route="/x",code="200",service="risk-analytics"} 1',
    );
    expect(text).not.toContain('http_requests_total');
  });

  it('refuses a second instance on the same registry at set-up, with a clear error', () => {
    const { registry, glassbox } = setup();
    glassbox.counter(catalog.http.requestsTotal);
    expect(() => createGlassbox({ backend: promClientBackend({ client, registry }), logger: null })).toThrow(
      /already registered/,
    );
  });

  it('records every catalog metric (a smoke check of every kind and label set)', async () => {
    const { registry, glassbox } = setup();
    for (const def of catalogDefinitions()) {
      const labels = Object.fromEntries(def.labelNames.map((l) => [l, 'x']));
      if (def.kind === 'counter') glassbox.counter(def).inc(labels);
      else if (def.kind === 'gauge') glassbox.gauge(def).set(labels, 1);
      else glassbox.histogram(def).observe(labels, 0.2);
    }
    const text = await registry.metrics();
    for (const def of catalogDefinitions()) expect(text).toContain(`# TYPE ${def.name} ${def.kind}`);
  });
});

describe('record-time safety', () => {
  function setup() {
    const mem = nativeBackend();
    const logger = memoryLogger();
    const glassbox = createGlassbox({ backend: mem, logger });
    return { mem, logger, glassbox };
  }
  const errors = (mem: ReturnType<typeof nativeBackend>, component: string) =>
    mem.value('glassbox_instrumentation_errors_total', { component });

  it('drops NaN, negative and non-numeric increments, counts them and warns once per cause', () => {
    const { mem, logger, glassbox } = setup();
    const c = glassbox.counter(defineCounter({ name: 'a_total', help: 'h', group: 'custom' }));
    c.inc(undefined, Number.NaN);
    c.inc(undefined, -1);
    c.inc(undefined, -1);
    c.inc(undefined, Number.POSITIVE_INFINITY);
    c.inc(undefined, '3' as unknown as number);
    c.inc(undefined, 2);
    expect(mem.value('a_total')).toBe(2);
    expect(errors(mem, 'custom')).toBe(5);
    expect(logger.lines.length).toBe(2);
    expect(logger.lines[0]).toMatch(/a_total: negative, NaN or infinite increment/);
  });

  it('drops missing, unknown and non-string labels; coerces numbers and booleans', () => {
    const { mem, glassbox } = setup();
    const c = glassbox.counter(defineCounter({ name: 'b_total', help: 'h', labelNames: ['a', 'b'] }));
    c.inc({ a: 'x' } as never);
    c.inc({ a: 'x', b: 'y', c: 'z' } as never);
    c.inc({ a: 'x', b: {} } as never);
    c.inc({ a: 'x', b: null } as never);
    c.inc(undefined);
    c.inc({ a: 1, b: true });
    expect(mem.series('b_total')).toEqual([{ labels: { a: '1', b: 'true' }, value: 1 }]);
    expect(errors(mem, 'custom')).toBe(5);
  });

  it('drops NaN gauge values and NaN/infinite observations', () => {
    const { mem, glassbox } = setup();
    const g = glassbox.gauge(defineGauge({ name: 'g', help: 'h' }));
    const h = glassbox.histogram(defineHistogram({ name: 'h_seconds', help: 'h', buckets: [1] }));
    g.set(undefined, 4);
    g.set(undefined, Number.NaN);
    h.observe(undefined, Number.NaN);
    h.observe(undefined, Number.NEGATIVE_INFINITY);
    h.observe(undefined, 0.5);
    expect(mem.value('g')).toBe(4);
    expect(mem.distribution('h_seconds')?.count).toBe(1);
    expect(errors(mem, 'custom')).toBe(3);
  });

  it('never throws when the backend throws on every call, and never when the logger throws', () => {
    const throwing: Backend = {
      name: 'throwing',
      counter: () => ({
        series: () => ({
          inc: () => {
            throw new Error('boom');
          },
        }),
        remove: () => {
          throw new Error('boom');
        },
      }),
      gauge: () => ({
        series: () => {
          throw new Error('boom');
        },
        remove: () => {},
      }),
      histogram: () => ({
        series: () => ({
          observe: () => {
            throw new Error('boom');
          },
        }),
        remove: () => {},
      }),
    };
    const glassbox = createGlassbox({
      backend: throwing,
      logger: {
        warn() {
          throw new Error('logger down');
        },
      },
    });
    const c = glassbox.counter(catalog.http.requestsTotal);
    const g = glassbox.gauge(catalog.http.requestsInFlight);
    const h = glassbox.histogram(catalog.http.requestDuration);
    expect(() => {
      c.inc({ method: 'GET', route: '/', status_code: 200 });
      c.remove({ method: 'GET', route: '/', status_code: 200 });
      g.inc({ method: 'GET' });
      h.observe({ method: 'GET', route: '/', status_code: 200 }, 1);
      glassbox.reportError('x', 'y', new Error('z'));
    }).not.toThrow();
  });

  it('throws at set-up for bad options', () => {
    expect(() => createGlassbox({} as never)).toThrow(/backend/);
    expect(() => createGlassbox({ backend: nativeBackend(), seriesLimit: 0 })).toThrow(/seriesLimit/);
    expect(() => createGlassbox({ backend: nativeBackend(), naming: { prefix: 'Bad-' } })).toThrow(/prefix/);
    expect(() =>
      createGlassbox({
        backend: nativeBackend(),
        naming: { rename: { http_requests_total: 'x' } },
      }).counter(catalog.http.requestsTotal),
    ).toThrow(/_total/);
    expect(() => promClientBackend({ registry: new promClient.Registry() } as never)).toThrow(/client/);
  });

  it('keeps two instances apart (no shared state)', () => {
    const a = setup();
    const b = setup();
    a.glassbox.counter(catalog.http.requestsTotal).inc({ method: 'GET', route: '/', status_code: 200 });
    expect(a.mem.value('http_requests_total')).toBe(1);
    expect(b.mem.value('http_requests_total')).toBeUndefined();
  });
});

describe('cardinality guard', () => {
  it('100,000 distinct label values stay at the cap + 1 series and conserve the total', async () => {
    const registry = new promClient.Registry();
    const glassbox = createGlassbox({
      backend: promClientBackend({ client: promClient, registry }),
      logger: null,
    });
    const c = glassbox.counter(defineCounter({ name: 'hits_total', help: 'h', labelNames: ['path'] }));
    for (let i = 0; i < 100_000; i++) c.inc({ path: `/random/${i}` });
    expect(c.seriesCount()).toBe(2001);
    const json = await registry.getSingleMetric('hits_total')?.get();
    const values = json?.values ?? [];
    expect(values.length).toBe(2001);
    expect(values.reduce((s, v) => s + v.value, 0)).toBe(100_000);
    const overflow = values.find((v) => v.labels.path === '__overflow__');
    expect(overflow?.value).toBe(100_000 - 2000);
  });

  it('honours per-metric limits and keeps constant labels on the overflow series', () => {
    const mem = nativeBackend();
    const glassbox = createGlassbox({
      backend: mem,
      seriesLimits: { hits_total: 3 },
      naming: { constLabels: { service: 's' } },
      logger: null,
    });
    const c = glassbox.counter(defineCounter({ name: 'hits_total', help: 'h', labelNames: ['path'] }));
    for (let i = 0; i < 10; i++) c.inc({ path: String(i) });
    expect(mem.series('hits_total').length).toBe(4);
    expect(mem.value('hits_total', { path: '__overflow__', service: 's' })).toBe(7);
    expect(mem.value('glassbox_instrumentation_errors_total', { component: 'cardinality' })).toBe(1);
  });

  it('frees a slot when a series is removed', () => {
    const mem = nativeBackend();
    const glassbox = createGlassbox({ backend: mem, seriesLimit: 1, logger: null });
    const g = glassbox.gauge(catalog.model.modelInfo);
    g.set({ model: 'm', model_version: '1' }, 1);
    g.remove({ model: 'm', model_version: '1' });
    g.set({ model: 'm', model_version: '2' }, 1);
    expect(mem.series('ml_model_info')).toEqual([{ labels: { model: 'm', model_version: '2' }, value: 1 }]);
  });
});
