import {
  buildDriftReference,
  categoricalReference,
  createDriftMonitor,
  type DriftReference,
  EVIDENTLY_DRIFT_THRESHOLDS,
  numericReference,
  parseDriftReference,
} from '@glassbox/core';
import { chiSquareDrift, jensenShannonDistance, ks2samp, mulberry32, psi } from '@glassbox/core/stats';
import { afterEach, describe, expect, it, vi } from 'vitest';
// Internal: the calibration's one-pass statistics must equal the public functions a check uses.
import { binnedStatistics } from '../../src/instruments/drift-calibration.js';
import { seeded, setup } from './helpers.js';

const uniform = (n: number, lo = 0, hi = 1) =>
  Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / n);

describe('references', () => {
  it('numeric: decile edges, proportions, a sorted sample and the population std; JSON round trip', () => {
    const values = uniform(10_000, 0, 100);
    const ref = numericReference(values, { sampleSize: 500 });
    expect(ref.edges).toHaveLength(11);
    expect(ref.edges[0]).toBeCloseTo(0.005, 9);
    expect(ref.edges[10]).toBeCloseTo(99.995, 9);
    for (const p of ref.proportions) expect(p).toBeCloseTo(0.1, 3);
    expect(ref.sample).toHaveLength(500);
    expect(ref.sample?.[0]).toBe(values[0]);
    expect(ref.sample?.[499]).toBe(values[9999]);
    expect(ref.count).toBe(10_000);
    expect(ref.std).toBeCloseTo(100 / Math.sqrt(12), 2);
    const shipped = JSON.stringify(
      buildDriftReference(
        {
          numeric: { x: values },
          categorical: { c: Array.from({ length: 100 }, (_, i) => (i % 2 ? 'b' : 'a')) },
        },
        { replicates: 0 },
      ),
    );
    const parsed = parseDriftReference(shipped);
    expect(parsed.features.x).toEqual(JSON.parse(shipped).features.x);
    expect(parsed.features.c).toEqual({
      type: 'categorical',
      categories: ['a', 'b'],
      proportions: [0.5, 0.5],
      count: 100,
    });
  });

  it('categorical: most frequent categories first; the rest is the implicit "other" share', () => {
    const values = ['a', 'a', 'a', 'b', 'b', 'c', 'd', 'e', 'f', 'g'];
    const ref = categoricalReference(
      Array.from({ length: 100 }, (_, i) => values[i % 10] as string),
      { maxCategories: 2 },
    );
    expect(ref.categories).toEqual(['a', 'b']);
    expect(ref.proportions).toEqual([0.3, 0.2]);
  });

  it('a constant reference still bins values below, at and above it', () => {
    const ref = numericReference(new Array(100).fill(5));
    expect(ref.proportions).toEqual([0, 1, 0]);
  });

  it('parse rejects malformed references with a clear error', () => {
    expect(() => parseDriftReference('{"version":2,"features":{}}')).toThrow(/version/);
    expect(() =>
      parseDriftReference({
        version: 1,
        features: { x: { type: 'numeric', edges: [0, 1], proportions: [0.5] } },
      }),
    ).toThrow(/sum to 1/);
    expect(() =>
      parseDriftReference({
        version: 1,
        features: { x: { type: 'numeric', edges: [1, 0], proportions: [1] } },
      }),
    ).toThrow(/strictly increasing/);
    expect(() => parseDriftReference({ version: 1, features: { x: { type: 'text' } } })).toThrow(
      /feature "x"/,
    );
    const binned = { type: 'numeric', edges: [0, 1, 2], proportions: [0.5, 0.5] };
    expect(() => parseDriftReference({ version: 1, features: { x: binned } })).toThrow(
      /count \(the number of values it was built from, at least 100\) is required/,
    );
    expect(() => parseDriftReference({ version: 1, features: { x: { ...binned, count: 40 } } })).toThrow(
      /needs at least 100 values for its false-alarm calibration \(got 40\)/,
    );
    expect(() =>
      parseDriftReference({
        version: 1,
        features: {
          x: {
            ...binned,
            count: 400,
            calibration: { replicates: 10, seed: 1, sizes: [10], fits: { psi: [[1]] } },
          },
        },
      }),
    ).toThrow(/calibration.fits.psi/);
  });

  it("the calibration's simulated scores are computed exactly as a check computes them (PSI, JS², chi-square)", () => {
    const random = mulberry32(9);
    for (let t = 0; t < 200; t++) {
      const k = 2 + (t % 9);
      // counts with empty bins on either side, as small windows and rare categories give
      const ref = Float64Array.from({ length: k }, () => (random() < 0.15 ? 0 : Math.floor(random() * 50)));
      const cur = Float64Array.from({ length: k }, () => (random() < 0.2 ? 0 : Math.floor(random() * 30)));
      ref[0] = (ref[0] as number) + 1;
      cur[1] = (cur[1] as number) + 1;
      const fused = binnedStatistics(ref, cur);
      expect(fused.psi).toBeCloseTo(psi(ref, cur), 10);
      expect(fused.js2).toBeCloseTo(jensenShannonDistance(ref, cur) ** 2, 10);
      expect(fused.chi2 / chiSquareDrift(ref, cur).statistic).toBeCloseTo(1, 10);
    }
  });

  it('a reference too small for its calibration is refused when built, saying how many values it needs', () => {
    expect(() => numericReference(uniform(99))).toThrow(
      'Glassbox drift: a numeric reference with 10 bins needs at least 100 values for its false-alarm calibration (got 99); build it from more values',
    );
    expect(() => numericReference(uniform(150), { bins: 20 })).toThrow(
      /with 20 bins needs at least 200 values/,
    );
    expect(() => categoricalReference(['a', 'b'])).toThrow(
      /categorical reference needs at least 100 values .*\(got 2\)/,
    );
    expect(() => buildDriftReference({ numeric: { age: uniform(10) } })).toThrow(
      /feature "age": a numeric reference/,
    );
    // NaN and missing values do not count towards the minimum
    expect(() => numericReference([...uniform(99), Number.NaN, Number.NaN])).toThrow(/got 99/);
  });

  it('the calibration is stored in the JSON, deterministic, and the same one the monitor computes for a reference without it', () => {
    const values = uniform(3000, 0, 10);
    const stored = numericReference(values, { replicates: 500 });
    const fits = stored.calibration?.fits;
    expect(stored.calibration?.sizes[0]).toBe(10);
    expect(Object.keys(fits ?? {}).sort()).toEqual(['chi2', 'js', 'psi', 'wasserstein']);
    expect(fits?.psi).toHaveLength(stored.calibration?.sizes.length ?? 0);
    expect(numericReference(values, { replicates: 500 })).toEqual(stored);
    expect(
      parseDriftReference(JSON.parse(JSON.stringify({ version: 1, features: { x: stored } }))).features.x,
    ).toEqual(stored);
    const bare = numericReference(values, { replicates: 0 });
    expect(bare.calibration).toBeUndefined();
    const m = createDriftMonitor(setup().glassbox, {
      model: 'm',
      reference: { version: 1, features: { x: bare } },
    });
    expect(m.reference().features.x?.calibration).toEqual(numericReference(values).calibration);
  });
});

describe('drift monitor', () => {
  afterEach(() => vi.useRealTimers());

  // Built (and calibrated) once: the monitors below share it.
  const reference = buildDriftReference({
    numeric: { age: uniform(2000, 18, 80) },
    categorical: {
      plan: [...Array(600).fill('free'), ...Array(300).fill('pro'), ...Array(100).fill('team')],
    },
  });

  function monitor(extra: Partial<Parameters<typeof createDriftMonitor>[1]> = {}) {
    const s = setup();
    const m = createDriftMonitor(s.glassbox, {
      model: 'churn',
      reference,
      methods: { numeric: ['psi', 'ks', 'js', 'wasserstein'], categorical: ['psi', 'js', 'chi2'] },
      random: seeded(1),
      ...extra,
    });
    return { ...s, m, reference };
  }

  it('exports every threshold in use at creation (fixed ones as given, calibrated ones at minSamples), and every decision as 0', () => {
    const { backend } = monitor({
      thresholds: { psi: 0.2 },
      features: { age: { thresholds: { ks: EVIDENTLY_DRIFT_THRESHOLDS.ks } } },
    });
    const t = (feature: string, method: string) =>
      backend.value('ml_drift_threshold', { model: 'churn', feature, method });
    expect(t('age', 'psi')).toBe(0.2);
    expect(t('age', 'ks')).toBe(0.05);
    // 4 calibrated tests (age: js, wasserstein; plan: js, chi2 — psi is fixed everywhere): Holm starts at 0.005 / 4
    expect(t('plan', 'chi2')).toBeCloseTo(0.00125, 12);
    expect(t('age', 'wasserstein')).toBeGreaterThan(0.05);
    expect(t('age', 'wasserstein')).toBeLessThan(1);
    expect(backend.series('ml_drift_threshold')).toHaveLength(7);
    expect(backend.series('ml_drift_detected')).toHaveLength(7);
    expect(backend.value('ml_drift_detected', { model: 'churn', feature: 'age', method: 'ks' })).toBe(0);
    expect(backend.value('ml_drift_checks_total', { model: 'churn' })).toBe(0);
  });

  it('no drift on data from the reference distribution; scores equal the pure functions on the same data', () => {
    const { m, backend, reference } = monitor({ resetAfterCheck: false });
    const ages = uniform(500, 18, 80);
    const plans = [...Array(300).fill('free'), ...Array(150).fill('pro'), ...Array(50).fill('team')];
    for (let i = 0; i < 500; i++) m.observe({ age: ages[i], plan: plans[i] });
    const r = m.check();
    expect(r.evaluated).toBe(true);
    expect(r.drifted).toBe(false);
    const ageRef = reference.features.age as unknown as {
      edges: number[];
      proportions: number[];
      sample: number[];
    };
    const counts = new Array(ageRef.proportions.length).fill(0);
    for (const a of ages) {
      let b = 0;
      while (b < ageRef.edges.length - 2 && a >= (ageRef.edges[b + 1] as number)) b++;
      counts[b]++;
    }
    const score = (feature: string, method: string) =>
      backend.value('ml_drift_score', { model: 'churn', feature, method });
    expect(score('age', 'psi')).toBeCloseTo(psi(ageRef.proportions, counts), 12);
    // 500 values < windowSize 1000: the reservoir holds the whole window, so KS is exact on it.
    expect(score('age', 'ks')).toBeCloseTo(ks2samp(ageRef.sample, ages).pvalue, 12);
    expect(score('plan', 'psi')).toBeCloseTo(0, 12);
    expect(backend.value('ml_drift_checks_total', { model: 'churn' })).toBe(1);
    expect(backend.value('ml_drift_detections_total', { model: 'churn' })).toBe(0);
  });

  it('detects a shifted numeric feature and a new category; counts one detection per check', () => {
    const { m, backend } = monitor();
    for (let i = 0; i < 400; i++) m.observe({ age: 60 + (i % 20), plan: i % 2 ? 'enterprise' : 'free' });
    const r = m.check();
    expect(r.drifted).toBe(true);
    const hits = r.scores.filter((s) => s.drifted).map((s) => `${s.feature}:${s.method}`);
    expect(hits).toEqual(
      expect.arrayContaining(['age:psi', 'age:ks', 'age:wasserstein', 'plan:psi', 'plan:chi2', 'plan:js']),
    );
    const ks = r.scores.find((s) => s.method === 'ks');
    expect(ks?.score).toBeLessThan(0.05);
    expect(ks?.statistic).toBeGreaterThan(0.5);
    expect(r.driftedFeatures).toEqual(['age', 'plan']);
    expect(backend.value('ml_drift_detections_total', { model: 'churn' })).toBe(1);
    expect(backend.value('ml_drift_detected', { model: 'churn', feature: 'age', method: 'ks' })).toBe(1);
    expect(backend.value('ml_drift_detected', { model: 'churn', feature: 'plan', method: 'chi2' })).toBe(1);
    // windows are tumbling: the next check has nothing to score and is not counted
    expect(m.check()).toMatchObject({ evaluated: false, skipped: ['age', 'plan'] });
    expect(backend.value('ml_drift_checks_total', { model: 'churn' })).toBe(1);
  });

  it('skips features below minSamples and keeps their window', () => {
    const { m } = monitor({ minSamples: 50 });
    for (let i = 0; i < 49; i++) m.observeValue('age', 30);
    expect(m.check().skipped).toContain('age');
    expect(m.windowStats().age?.seen).toBe(49);
    m.observeValue('age', 30);
    expect(m.check().scores.some((s) => s.feature === 'age')).toBe(true);
  });

  it('1,000,000 values leave the window at a fixed size (reservoir and bin counts)', () => {
    const { m } = monitor({ windowSize: 1000, resetAfterCheck: false });
    const rnd = seeded(42);
    for (let i = 0; i < 1_000_000; i++) {
      m.observeValue('age', 18 + rnd() * 62);
      m.observeValue('plan', i % 7 === 0 ? `new-${i}` : 'free');
    }
    const stats = m.windowStats();
    expect(stats.age).toEqual({ seen: 1_000_000, retained: 1000, capacity: 1000, bins: 10 });
    // three reference categories + one "other" bucket, whatever the number of distinct values seen
    expect(stats.plan).toEqual({ seen: 1_000_000, retained: 0, capacity: 0, bins: 4 });
    // the reservoir is a uniform sample: its KS distance to the stream's distribution is small
    const r = m.check();
    expect(r.scores.find((s) => s.feature === 'age' && s.method === 'ks')?.drifted).toBe(false);
  });

  it('drops unknown features and bad values without throwing, and counts them', () => {
    const { m, errors } = monitor();
    m.observe({ nope: 1, age: Number.NaN, plan: null });
    m.observeValue('age', 'forty');
    // @ts-expect-error a wrong call at runtime must not throw
    m.observe(null);
    expect(errors('drift')).toBe(5);
    expect(m.windowStats().age?.seen).toBe(0);
  });

  it('validates options at creation', () => {
    const s = setup();
    const binnedOnly: DriftReference = {
      version: 1,
      features: { x: { type: 'numeric', edges: [0, 1, 2], proportions: [0.5, 0.5], count: 1000 } },
    };
    expect(() => createDriftMonitor(s.glassbox, { model: 'm', reference: binnedOnly })).toThrow(
      /"ks" needs a reference sample/,
    );
    expect(() =>
      createDriftMonitor(s.glassbox, {
        model: 'm',
        reference: binnedOnly,
        methods: { numeric: ['psi', 'js', 'chi2'] },
      }),
    ).not.toThrow();
    const cat = buildDriftReference({ categorical: { c: new Array(100).fill('a') } });
    expect(() =>
      createDriftMonitor(setup().glassbox, { model: 'm', reference: cat, methods: { categorical: ['ks'] } }),
    ).toThrow(/categorical/);
    expect(() =>
      createDriftMonitor(setup().glassbox, { model: 'm', reference: cat, thresholds: { psi: -1 } }),
    ).toThrow(/thresholds.psi/);
    const decision = (d: object) => () =>
      createDriftMonitor(setup().glassbox, { model: 'm', reference: cat, decision: d as never });
    expect(decision({ rule: 'any' })).toThrow(/decision.rule/);
    expect(decision({ alpha: 0 })).toThrow(/decision.alpha/);
    expect(decision({ share: 1.5 })).toThrow(/decision.share/);
    expect(decision({ alpah: 0.01 })).toThrow(/decision.alpah is not an option/);
  });

  it('start() checks on an unref’d interval until stop()', () => {
    vi.useFakeTimers();
    const { m, backend } = monitor({ minSamples: 1, intervalMs: 1000 });
    m.start();
    for (let i = 0; i < 10; i++) m.observeValue('plan', 'free');
    vi.advanceTimersByTime(1000);
    expect(backend.value('ml_drift_checks_total', { model: 'churn' })).toBe(1);
    m.observeValue('plan', 'free');
    vi.advanceTimersByTime(1000);
    expect(backend.value('ml_drift_checks_total', { model: 'churn' })).toBe(2);
    m.stop();
    m.observeValue('plan', 'free');
    vi.advanceTimersByTime(5000);
    expect(backend.value('ml_drift_checks_total', { model: 'churn' })).toBe(2);
  });

  it('the interval timer does not keep the process alive', () => {
    const spy = vi.spyOn(globalThis, 'setInterval');
    const { m } = monitor();
    m.start(60_000);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    m.stop();
    spy.mockRestore();
  });
});
