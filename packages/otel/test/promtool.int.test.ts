/**
 * The OTel backend's /metrics output, the full default catalog, passes
 * `promtool check metrics` with zero findings (the Prometheus text format parser and
 * its naming linter), as the prom-client backend's does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { catalogDefinitions, createGlassbox } from '@glassbox/core';
import { createMetricsHandler } from '@glassbox/exporter';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, expect, it } from 'vitest';
import { otelBackend } from '../src/index.js';
import { createPrometheusReader, otelSource } from '../src/prometheus.js';
import { get, listen, render } from './helpers.js';

// promtool comes from Debian's `prometheus` package. Without it the test fails (it never
// skips): a missing tool must not pass as a green run.
function promtool(): string {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('promtool is not installed (apt-get install -y prometheus)');
  return found;
}

function check(bin: string, text: string): string {
  try {
    return execFileSync(bin, ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
}

const reader = createPrometheusReader();
const meterProvider = new MeterProvider({ readers: [reader] });
afterAll(() => meterProvider.shutdown());

it('the full catalog through the OTel backend passes `promtool check metrics` with zero findings', async () => {
  const bin = promtool();
  const backend = otelBackend({ meterProvider });
  const glassbox = createGlassbox({ backend, logger: null });
  for (const def of catalogDefinitions()) {
    const labels = Object.fromEntries(def.labelNames.map((l) => [l, 'sample']));
    if (def.kind === 'counter') glassbox.counter(def).inc(labels);
    else if (def.kind === 'gauge') glassbox.gauge(def).set(labels, 1);
    else glassbox.histogram(def).observe(labels, 0.3);
  }
  const server = await listen(
    createMetricsHandler({
      sources: [otelSource({ reader, backend })],
      auth: { tokens: 'promtool' },
      logger: null,
    }),
  );
  try {
    const res = await get(`${server.url}/metrics`, { Authorization: 'Bearer promtool' });
    expect(res.status).toBe(200);
    for (const def of catalogDefinitions()) expect(res.body).toContain(`# TYPE ${def.name} ${def.kind}\n`);
    expect(check(bin, res.body).trim()).toBe('');
    // With scope labels and target_info on, the output is still promtool-clean.
    const full = await render(
      otelSource({ reader, backend, scopeLabels: true, targetInfo: true }),
      'prometheus',
    );
    expect(full).toContain('target_info{');
    expect(check(bin, full).trim()).toBe('');
  } finally {
    await server.close();
  }
});
