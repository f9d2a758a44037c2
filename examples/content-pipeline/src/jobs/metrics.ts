import { defineCounter, defineGauge, defineHistogram, linearBuckets } from '@glassbox/core';

/** The pipeline's own metrics, defined once with the same guards and docs as the catalog. */
export const activeJobs = defineGauge({
  name: 'active_jobs',
  help: 'Content jobs being generated or checked right now',
});
export const jobsCompleted = defineCounter({
  name: 'jobs_completed_total',
  help: 'Content jobs that finished, by status: delivered, blocked (failed QC) or failed',
  labelNames: ['status'],
});
export const qcScore = defineHistogram({
  name: 'qc_score',
  help: 'Quality-check score of generated content (0..1; below the threshold it is blocked)',
  buckets: linearBuckets(0.1, 0.1, 10),
});
export const JOB_STATUSES = ['delivered', 'blocked', 'failed'] as const;
