/**
 * Seed 002: the MLOps inference API ("System Monitoring & Observability"). It names its
 * request metrics `api_request_*` with labels `endpoint` and `http_status`, counts
 * predictions in `api_prediction_total` and shows rollouts with `model_info{version}`.
 * Its one alert is "P99 latency > 200ms".
 */
import type { NamingOptions } from '@glassbox/core';
import type { MixinConfig } from '@glassbox/mixin';
import type { Adoption } from '../adoption.js';

export const naming: NamingOptions = {
  rename: {
    http_requests_total: 'api_request_total',
    http_request_duration_seconds: 'api_request_duration_seconds',
    ml_predictions_total: 'api_prediction_total',
    ml_model_info: 'model_info',
  },
  labelRename: { route: 'endpoint', status_code: 'http_status', model_version: 'version' },
  // a 0.2 s boundary for the 200 ms alert and SLO (the catalog's buckets jump from 0.1 to 0.25)
  overrides: {
    http_request_duration_seconds: { buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10] },
  },
};

const P99 = 'histogram_quantile(0.99, sum by (le) (rate(api_request_duration_seconds_bucket[5m])))';

const mixin: MixinConfig = {
  team: 'mlops',
  groups: ['http', 'model'],
  scrape: { jobName: 'inference-api', labels: { service: 'inference-api' } },
  // A binary classifier puts more than half of its predictions in one class most of the time:
  // the imbalance alert (one outcome > 50 %) would always fire. The team has no such alert.
  alerts: { UnbalancedPredictions: { enabled: false } },
  // "P99 latency > 200ms" as an objective too: 99 % of requests within 200 ms, on the 0.2 s bucket
  slos: [
    { name: 'http-availability', type: 'availability', objective: 0.999 },
    { name: 'latency-200ms', type: 'latency', objective: 0.99, threshold: 0.2 },
  ],
  custom: {
    alerts: [
      {
        alert: 'HighP99Latency',
        expr: 'histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.2',
        for: '5m',
        summary: 'P99 latency of {{ $labels.job }} over 200 ms',
        runbook: {
          meaning: 'One request in a hundred takes longer than 200 ms.',
          causes: [
            'Latency creep: a slower model version, a cold cache.',
            'Too little capacity for the request rate.',
          ],
          actions: ['Compare with the model rollouts on the dashboard (model_info).'],
        },
        tests: [
          {
            name: 'half the requests take 0.25-0.5 s',
            fires: true,
            evalTime: '15m',
            series: [
              { series: 'http_request_duration_seconds_bucket{le="0.1"}', values: '0+10x30' },
              { series: 'http_request_duration_seconds_bucket{le="0.5"}', values: '0+20x30' },
              { series: 'http_request_duration_seconds_bucket{le="+Inf"}', values: '0+20x30' },
            ],
            labels: { job: 'inference-api' },
          },
          {
            name: 'every request under 100 ms',
            fires: false,
            evalTime: '15m',
            series: [
              { series: 'http_request_duration_seconds_bucket{le="0.1"}', values: '0+20x30' },
              { series: 'http_request_duration_seconds_bucket{le="0.5"}', values: '0+20x30' },
              { series: 'http_request_duration_seconds_bucket{le="+Inf"}', values: '0+20x30' },
            ],
          },
        ],
      },
    ],
  },
};

export const adoption: Adoption = {
  seed: '002',
  title: 'MLOps inference API',
  naming,
  metrics: [],
  mixin,
  queries: [
    { title: 'Prometheus UI: debug raw queries', expr: 'rate(api_request_total[1m])', data: 'always' },
    {
      title: 'Metrics Schema: Error Rate (5xx / Total)',
      expr: 'sum(rate(api_request_total{http_status=~"5.."}[5m])) / sum(rate(api_request_total[5m]))',
      correction:
        'The text describes the ratio ("5xx / Total"); written with sums so each 5xx series is not divided by itself.',
      data: 'provoked',
    },
    {
      title: 'Metrics Schema: Throughput (RPS)',
      expr: 'sum(rate(api_request_total[1m]))',
      correction: 'Written from the description.',
      data: 'always',
    },
    {
      title: 'Metrics Schema: Latency SLA, P95',
      expr: 'histogram_quantile(0.95, sum by (le) (rate(api_request_duration_seconds_bucket[5m])))',
      correction: 'Written from the description.',
      data: 'always',
    },
    {
      title: 'Metrics Schema: Latency SLA, P99',
      expr: P99,
      correction: 'Written from the description.',
      data: 'always',
    },
    {
      title: 'Metrics Schema: predictions served',
      expr: 'sum(rate(api_prediction_total[5m]))',
      correction: 'Written from the description.',
      data: 'always',
    },
    {
      title: 'Metrics Schema: model_info lineage (the version after the rollout)',
      expr: 'model_info{version="1.3.0"}',
      correction: 'Written from the description; the provoked phase rolls out 1.3.0.',
      data: 'provoked',
    },
    {
      title: 'P99 latency > 200ms: the 0.2 s bucket boundary the alert needs',
      expr: 'api_request_duration_seconds_bucket{le="0.2"}',
      correction: 'Not in the text: shows the bucket override.',
      data: 'always',
    },
    { title: 'Testing Strategy: up must be 1', expr: 'up{job="inference-api"} == 1', data: 'always' },
    {
      title: 'Self-Monitoring: scrape_duration_seconds',
      expr: 'scrape_duration_seconds{job="inference-api"}',
      data: 'always',
    },
  ],
  alerts: [
    {
      alert: 'P99 latency > 200ms',
      expr: `${P99} > 0.2`,
      for: '5m',
      original:
        '"AlertManager: Configure email alerts for P99 latency > 200ms." (no duration given; 5m chosen)',
      correction: 'Written from the sentence.',
      generated: ['HighP99Latency'],
      provokedBy: 'provoked',
    },
  ],
  gaps: [
    {
      what: '`prometheus_build_info`',
      why: "Prometheus' own metric: only there when Prometheus scrapes itself, which the generated config (the service's scrape job) does not add.",
    },
  ],
  emptyPanels: {
    'dashboard:glassbox-ml/Model quality':
      'the team records no quality metric (setQuality): the document has none',
    'dashboard:glassbox-ml/Performance degradations (1h)': 'the same',
  },
};
