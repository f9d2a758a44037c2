/**
 * Seed 000: the BI/risk containers (risk-analytics, ml-service, workflow-orchestrator, ...),
 * "Monitoring – Prometheus & Grafana". Its dashboards assume the catalog's own names
 * (the catalog was written from this document), so the naming options are empty; the
 * team's own counters are `risk_evaluations_total` and `forecasts_generated_total`.
 */
import { defineCounter } from '@glassbox/core';
import type { MixinConfig } from '@glassbox/mixin';
import type { Adoption } from '../adoption.js';

/** The team's own metrics. */
export const riskEvaluations = defineCounter({
  name: 'risk_evaluations_total',
  help: 'Deal risk evaluations, by resulting risk level.',
  labelNames: ['risk_level'],
});
export const forecastsGenerated = defineCounter({
  name: 'forecasts_generated_total',
  help: 'Forecasts generated (forecasting).',
});

/** The models the SLO covers. */
export const MODELS = ['win-probability', 'risk-scoring'] as const;
/** The queues of the consumer-scaling runbook. */
export const QUEUES = [
  'bi_batch_jobs',
  'logging_data_lake',
  'logging_ml_audit',
  'analytics_service',
] as const;

const mixin: MixinConfig = {
  team: 'bi-risk',
  groups: ['http', 'model', 'drift', 'batch', 'consumer'],
  scrape: { jobName: 'risk-analytics', labels: { service: 'risk-analytics' } },
  // "Trigger for ONNX/Redis: when p95 ≥ 500 ms over a sustained window" is SlowModelPredictions'
  // default (p95 > 0.5 s for 3m); the p95 < 500 ms SLO is the default prediction-latency SLO.
  batchJobIntervals: { 'risk-snapshot-backfill': 3600 },
  custom: {
    metrics: [riskEvaluations, forecastsGenerated],
    dashboards: [
      {
        key: 'bi-risk-overview',
        title: 'BI/risk overview',
        description: 'risk_evaluations and forecasts next to the generated HTTP and model dashboards',
        rows: [
          {
            title: 'Risk',
            panels: [
              {
                title: 'Risk evaluations by level',
                unit: 'reqps',
                queries: [
                  {
                    expr: 'sum by (risk_level) (rate(risk_evaluations_total[$__rate_interval]))',
                    legend: '{{risk_level}}',
                  },
                ],
              },
              {
                title: 'Forecasts generated',
                unit: 'ops',
                queries: [{ expr: 'sum(rate(forecasts_generated_total[$__rate_interval]))' }],
              },
            ],
          },
        ],
      },
    ],
  },
};

export const adoption: Adoption = {
  seed: '000',
  title: 'BI/risk containers (risk-analytics)',
  naming: {},
  metrics: [riskEvaluations, forecastsGenerated],
  mixin,
  queries: [
    {
      title: 'SLOs (Plan §11.7): risk-predictions p95 < 500 ms',
      expr: 'histogram_quantile(0.95, sum(rate(ml_prediction_duration_seconds_bucket{model=~"win-probability|risk-scoring"}[5m])) by (le, model))',
      original:
        'histogram_quantile(0.95, sum(rate(ml_prediction_duration_seconds_bucket{model=~\\"win-probability|risk-scoring|...\\"}[5m])) by (le, model))',
      correction:
        'The quotes are JSON-escaped (\\") in the text, which PromQL rejects; and "|..." is a placeholder that, as a regex, matches every three-character model name: both removed.',
      data: 'always',
    },
    {
      title: 'bi-risk-overview: HTTP rate (dashboard table; the text names the panel, not its query)',
      expr: 'sum by (job) (rate(http_requests_total[5m]))',
      data: 'always',
    },
    {
      title: 'bi-risk-overview: HTTP latency',
      expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
      data: 'always',
    },
    {
      title: 'bi-risk-overview: risk_evaluations',
      expr: 'sum by (risk_level) (rate(risk_evaluations_total[5m]))',
      data: 'always',
    },
    {
      title: 'bi-risk-overview: ml_predictions',
      expr: 'sum by (model) (rate(ml_predictions_total[5m]))',
      data: 'always',
    },
    { title: 'bi-risk-overview: BI/risk targets up', expr: 'up{job="risk-analytics"}', data: 'always' },
    {
      title: 'ml-service: ML prediction latency p99 by model',
      expr: 'histogram_quantile(0.99, sum by (le, model) (rate(ml_prediction_duration_seconds_bucket[5m])))',
      data: 'always',
    },
    {
      title: 'ml-service: drift checks (7d)',
      expr: 'sum by (model) (increase(ml_drift_checks_total[7d]))',
      data: 'always',
    },
    {
      title: 'ml-service: drift detections (7d)',
      expr: 'sum by (model) (increase(ml_drift_detections_total[7d])) > 0',
      data: 'provoked',
    },
    {
      title: 'ml-service: performance degraded (7d)',
      expr: 'sum by (model, metric) (increase(ml_performance_degraded_total[7d])) > 0',
      data: 'provoked',
    },
    {
      title: 'batch-jobs: batch job duration p99 by job_name',
      expr: 'histogram_quantile(0.99, sum by (le, job_name) (rate(batch_job_duration_seconds_bucket[5m])))',
      data: 'always',
    },
    {
      title: 'batch-jobs: runs by job_name',
      expr: 'sum by (job_name) (increase(batch_job_duration_seconds_count[1h]))',
      data: 'always',
    },
    {
      title: 'batch-jobs: batch_job_triggers_total by batch_job',
      expr: 'sum by (batch_job) (increase(batch_job_triggers_total[1h]))',
      data: 'always',
    },
    {
      title: 'batch-jobs: bi_batch_jobs consumption and the consumer-scaling queues',
      expr: 'sum by (queue) (rate(rabbitmq_messages_consumed_total{queue=~"bi_batch_jobs|logging_data_lake|logging_ml_audit|analytics_service"}[5m]))',
      data: 'always',
    },
    {
      title: 'forecasting: forecasts_generated_total',
      expr: 'sum(rate(forecasts_generated_total[5m]))',
      data: 'always',
    },
  ],
  alerts: [
    {
      alert: 'performance-optimization trigger (ONNX/Redis)',
      expr: 'histogram_quantile(0.95, sum(rate(ml_prediction_duration_seconds_bucket{model=~"win-probability|risk-scoring"}[5m])) by (le, model)) >= 0.5',
      for: '3m',
      original: '"Trigger for ONNX/Redis: when p95 ≥ 500 ms over a sustained window"',
      correction: 'Written from the text: the SLO query (corrected as above) compared with 0.5 s.',
      generated: ['SlowModelPredictions'],
      provokedBy: 'provoked',
    },
    {
      alert: 'model-monitoring: ml.model.performance.degraded',
      expr: 'increase(ml_performance_degraded_total[1h]) > 0',
      for: '0s',
      original:
        '`ml_performance_degraded_total` (label `model`, `metric`; when `ml.model.performance.degraded` published)',
      correction: 'Written from the metric list: a degradation in the last hour.',
      generated: ['ModelPerformanceDegraded'],
      provokedBy: 'provoked',
    },
  ],
  emptyPanels: {},
  gaps: [
    {
      what: 'One scrape job per container (risk-analytics, ml-service, forecasting, ...)',
      why: 'One service runs here, as job "risk-analytics"; every container would use the same naming and its own scrape.labels.service.',
    },
  ],
};
