/**
 * Regression, issue 16 finding 5: `setQuality` kept every metric name it ever saw and
 * `reportError()` every component and cause string, so ever-new strings grew memory
 * without bound. Every per-key cache is now bounded by the series cap or a fixed size;
 * these tests see it as the heap the work leaves behind (after full collections).
 */
import { describe, expect, it } from 'vitest';
import {
  createBatchTriggers,
  createGlassbox,
  createLlmInstrument,
  createModelInstrument,
  type Logger,
  nativeBackend,
} from '../../src/index.js';
import { distinctName, retainedMegabytes } from './heap.js';

const N = 50_000;

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m) };
}

/** A name of about 10 KB, distinct by its last characters: all truncate to one label value. */
const bigName = (i: number) => `${'y'.repeat(10_000)}_${distinctName(i)}`;

describe('issue 16.5: every per-key cache is bounded', () => {
  it('setQuality with 100,000 distinct metric names keeps a bounded cache (no growth past the series cap)', async () => {
    const backend = nativeBackend();
    const glassbox = createGlassbox({ backend, logger: null });
    const model = createModelInstrument(glassbox, { name: 'ml-service', version: '1' });
    const mb = await retainedMegabytes(() => {
      for (let i = 0; i < 2 * N; i++) model.setQuality(distinctName(i), 0.5);
    });
    // Unbounded, the instrument's own map kept all 100,000 names (about 13 MB; 1.8 MB bounded).
    expect(mb).toBeLessThan(5);
    // Behaviour unchanged: the gauge holds its 2,000 series plus the overflow series.
    const series = backend.series('ml_model_quality');
    expect(series).toHaveLength(2001);
    expect(series.some((s) => s.labels.metric === '__overflow__')).toBe(true);
    // A name still cached records on its own series, past the cache bound too.
    model.setQuality(distinctName(0), 0.9);
    model.setQuality(distinctName(1999), 0.8);
    expect(backend.value('ml_model_quality', { model: 'ml-service', metric: distinctName(0) })).toBe(0.9);
    expect(backend.value('ml_model_quality', { model: 'ml-service', metric: distinctName(1999) })).toBe(0.8);
  });

  it('reportError with 50,000 distinct components and causes keeps bounded warn-once and series caches', async () => {
    const backend = nativeBackend();
    const logger = memoryLogger();
    const glassbox = createGlassbox({ backend, logger });
    const mb = await retainedMegabytes(() => {
      for (let i = 0; i < N; i++)
        glassbox.reportError(distinctName(i, 'component'), distinctName(i, 'cause'));
    });
    // Unbounded, the warn-once set and the series map kept every string (about 30 MB; 1.5 MB bounded).
    expect(mb).toBeLessThan(6);
    expect(logger.lines).toHaveLength(1001);
    expect(logger.lines[1000]).toMatch(/more than 1000 distinct instrumentation problems/);
    expect(backend.value('glassbox_instrumentation_errors_total')).toBe(N);
    expect(backend.series('glassbox_instrumentation_errors_total')).toHaveLength(2001);
    // Known causes are still warned once, new ones past the bound are counted only.
    glassbox.reportError(distinctName(0, 'component'), distinctName(0, 'cause'));
    expect(logger.lines).toHaveLength(1001);
  });

  it('reportError keeps only the first 512 characters of a long cause in its warn-once memory', async () => {
    const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });
    const mb = await retainedMegabytes(() => {
      for (let i = 0; i < 500; i++)
        glassbox.reportError('http', `${distinctName(i, 'cause')}${'z'.repeat(50_000)}`);
    });
    // Whole causes would be 25 MB.
    expect(mb).toBeLessThan(3);
  });

  it('batch triggers do not keep long raw job names as cache keys', async () => {
    const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });
    const triggers = createBatchTriggers(glassbox);
    const mb = await retainedMegabytes(() => {
      for (let i = 0; i < 3000; i++) triggers.trigger(bigName(i));
    });
    // Keyed by the raw 10 KB names, the cache kept about 30 MB.
    expect(mb).toBeLessThan(3);
  });

  it('the llm instrument does not keep long raw model names as cache keys', async () => {
    const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });
    const llm = createLlmInstrument(glassbox, { provider: 'openai' });
    const mb = await retainedMegabytes(() => {
      for (let i = 0; i < 3000; i++) llm.record(bigName(i), 0.1);
    });
    // Keyed by the raw 10 KB names, the cache kept about 30 MB.
    expect(mb).toBeLessThan(3);
  });
});
