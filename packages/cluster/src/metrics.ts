/**
 * The primary's own metrics about aggregation, defined through core so their names are
 * validated like every catalog metric. They are recorded on the primary's Glassbox
 * instance and merged into the exposition, so Prometheus sees which workers were missed.
 */
import { defineCounter, defineGauge } from '@glassbox/core';

/** Why a worker is missing from a scrape. */
export type WorkerFailureReason = 'timeout' | 'exited' | 'no_glassbox' | 'error';

/** Every {@link WorkerFailureReason}, for docs and dashboards. */
export const WORKER_FAILURE_REASONS: readonly WorkerFailureReason[] = Object.freeze([
  'timeout',
  'exited',
  'no_glassbox',
  'error',
]);

/** Definitions of the cluster metrics. */
export const clusterMetrics = Object.freeze({
  /** Workers missing from a scrape, by reason. */
  workerScrapeFailuresTotal: defineCounter({
    group: 'cluster',
    name: 'glassbox_cluster_worker_scrape_failures_total',
    help: 'Cluster workers whose metrics were missing from a scrape, by reason (timeout, exited, no_glassbox, error).',
    labelNames: ['reason'] as const,
  }),
  /** Workers asked in the last scrape. */
  workers: defineGauge({
    group: 'cluster',
    name: 'glassbox_cluster_workers',
    help: 'Cluster workers asked for their metrics in the last scrape.',
    aggregate: 'max',
  }),
  /** Workers that answered the last scrape. */
  workersAnswered: defineGauge({
    group: 'cluster',
    name: 'glassbox_cluster_workers_answered',
    help: 'Cluster workers whose metrics are included in the last scrape.',
    aggregate: 'max',
  }),
  /** Answers that arrived after their scrape had finished (ignored). */
  lateAnswersTotal: defineCounter({
    group: 'cluster',
    name: 'glassbox_cluster_late_answers_total',
    help: 'Worker answers that arrived after their scrape had finished and were ignored.',
  }),
  /** Time the last scrape spent asking the workers and waiting for their answers. */
  collectDuration: defineGauge({
    group: 'cluster',
    name: 'glassbox_cluster_collect_duration_seconds',
    help: 'Time the last scrape spent asking the workers for their metrics and waiting for the answers.',
    unit: 'seconds',
    aggregate: 'max',
  }),
});
