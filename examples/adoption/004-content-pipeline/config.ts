/**
 * Seed 004: BACOWR's content pipeline ("BACOWR Monitoring Stack"). Request metrics are
 * `api_requests_total` / `api_request_duration_seconds` labelled `endpoint` and `status`,
 * in-flight requests `http_requests_inprogress`; jobs, QC scores and batch progress are
 * the team's own metrics; LLM latency and cost keep the catalog's names.
 */
import { defineCounter, defineGauge, defineHistogram, type NamingOptions } from '@glassbox/core';
import type { MixinConfig } from '@glassbox/mixin';
import type { Adoption } from '../adoption.js';

export const naming: NamingOptions = {
  rename: {
    http_requests_total: 'api_requests_total',
    http_request_duration_seconds: 'api_request_duration_seconds',
    http_requests_in_flight: 'http_requests_inprogress',
  },
  labelRename: { route: 'endpoint', status_code: 'status' },
};

/** The team's own metrics. */
export const activeJobs = defineGauge({
  name: 'active_jobs',
  help: 'Currently active jobs.',
  aggregate: 'sum',
});
export const jobsCompleted = defineCounter({
  name: 'jobs_completed_total',
  help: 'Completed jobs by status (delivered/blocked/failed).',
  labelNames: ['status'],
});
export const qcScore = defineHistogram({
  name: 'qc_score',
  help: 'QC score distribution (0-100).',
  buckets: [50, 60, 70, 80, 90, 95, 100],
});
/** An existing name that breaks the lint (`_percent`, not a base unit): kept as a legacy name. */
export const batchReviewProgress = defineGauge({
  name: 'batch_review_progress_percent',
  help: 'Batch processing progress per batch_id, in percent (0-100).',
  labelNames: ['batch_id'],
  aggregate: 'max',
  legacy: true,
});
const metrics = [activeJobs, jobsCompleted, qcScore, batchReviewProgress];

const mixin: MixinConfig = {
  team: 'kappa',
  groups: ['http', 'llm'],
  scrape: { jobName: 'bacowr-api', labels: { service: 'bacowr-api' } },
  alerts: {
    HighErrorRate: { name: 'HighAPIErrorRate', for: '5m' }, // > 5 % for 5min, critical
    HighLatency: { name: 'HighAPILatency', threshold: 2, for: '5m' }, // p95 > 2s for 5min, warning
    CriticalLatency: { enabled: false },
    HighActiveRequests: { enabled: false },
    ServiceDown: { name: 'APIDown', for: '2m' }, // unavailable for 2min
    LLMCostOverBudget: { name: 'HighLLMCosts' }, // > $10/hour for 15min: the default
  },
  // The team pages at 5 % errors: 99 % availability, not the default 99.9 % (which burns its
  // budget at the 1 % of failed jobs this service sees on a good day).
  slos: [{ name: 'http-availability', type: 'availability', objective: 0.99 }],
  custom: {
    metrics,
    recording: [
      {
        record: 'job:jobs_blocked:ratio_rate30m',
        expr: 'sum by (job) (rate(jobs_completed_total{status="blocked"}[30m])) / sum by (job) (rate(jobs_completed_total[30m]))',
      },
    ],
    alerts: [
      {
        alert: 'HighQCBlockRate',
        expr: 'job:jobs_blocked:ratio_rate30m > 0.15',
        for: '30m',
        summary: 'QC blocks more than 15 % of the jobs of {{ $labels.job }}',
        runbook: { meaning: 'QC blocks more jobs than usual.', actions: ['Review QC rules.'] },
        tests: [
          {
            name: '20 % blocked',
            fires: true,
            evalTime: '90m',
            series: [
              { series: 'jobs_completed_total{status="blocked"}', values: '0+2x120' },
              { series: 'jobs_completed_total{status="delivered"}', values: '0+8x120' },
            ],
            labels: { job: 'bacowr-api' },
          },
          {
            name: '5 % blocked',
            fires: false,
            evalTime: '90m',
            series: [
              { series: 'jobs_completed_total{status="blocked"}', values: '0+1x120' },
              { series: 'jobs_completed_total{status="delivered"}', values: '0+19x120' },
            ],
          },
        ],
      },
      {
        alert: 'TooManyActiveJobs',
        expr: 'sum by (job) (active_jobs) > 100',
        for: '10m',
        summary: 'More than 100 active jobs',
        runbook: { meaning: 'Jobs pile up.', actions: ['Check for stuck jobs.'] },
        tests: [
          {
            name: '150 active',
            fires: true,
            series: [{ series: 'active_jobs', values: '150x30' }],
            labels: { job: 'bacowr-api' },
          },
          { name: '10 active', fires: false, series: [{ series: 'active_jobs', values: '10x30' }] },
        ],
      },
    ],
    dashboards: [
      {
        key: 'bacowr-business',
        title: 'Business Metrics',
        rows: [
          {
            title: 'Jobs',
            panels: [
              { title: 'Active Jobs', kind: 'stat', queries: [{ expr: 'sum(active_jobs)' }] },
              {
                title: 'Jobs Delivered (last hour)',
                kind: 'stat',
                queries: [{ expr: 'sum(increase(jobs_completed_total{status="delivered"}[1h]))' }],
              },
              {
                title: 'Job Completion Rate by Status',
                queries: [
                  {
                    expr: 'sum by (status) (rate(jobs_completed_total[$__rate_interval]))',
                    legend: '{{status}}',
                  },
                ],
              },
              {
                title: 'QC block ratio',
                unit: 'percentunit',
                threshold: 0.15,
                queries: [{ expr: 'job:jobs_blocked:ratio_rate30m' }],
              },
              {
                title: 'Batch Review Progress',
                unit: 'percent',
                queries: [{ expr: 'batch_review_progress_percent', legend: '{{batch_id}}' }],
              },
              {
                title: 'QC score p50',
                queries: [
                  { expr: 'histogram_quantile(0.5, sum by (le) (rate(qc_score_bucket[$__rate_interval])))' },
                ],
              },
            ],
          },
        ],
      },
    ],
  },
};

export const adoption: Adoption = {
  seed: '004',
  title: 'BACOWR content pipeline API',
  naming,
  metrics,
  mixin,
  queries: [
    { title: 'Request rate', expr: 'rate(api_requests_total[5m])', data: 'always' },
    {
      title: 'p95 latency',
      expr: 'histogram_quantile(0.95, rate(api_request_duration_seconds_bucket[5m]))',
      correction:
        'Kept as written: valid, but one quantile per series (route, method, status); sum by (le) gives the service-wide p95.',
      data: 'always',
    },
    {
      title: 'Error rate',
      expr: 'sum(rate(api_requests_total{status=~"5.."}[5m])) / sum(rate(api_requests_total[5m])) * 100',
      original: '(rate(api_requests_total{status=~"5.."}[5m]) / rate(api_requests_total[5m])) * 100',
      correction:
        'Without aggregation, one-to-one matching pairs each 5xx series with itself, so the "rate" is 100 % for every series that has 5xx and nothing otherwise: summed before dividing.',
      data: 'always',
    },
    {
      title: 'LLM costs per hour',
      expr: 'rate(llm_generation_cost_dollars_total[1h]) * 3600',
      original: 'rate(llm_generation_cost_dollars[1h]) * 3600',
      correction:
        'A counter is exposed with the _total suffix (prometheus_client does the same for Counter("llm_generation_cost_dollars")): the written name selects nothing.',
      data: 'always',
    },
    { title: 'Active jobs', expr: 'active_jobs', data: 'always' },
    {
      title: 'Business Metrics: LLM Generation Time (p50, p95)',
      expr: 'histogram_quantile(0.95, sum by (le) (rate(llm_generation_duration_seconds_bucket[5m])))',
      correction: 'Written from the panel list.',
      data: 'always',
    },
    {
      title: 'Business Metrics: Delivery Success Rate (%)',
      expr: 'sum(rate(jobs_completed_total{status="delivered"}[5m])) / sum(rate(jobs_completed_total[5m])) * 100',
      correction: 'Written from the panel list.',
      data: 'always',
    },
    {
      title: 'QC score distribution',
      expr: 'histogram_quantile(0.5, sum by (le) (rate(qc_score_bucket[5m])))',
      correction: 'Written from the metric table.',
      data: 'always',
    },
    {
      title: 'API Performance: HTTP Status Codes (2xx, 4xx, 5xx)',
      expr: 'sum by (status) (rate(api_requests_total[5m]))',
      correction: 'Written from the panel list.',
      data: 'always',
    },
    { title: 'Currently processing requests', expr: 'sum(http_requests_inprogress)', data: 'always' },
    {
      title: 'Business Metrics: Batch Review Progress',
      expr: 'batch_review_progress_percent',
      correction: 'Written from the panel list.',
      data: 'always',
    },
  ],
  alerts: [
    {
      alert: 'HighAPIErrorRate',
      expr: 'sum(rate(api_requests_total{status=~"5.."}[5m])) / sum(rate(api_requests_total[5m])) > 0.05',
      for: '5m',
      original: '(rate(api_requests_total{status=~"5.."}[5m]) / rate(api_requests_total[5m])) > 0.05',
      correction:
        'Each 5xx series was divided by itself (1.0 whenever any 5xx exists, so it fired on a single error): summed before dividing.',
      generated: ['HighAPIErrorRate'],
      provokedBy: 'provoked',
    },
    {
      alert: 'HighAPILatency',
      expr: 'histogram_quantile(0.95, sum by (le) (rate(api_request_duration_seconds_bucket[5m]))) > 2',
      for: '5m',
      original: '**HighAPILatency** | p95 latency > 2s for 5min | Warning',
      correction: 'Written from the table row, with the p95 query of the text (summed by le).',
      generated: ['HighAPILatency'],
      provokedBy: 'provoked',
    },
    {
      alert: 'HighQCBlockRate',
      expr: 'sum(rate(jobs_completed_total{status="blocked"}[30m])) / sum(rate(jobs_completed_total[30m])) > 0.15',
      for: '30m',
      original: '**HighQCBlockRate** | QC blocks > 15% for 30min | Warning',
      correction: 'Written from the table row: blocked jobs among completed jobs.',
      generated: ['HighQCBlockRate'],
      provokedBy: 'provoked',
    },
    {
      alert: 'HighLLMCosts',
      expr: 'sum(rate(llm_generation_cost_dollars_total[1h])) * 3600 > 10',
      for: '15m',
      original: '**HighLLMCosts** | Costs > $10/hour for 15min | Warning',
      correction:
        "Written from the table row with the cost query of the text (with the counter's _total name).",
      generated: ['HighLLMCosts'],
      provokedBy: 'provoked',
    },
    {
      alert: 'TooManyActiveJobs',
      expr: 'active_jobs > 100',
      for: '10m',
      original: '**TooManyActiveJobs** | >100 active jobs for 10min | Warning',
      correction: 'Written from the table row.',
      generated: ['TooManyActiveJobs'],
      provokedBy: 'provoked',
    },
    {
      alert: 'APIDown',
      expr: 'up{job="bacowr-api"} == 0',
      for: '2m',
      original: '**APIDown** | API unavailable for 2min | Critical',
      correction: 'Written from the table row.',
      generated: ['APIDown'],
      provokedBy: 'down',
    },
  ],
  emptyPanels: {},
  gaps: [],
};
