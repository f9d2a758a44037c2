/** Alert rows of the model group. */
import { type AlertRow, ms, newEvents, pct } from '../alert-kit.js';
import { leMatcher, leValue, num } from '../context.js';
import { allIn, histogramSeries, series } from '../rules-model.js';

const pdur = 'ml_prediction_duration_seconds';
const score = 'ml_prediction_score';

/** ModelPredictionErrors. */
export const modelPredictionErrors: AlertRow = {
  name: 'ModelPredictionErrors',
  group: 'glassbox-model',
  needs: 'model',
  metric: 'ml_prediction_errors_total',
  expr: (k, t) =>
    `sum by (${k.ctx.by('model')}) (rate(${k.ctx.sel('ml_prediction_errors_total')}[5m]))\n> ${num(t)}`,
  summary: (k) => `${k.who}: model ${k.lbl('model')} fails predictions`,
  description: (k, t) => `Model ${k.lbl('model')} fails more than ${num(t)} predictions per second.`,
  runbook: (k) => ({
    meaning: `Prediction calls raise errors (classified by \`${k.ctx.l('error_type')}\`).`,
    queries: [
      {
        title: 'Errors by type',
        expr: `sum by (${k.model}, ${k.ctx.l('error_type')}) (rate(${k.ctx.sel('ml_prediction_errors_total')}[5m]))`,
      },
    ],
    causes: [
      'The model endpoint is down or times out.',
      'Input validation fails after an upstream schema change.',
      'A model artifact failed to load after a rollout.',
    ],
    actions: [
      'Check the model endpoint health; roll back the model version if errors started with a rollout.',
    ],
  }),
  fire: (k) => [
    {
      name: '0.1 errors per second',
      series: [
        series(
          k.ctx,
          'ml_prediction_errors_total',
          { model: 'risk-scoring', error_type: 'timeout' },
          k.counter(6),
        ),
      ],
      labels: { ...k.scope, [k.model]: 'risk-scoring' },
    },
  ],
  silent: (k) => [
    {
      name: 'no errors',
      series: [
        series(k.ctx, 'ml_prediction_errors_total', { model: 'risk-scoring', error_type: 'timeout' }, '0x90'),
      ],
    },
  ],
};

/** SlowModelPredictions. */
export const slowModelPredictions: AlertRow = {
  name: 'SlowModelPredictions',
  group: 'glassbox-model',
  needs: 'model',
  metric: 'ml_prediction_duration_seconds',
  expr: (k, t) =>
    `histogram_quantile(0.95, sum by (${k.ctx.by('model')}, le) (rate(${k.ctx.sel(pdur, '_bucket')}[5m])))\n> ${num(t)}`,
  summary: (k) => `${k.who}: model ${k.lbl('model')} p95 prediction latency over its SLO`,
  description: (k, t) =>
    `The 95th percentile of prediction latency of model ${k.lbl('model')} is above ${ms(t)}.`,
  runbook: (k, t) => ({
    meaning: `The prediction p95 is above the ${ms(t)} SLO.`,
    queries: [
      {
        title: 'p95 / p99 by model',
        expr: `histogram_quantile(0.95, sum by (${k.model}, le) (rate(${k.ctx.sel(pdur, '_bucket')}[5m])))`,
      },
      {
        title: 'Batch size p95',
        expr: `histogram_quantile(0.95, sum by (${k.model}, le) (rate(${k.ctx.sel('ml_prediction_batch_size', '_bucket')}[5m])))`,
      },
    ],
    causes: [
      'A larger model version or larger batches.',
      'CPU throttling or a cold model endpoint (scale-to-zero).',
      'Feature lookups (cache misses) slowing the call.',
    ],
    actions: [
      'Compare with the rollout markers on the ML dashboard; consider ONNX/caching as the runbooks describe.',
    ],
  }),
  fire: (k, t) => [
    {
      name: 'every prediction in the bucket above the threshold',
      series: histogramSeries(
        k.ctx,
        pdur,
        { model: 'risk-scoring', model_version: '3' },
        allIn(k.ctx, pdur, k.ctx.buckets(pdur).find((b) => b > t) ?? t * 2),
      ),
      labels: { ...k.scope, [k.model]: 'risk-scoring' },
    },
  ],
  silent: (k) => [
    {
      name: 'every prediction under 100 ms',
      series: histogramSeries(
        k.ctx,
        pdur,
        { model: 'risk-scoring', model_version: '3' },
        allIn(k.ctx, pdur, 0.1),
      ),
    },
  ],
};

/** PredictionScoreCollapse. */
export const predictionScoreCollapse: AlertRow = {
  name: 'PredictionScoreCollapse',
  group: 'glassbox-model',
  needs: 'model',
  metric: 'ml_prediction_score',
  expr: (k, t) => {
    const b = k.ctx.buckets(score);
    const by = k.ctx.by('model');
    const r = (le: number | '+Inf') =>
      `sum by (${by}) (rate(${k.ctx.sel(score, '_bucket', leMatcher(le))}[10m]))`;
    const bounds: (number | '+Inf')[] = [...b, '+Inf'];
    const terms = bounds.map((le, i) => {
      const share = i === 0 ? r(le) : `${r(le)} - ${r(bounds[i - 1] as number)}`;
      return `  label_replace(${share}, "bucket", "${le === '+Inf' ? le : leValue(le)}", "__name__", ".*")`;
    });
    return (
      `max by (${by}) (\n${terms.join('\n  or\n')}\n)\n/\n` +
      `sum by (${by}) (rate(${k.ctx.sel(score, '_count')}[10m]))\n> ${num(t)}`
    );
  },
  summary: (k) => `${k.who}: model ${k.lbl('model')} gives nearly every prediction the same score`,
  description: (k, t) =>
    `More than ${pct(t)} of the scores of model ${k.lbl('model')} fall in one bucket of the score histogram: the model may predict the same value (e.g. 0.0) for everyone.`,
  runbook: (k) => ({
    meaning: `The score distribution collapsed into one bucket of \`${k.ctx.m('ml_prediction_score')}\`. The API still returns 200, but the model predicts (nearly) the same score for everyone — the "0.0 for everyone" failure.`,
    queries: [
      {
        title: 'Score distribution',
        expr: `sum by (le) (rate(${k.ctx.sel(score, '_bucket', `${k.model}="<model>"`)}[30m]))`,
      },
      { title: 'Live model versions', expr: `${k.ctx.sel('ml_model_info')}` },
    ],
    causes: [
      'A feature pipeline returns nulls or defaults (a broken join, a renamed column).',
      'A bad model artifact (wrong file, untrained weights) after a rollout.',
      'Input traffic really is homogeneous (a single tenant or a test load).',
    ],
    actions: [
      'Compare with the model rollout markers; roll back the model version if it started with a rollout.',
      'Inspect recent inputs for constant or missing features.',
    ],
  }),
  fire: (k) => [
    {
      name: 'every score is 0.0',
      series: histogramSeries(k.ctx, score, { model: 'lead-scoring' }, allIn(k.ctx, score, 0)),
      labels: { ...k.scope, [k.model]: 'lead-scoring' },
    },
  ],
  silent: (k) => [
    {
      name: 'scores spread evenly',
      series: histogramSeries(k.ctx, score, { model: 'lead-scoring' }, [
        ...k.ctx.buckets(score).map(() => 6),
        0,
      ]),
    },
  ],
};

/** UnbalancedPredictions. */
export const unbalancedPredictions: AlertRow = {
  name: 'UnbalancedPredictions',
  group: 'glassbox-model',
  needs: 'model',
  metric: 'ml_predictions_total',
  // Only models with three or more outcomes in the window: a binary classifier has one
  // class above half almost always, so a share threshold would fire on healthy data.
  expr: (k, t) =>
    `(\n  sum by (${k.ctx.by('model', 'outcome')}) (rate(${k.ctx.sel('ml_predictions_total', '', k.ctx.eq('outcome', k.cfg.imbalanceOutcomes, '=~'))}[10m]))\n` +
    `  / ignoring (${k.ctx.l('outcome')}) group_left\n` +
    `  sum by (${k.ctx.by('model')}) (rate(${k.ctx.sel('ml_predictions_total')}[10m]))\n  > ${num(t)}\n)\n` +
    `and ignoring (${k.ctx.l('outcome')})\n` +
    `count by (${k.ctx.by('model')}) (sum by (${k.ctx.by('model', 'outcome')}) (rate(${k.ctx.sel('ml_predictions_total')}[10m])) > 0) >= 3`,
  summary: (k) => `${k.who}: model ${k.lbl('model')} puts too many predictions in ${k.lbl('outcome')}`,
  description: (k, t) =>
    `More than ${pct(t)} of the predictions of model ${k.lbl('model')} have outcome ${k.lbl('outcome')}.`,
  runbook: (k) => ({
    meaning:
      'One outcome (tier, class) takes more than its expected share of predictions. Only models with three or more outcomes in the window are watched: the majority class of a binary classifier is above half by nature.',
    queries: [
      {
        title: 'Outcome share',
        expr: `sum by (${k.model}, ${k.ctx.l('outcome')}) (rate(${k.ctx.sel('ml_predictions_total')}[30m])) / ignoring (${k.ctx.l('outcome')}) group_left sum by (${k.model}) (rate(${k.ctx.sel('ml_predictions_total')}[30m]))`,
      },
    ],
    causes: [
      'Data drift in the inputs.',
      'A miscalibrated new model version.',
      'A change in the traffic mix.',
    ],
    actions: ['Check the drift dashboard and the rollout markers; compare with last week.'],
  }),
  fire: (k) => [
    {
      name: '90 % of predictions in tier A (of three)',
      series: [
        series(
          k.ctx,
          'ml_predictions_total',
          { model: 'lead-scoring', model_version: '1', outcome: 'A' },
          k.counter(90),
        ),
        series(
          k.ctx,
          'ml_predictions_total',
          { model: 'lead-scoring', model_version: '1', outcome: 'B' },
          k.counter(5),
        ),
        series(
          k.ctx,
          'ml_predictions_total',
          { model: 'lead-scoring', model_version: '1', outcome: 'C' },
          k.counter(5),
        ),
      ],
      labels: { ...k.scope, [k.model]: 'lead-scoring', [k.ctx.l('outcome')]: 'A' },
    },
  ],
  silent: (k) => [
    {
      name: 'a binary classifier, 80 % in one class',
      series: ['churn', 'stay'].map((o, i) =>
        series(
          k.ctx,
          'ml_predictions_total',
          { model: 'churn', model_version: '1', outcome: o },
          k.counter(i === 0 ? 20 : 80),
        ),
      ),
    },
    {
      name: 'four tiers, 25 % each',
      series: ['A', 'B', 'C', 'D'].map((o) =>
        series(
          k.ctx,
          'ml_predictions_total',
          { model: 'lead-scoring', model_version: '1', outcome: o },
          k.counter(25),
        ),
      ),
    },
  ],
};

/** ModelPerformanceDegraded. */
export const modelPerformanceDegraded: AlertRow = {
  name: 'ModelPerformanceDegraded',
  group: 'glassbox-model',
  needs: 'model',
  metric: 'ml_performance_degraded_total',
  expr: (k) => newEvents(k.ctx.by('model', 'metric'), k.ctx.sel('ml_performance_degraded_total'), '1h'),
  summary: (k) => `${k.who}: model ${k.lbl('model')} ${k.lbl('metric')} degraded`,
  description: (k) =>
    `A quality measurement (${k.lbl('metric')}) of model ${k.lbl('model')} crossed its bound in the last hour.`,
  runbook: (k) => ({
    meaning: 'A model quality measurement (accuracy, Brier score, MAPE, ...) crossed its configured bound.',
    queries: [{ title: 'Quality', expr: `${k.ctx.sel('ml_model_quality')}` }],
    causes: ['Concept drift.', 'Label delays making the measurement noisy.', 'A worse model version.'],
    actions: ['Compare with drift and rollouts; roll back or retrain.'],
  }),
  fire: (k) => [
    {
      name: 'degradations counted',
      series: [
        series(
          k.ctx,
          'ml_performance_degraded_total',
          { model: 'risk-scoring', metric: 'brier' },
          k.counter(1),
        ),
      ],
      labels: { ...k.scope, [k.model]: 'risk-scoring', [k.ctx.l('metric')]: 'brier' },
    },
  ],
  silent: (k) => [
    {
      name: 'no degradation',
      series: [
        series(k.ctx, 'ml_performance_degraded_total', { model: 'risk-scoring', metric: 'brier' }, '0x90'),
      ],
    },
  ],
};
