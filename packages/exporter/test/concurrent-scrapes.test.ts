import { catalog, createGlassbox, type MetricsSource, nativeBackend } from '@glassbox/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsServer, type MetricsServer } from '../src/index.js';
import { get } from './helpers.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('concurrent scrapes', () => {
  // issue 16.6: 200 concurrent scrapes of a 20k-series registry each collected and
  // rendered their own copy (RSS 109 MB → 1.7 GB)
  it('16.6: 200 concurrent scrapes of 20k series share one in-flight collection', async () => {
    const native = nativeBackend();
    const glassbox = createGlassbox({ backend: native, seriesLimit: 30_000, logger: null });
    const c = glassbox.counter(catalog.http.requestsTotal);
    for (let i = 0; i < 20_000; i++) c.inc({ method: 'GET', route: `/r/${i}`, status_code: 200 });
    let collects = 0;
    const counting: MetricsSource = {
      collect: () => {
        collects++;
        return native.collect();
      },
    };
    const server = createMetricsServer({
      port: 0,
      host: '127.0.0.1',
      sources: [counting],
      auth: { tokens: ['t'], fromEnv: false },
      logger: null,
    });
    servers.push(server);
    const { url } = await server.start();
    const auth = { Authorization: 'Bearer t' };
    const replies = await Promise.all([
      ...Array.from({ length: 100 }, () => get(url, auth)),
      ...Array.from({ length: 100 }, () => get(url, { ...auth, 'Accept-Encoding': 'gzip' })),
    ]);
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(new Set(replies.map((r) => r.body)).size).toBe(1);
    expect(replies[0]?.body).toContain(
      'http_requests_total{method="GET",route="/r/19999",status_code="200"} 1\n',
    );
    // a few collections at most (one per burst that arrives after the previous finished), never one each
    expect(collects).toBeLessThan(20);
    // unauthorized requests never start a collection
    const before = collects;
    await Promise.all(Array.from({ length: 20 }, () => get(url)));
    expect(collects).toBe(before);
  });
});
