/** Alert row of batch jobs that push to a Pushgateway (generated when `pushgateway` is configured). */
import type { AlertRow } from '../alert-kit.js';
import { num } from '../context.js';
import { rawSeries, targetLabels } from '../rules-model.js';

/** `push_time_seconds{<selector>}`: the gateway's own metric, one series per group, never renamed. */
const pushTime = (selector: string) => `push_time_seconds${selector === '' ? '' : `{${selector}}`}`;

/** BatchJobNotPushed. */
export const batchJobNotPushed: AlertRow = {
  name: 'BatchJobNotPushed',
  group: 'glassbox-batch',
  needs: 'pushgateway',
  expr: (k, t) => `time() - ${pushTime(k.cfg.selector)} > ${num(t)}`,
  summary: (k) =>
    `${k.who}: a batch job (instance {{ $labels.instance }}) has not pushed to the Pushgateway within its interval`,
  description: (k, t) =>
    `The last successful push of ${k.who} (instance {{ $labels.instance }}) to the Pushgateway is older than ${num(t / 3600)} h: the job has not run, or ran and could not push.`,
  runbook: (k) => ({
    meaning:
      'A batch job that exits pushes its metrics to the Pushgateway when it ends; the gateway stamps each group with `push_time_seconds`. No push for longer than the threshold means the job did not run, hung, or could not reach the gateway (a job never fails on a push, it logs the failure once and counts it).',
    queries: [
      { title: 'Time since the last push, per group', expr: `time() - ${pushTime(k.cfg.selector)}` },
      {
        title: 'Groups whose last push was refused (invalid or inconsistent metrics)',
        expr: `push_failure_time_seconds${k.cfg.selector === '' ? '' : `{${k.cfg.selector}}`} > ${pushTime(k.cfg.selector)}`,
      },
    ],
    causes: [
      'The scheduler (CronJob, cron) stopped starting the job, or the job hangs.',
      'The job cannot reach the gateway (address, network policy, credentials): its log has one "push to the Pushgateway failed" line per cause.',
      'The gateway restarted without `--persistence.file` and lost the groups (then no alert can fire for them until they push again).',
    ],
    actions: [
      'Check the scheduler and the last run’s log; run the job by hand once fixed.',
      `Check the gateway's own target (\`up{job="${k.cfg.pushgateway?.jobName ?? 'pushgateway'}"}\`) and its /metrics page.`,
    ],
  }),
  fire: (k, t) => {
    const labels = { ...targetLabels(k.ctx), instance: 'nightly-scoring' };
    return [
      {
        name: 'last push long before the threshold',
        series: [rawSeries('push_time_seconds', labels, `-${num(t + 7200)}x90`)],
        labels,
      },
    ];
  },
  silent: (k, t) => {
    const labels = { ...targetLabels(k.ctx), instance: 'nightly-scoring' };
    return [
      { name: 'pushing every minute', series: [rawSeries('push_time_seconds', labels, '0+60x90')] },
      {
        // at the evaluation (30m = 1800 s) the last push is half the threshold old
        name: 'last push half the threshold ago',
        series: [rawSeries('push_time_seconds', labels, `${num(1800 - t / 2)}x90`)],
      },
    ];
  },
};
