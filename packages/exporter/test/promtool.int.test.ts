import { execFileSync, spawnSync } from 'node:child_process';
import { catalogDefinitions, createGlassbox, nativeBackend, promClientBackend } from '@glassbox/core';
import * as client from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetricsServer } from '../src/index.js';
import { get } from './helpers.js';

// promtool comes from Debian's `prometheus` package (.ci/run installs it). Without it the
// test fails (it never skips): a missing tool must not pass as a green run.
function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('promtool is not installed (apt-get install -y prometheus)');
  return found;
}

function promClientSetup() {
  const registry = new client.Registry();
  const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
  const server = createMetricsServer({
    port: 0,
    host: '127.0.0.1',
    registry,
    auth: { tokens: 'promtool-test' },
  });
  return { glassbox, server };
}
function nativeSetup() {
  const native = nativeBackend();
  const glassbox = createGlassbox({ backend: native, logger: null });
  const server = createMetricsServer({
    port: 0,
    host: '127.0.0.1',
    sources: [native],
    auth: { tokens: 'promtool-test' },
  });
  return { glassbox, server };
}

describe.each([
  ['prom-client', promClientSetup],
  ['native', nativeSetup],
])('the full default catalog through the exporter (%s backend)', (_, setup) => {
  const { glassbox, server } = setup();
  afterAll(() => server.close());

  // promtool's linter reads the Prometheus text format only; the OpenMetrics rendering of the
  // same registry is checked for its shape (family names without _total, one # EOF).
  it('passes `promtool check metrics` with zero findings', async () => {
    const bin = promtool();
    for (const def of catalogDefinitions()) {
      const labels = Object.fromEntries(def.labelNames.map((l) => [l, 'sample']));
      if (def.kind === 'counter') glassbox.counter(def).inc(labels);
      else if (def.kind === 'gauge') glassbox.gauge(def).set(labels, 1);
      else glassbox.histogram(def).observe(labels, 0.3);
    }
    const { url } = await server.start();
    const om = await get(url, {
      Authorization: 'Bearer promtool-test',
      Accept: 'application/openmetrics-text',
    });
    expect(om.headers['content-type']).toContain('application/openmetrics-text; version=1.0.0');
    for (const def of catalogDefinitions())
      expect(om.body).toContain(`# TYPE ${def.name.replace(/_total$/, '')} ${def.kind}\n`);
    expect(om.body.endsWith('\n# EOF\n')).toBe(true);
    for (const accept of ['text/plain']) {
      const res = await get(url, { Authorization: 'Bearer promtool-test', Accept: accept });
      expect(res.status).toBe(200);
      for (const def of catalogDefinitions()) expect(res.body).toContain(`# TYPE ${def.name} ${def.kind}\n`);
      let output = '';
      try {
        output = execFileSync(bin, ['check', 'metrics'], {
          input: res.body,
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
      }
      expect(output.trim(), accept).toBe('');
    }
  });
});
