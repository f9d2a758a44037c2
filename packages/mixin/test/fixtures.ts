import { defineCounter, defineHistogram } from '@glassbox/core';
import type { CustomConfig } from '../src/index.js';

/** A team's own metrics, alerts, recording rules and panels (seed 004's content pipeline). */
export const TEAM: CustomConfig = {
  metrics: [
    defineCounter({ name: 'qc_checks_total', help: 'QC checks, by result.', labelNames: ['result'] }),
    { kind: 'gauge', name: 'jobs_active', help: 'Jobs in progress.' },
    defineHistogram({ name: 'qc_score', help: 'QC score.', buckets: [0.25, 0.5, 0.75, 1] }),
  ],
  recording: [
    {
      record: 'job:qc_block:ratio_rate30m',
      expr: 'sum by (job) (rate(qc_checks_total{result="block"}[30m])) / sum by (job) (rate(qc_checks_total[30m]))',
    },
  ],
  alerts: [
    {
      alert: 'HighQCBlockRate',
      expr: 'job:qc_block:ratio_rate30m > 0.15',
      for: '30m',
      summary: 'QC blocks more than 15 % of the content of {{ $labels.job }}',
      tests: [
        {
          name: '20 % blocked',
          fires: true,
          evalTime: '90m',
          series: [
            { series: 'qc_checks_total{result="block"}', values: '0+2x120' },
            { series: 'qc_checks_total{result="pass"}', values: '0+8x120' },
          ],
          labels: { job: 'glassbox' },
        },
        {
          name: '5 % blocked',
          fires: false,
          evalTime: '90m',
          series: [
            { series: 'qc_checks_total{result="block"}', values: '0+1x120' },
            { series: 'qc_checks_total{result="pass"}', values: '0+19x120' },
          ],
        },
      ],
    },
    {
      alert: 'TooManyActiveJobs',
      expr: 'sum by (job) (jobs_active) > 100',
      for: '10m',
      severity: 'warning',
      team: 'content',
      summary: 'More than 100 active jobs',
      runbook: {
        meaning: 'Jobs pile up.',
        causes: ['Stuck jobs.'],
        queries: [{ title: 'Active', expr: 'jobs_active' }],
      },
      tests: [
        {
          name: '150 active',
          fires: true,
          series: [{ series: 'jobs_active', values: '150x30' }],
          labels: { job: 'glassbox' },
        },
        { name: '10 active', fires: false, series: [{ series: 'jobs_active', values: '10x30' }] },
      ],
    },
  ],
  dashboards: [
    {
      key: 'content',
      title: 'Content pipeline',
      rows: [
        {
          title: 'QC',
          panels: [
            {
              title: 'QC block ratio',
              unit: 'percentunit',
              threshold: 0.15,
              queries: [{ expr: 'job:qc_block:ratio_rate30m', legend: '{{job}}' }],
            },
            {
              title: 'QC score p50',
              queries: [
                { expr: 'histogram_quantile(0.5, sum by (le) (rate(qc_score_bucket[$__rate_interval])))' },
              ],
            },
            {
              title: 'Checks by result',
              queries: [{ expr: 'sum by (result) (rate(qc_checks_total[5m]))', legend: '{{result}}' }],
            },
          ],
        },
      ],
    },
  ],
};
