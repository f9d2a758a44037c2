/**
 * Seed 003: the MLOps platform ("MLOps Platform Monitoring Setup"). Models are labelled
 * `model_id` and `version`, drift by `feature_group`; the model server is scraped as job
 * `model-server` with `service="inference-engine"`; accuracy and the business KPIs are the
 * team's own gauges; alerts are routed per team (ml-team, devops-team, business-metrics).
 */
import { defineGauge, type NamingOptions } from '@glassbox/core';
import type { MixinConfig } from '@glassbox/mixin';
import type { Adoption } from '../adoption.js';

export const naming: NamingOptions = {
  rename: {
    ml_predictions_total: 'model_predictions_total',
    ml_prediction_duration_seconds: 'model_latency_seconds',
    ml_drift_score: 'data_drift_score',
  },
  labelRename: { model: 'model_id', model_version: 'version', feature: 'feature_group' },
};

/** The team's own gauges: accuracy per model version and the business KPIs. */
export const modelAccuracy = defineGauge({
  name: 'model_accuracy',
  help: 'Accuracy of the model version, from the evaluation job.',
  labelNames: ['model_id', 'version'],
  aggregate: 'max',
});
export const revenueImpact = defineGauge({
  name: 'ml_revenue_impact_daily',
  help: 'Revenue impact from ML models, per day.',
  aggregate: 'max',
});
export const costSavings = defineGauge({
  name: 'automation_cost_savings_daily',
  help: 'Cost savings from automation, per day.',
  aggregate: 'max',
});
export const satisfaction = defineGauge({
  name: 'customer_satisfaction_score',
  help: 'Customer satisfaction score.',
  aggregate: 'max',
});
export const activeUsers = defineGauge({
  name: 'platform_active_users',
  help: 'Active users of the platform.',
  aggregate: 'max',
});
const metrics = [modelAccuracy, revenueImpact, costSavings, satisfaction, activeUsers];

const ml = { team: 'ml-team' } as const;
const devops = { team: 'devops-team' } as const;

const mixin: MixinConfig = {
  team: 'mlops',
  groups: ['http', 'model', 'drift'],
  scrape: { jobName: 'model-server', labels: { service: 'inference-engine' } },
  alerts: {
    // Critical: service downtime. Warning: high error rates (> 5 %), high latency (> 100 ms p95).
    ServiceDown: { ...devops },
    HighErrorRate: { severity: 'warning', ...devops },
    HighLatency: { threshold: 0.1, severity: 'warning', ...devops },
    CriticalLatency: { enabled: false },
    HighActiveRequests: devops,
    // Model performance → #ml-team
    ModelPredictionErrors: ml,
    SlowModelPredictions: ml,
    PredictionScoreCollapse: ml,
    // A binary classifier puts more than half of its predictions in one class most of the
    // time: the imbalance alert (one outcome > 50 %) would always fire. The team has no such alert.
    UnbalancedPredictions: { enabled: false },
    ModelDriftDetected: ml,
    FeatureDriftDetected: ml,
    ModelPerformanceDegraded: ml,
  },
  alertmanager: { teams: ['ml-team', 'devops-team', 'business-metrics'] },
  custom: {
    metrics,
    alerts: [
      {
        alert: 'ModelAccuracyDrop',
        expr: 'min by (job, model_id, version) (model_accuracy) < 0.8',
        for: '15m',
        team: 'ml-team',
        summary: 'Accuracy of {{ $labels.model_id }} {{ $labels.version }} dropped under 80 %',
        runbook: {
          meaning: 'The evaluation job measured an accuracy under 0.8.',
          causes: ['Data drift (see data_drift_score).', 'A bad model version.'],
          actions: ['Compare with the previous version; roll back.'],
        },
        tests: [
          {
            name: 'accuracy 0.7',
            fires: true,
            series: [
              { series: 'model_accuracy{model_id="customer_churn", version="1.2"}', values: '0.7x30' },
            ],
            labels: { job: 'model-server', model_id: 'customer_churn', version: '1.2' },
          },
          {
            name: 'accuracy 0.9',
            fires: false,
            series: [
              { series: 'model_accuracy{model_id="customer_churn", version="1.2"}', values: '0.9x30' },
            ],
          },
        ],
      },
    ],
    dashboards: [
      {
        key: 'business-metrics',
        title: 'Business Metrics',
        rows: [
          {
            title: 'KPIs',
            panels: [
              {
                title: 'Revenue impact (daily)',
                kind: 'stat',
                queries: [{ expr: 'ml_revenue_impact_daily' }],
              },
              {
                title: 'Cost savings (daily)',
                kind: 'stat',
                queries: [{ expr: 'automation_cost_savings_daily' }],
              },
              {
                title: 'Customer satisfaction',
                kind: 'stat',
                queries: [{ expr: 'customer_satisfaction_score' }],
              },
              { title: 'Platform active users', kind: 'stat', queries: [{ expr: 'platform_active_users' }] },
              {
                title: 'Model accuracy',
                unit: 'percentunit',
                threshold: 0.8,
                queries: [{ expr: 'model_accuracy', legend: '{{model_id}} {{version}}' }],
              },
            ],
          },
        ],
      },
    ],
  },
};

const P95 =
  'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="inference-engine"}[5m])))';

export const adoption: Adoption = {
  seed: '003',
  title: 'MLOps platform (model server)',
  naming,
  metrics,
  mixin,
  queries: [
    {
      title: 'Model accuracy tracking',
      expr: 'model_accuracy{model_id="customer_churn", version="1.2"}',
      data: 'always',
    },
    {
      title: 'Prediction latency',
      expr: 'model_latency_seconds_bucket{model_id="customer_churn"}',
      data: 'always',
    },
    {
      title: 'Prediction volume',
      expr: 'rate(model_predictions_total{model_id="customer_churn"}[5m])',
      data: 'always',
    },
    {
      title: 'Data drift detection',
      expr: 'data_drift_score{model_id="customer_churn", feature_group="behavioral"}',
      data: 'always',
    },
    { title: 'Revenue impact from ML models', expr: 'ml_revenue_impact_daily', data: 'always' },
    { title: 'Cost savings from automation', expr: 'automation_cost_savings_daily', data: 'always' },
    { title: 'Customer satisfaction', expr: 'customer_satisfaction_score', data: 'always' },
    { title: 'Platform adoption', expr: 'platform_active_users', data: 'always' },
    { title: 'Service health', expr: 'up{job="model-server"}', data: 'always' },
    { title: 'Request metrics', expr: 'http_requests_total{service="inference-engine"}', data: 'always' },
  ],
  alerts: [
    {
      alert: 'High error rates (>5%)',
      expr: 'sum(rate(http_requests_total{service="inference-engine", status_code=~"5.."}[5m])) / sum(rate(http_requests_total{service="inference-engine"}[5m])) > 0.05',
      for: '3m',
      original: 'Warning Alerts: "High error rates (>5%)"',
      correction: 'Written from the list (no rule file in the text); `for` is the built-in default.',
      generated: ['HighErrorRate'],
      provokedBy: 'provoked',
    },
    {
      alert: 'High latency (>100ms p95)',
      expr: `${P95} > 0.1`,
      for: '2m',
      original: 'Warning Alerts: "High latency (>100ms p95)"',
      correction: 'Written from the list.',
      generated: ['HighLatency'],
      provokedBy: 'provoked',
    },
    {
      alert: 'Model accuracy drops',
      expr: 'model_accuracy < 0.8',
      for: '15m',
      original: 'Warning Alerts: "Model accuracy drops" (no threshold given; 0.8 chosen)',
      correction: 'Written from the list.',
      generated: ['ModelAccuracyDrop'],
      provokedBy: 'provoked',
    },
    {
      alert: 'Service downtime',
      expr: 'up{job="model-server"} == 0',
      for: '1m',
      original: 'Critical Alerts: "Service downtime"',
      correction: 'Written from the list.',
      generated: ['ServiceDown'],
      provokedBy: 'down',
    },
  ],
  emptyPanels: {
    'dashboard:glassbox-ml/Model quality':
      'accuracy is the team gauge model_accuracy{model_id, version} (its own panel on business-metrics), not ml_model_quality',
    'dashboard:glassbox-ml/Performance degradations (1h)': 'the same',
  },
  gaps: [
    {
      what: '`node_cpu_usage_percent`, `node_memory_usage_percent`',
      why: 'Host metrics of an exporter on the node, not of the instrumented service.',
    },
    {
      what: 'Security, compliance, database and business-metric alerts; Info alerts (A/B tests, deployments)',
      why: 'The text names categories without metrics; the business-metrics receiver is generated for them.',
    },
  ],
};
