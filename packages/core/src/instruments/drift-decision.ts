/**
 * From per-test p-values to decisions: which (feature, method) tests of a check are
 * declared drifted, and whether the check as a whole (the model's dataset) drifted.
 */
import { holm } from '../stats/tests.js';

/**
 * How a check's tests become decisions.
 * - `holm`: Holm's step-down over every (feature, method) test of the check; the
 *   family-wise false-alarm rate is at most `alpha`, so both each feature's and the
 *   model's false-alarm rate per check are ≤ `alpha`. The model drifted when any test did.
 * - `bonferroni`: each test at `alpha / K` (K tests in the check); same guarantee, less power.
 * - `share`: each test at `alpha / m` (m methods of its feature), so each feature's
 *   false-alarm rate is ≤ `alpha`; the model drifted when at least `share` of the
 *   scored features drifted (Evidently's dataset drift, default share 0.5).
 */
export type DriftDecisionRule = 'holm' | 'bonferroni' | 'share';

/** Options of the dataset-level decision of {@link createDriftMonitor}. */
export interface DriftDecisionOptions {
  /** See {@link DriftDecisionRule}. @default 'holm' */
  readonly rule?: DriftDecisionRule;
  /** False-alarm rate per check that the rule guarantees (see {@link DriftDecisionRule}). @default 0.005 */
  readonly alpha?: number;
  /** `share` rule: the model drifted when at least this share of the scored features drifted. @default 0.5 */
  readonly share?: number;
}

/** Defaults of {@link DriftDecisionOptions}. */
export const DRIFT_DECISION_DEFAULTS = Object.freeze({
  rule: 'holm' as DriftDecisionRule,
  alpha: 0.005,
  share: 0.5,
});

/** Resolved decision options. */
export interface ResolvedDecision {
  readonly rule: DriftDecisionRule;
  readonly alpha: number;
  readonly share: number;
}

/** Validates decision options at start-up; throws naming the bad key. */
export function resolveDecision(options: DriftDecisionOptions | undefined): ResolvedDecision {
  if (options !== undefined && (options === null || typeof options !== 'object'))
    throw new TypeError('Glassbox drift: decision must be an object');
  for (const key of Object.keys(options ?? {}))
    if (!['rule', 'alpha', 'share'].includes(key))
      throw new TypeError(`Glassbox drift: decision.${key} is not an option`);
  const rule = options?.rule ?? DRIFT_DECISION_DEFAULTS.rule;
  if (rule !== 'holm' && rule !== 'bonferroni' && rule !== 'share')
    throw new TypeError(`Glassbox drift: decision.rule must be 'holm', 'bonferroni' or 'share'`);
  const alpha = options?.alpha ?? DRIFT_DECISION_DEFAULTS.alpha;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1))
    throw new RangeError('Glassbox drift: decision.alpha must be a number in (0, 1)');
  const share = options?.share ?? DRIFT_DECISION_DEFAULTS.share;
  if (typeof share !== 'number' || !(share > 0 && share <= 1))
    throw new RangeError('Glassbox drift: decision.share must be a number in (0, 1]');
  return { rule, alpha, share };
}

/** One test of a check, as the decision sees it. */
export interface DecisionInput {
  readonly feature: string;
  /** p-value of a calibrated test. */
  readonly pvalue: number;
  /** Decision of a fixed-threshold test (set only for methods with a fixed threshold; such tests bypass the correction). */
  readonly fixedHit?: boolean;
}

/** Decisions of a check. */
export interface DecisionOutput {
  /** Per input test: drifted or not. */
  readonly drifted: readonly boolean[];
  /** Per input test: the per-test level its score is compared with (NaN for fixed-threshold tests). */
  readonly levels: readonly number[];
  /** Features with at least one drifted test. */
  readonly driftedFeatures: readonly string[];
  /** Share of the scored features that drifted. */
  readonly share: number;
  /** The dataset-level decision. */
  readonly datasetDrift: boolean;
}

/** The per-test level of a calibrated test before the check's data is seen: alpha / K for holm and bonferroni, alpha / m for share. */
export function nominalLevel(
  decision: ResolvedDecision,
  testsInCheck: number,
  methodsOfFeature: number,
): number {
  return decision.alpha / Math.max(1, decision.rule === 'share' ? methodsOfFeature : testsInCheck);
}

/** Applies the decision rule to one check's tests. */
export function decide(decision: ResolvedDecision, tests: readonly DecisionInput[]): DecisionOutput {
  const calibrated = tests.map((t, i) => ({ t, i })).filter(({ t }) => t.fixedHit === undefined);
  const drifted = tests.map((t) => t.fixedHit === true);
  const levels = tests.map(() => Number.NaN);
  const perFeature = new Map<string, number>();
  for (const { t } of calibrated) perFeature.set(t.feature, (perFeature.get(t.feature) ?? 0) + 1);
  if (decision.rule === 'holm') {
    const rejected = holm(
      calibrated.map(({ t }) => t.pvalue),
      decision.alpha,
    );
    calibrated.forEach(({ i }, j) => {
      drifted[i] = rejected[j] as boolean;
    });
  }
  for (const { t, i } of calibrated) {
    const level = nominalLevel(decision, calibrated.length, perFeature.get(t.feature) ?? 1);
    levels[i] = level;
    if (decision.rule !== 'holm') drifted[i] = t.pvalue <= level;
  }
  const features = new Set(tests.map((t) => t.feature));
  const driftedFeatures = [...new Set(tests.filter((_, i) => drifted[i]).map((t) => t.feature))];
  const share = features.size === 0 ? 0 : driftedFeatures.length / features.size;
  const datasetDrift =
    decision.rule === 'share' ? features.size > 0 && share >= decision.share : driftedFeatures.length > 0;
  return { drifted, levels, driftedFeatures, share, datasetDrift };
}
