/**
 * Exemplars on both core backends, rendered: on the bucket line the observation fell in
 * (OpenMetrics `# {trace_id="…",span_id="…"} value timestamp`), one per bucket, the latest
 * winning; none in text 0.0.4; none with `exemplars: false`.
 */
import {
  createGlassbox,
  defineHistogram,
  type Glassbox,
  type MetricsSource,
  nativeBackend,
  promClientBackend,
  promClientSource,
} from '@glassbox/core';
import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderFamilies } from '../src/index.js';

const HIST = defineHistogram({ name: 'took_seconds', help: 'Took.', labelNames: ['q'], buckets: [0.1, 1] });
const trace = (n: number) => ({ traceId: `${'a'.repeat(31)}${n}`, spanId: `${'b'.repeat(15)}${n}` });
const ex = (n: number, value: number) =>
  `# {trace_id="${'a'.repeat(31)}${n}",span_id="${'b'.repeat(15)}${n}"} ${value} `;

interface Case {
  readonly glassbox: Glassbox;
  readonly source: MetricsSource;
}

const backends: ReadonlyArray<[string, (exemplars?: boolean) => Case]> = [
  [
    'native',
    (exemplars = true) => {
      const native = nativeBackend();
      return { glassbox: createGlassbox({ backend: native, logger: null, exemplars }), source: native };
    },
  ],
  [
    'prom-client',
    (exemplars = true) => {
      const registry = new client.Registry();
      const backend = promClientBackend({ client, registry, exemplars });
      return {
        glassbox: createGlassbox({ backend, logger: null, exemplars }),
        source: promClientSource(registry),
      };
    },
  ],
];

async function render(source: MetricsSource, format: 'openmetrics' | 'prometheus'): Promise<string[]> {
  const text = await renderFamilies(await source.collect(), format);
  return text.split('\n').filter((l) => l.startsWith('took_seconds_bucket'));
}

describe.each(backends)('exemplars on the %s backend', (_, make) => {
  it('sit on the bucket the observation fell in, with value and timestamp; the latest wins', async () => {
    const { glassbox, source } = make();
    const h = glassbox.histogram(HIST);
    const before = Date.now() / 1000;
    h.observe({ q: 'x' }, 0.05, trace(1));
    h.observe({ q: 'x' }, 0.5, trace(2));
    h.observe({ q: 'x' }, 0.25, trace(3)); // same bucket: replaces trace 2
    h.observe({ q: 'x' }, 0.3); // untraced: the exemplar stays
    h.observe({ q: 'x' }, 7, trace(4));
    const lines = await render(source, 'openmetrics');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(`^took_seconds_bucket\\{q="x",le="0.1"\\} 1 ${esc(ex(1, 0.05))}\\d+(\\.\\d+)?$`),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^took_seconds_bucket\\{q="x",le="1"\\} 4 ${esc(ex(3, 0.25))}\\d+(\\.\\d+)?$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^took_seconds_bucket\\{q="x",le="\\+Inf"\\} 5 ${esc(ex(4, 7))}\\d+(\\.\\d+)?$`),
    );
    const stamp = Number(lines[0]?.split(' ').at(-1));
    expect(stamp).toBeGreaterThanOrEqual(Math.floor(before));
    expect(stamp).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('one exemplar per bucket and series, however many traced observations', async () => {
    const { glassbox, source } = make();
    const h = glassbox.histogram(HIST);
    for (let i = 0; i < 1000; i++) h.observe({ q: i % 2 === 0 ? 'x' : 'y' }, 0.05, trace(i % 10));
    const lines = await render(source, 'openmetrics');
    expect(lines.filter((l) => l.includes(' # {'))).toHaveLength(2);
    expect(lines.find((l) => l.includes('q="x",le="0.1"'))).toContain(ex(8, 0.05));
    expect(lines.find((l) => l.includes('q="y",le="0.1"'))).toContain(ex(9, 0.05));
  });

  it('are not in text 0.0.4', async () => {
    const { glassbox, source } = make();
    glassbox.histogram(HIST).observe({ q: 'x' }, 0.05, trace(1));
    const text = await renderFamilies(await source.collect(), 'prometheus');
    expect(text).toContain('took_seconds_bucket{q="x",le="0.1"} 1\n');
    expect(text).not.toContain('trace_id');
  });

  it('are not recorded with exemplars: false', async () => {
    const { glassbox, source } = make(false);
    glassbox.histogram(HIST).observe({ q: 'x' }, 0.05, trace(1));
    const lines = await render(source, 'openmetrics');
    expect(lines[0]).toBe('took_seconds_bucket{q="x",le="0.1"} 1');
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
