/** Alert rows of the drift group. */
import { type AlertRow, newEvents } from '../alert-kit.js';
import { num } from '../context.js';
import { series } from '../rules-model.js';

/** ModelDriftDetected. */
export const modelDriftDetected: AlertRow = {
  name: 'ModelDriftDetected',
  group: 'glassbox-drift',
  needs: 'drift',
  expr: (k) => newEvents(k.ctx.by('model'), k.ctx.sel('ml_drift_detections_total'), '1h'),
  summary: (k) => `${k.who}: drift detected for model ${k.lbl('model')}`,
  description: (k) =>
    `A drift check of model ${k.lbl('model')} found at least one feature over its threshold in the last hour.`,
  runbook: (k) => ({
    meaning: 'A drift check found features whose distribution moved past the threshold (PSI, KS, ...).',
    queries: [
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

/** DriftScoreAboveThreshold. */
export const driftScoreAboveThreshold: AlertRow = {
  name: 'DriftScoreAboveThreshold',
  group: 'glassbox-drift',
  needs: 'drift',
  expr: (k) => {
    const by = k.ctx.by('model', 'feature', 'method');
    const s = `max by (${by}) (${k.ctx.sel('ml_drift_score')})`;
    const th = `max by (${by}) (${k.ctx.sel('ml_drift_threshold')})`;
    return `${s} > ${th}\nor\n(${s} > ${num(k.cfg.defaultDriftThreshold)} unless ${th})`;
  },
  summary: (k) => `${k.who}: feature ${k.lbl('feature')} of model ${k.lbl('model')} drifted`,
  description: (k) =>
    `The ${k.lbl('method')} drift score of feature ${k.lbl('feature')} (model ${k.lbl('model')}) is above its threshold (ml_drift_threshold, or ${num(k.cfg.defaultDriftThreshold)} when none is exported).`,
  runbook: (k) => ({
    meaning: 'A feature’s drift score stays above its threshold.',
    queries: [
      {
        title: 'Score vs threshold',
        expr: `${k.ctx.sel('ml_drift_score', '', `${k.ctx.l('feature')}="<feature>"`)} or ${k.ctx.sel('ml_drift_threshold', '', `${k.ctx.l('feature')}="<feature>"`)}`,
      },
    ],
    causes: ['Population change.', 'A broken feature (constant, null, unit change).'],
    actions: ['Check the feature pipeline; retrain when the change is real.'],
  }),
  fire: (k) => {
    const l = { model: 'risk-scoring', feature: 'deal_size', method: 'psi' };
    return [
      {
        name: 'PSI 0.35 over threshold 0.2',
        series: [
          series(k.ctx, 'ml_drift_score', l, '0.35x90'),
          series(k.ctx, 'ml_drift_threshold', l, '0.2x90'),
        ],
        labels: {
          ...k.scope,
          [k.model]: 'risk-scoring',
          [k.ctx.l('feature')]: 'deal_size',
          [k.ctx.l('method')]: 'psi',
        },
      },
    ];
  },
  silent: (k) => {
    const l = { model: 'risk-scoring', feature: 'deal_size', method: 'psi' };
    return [
      {
        name: 'PSI 0.1 under threshold 0.2',
        series: [
          series(k.ctx, 'ml_drift_score', l, '0.1x90'),
          series(k.ctx, 'ml_drift_threshold', l, '0.2x90'),
        ],
      },
    ];
  },
};
