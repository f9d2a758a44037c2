/** The ML and drift dashboards. */
import { num } from '../context.js';
import type { DashboardRow } from '../dashboard-kit.js';

/** mlDashboard. */
export const mlDashboard: DashboardRow = {
  key: 'ml',
  title: 'ML service',
  needs: 'model',
  description:
    'Prediction rate, latency against the SLO, score distribution, errors, quality and rollouts per model.',
  variables: (k) => [{ name: 'model', label: k.model, metric: k.ctx.m('ml_predictions_total') }],
  annotations: (k) => [
    {
      name: 'Model rollouts',
      expr: `${k.d('ml_model_info', '', k.modelSel)} unless ${k.d('ml_model_info', '', k.modelSel)} offset 10m`,
      title: `{{${k.model}}} → {{${k.l('model_version')}}}`,
    },
  ],
  rows: [
    {
      title: 'Traffic',
      panels: [
        {
          build: (k) =>
            k.ts('Predictions by model and outcome', 'ops', [
              {
                expr: `sum by (${k.model}, ${k.l('outcome')}) (${k.rec(k.r.predictionRate, k.modelSel)})`,
                legend: `{{${k.model}}} {{${k.l('outcome')}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Prediction errors by type', 'ops', [
              {
                expr: `sum by (${k.model}, ${k.l('error_type')}) (${k.rate(k.d('ml_prediction_errors_total', '', k.modelSel))})`,
                legend: `{{${k.model}}} {{${k.l('error_type')}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Batch size p95', 'none', [
              {
                expr: k.q(0.95, k.model, k.d('ml_prediction_batch_size', '_bucket', k.modelSel)),
                legend: `{{${k.model}}}`,
              },
            ]),
        },
      ],
    },
    {
      title: 'Latency',
      panels: [
        {
          build: (k) =>
            k.ts(
              'Prediction p95 vs SLO',
              's',
              [
                {
                  expr: `max by (${k.model}) (${k.rec(k.r.predictionP95, k.modelSel)})`,
                  legend: `{{${k.model}}} p95`,
                },
                k.exemplars('ml_prediction_duration_seconds', k.model, k.modelSel),
              ],
              { threshold: k.sloLatency, description: `SLO: p95 under ${num(k.sloLatency * 1000)} ms` },
            ),
        },
        {
          build: (k) =>
            k.ts(
              'Prediction p99',
              's',
              [
                {
                  expr: `max by (${k.model}) (${k.rec(k.r.predictionP99, k.modelSel)})`,
                  legend: `{{${k.model}}} p99`,
                },
                k.exemplars('ml_prediction_duration_seconds', k.model, k.modelSel),
              ],
              { threshold: k.sloLatency },
            ),
        },
      ],
    },
    {
      title: 'Scores and quality',
      panels: [
        {
          build: (k) => ({
            title: 'Score distribution',
            kind: 'bargauge',
            unit: 'percentunit',
            description:
              'Share of predictions per score bucket (cumulative buckets by upper bound); a single full bar means the model predicts the same score for everyone.',
            queries: [
              {
                expr: `sum by (le) (increase(${k.d('ml_prediction_score', '_bucket', k.modelSel)}[$__range])) / ignoring (le) group_left sum(increase(${k.d('ml_prediction_score', '_count', k.modelSel)}[$__range]))`,
                legend: '≤ {{le}}',
                heatmap: true,
              },
            ],
          }),
        },
        {
          build: (k) =>
            k.ts('Model quality', 'none', [
              {
                expr: `max by (${k.model}, ${k.l('metric')}) (${k.d('ml_model_quality', '', k.modelSel)})`,
                legend: `{{${k.model}}} {{${k.l('metric')}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Performance degradations (1h)', 'none', [
              {
                expr: `sum by (${k.model}, ${k.l('metric')}) (increase(${k.d('ml_performance_degraded_total', '', k.modelSel)}[1h]))`,
                legend: `{{${k.model}}} {{${k.l('metric')}}}`,
              },
            ]),
        },
        {
          build: (k) => ({
            title: 'Live model versions',
            kind: 'statetimeline',
            unit: 'none',
            queries: [
              {
                expr: `max by (${k.model}, ${k.l('model_version')}) (${k.d('ml_model_info', '', k.modelSel)})`,
                legend: `{{${k.model}}} {{${k.l('model_version')}}}`,
              },
            ],
          }),
        },
      ],
    },
  ],
};

/** driftDashboard. */
export const driftDashboard: DashboardRow = {
  key: 'drift',
  title: 'Drift',
  needs: 'drift',
  description:
    'Drift decisions beside the scores and thresholds per model and feature, checks and detections.',
  variables: (k) => [{ name: 'model', label: k.model, metric: k.ctx.m('ml_drift_score') }],
  rows: [
    {
      title: 'Scores',
      panels: [
        {
          build: (k) =>
            k.ts('Drift score vs threshold', 'none', [
              {
                expr: `max by (${k.model}, ${k.l('feature')}, ${k.l('method')}) (${k.d('ml_drift_score', '', k.modelSel)})`,
                legend: `{{${k.l('feature')}}} {{${k.l('method')}}}`,
              },
              {
                expr: `max by (${k.model}, ${k.l('feature')}, ${k.l('method')}) (${k.d('ml_drift_threshold', '', k.modelSel)})`,
                legend: `threshold {{${k.l('feature')}}} {{${k.l('method')}}}`,
              },
            ]),
        },
        {
          build: (k) => ({
            title: 'Drift decision (1 = drifted)',
            kind: 'statetimeline',
            unit: 'none',
            description:
              'The decision of the latest check per feature and method, beside its score: distances (PSI, JS, Wasserstein) drift above their threshold, p-values (KS, chi-squared) below it. The drift alert reads this decision.',
            queries: [
              {
                expr: `max by (${k.model}, ${k.l('feature')}, ${k.l('method')}) (${k.d('ml_drift_detected', '', k.modelSel)})`,
                legend: `{{${k.l('feature')}}} {{${k.l('method')}}}`,
              },
            ],
          }),
        },
      ],
    },
    {
      title: 'Checks',
      panels: [
        {
          build: (k) =>
            k.ts('Drift checks (1h)', 'none', [
              {
                expr: `sum by (${k.model}) (increase(${k.d('ml_drift_checks_total', '', k.modelSel)}[1h]))`,
                legend: `{{${k.model}}}`,
              },
            ]),
        },
        {
          build: (k) =>
            k.ts('Drift detections (1h)', 'none', [
              {
                expr: `sum by (${k.model}) (increase(${k.d('ml_drift_detections_total', '', k.modelSel)}[1h]))`,
                legend: `{{${k.model}}}`,
              },
            ]),
        },
      ],
    },
  ],
};
