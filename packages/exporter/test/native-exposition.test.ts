import {
  catalogDefinitions,
  createGlassbox,
  defineCounter,
  defineGauge,
  defineHistogram,
  type Glassbox,
  nativeBackend,
  promClientBackend,
} from '@glassbox/core';
import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderFamilies } from '../src/index.js';

/** Parses exposition text into `name{sorted labels}` → value, ignoring comments. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map((x) => `${x[1]}="${x[2]}"`)
      .sort()
      .join(',');
    out.set(`${m[1]}{${labels}}`, Number(m[3]));
  }
  return out;
}

function record(glassbox: Glassbox) {
  for (const def of catalogDefinitions()) {
    for (const v of ['a', 'b "quoted"\\ \n']) {
      const labels = Object.fromEntries(def.labelNames.map((l) => [l, v]));
      if (def.kind === 'counter') glassbox.counter(def).inc(labels, 2);
      else if (def.kind === 'gauge') glassbox.gauge(def).set(labels, -1.5);
      else for (const x of [0.003, 0.1, 0.7, 3, 99, 5000]) glassbox.histogram(def).observe(labels, x);
    }
  }
}

describe('native backend through the exporter renderer', () => {
  it('renders exact lines for each kind', async () => {
    const native = nativeBackend();
    const glassbox = createGlassbox({
      backend: native,
      logger: null,
      naming: { constLabels: { service: 's' } },
    });
    glassbox
      .counter(defineCounter({ name: 'jobs_total', help: 'Jobs.\nDone.', labelNames: ['q'] }))
      .inc({ q: 'x"y' }, 3);
    glassbox.gauge(defineGauge({ name: 'depth', help: 'Depth.' })).set(undefined, 7);
    glassbox
      .histogram(defineHistogram({ name: 'took_seconds', help: 'Took.', buckets: [0.1, 1] }))
      .observe(undefined, 0.5);
    const text = await renderFamilies(native.collect(), 'prometheus');
    expect(text).toContain(
      '# HELP jobs_total Jobs.\\nDone.\n# TYPE jobs_total counter\njobs_total{q="x\\"y",service="s"} 3\n',
    );
    expect(text).toContain('# HELP depth Depth.\n# TYPE depth gauge\ndepth{service="s"} 7\n');
    expect(text).toContain(
      [
        '# TYPE took_seconds histogram',
        'took_seconds_bucket{service="s",le="0.1"} 0',
        'took_seconds_bucket{service="s",le="1"} 1',
        'took_seconds_bucket{service="s",le="+Inf"} 1',
        'took_seconds_sum{service="s"} 0.5',
        'took_seconds_count{service="s"} 1',
      ].join('\n'),
    );
    const om = await renderFamilies(native.collect(), 'openmetrics');
    expect(om).toContain(
      '# TYPE jobs counter\n# HELP jobs Jobs.\\nDone.\njobs_total{q="x\\"y",service="s"} 3\n',
    );
    expect(om).not.toContain('\n\n');
  });

  it('gives the same samples as prom-client for the same recordings (every catalog metric)', async () => {
    const native = nativeBackend();
    record(createGlassbox({ backend: native, logger: null }));
    const registry = new client.Registry();
    record(createGlassbox({ backend: promClientBackend({ client, registry }), logger: null }));
    const ours = samples(await renderFamilies(native.collect(), 'prometheus'));
    const theirs = samples(await registry.metrics());
    expect(ours.size).toBeGreaterThan(300);
    expect(ours).toEqual(theirs);
  });
});
