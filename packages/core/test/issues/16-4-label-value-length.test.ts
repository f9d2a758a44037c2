/**
 * Regression, issue 16 finding 4: label values had no length limit. 400 model names of
 * 100 KB grew the heap by 353 MB and every scrape failed with `RangeError: Invalid string
 * length`. Now a value longer than `maxLabelValueLength` (default 256) is truncated,
 * counted in `glassbox_instrumentation_errors_total` and warned once.
 */

import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  catalog,
  createGlassbox,
  GLASSBOX_DEFAULTS,
  type Logger,
  nativeBackend,
  promClientBackend,
} from '../../src/index.js';
import { retainedMegabytes } from './heap.js';

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m) };
}

/** The longest label value in an exposition. */
function longestLabelValue(text: string): number {
  let longest = 0;
  for (const m of text.matchAll(/="((?:[^"\\]|\\.)*)"/g))
    longest = Math.max(longest, (m[1] as string).length);
  return longest;
}

const HUGE = 100_000;
const hugeName = (i: number) => `${String(i).padStart(4, '0')}-${'m'.repeat(HUGE)}`;

describe('issue 16.4: label values have a length limit', () => {
  it('400 model names of 100 KB are truncated to 256 characters, counted and warned once; the scrape works', async () => {
    expect(GLASSBOX_DEFAULTS.maxLabelValueLength).toBe(256);
    const backend = nativeBackend();
    const logger = memoryLogger();
    const glassbox = createGlassbox({ backend, logger });
    const predictions = glassbox.counter(catalog.model.predictionsTotal);
    const mb = await retainedMegabytes(() => {
      for (let i = 0; i < 400; i++)
        predictions.inc({ model: hugeName(i), model_version: '1', outcome: 'none' });
    });
    expect(mb).toBeLessThan(5); // whole values: 40 MB

    // what a scrape renders: every family's label values, each at most 256 characters
    const values = backend.collect().flatMap((f) => [...f.points].flatMap((p) => [...p.labelValues]));
    expect(values.reduce((n, v) => n + v.length, 0)).toBeLessThan(400 * 400);
    expect(Math.max(...values.map((v) => v.length))).toBe(256);
    const series = backend.series('ml_predictions_total');
    expect(series).toHaveLength(400); // the 4-digit prefix keeps them distinct
    expect(series.every((s) => (s.labels.model as string).length === 256)).toBe(true);
    expect(backend.value('ml_predictions_total')).toBe(400); // every sample kept
    expect(backend.value('glassbox_instrumentation_errors_total', { component: 'model' })).toBe(400);
    const warnings = logger.lines.filter((l) => l.includes('longer than 256 characters; truncated'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('label "model"');
    expect(warnings[0]?.length).toBeLessThan(1000); // the value itself is never logged
  });

  it('values that truncate to the same prefix share one series; short values are untouched', () => {
    const backend = nativeBackend();
    const glassbox = createGlassbox({ backend, logger: null, maxLabelValueLength: 8 });
    const c = glassbox.counter(catalog.batch.triggersTotal);
    c.inc({ batch_job: 'nightly-scoring' });
    c.inc({ batch_job: 'nightly-scoring-v2' });
    c.inc({ batch_job: 'nightly' });
    expect(backend.value('batch_job_triggers_total', { batch_job: 'nightly-' })).toBe(2);
    expect(backend.value('batch_job_triggers_total', { batch_job: 'nightly' })).toBe(1);
    expect(backend.value('glassbox_instrumentation_errors_total', { component: 'batch' })).toBe(2);
  });

  it('never splits a surrogate pair', () => {
    const backend = nativeBackend();
    const glassbox = createGlassbox({ backend, logger: null, maxLabelValueLength: 4 });
    glassbox.counter(catalog.batch.triggersTotal).inc({ batch_job: 'abc😀def' });
    expect(backend.series('batch_job_triggers_total').map((s) => s.labels.batch_job)).toEqual(['abc']);
  });

  it('bounds the prom-client backend too', async () => {
    const registry = new promClient.Registry();
    const glassbox = createGlassbox({
      backend: promClientBackend({ client: promClient, registry }),
      logger: null,
    });
    glassbox.counter(catalog.llm.tokensTotal).inc({ provider: 'p', model: hugeName(1), type: 'input' });
    expect(longestLabelValue(await registry.metrics())).toBe(256);
  });

  it('rejects a maxLabelValueLength that is not a positive integer at start-up', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '256'])
      expect(() => createGlassbox({ backend: nativeBackend(), maxLabelValueLength: bad as number })).toThrow(
        /maxLabelValueLength/,
      );
  });
});
