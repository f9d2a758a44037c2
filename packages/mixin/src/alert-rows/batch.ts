/** Alert rows of the batch group. */
import { type AlertRow, newEvents } from '../alert-kit.js';
import { num } from '../context.js';
import { series } from '../rules-model.js';

/** BatchJobFailed. */
export const batchJobFailed: AlertRow = {
  name: 'BatchJobFailed',
  group: 'glassbox-batch',
  needs: 'batch',
  metric: 'batch_job_runs_total',
  expr: (k) =>
    newEvents(
      k.ctx.by('job_name'),
      k.ctx.sel('batch_job_runs_total', '', k.ctx.eq('status', 'failure')),
      '1h',
    ),
  summary: (k) => `${k.who}: batch job ${k.lbl('job_name')} failed`,
  description: (k) => `A run of batch job ${k.lbl('job_name')} failed in the last hour.`,
  runbook: (k) => ({
    meaning: 'A batch job run ended with status failure.',
    queries: [
      {
        title: 'Runs by status',
        expr: `sum by (${k.ctx.l('job_name')}, ${k.ctx.l('status')}) (increase(${k.ctx.sel('batch_job_runs_total')}[1d]))`,
      },
    ],
    causes: [
      'Input data missing or late.',
      'A dependency down during the run.',
      'A code bug on a new input shape.',
    ],
    actions: ['Read the job logs; retry; see the backfill-failure runbook for escalation.'],
  }),
  fire: (k) => [
    {
      name: 'first failure of a job',
      series: [
        series(
          k.ctx,
          'batch_job_runs_total',
          { job_name: 'risk-snapshot-backfill', status: 'failure' },
          '_x10 1x30',
        ),
      ],
      evalTime: '25m',
      labels: { ...k.scope, [k.ctx.l('job_name')]: 'risk-snapshot-backfill' },
    },
    {
      name: 'repeated failures',
      series: [
        series(
          k.ctx,
          'batch_job_runs_total',
          { job_name: 'risk-snapshot-backfill', status: 'failure' },
          '0+1x90',
        ),
      ],
      labels: { ...k.scope, [k.ctx.l('job_name')]: 'risk-snapshot-backfill' },
    },
  ],
  silent: (k) => [
    {
      name: 'only successes',
      series: [
        series(
          k.ctx,
          'batch_job_runs_total',
          { job_name: 'risk-snapshot-backfill', status: 'success' },
          '0+1x90',
        ),
        series(
          k.ctx,
          'batch_job_runs_total',
          { job_name: 'risk-snapshot-backfill', status: 'failure' },
          '0x90',
        ),
      ],
    },
  ],
};

/** BatchJobStale. */
export const batchJobStale: AlertRow = {
  name: 'BatchJobStale',
  group: 'glassbox-batch',
  needs: 'batch',
  metric: 'batch_job_last_success_timestamp_seconds',
  expr: (k, t) => {
    const by = k.ctx.by('job_name');
    const jobs = Object.entries(k.cfg.batchJobIntervals);
    const last = (m?: string) =>
      `time() - max by (${by}) (${m === undefined ? k.ctx.sel('batch_job_last_success_timestamp_seconds') : k.ctx.sel('batch_job_last_success_timestamp_seconds', '', m)})`;
    if (jobs.length === 0) return `${last()}\n> ${num(t)}`;
    const others = k.ctx.eq(
      'job_name',
      jobs.map(([j]) => j.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|'),
      '!~',
    );
    return [
      `${last(others)} > ${num(t)}`,
      ...jobs.map(([j, s]) => `${last(k.ctx.eq('job_name', j))} > ${num(s)}`),
    ].join('\nor\n');
  },
  summary: (k) => `${k.who}: batch job ${k.lbl('job_name')} has not succeeded within its expected interval`,
  description: (k, t) =>
    `Batch job ${k.lbl('job_name')} has had no successful run for longer than expected (default ${num(t / 3600)} h).`,
  runbook: (k) => ({
    meaning: 'The last successful run of the job is older than its expected interval.',
    queries: [
      {
        title: 'Time since last success',
        expr: `time() - ${k.ctx.sel('batch_job_last_success_timestamp_seconds')}`,
      },
      {
        title: 'Triggers',
        expr: `sum by (${k.ctx.l('batch_job')}) (increase(${k.ctx.sel('batch_job_triggers_total')}[1d]))`,
      },
    ],
    causes: [
      'The scheduler stopped triggering the job (no triggers either).',
      'Every run fails (see BatchJobFailed).',
      `The job hangs (${k.ctx.m('batch_job_in_progress')} stays at 1).`,
    ],
    actions: ['Check the scheduler and the job logs; run the job by hand once fixed.'],
  }),
  fire: (k, t) => [
    {
      name: 'last success long before the window',
      series: [
        series(
          k.ctx,
          'batch_job_last_success_timestamp_seconds',
          { job_name: 'model-monitoring' },
          `-${num(t + 7200)}x90`,
        ),
      ],
      labels: { ...k.scope, [k.ctx.l('job_name')]: 'model-monitoring' },
    },
  ],
  silent: (k) => [
    {
      name: 'succeeding every minute',
      series: [
        series(
          k.ctx,
          'batch_job_last_success_timestamp_seconds',
          { job_name: 'model-monitoring' },
          '0+60x90',
        ),
      ],
    },
  ],
};
