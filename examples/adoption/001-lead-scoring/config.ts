/**
 * Seed 001: the Lead Scoring API ("Monitoring & Observability"). Its HTTP metrics label
 * `endpoint` and `status`, its model metrics `endpoint_provider` and `tier`, and it names
 * them `model_*`; the score bucket (1-5) histogram is the team's own metric.
 */
import { defineHistogram, type NamingOptions } from '@glassbox/core';
import type { MixinConfig } from '@glassbox/mixin';
import type { Adoption } from '../adoption.js';

export const naming: NamingOptions = {
  rename: {
    http_requests_in_flight: 'http_requests_active',
    ml_predictions_total: 'model_predictions_total',
    ml_prediction_duration_seconds: 'model_prediction_latency_seconds',
    ml_prediction_score: 'model_prediction_raw_scores',
    ml_prediction_errors_total: 'model_prediction_errors_total',
    ml_prediction_batch_size: 'model_batch_size',
  },
  labelRename: { route: 'endpoint', status_code: 'status', model: 'endpoint_provider' },
  // `outcome → tier` on the model's counter only (batch items and RabbitMQ outcomes keep `outcome`)
  overrides: { ml_predictions_total: { labelRename: { outcome: 'tier' } } },
};

/** The team's own histogram: the score bucket (1-5) of each prediction. */
export const predictionBuckets = defineHistogram({
  name: 'model_prediction_buckets',
  help: 'Score bucket distribution (1-5).',
  labelNames: ['endpoint_provider'],
  buckets: [1, 2, 3, 4, 5],
});

/** Tiers, A best; the score bucket is the tier's position (A = 5). */
export const TIERS = ['A', 'B', 'C', 'D', 'E'] as const;

const mixin: MixinConfig = {
  team: 'lead-scoring',
  groups: ['http', 'model'],
  scrape: { jobName: 'lead-scoring-api', labels: { service: 'lead-scoring-api' } },
  // HighLatency (p95 > 500 ms, 2m), CriticalLatency (> 1 s, 1m), HighErrorRate (5xx > 5 %, 3m),
  // ServiceDown (1m), HighActiveRequests (> 100, 2m), ModelPredictionErrors (> 0.01/s) and
  // UnbalancedPredictions (> 50 %, 10m) are the built-in defaults; only these differ:
  alerts: { SlowModelPredictions: { threshold: 0.1 } },
  imbalanceOutcomes: 'A',
  custom: {
    metrics: [predictionBuckets],
    alerts: [
      {
        alert: 'LowConfidencePredictions',
        expr: 'histogram_quantile(0.5, sum by (job, model, le) (rate(ml_prediction_score_bucket[10m]))) < 0.6',
        for: '5m',
        summary: 'Median confidence of {{ $labels.model }} under 0.6',
        description: 'The median raw score of {{ $labels.model }} is under 0.6: investigate the input data.',
        runbook: {
          meaning: 'Half of the predictions score under 0.6.',
          causes: ['Input data changed (new lead sources, missing fields).', 'Model drift.'],
          actions: ['Compare recent inputs with the training data.'],
        },
        tests: [
          {
            name: 'median 0.25',
            fires: true,
            evalTime: '20m',
            series: [
              { series: 'ml_prediction_score_bucket{model="azure-ml", le="0.5"}', values: '0+10x30' },
              { series: 'ml_prediction_score_bucket{model="azure-ml", le="1"}', values: '0+10x30' },
              { series: 'ml_prediction_score_bucket{model="azure-ml", le="+Inf"}', values: '0+10x30' },
            ],
            labels: { job: 'lead-scoring-api', model: 'azure-ml' },
          },
          {
            name: 'median 0.75',
            fires: false,
            evalTime: '20m',
            series: [
              { series: 'ml_prediction_score_bucket{model="azure-ml", le="0.5"}', values: '0x30' },
              { series: 'ml_prediction_score_bucket{model="azure-ml", le="1"}', values: '0+10x30' },
              { series: 'ml_prediction_score_bucket{model="azure-ml", le="+Inf"}', values: '0+10x30' },
            ],
          },
        ],
      },
    ],
    dashboards: [
      {
        key: 'lead-scoring-model',
        title: 'Model Performance',
        rows: [
          {
            title: 'Model',
            panels: [
              {
                title: 'Predictions by tier',
                kind: 'bargauge',
                queries: [
                  // `tier`, the exposed name: the mixin cannot tell which metric a label in a team
                  // panel belongs to, and `outcome` is exposed as `tier` by this metric only
                  {
                    expr: 'sum by (tier) (rate(ml_predictions_total[$__rate_interval]))',
                    legend: '{{tier}}',
                  },
                ],
              },
              {
                title: 'Score distribution (1-5)',
                queries: [
                  {
                    expr: 'sum by (le) (rate(model_prediction_buckets_bucket[$__rate_interval]))',
                    legend: '{{le}}',
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  },
};

const HTTP_P95 = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))';

export const adoption: Adoption = {
  seed: '001',
  title: 'Lead Scoring API',
  naming,
  metrics: [predictionBuckets],
  mixin,
  queries: [
    {
      title: 'High Latency Investigation: is the model slow?',
      expr: 'histogram_quantile(0.95, sum by (le) (rate(model_prediction_latency_seconds_bucket[5m])))',
      data: 'always',
    },
    { title: 'High Latency Investigation: overall request latency', expr: HTTP_P95, data: 'always' },
    {
      title: 'Error Rate Analysis: error rate by endpoint',
      expr: 'sum by (endpoint) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (endpoint) (rate(http_requests_total[5m]))',
      data: 'provoked',
    },
    {
      title: 'Error Rate Analysis: model prediction errors',
      expr: 'sum by (error_type) (rate(model_prediction_errors_total[5m]))',
      data: 'always',
    },
    { title: 'Capacity Planning: current RPS', expr: 'sum(rate(http_requests_total[1m]))', data: 'always' },
    {
      title: 'Capacity Planning: headroom',
      expr: '(300 - sum(rate(http_requests_total[1m]))) / 300 * 100',
      data: 'always',
    },
    {
      title: 'Model Row: predictions by tier (dashboard list; the text names the panel, not its query)',
      expr: 'sum by (tier) (rate(model_predictions_total[5m]))',
      data: 'always',
    },
    {
      title: 'Model Row: score distribution',
      expr: 'sum by (le) (rate(model_prediction_buckets_bucket[5m]))',
      data: 'always',
    },
    {
      title: 'Overview Row: active requests',
      expr: 'sum(http_requests_active)',
      data: 'always',
    },
    {
      title: 'Business Metrics: batch vs single requests',
      expr: 'histogram_quantile(0.5, sum by (le) (rate(model_batch_size_bucket[5m])))',
      data: 'always',
    },
  ],
  alerts: [
    {
      alert: 'HighLatency',
      expr: `${HTTP_P95} > 0.5`,
      for: '2m',
      original: '`HighLatency` | P95 > 500ms for 2m | Warning',
      generated: ['HighLatency'],
      provokedBy: 'provoked',
    },
    {
      alert: 'CriticalLatency',
      expr: `${HTTP_P95} > 1`,
      for: '1m',
      original: '`CriticalLatency` | P95 > 1s for 1m | Critical',
      generated: ['CriticalLatency'],
      provokedBy: 'provoked',
    },
    {
      alert: 'SlowModelPredictions',
      expr: 'histogram_quantile(0.95, sum by (le) (rate(model_prediction_latency_seconds_bucket[5m]))) > 0.1',
      for: '3m',
      original: '`SlowModelPredictions` | Model P95 > 100ms for 3m | Warning',
      generated: ['SlowModelPredictions'],
      provokedBy: 'provoked',
    },
    {
      alert: 'HighErrorRate',
      expr: 'sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05',
      for: '3m',
      original: '`HighErrorRate` | 5xx rate > 5% for 3m | Critical',
      generated: ['HighErrorRate'],
      provokedBy: 'provoked',
    },
    {
      alert: 'HighActiveRequests',
      expr: 'sum(http_requests_active) > 100',
      for: '2m',
      original: '`HighActiveRequests` | Active > 100 for 2m | Warning',
      generated: ['HighActiveRequests'],
      provokedBy: 'provoked',
    },
    {
      alert: 'ModelPredictionErrors',
      expr: 'sum(rate(model_prediction_errors_total[5m])) > 0.01',
      for: '0s',
      original: '`ModelPredictionErrors` | Error rate > 0.01/sec | Critical',
      generated: ['ModelPredictionErrors'],
      provokedBy: 'provoked',
    },
    {
      alert: 'UnbalancedPredictions',
      expr: 'sum(rate(model_predictions_total{tier="A"}[10m])) / sum(rate(model_predictions_total[10m])) > 0.5',
      for: '10m',
      original: '`UnbalancedPredictions` | >50% tier A for 10m | Warning',
      generated: ['UnbalancedPredictions'],
      provokedBy: 'provoked',
    },
    {
      alert: 'LowConfidencePredictions',
      expr: 'histogram_quantile(0.5, sum by (le) (rate(model_prediction_raw_scores_bucket[10m]))) < 0.6',
      for: '5m',
      original:
        '`LowConfidencePredictions` | Median confidence < 0.6 | Warning (no duration given; 5m chosen)',
      generated: ['LowConfidencePredictions'],
      provokedBy: 'provoked',
    },
    {
      alert: 'ServiceDown',
      expr: 'up{job="lead-scoring-api"} == 0',
      for: '1m',
      original: '`ServiceDown` | Target down for 1m | Critical',
      generated: ['ServiceDown'],
      provokedBy: 'down',
    },
  ],
  emptyPanels: {
    'dashboard:glassbox-ml/Model quality':
      'the team records no quality metric (setQuality): the document has none',
    'dashboard:glassbox-ml/Performance degradations (1h)': 'the same',
  },
  gaps: [
    {
      what: 'Resource alerts (HighCPU, CriticalCPU, HighMemory, CriticalMemory) and the System Resources dashboard',
      why: "Host metrics from the service's /resources endpoint or a node exporter, not instrumentation: out of Glassbox's scope.",
    },
  ],
};
