/** Mixin configs of the seed teams' naming overrides, shared by the unit and promtool tests. */
import { defineGauge } from '@glassbox/core';
import type { MixinConfig } from '../src/index.js';

export const SEED_001: MixinConfig = {
  naming: { overrides: { ml_predictions_total: { labelRename: { outcome: 'tier' } } } },
};

export const SEED_002: MixinConfig = {
  naming: {
    overrides: {
      http_request_duration_seconds: { buckets: [0.05, 0.1, 0.2, 0.5, 1, 2], help: 'Request latency' },
    },
  },
  slos: [{ name: 'p99-latency', type: 'latency', objective: 0.99, threshold: 0.2 }],
};

const progress = defineGauge({
  name: 'batch_review_progress_percent',
  help: 'Batch processing progress per batch_id.',
  labelNames: ['batch_id'],
  legacy: true,
});

export const SEED_004: MixinConfig = {
  groups: ['http', 'llm'],
  custom: {
    metrics: [progress],
    alerts: [
      {
        alert: 'BatchReviewStalled',
        expr: 'max by (job, batch_id) (batch_review_progress_percent) < 100',
        for: '30m',
        severity: 'warning',
        summary: 'Batch {{ $labels.batch_id }} has been under 100 % for 30 minutes',
        tests: [
          {
            name: 'fires when a batch stays at 75 %',
            series: [{ series: 'batch_review_progress_percent{batch_id="b1"}', values: '75x60' }],
            fires: true,
            labels: { job: 'glassbox', batch_id: 'b1' },
          },
          {
            name: 'silent when the batch is done',
            series: [{ series: 'batch_review_progress_percent{batch_id="b1"}', values: '100x60' }],
            fires: false,
          },
        ],
      },
    ],
  },
};
