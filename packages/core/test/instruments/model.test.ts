import { createModelInstrument, defaultErrorClassifier } from '@glassbox/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { setup, ticksUntilSettled } from './helpers.js';

const PRED = 'ml_predictions_total';
const DUR = 'ml_prediction_duration_seconds';
const ERR = 'ml_prediction_errors_total';

function lead(s = setup()) {
  const model = createModelInstrument(s.glassbox, {
    name: 'lead-scoring',
    version: '3.1.0',
    outcomes: ['hot', 'warm', 'cold'],
  });
  return { ...s, model };
}

describe('model instrument: wrap() passes everything through unchanged', () => {
  it('a sync function stays sync and returns the same value', () => {
    const { model, backend } = lead();
    const result = { tier: 'hot', p: 0.93 };
    const predict = model.wrap((x: number) => (x > 0 ? result : result), {
      outcome: (r) => r.tier,
      score: (r) => r.p,
    });
    const out = predict(1);
    expect(out).toBe(result);
    expect(out).not.toBeInstanceOf(Promise);
    expect(backend.value(PRED, { model: 'lead-scoring', model_version: '3.1.0', outcome: 'hot' })).toBe(1);
    expect(backend.value(DUR, { model: 'lead-scoring' })).toBe(1);
    const scores = backend.distribution('ml_prediction_score', { model: 'lead-scoring' });
    expect(scores?.count).toBe(1);
    expect(scores?.buckets.find((b) => b.le === 0.9)?.count).toBe(0);
    expect(scores?.buckets.find((b) => b.le === 1)?.count).toBe(1);
  });

  it('a sync throw rethrows the same error object and counts its type', () => {
    const { model, backend } = lead();
    const boom = Object.assign(new Error('feature store timed out after 3000ms'), { code: 'ETIMEDOUT' });
    const predict = model.wrap(() => {
      throw boom;
    });
    let caught: unknown;
    try {
      predict();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
    expect(backend.value(ERR, { model: 'lead-scoring', error_type: 'timeout' })).toBe(1);
    expect(backend.value(DUR, { model: 'lead-scoring' })).toBe(1);
    expect(backend.value(PRED)).toBe(0);
  });

  it('an async function returns the same promise object, resolved with the same value', async () => {
    const { model, backend } = lead();
    const value = { tier: 'warm' };
    const promise = Promise.resolve(value);
    const predict = model.wrap(() => promise, { outcome: (r) => r.tier });
    const out = predict();
    expect(out).toBe(promise);
    await expect(out).resolves.toBe(value);
    expect(backend.value(PRED, { outcome: 'warm' })).toBe(1);
  });

  it('a rejection reaches the caller with the same error object at the same microtask turn', async () => {
    const { model, backend } = lead();
    const err = new TypeError('bad input');
    const raw = () => Promise.reject(err);
    const unwrappedTicks = await ticksUntilSettled(raw());
    const wrapped = model.wrap(raw);
    const p = wrapped();
    const wrappedTicks = await ticksUntilSettled(p);
    expect(wrappedTicks).toBe(unwrappedTicks);
    await expect(p).rejects.toBe(err);
    expect(backend.value(ERR, { error_type: 'internal' })).toBe(1);
  });

  it('keeps the exact function type (sync stays sync, async stays async)', () => {
    const { model } = lead();
    const sync = model.wrap((a: number, b: string) => a + b.length);
    const asyncFn = model.wrap(async (a: number) => ({ tier: 'hot', a }));
    expectTypeOf(sync).toEqualTypeOf<(a: number, b: string) => number>();
    expectTypeOf(asyncFn).toEqualTypeOf<(a: number) => Promise<{ tier: string; a: number }>>();
    expect(sync(1, 'ab')).toBe(3);
  });

  it('never calls then() on a lazy thenable (it could run twice); counts it as not observed', async () => {
    const s = lead();
    let runs = 0;
    const lazy = {
      // biome-ignore lint/suspicious/noThenProperty: a lazy thenable is exactly what this test needs
      then(resolve: (v: number) => void) {
        runs++;
        resolve(1);
      },
    };
    const out = s.model.wrap(() => lazy)();
    expect(out).toBe(lazy);
    await Promise.resolve();
    expect(runs).toBe(0);
    expect(await out).toBe(1);
    expect(runs).toBe(1);
    expect(s.errors('model')).toBe(1);
    expect(s.backend.value(DUR)).toBe(0);
  });

  it('keeps `this` and the arguments', () => {
    const { model } = lead();
    const service = {
      bias: 0.5,
      predict(this: { bias: number }, a: number, b: number) {
        return this.bias + a + b;
      },
    };
    service.predict = model.wrap(service.predict);
    expect(service.predict(1, 2)).toBe(3.5);
  });

  it('a throwing extractor never reaches the host; it is counted', () => {
    const s = lead();
    const predict = s.model.wrap(() => 42, {
      score: () => {
        throw new Error('extractor bug');
      },
    });
    expect(predict()).toBe(42);
    expect(s.errors('model')).toBe(1);
    expect(s.backend.value(PRED, { outcome: 'none' })).toBe(1);
  });
});

describe('model instrument: bounded outcomes and error types', () => {
  it('declared outcomes exist at 0 from the start; undeclared ones become "other" and are counted', () => {
    const s = lead();
    const labels = s.backend.series(PRED).map((x) => x.labels.outcome);
    expect(labels.sort()).toEqual(['cold', 'hot', 'none', 'other', 'warm']);
    const predict = s.model.wrap((t: string) => t, { outcome: (r) => r });
    predict('lukewarm');
    predict('<script>');
    predict('cold');
    expect(s.backend.value(PRED, { outcome: 'other' })).toBe(2);
    expect(s.backend.value(PRED, { outcome: 'cold' })).toBe(1);
    expect(s.backend.series(PRED)).toHaveLength(5);
    expect(s.errors('model')).toBe(2);
  });

  it('classifies by code, name and status, never by message', () => {
    expect(defaultErrorClassifier(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(defaultErrorClassifier(Object.assign(new Error('y'), { code: 'ECONNREFUSED' }))).toBe(
      'connection',
    );
    expect(defaultErrorClassifier(Object.assign(new Error('z'), { status: 429 }))).toBe('rate_limited');
    expect(defaultErrorClassifier(new RangeError('timeout'))).toBe('internal');
    expect(defaultErrorClassifier(new Error('timeout while validating'))).toBe('error');
    expect(defaultErrorClassifier('timeout')).toBe('non_error');
    expect(defaultErrorClassifier(undefined)).toBe('non_error');
  });

  it('a user mapping by class name comes before the defaults; unknown classifier output is "other"', () => {
    const s = setup();
    class FeatureStoreError extends Error {}
    const model = createModelInstrument(s.glassbox, {
      name: 'risk',
      version: '1',
      errorTypes: { FeatureStoreError: 'feature_store' },
      classifyError: (e) => (e instanceof SyntaxError ? 'parse_failure_with_random_id_123' : undefined),
    });
    const fail = model.wrap((e: unknown) => {
      throw e;
    });
    for (const e of [new FeatureStoreError('a'), new FeatureStoreError('b'), new SyntaxError('c')]) {
      expect(() => fail(e)).toThrow();
    }
    expect(s.backend.value(ERR, { error_type: 'feature_store' })).toBe(2);
    expect(s.backend.value(ERR, { error_type: 'other' })).toBe(1);
    expect(s.errors('model')).toBe(1);
  });
});

describe('model instrument: batches and start/end', () => {
  it('wrapBatch records the batch size and one prediction per item', async () => {
    const { model, backend } = lead();
    const predictMany = model.wrapBatch(
      async (xs: number[]) => xs.map((x) => ({ tier: x > 0.5 ? 'hot' : 'cold', p: x })),
      {
        outcome: (item) => (item as { tier: string }).tier,
        score: (item) => (item as { p: number }).p,
      },
    );
    const out = await predictMany([0.1, 0.7, 0.9]);
    expect(out).toHaveLength(3);
    const sizes = backend.distribution('ml_prediction_batch_size', { model: 'lead-scoring' });
    expect(sizes?.count).toBe(1);
    expect(sizes?.sum).toBe(3);
    expect(backend.value(PRED, { outcome: 'hot' })).toBe(2);
    expect(backend.value(PRED, { outcome: 'cold' })).toBe(1);
    expect(backend.value(DUR)).toBe(1);
    expect(backend.distribution('ml_prediction_score')?.count).toBe(3);
  });

  it('start() → end() / fail(); a second end is ignored and counted', () => {
    const s = lead();
    const h = s.model.start();
    h.end({ outcome: 'hot', score: 0.8 });
    h.end({ outcome: 'hot', score: 0.8 });
    s.model.start().fail(Object.assign(new Error('m'), { name: 'ValidationError' }));
    s.model.start().endBatch([{ outcome: 'cold' }, { outcome: 'warm', score: 0.2 }]);
    expect(s.backend.value(PRED, { outcome: 'hot' })).toBe(1);
    expect(s.backend.value(PRED)).toBe(3);
    expect(s.backend.value(ERR, { error_type: 'validation' })).toBe(1);
    expect(s.backend.value(DUR)).toBe(3);
    expect(s.errors('model')).toBe(1);
  });
});

describe('model instrument: version, quality, degradation', () => {
  it('a version switch leaves exactly one ml_model_info series, = 1', () => {
    const { model, backend } = lead();
    expect(backend.series('ml_model_info')).toEqual([
      { labels: { model: 'lead-scoring', model_version: '3.1.0' }, value: 1 },
    ]);
    model.setVersion('3.2.0');
    model.setVersion('3.2.0');
    expect(backend.series('ml_model_info')).toEqual([
      { labels: { model: 'lead-scoring', model_version: '3.2.0' }, value: 1 },
    ]);
    model.wrap(() => 1)();
    expect(backend.value(PRED, { model_version: '3.2.0' })).toBe(1);
    expect(model.version).toBe('3.2.0');
    model.close();
    expect(backend.series('ml_model_info')).toEqual([]);
  });

  it('counts a crossing into the degraded range once, direction aware, and again after recovery', () => {
    const s = setup();
    const model = createModelInstrument(s.glassbox, {
      name: 'forecast',
      version: '7',
      qualityBounds: { accuracy: { min: 0.8 }, brier: { max: 0.25 }, mape: { max: 0.2 } },
    });
    const degraded = (metric: string) =>
      s.backend.value('ml_performance_degraded_total', { model: 'forecast', metric });
    expect(degraded('accuracy')).toBe(0);
    for (const v of [0.9, 0.7, 0.6, 0.65]) model.setQuality('accuracy', v);
    expect(degraded('accuracy')).toBe(1);
    model.setQuality('accuracy', 0.85);
    model.setQuality('accuracy', 0.79);
    expect(degraded('accuracy')).toBe(2);
    expect(s.backend.value('ml_model_quality', { model: 'forecast', metric: 'accuracy' })).toBe(0.79);
    model.setQuality('brier', 0.1);
    model.setQuality('brier', 0.3);
    model.setQuality('mape', 0.1);
    expect(degraded('brier')).toBe(1);
    expect(degraded('mape')).toBe(0);
    model.setQuality('auc', 0.5); // no bound: recorded, never degraded
    expect(s.backend.value('ml_model_quality', { metric: 'auc' })).toBe(0.5);
    model.setQuality('Bad Name', 1);
    model.setQuality('accuracy', Number.NaN);
    expect(s.errors('model')).toBe(2);
  });

  it('rejects bad options at start-up', () => {
    const s = setup();
    expect(() => createModelInstrument(s.glassbox, { name: '', version: '1' })).toThrow(/model name/);
    expect(() => createModelInstrument(s.glassbox, { name: 'm', version: '1', outcomes: ['a\nb'] })).toThrow(
      /outcome/,
    );
    expect(() => createModelInstrument(s.glassbox, { name: 'm', version: '1', outcomes: [''] })).toThrow(
      /outcome/,
    );
    expect(createModelInstrument(s.glassbox, { name: 'm 2', version: '3.1.0+build.7' }).version).toBe(
      '3.1.0+build.7',
    );
    expect(() =>
      createModelInstrument(s.glassbox, { name: 'm', version: '1', qualityBounds: { accuracy: {} } }),
    ).toThrow(/min and\/or max/);
  });
});

describe('model instrument: prediction-score drift out of the box', () => {
  it('with a reference sample: "0.0 for everyone" is detected', () => {
    const { model, backend } = lead();
    const reference = Array.from({ length: 1000 }, (_, i) => (i + 0.5) / 1000);
    const drift = model.scoreDrift({ reference, minSamples: 100 });
    const predict = model.wrap((p: number) => p, { score: (r) => r });
    for (let i = 0; i < 500; i++) predict((i + 0.5) / 500);
    const ok = drift.check();
    expect(ok.drifted).toBe(false);
    for (let i = 0; i < 500; i++) predict(0);
    const bad = drift.check();
    expect(bad.drifted).toBe(true);
    expect(backend.value('ml_drift_checks_total', { model: 'lead-scoring' })).toBe(2);
    expect(backend.value('ml_drift_detections_total', { model: 'lead-scoring' })).toBe(1);
    const psi = backend.value('ml_drift_score', {
      model: 'lead-scoring',
      feature: 'prediction_score',
      method: 'psi',
    });
    expect(psi).toBeGreaterThan(0.2);
    expect(
      backend.value('ml_drift_score', { model: 'lead-scoring', feature: 'prediction_score', method: 'ks' }),
    ).toBeLessThan(1e-10);
  });

  it('without a reference: the first baselineSize scores become the reference', () => {
    const { model } = lead();
    const drift = model.scoreDrift({ baselineSize: 200, minSamples: 100 });
    const h = (p: number) => model.start().end({ score: p });
    for (let i = 0; i < 200; i++) h((i + 0.5) / 200);
    expect(drift.check().evaluated).toBe(false);
    expect(drift.reference().features.prediction_score?.type).toBe('numeric');
    for (let i = 0; i < 200; i++) h(((i * 7919) % 200) / 200 + 0.0025);
    expect(drift.check().drifted).toBe(false);
    for (let i = 0; i < 200; i++) h(0);
    expect(drift.check().drifted).toBe(true);
  });
});
