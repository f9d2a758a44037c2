/**
 * False-alarm rate and power of the drift decisions, by seeded simulation (a fixed
 * generator, so the counts are exact and reproducible). Under "no drift" every window
 * is drawn from the reference's own distribution; a check that decides "drift" is a
 * false alarm. The bound is 1 % per check and feature at every window size from
 * minSamples up; the power bounds are 90 % for a 0.5-SD mean shift at n = 300 and for
 * 10 points of probability mass moved between categories at n = 300.
 * bench/drift.mjs measures the same over 1000 checks per cell and more window sizes.
 */
import {
  buildDriftReference,
  createDriftMonitor,
  type DriftMethod,
  type DriftMonitorOptions,
  type DriftReference,
  EVIDENTLY_DRIFT_THRESHOLDS,
} from '@glassbox/core';
import { mulberry32, normalVariate } from '@glassbox/core/stats';
import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

const random = mulberry32(20_261_202);
const CATEGORIES = ['a', 'b', 'c', 'd'];
const P0 = [0.4, 0.3, 0.2, 0.1];
const P1 = [0.3, 0.3, 0.2, 0.2]; // 10 points of mass from the most to the least frequent category

function category(p: readonly number[]): string {
  const u = random();
  let c = 0;
  for (let i = 0; i < p.length; i++) {
    c += p[i] as number;
    if (u < c) return CATEGORIES[i] as string;
  }
  return CATEGORIES[p.length - 1] as string;
}

const numeric = (shift: number) => () => shift + normalVariate(random);
const categorical = (p: readonly number[]) => () => category(p);

// Built (and calibrated) once for the whole file.
const reference: DriftReference = buildDriftReference({
  numeric: { x: Array.from({ length: 10_000 }, numeric(0)) },
  categorical: { c: Array.from({ length: 10_000 }, categorical(P0)) },
});
const only = (feature: 'x' | 'c'): DriftReference => ({
  version: 1,
  features: { [feature]: reference.features[feature] as NonNullable<DriftReference['features'][string]> },
});

/** Share of `checks` checks of `n` values each that decided "drift". */
function driftRate(
  feature: 'x' | 'c',
  draw: () => unknown,
  n: number,
  checks: number,
  options: Partial<DriftMonitorOptions> = {},
): number {
  const m = createDriftMonitor(setup().glassbox, {
    model: 'm',
    reference: only(feature),
    random,
    ...options,
  });
  let hits = 0;
  for (let c = 0; c < checks; c++) {
    for (let i = 0; i < n; i++) m.observeValue(feature, draw());
    if (m.check().drifted) hits++;
  }
  return hits / checks;
}

const single = (method: DriftMethod) => ({ methods: { numeric: [method], categorical: [method] } });

describe('drift decisions: false-alarm rate ≤ 1 % per check and feature', () => {
  // The decision level is 0.005, so the expected rate is at most half the bound, and
  // with these counts of checks a rate over 1 % would mean a real excess, not noise.
  it.each([100, 300, 1000])(
    'default methods at n = %i: numeric (psi + ks) and categorical (psi + js)',
    (n) => {
      const checks = { 100: 1500, 300: 600, 1000: 300 }[n] as number;
      expect(driftRate('x', numeric(0), n, checks)).toBeLessThanOrEqual(0.01);
      expect(driftRate('c', categorical(P0), n, checks)).toBeLessThanOrEqual(0.01);
    },
  );

  it.each(['psi', 'ks', 'js', 'wasserstein', 'chi2'] as const)(
    'every method alone, at minSamples (n = 100): numeric %s',
    (method) => {
      expect(driftRate('x', numeric(0), 100, 2000, single(method))).toBeLessThanOrEqual(0.01);
    },
  );

  it.each(['psi', 'js', 'chi2'] as const)(
    'every method alone, at minSamples (n = 100): categorical %s',
    (method) => {
      expect(driftRate('c', categorical(P0), 100, 2000, single(method))).toBeLessThanOrEqual(0.01);
    },
  );

  it('the old defaults (fixed PSI 0.1, KS p < 0.05, JS 0.1) break the bound on the same data', () => {
    const old = { thresholds: EVIDENTLY_DRIFT_THRESHOLDS };
    expect(driftRate('x', numeric(0), 100, 300, old)).toBeGreaterThan(0.2);
    expect(driftRate('c', categorical(P0), 100, 300, old)).toBeGreaterThan(0.01);
  });
});

describe('drift decisions: power ≥ 90 % at n = 300', () => {
  it('a 0.5-SD mean shift of a numeric feature (default psi + ks)', () => {
    expect(driftRate('x', numeric(0.5), 300, 200)).toBeGreaterThanOrEqual(0.9);
  });

  it('10 points of probability mass moved between categories (default psi + js)', () => {
    expect(driftRate('c', categorical(P1), 300, 200)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('dataset-level decision over many features', () => {
  const FEATURES = 8;
  const many = buildDriftReference({
    numeric: Object.fromEntries(
      Array.from({ length: FEATURES }, (_, f) => [`f${f}`, Array.from({ length: 1000 }, numeric(0))]),
    ),
  });

  function run(options: Partial<DriftMonitorOptions>, shifted: number, checks: number) {
    const s = setup();
    const m = createDriftMonitor(s.glassbox, { model: 'm', reference: many, random, ...options });
    let hits = 0;
    for (let c = 0; c < checks; c++) {
      for (let f = 0; f < FEATURES; f++) {
        const draw = numeric(f < shifted ? 0.8 : 0);
        for (let i = 0; i < 150; i++) m.observeValue(`f${f}`, draw());
      }
      if (m.check().drifted) hits++;
    }
    const detections = s.backend.value('ml_drift_detections_total', { model: 'm' });
    return { rate: hits / checks, detections };
  }

  it('holm (default): ≤ 1 % false alarms for the model with 8 features × 2 methods; one shifted feature is found', () => {
    const quiet = run({}, 0, 300);
    expect(quiet.rate).toBeLessThanOrEqual(0.01);
    const one = run({}, 1, 30);
    expect(one.rate).toBeGreaterThanOrEqual(0.9);
    // ml_drift_detections_total counts dataset-level decisions, one per drifted check
    expect(one.detections).toBe(Math.round(one.rate * 30));
  });

  it('share: the model drifts only when at least `share` of its features did', () => {
    expect(run({ decision: { rule: 'share' } }, 1, 30).rate).toBe(0);
    expect(run({ decision: { rule: 'share' } }, 4, 30).rate).toBeGreaterThanOrEqual(0.9);
    expect(run({ decision: { rule: 'share', share: 0.1 } }, 1, 30).rate).toBeGreaterThanOrEqual(0.9);
  });

  it('the old defaults alarm on a large share of the quiet checks of an 8-feature model', () => {
    expect(run({ thresholds: EVIDENTLY_DRIFT_THRESHOLDS }, 0, 50).rate).toBeGreaterThan(0.2);
  });
});
