/** Alert row of batch jobs that push to a Pushgateway (generated when `pushgateway` is configured). */
import type { AlertKit, AlertRow } from '../alert-kit.js';
import { num } from '../context.js';
import { rawSeries, targetLabels } from '../rules-model.js';

/** The `job` of the gateway's own metrics and `up`: its scrape job. */
const gatewayJob = (k: AlertKit) => k.cfg.pushgateway?.jobName ?? 'pushgateway';

/** `up{job="<the gateway's scrape job>"}`. */
const gatewayUp = (k: AlertKit) => `up{job="${gatewayJob(k)}"}`;

/** The gateway target's labels in the promtool cases. */
const gatewayTarget = (k: AlertKit) => ({ job: gatewayJob(k), instance: 'pushgateway:9091' });

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
      `Check the gateway's own target (\`${gatewayUp(k)}\`, alerted on by PushgatewayDown) and its /metrics page.`,
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

/**
 * PushgatewayDown: without it a gateway that is down is silent, since its groups'
 * `push_time_seconds` go stale and `BatchJobNotPushed` has nothing to compare.
 */
export const pushgatewayDown: AlertRow = {
  name: 'PushgatewayDown',
  group: 'glassbox-batch',
  needs: 'pushgateway',
  expr: (k) => `${gatewayUp(k)} == 0`,
  summary: () => 'Pushgateway {{ $labels.instance }} is down: the batch jobs’ pushed metrics are not scraped',
  description: () =>
    'Prometheus cannot scrape the Pushgateway {{ $labels.instance }}. While it is down the pushed groups go stale, so BatchJobNotPushed and the batch alerts cannot fire, and the jobs’ pushes fail (they are counted, and each job logs the failure once).',
  runbook: (k) => ({
    meaning:
      'The Pushgateway batch jobs push to is not answering Prometheus’s scrapes. Every batch alert that reads pushed series is blind until it is back.',
    queries: [
      { title: 'Gateway targets down', expr: `${gatewayUp(k)} == 0` },
      {
        title: 'Pushes that failed, per job (the jobs’ own counter, when they still reach a gateway)',
        expr: 'glassbox_instrumentation_errors_total{component="pushgateway"}',
      },
    ],
    causes: [
      'The gateway process or container stopped, or restarts in a loop.',
      'The scrape address in the generated prometheus.yml (`pushgateway.targets`) no longer matches the gateway.',
      'A network policy blocks Prometheus from the gateway.',
    ],
    actions: [
      'Open Prometheus → Status → Targets and read the gateway target’s last scrape error.',
      'Restart the gateway. Without `--persistence.file` it lost every group: the jobs’ metrics return with their next runs.',
    ],
  }),
  fire: (k) => [
    { name: 'gateway down', series: [rawSeries('up', gatewayTarget(k), '0x90')], labels: gatewayTarget(k) },
  ],
  silent: (k) => [{ name: 'gateway up', series: [rawSeries('up', gatewayTarget(k), '1x90')] }],
};
