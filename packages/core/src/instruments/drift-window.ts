/**
 * A feature's window (bin counts and a reservoir sample) and the scoring of one
 * method on it: the score, its calibrated p-value, and its critical value at a level.
 */
import type { BoundGauge } from '../glassbox.js';
import { binIndex, jensenShannonDistance, normalizedWasserstein, psi } from '../stats/distances.js';
import { chiSquareDrift, ks2samp } from '../stats/tests.js';
import type { DriftMethod } from './drift.js';
import { calibratedCritical, calibratedPvalue, effectiveSize, nullFit } from './drift-calibration.js';
import { nominalLevel, type ResolvedDecision } from './drift-decision.js';
import type { CalibratedMethod, FeatureReference, NumericFeatureReference } from './drift-reference.js';

export interface MethodGauges {
  readonly score: BoundGauge;
  readonly threshold: BoundGauge;
  readonly detected: BoundGauge;
}

export interface FeatureState {
  readonly name: string;
  readonly ref: FeatureReference & { readonly count: number };
  readonly methods: readonly DriftMethod[];
  readonly fixed: Readonly<Partial<Record<DriftMethod, number>>>;
  readonly counts: Float64Array;
  readonly reservoir: Float64Array;
  readonly index: Map<string, number> | undefined;
  readonly refBins: Float64Array;
  readonly gauges: ReadonlyMap<DriftMethod, MethodGauges>;
  size: number;
  seen: number;
}

/** Adds one value to a feature's window; returns an error message when the value is dropped. */
export function addValue(state: FeatureState, value: unknown, random: () => number): string | undefined {
  if (state.ref.type === 'numeric') {
    if (typeof value !== 'number' || !Number.isFinite(value))
      return 'non-finite or non-numeric value for a numeric feature; dropped';
    const b = binIndex(state.ref.edges, value);
    state.counts[b] = (state.counts[b] as number) + 1;
    state.seen++;
    const cap = state.reservoir.length;
    if (cap === 0) return undefined;
    if (state.size < cap) state.reservoir[state.size++] = value;
    else {
      const j = Math.floor(random() * state.seen);
      if (j < cap) state.reservoir[j] = value;
    }
    return undefined;
  }
  if (value === undefined || value === null) return 'missing value for a categorical feature; dropped';
  const i = (state.index as Map<string, number>).get(String(value)) ?? state.counts.length - 1;
  state.counts[i] = (state.counts[i] as number) + 1;
  state.seen++;
  return undefined;
}

/** A scored test before the decision: its score, p-value and how to turn a level into its critical score. */
export interface Measured {
  readonly score: number;
  readonly statistic?: number;
  readonly pvalue: number;
  readonly samples: number;
  critical(level: number): number;
}

function calibratedMeasure(
  state: FeatureState,
  method: CalibratedMethod,
  n: number,
  fitted: number,
  toScore: (fittedCritical: number) => number,
): Pick<Measured, 'pvalue' | 'critical'> {
  const fit = nullFit(state.ref.calibration as NonNullable<FeatureReference['calibration']>, method, n);
  const ne = effectiveSize(n, state.ref.count);
  return {
    pvalue: calibratedPvalue(fit, ne, fitted),
    critical: (level) => toScore(calibratedCritical(fit, ne, level)),
  };
}

export function measure(state: FeatureState, method: DriftMethod): Measured {
  const n = state.seen;
  const level = (l: number) => l;
  switch (method) {
    case 'psi': {
      const score = psi(state.refBins, state.counts);
      return { score, samples: n, ...calibratedMeasure(state, 'psi', n, score, (c) => c) };
    }
    case 'js': {
      const score = jensenShannonDistance(state.refBins, state.counts);
      return { score, samples: n, ...calibratedMeasure(state, 'js', n, score * score, Math.sqrt) };
    }
    case 'chi2': {
      const r = chiSquareDrift(state.refBins, state.counts);
      const { pvalue } = calibratedMeasure(state, 'chi2', n, r.statistic / n, level);
      return { score: pvalue, statistic: r.statistic, pvalue, samples: n, critical: level };
    }
    case 'ks': {
      const ref = state.ref as NumericFeatureReference;
      const r = ks2samp(ref.sample as readonly number[], state.reservoir.subarray(0, state.size));
      return {
        score: r.pvalue,
        statistic: r.statistic,
        pvalue: r.pvalue,
        samples: state.size,
        critical: level,
      };
    }
    case 'wasserstein': {
      const ref = state.ref as NumericFeatureReference;
      const window = state.reservoir.subarray(0, state.size);
      const score = normalizedWasserstein(ref.sample as readonly number[], window, ref.std);
      return {
        score,
        samples: state.size,
        ...calibratedMeasure(state, 'wasserstein', state.size, score * score, Math.sqrt),
      };
    }
  }
}

/** The threshold exported before any check: the critical score at `minSamples` values and the nominal level. */
export function initialThreshold(
  state: FeatureState,
  method: DriftMethod,
  config: { readonly decision: ResolvedDecision; readonly minSamples: number; readonly windowSize: number },
  tests: number,
): number {
  const fixed = state.fixed[method];
  if (fixed !== undefined) return fixed;
  const calibratedMethods = state.methods.filter((m) => state.fixed[m] === undefined).length;
  const level = nominalLevel(config.decision, tests, calibratedMethods);
  if (method === 'ks' || method === 'chi2') return level;
  const n = method === 'wasserstein' ? Math.min(config.minSamples, config.windowSize) : config.minSamples;
  const fit = nullFit(state.ref.calibration as NonNullable<FeatureReference['calibration']>, method, n);
  const critical = calibratedCritical(fit, effectiveSize(n, state.ref.count), level);
  return method === 'psi' ? critical : Math.sqrt(critical);
}

export function resetWindow(state: FeatureState): void {
  state.counts.fill(0);
  state.size = 0;
  state.seen = 0;
}
