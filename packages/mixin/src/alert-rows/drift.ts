/** Alert rows of the drift group. */
import { type AlertRow, newEvents } from '../alert-kit.js';
import { series, type TestCase, type TestSeries } from '../rules-model.js';

/** ModelDriftDetected. */
export const modelDriftDetected: AlertRow = {
  name: 'ModelDriftDetected',
  group: 'glassbox-drift',
  needs: 'drift',
  metric: 'ml_drift_detections_total',
  expr: (k) => newEvents(k.ctx.by('model'), k.ctx.sel('ml_drift_detections_total'), '1h'),
  summary: (k) => `${k.who}: drift detected for model ${k.lbl('model')}`,
  description: (k) =>
    `A drift check of model ${k.lbl('model')} decided that its data drifted in the last hour.`,
  runbook: (k) => ({
    meaning: `A drift check decided that the model's input data drifted (counted by \`${k.ctx.m('ml_drift_detections_total')}\`); the per-feature decisions, scores and thresholds show which features moved (PSI, KS, ...).`,
    queries: [
      { title: 'Features decided drifted', expr: `${k.ctx.sel('ml_drift_detected')} == 1` },
      { title: 'Drift scores', expr: `${k.ctx.sel('ml_drift_score')}` },
      { title: 'Thresholds', expr: `${k.ctx.sel('ml_drift_threshold')}` },
    ],
    causes: [
      'Real change in the population (season, new market).',
      'An upstream data bug.',
      'A stale reference window.',
    ],
    actions: [
      'Look at the drift dashboard per feature; retrain or fix the pipeline; see model-monitoring runbook.',
    ],
  }),
  fire: (k) => [
    {
      name: 'a detection every minute',
      series: [series(k.ctx, 'ml_drift_detections_total', { model: 'risk-scoring' }, k.counter(1))],
      labels: { ...k.scope, [k.model]: 'risk-scoring' },
    },
    {
      name: 'first detection of a new series',
      series: [series(k.ctx, 'ml_drift_detections_total', { model: 'risk-scoring' }, '_x10 1x30')],
      evalTime: '25m',
      labels: { ...k.scope, [k.model]: 'risk-scoring' },
    },
  ],
  silent: (k) => [
    {
      name: 'no detections',
      series: [series(k.ctx, 'ml_drift_detections_total', { model: 'risk-scoring' }, '0x90')],
    },
  ],
};

/** One drift method's scenario: its score and threshold, and the decision the service took. */
interface MethodCase {
  readonly method: string;
  readonly score: number;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly note: string;
}

/**
 * Per method, a drifted and a healthy check. KS and chi-squared scores are p-values
 * (drift is a score *below* the threshold), the others are distances (drift is above):
 * the alert must follow the decision either way.
 */
const METHOD_CASES: readonly MethodCase[] = [
  { method: 'psi', score: 0.35, threshold: 0.2, drifted: true, note: 'PSI 0.35 above 0.2' },
  { method: 'ks', score: 0.001, threshold: 0.05, drifted: true, note: 'KS p-value 0.001 below 0.05' },
  { method: 'js', score: 0.3, threshold: 0.1, drifted: true, note: 'JS 0.3 above 0.1' },
  { method: 'wasserstein', score: 0.5, threshold: 0.1, drifted: true, note: 'Wasserstein 0.5 above 0.1' },
  { method: 'chi2', score: 0.0001, threshold: 0.05, drifted: true, note: 'chi2 p-value 0.0001 below 0.05' },
  { method: 'psi', score: 0.1, threshold: 0.2, drifted: false, note: 'PSI 0.1 below 0.2' },
  { method: 'ks', score: 0.8, threshold: 0.05, drifted: false, note: 'KS p-value 0.8 above 0.05' },
  { method: 'js', score: 0.02, threshold: 0.1, drifted: false, note: 'JS 0.02 below 0.1' },
  { method: 'wasserstein', score: 0.05, threshold: 0.1, drifted: false, note: 'Wasserstein 0.05 below 0.1' },
  { method: 'chi2', score: 0.6, threshold: 0.05, drifted: false, note: 'chi2 p-value 0.6 above 0.05' },
];

function methodSeries(k: Parameters<AlertRow['fire']>[0], c: MethodCase): TestSeries[] {
  const l = { model: 'risk-scoring', feature: 'deal_size', method: c.method };
  return [
    series(k.ctx, 'ml_drift_detected', l, `${c.drifted ? 1 : 0}x90`),
    series(k.ctx, 'ml_drift_score', l, `${c.score}x90`),
    series(k.ctx, 'ml_drift_threshold', l, `${c.threshold}x90`),
  ];
}

const caseName = (c: MethodCase) =>
  `${c.method}: ${c.note}, decided ${c.drifted ? 'drifted' : 'not drifted'}`;

/** FeatureDriftDetected: the service decided a feature drifted, by whichever method. */
export const featureDriftDetected: AlertRow = {
  name: 'FeatureDriftDetected',
  group: 'glassbox-drift',
  needs: 'drift',
  metric: 'ml_drift_detected',
  expr: (k) => `max by (${k.ctx.by('model', 'feature')}) (${k.ctx.sel('ml_drift_detected')}) == 1`,
  summary: (k) => `${k.who}: feature ${k.lbl('feature')} of model ${k.lbl('model')} drifted`,
  description: (k) =>
    `The latest drift check of model ${k.lbl('model')} decided that feature ${k.lbl('feature')} drifted (${k.ctx.m('ml_drift_detected')} = 1).`,
  runbook: (k) => {
    const f = `${k.ctx.l('feature')}="<feature>"`;
    return {
      meaning: `The service's drift check decided that the feature's distribution moved (\`${k.ctx.m('ml_drift_detected')}\` is 1). The decision follows each method's direction: distances (PSI, JS, Wasserstein) drift above their threshold, p-values (KS, chi-squared) below it.`,
      queries: [
        { title: 'Decision by method', expr: `${k.ctx.sel('ml_drift_detected', '', f)}` },
        {
          title: 'Score vs threshold',
          expr: `${k.ctx.sel('ml_drift_score', '', f)} or ${k.ctx.sel('ml_drift_threshold', '', f)}`,
        },
      ],
      causes: ['Population change.', 'A broken feature (constant, null, unit change).'],
      actions: ['Check the feature pipeline; retrain when the change is real.'],
    };
  },
  fire: (k) =>
    METHOD_CASES.filter((c) => c.drifted).map((c) => ({
      name: caseName(c),
      series: methodSeries(k, c),
      labels: { ...k.scope, [k.model]: 'risk-scoring', [k.ctx.l('feature')]: 'deal_size' },
    })),
  silent: (k): TestCase[] =>
    METHOD_CASES.filter((c) => !c.drifted).map((c) => ({ name: caseName(c), series: methodSeries(k, c) })),
};
