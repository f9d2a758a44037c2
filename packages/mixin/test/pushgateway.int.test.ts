/**
 * Batch jobs that exit, end to end: jobs push through `@glassbox/exporter`'s client to a
 * real Pushgateway, a real Prometheus scrapes it with the generated scrape job and
 * evaluates the generated rules. `honor_labels` keeps each group's `job` and `instance`
 * (no `exported_job`), the batch rules select the pushed series, and `BatchJobNotPushed`
 * fires for the group that stopped pushing and stays silent for the one that pushes;
 * `PushgatewayDown` fires once the gateway itself stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBatchJob, createGlassbox, nativeBackend } from '@glassbox/core';
import { createPushgateway, runAndPush } from '@glassbox/exporter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusBinary, type StartedPrometheus, startPrometheus } from '../../../test/tools/prometheus.js';
import {
  pushgatewayBinary,
  type StartedPushgateway,
  startPushgateway,
} from '../../../test/tools/pushgateway.js';
import { generateMixin, OUTPUT_PATHS, writeMixin } from '../src/index.js';

/** One process's worth of a batch job: a fresh instance and a gateway client for its group. */
function jobProcess(gw: StartedPushgateway, name: string, instance: string) {
  const backend = nativeBackend();
  const glassbox = createGlassbox({ backend, logger: null });
  const job = createBatchJob(glassbox, { name });
  // job: the label the generated rules select (scrape.jobName); instance tells the jobs apart
  const gateway = createPushgateway({ url: gw.url, job: 'glassbox', instance, sources: [backend], glassbox });
  return { job, gateway };
}

interface Alert {
  labels: Record<string, string>;
  state: string;
}

describe.skipIf(prometheusBinary.skip || pushgatewayBinary.skip)(
  'Prometheus scrapes the Pushgateway with the generated scrape job',
  () => {
    let dir = '';
    let gw: StartedPushgateway;
    let prom: StartedPrometheus;
    let fresh: NodeJS.Timeout | undefined;
    const THRESHOLD = 4;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'glassbox-pushgateway-e2e-'));
      gw = await startPushgateway();
      // Two runs that ended long ago (a success and a failure) and a job that keeps pushing.
      const stale = jobProcess(gw, 'nightly-scoring', 'nightly-scoring');
      await runAndPush(stale.gateway, stale.job, () => 'done');
      const failed = jobProcess(gw, 'backfill', 'backfill');
      await runAndPush(failed.gateway, failed.job, () => Promise.reject(new Error('no input'))).catch(
        () => {},
      );
      const live = jobProcess(gw, 'every-second', 'every-second');
      await runAndPush(live.gateway, live.job, () => undefined);
      fresh = setInterval(() => void live.gateway.push(), 500);
      const output = generateMixin({
        groups: ['batch'],
        scrape: { targets: [], kubernetes: null, interval: '1s', timeout: '1s' },
        pushgateway: { targets: [gw.address] },
        alerts: { BatchJobNotPushed: { threshold: THRESHOLD, for: '0s' }, PushgatewayDown: { for: '0s' } },
        evaluationInterval: '1s',
      });
      await writeMixin(output, dir);
      prom = await startPrometheus(join(dir, OUTPUT_PATHS.prometheusConfig));
      await prom.until('the gateway target to be up', async () => {
        const up = await prom.query('up{job="pushgateway"} == 1');
        return up.length === 1 ? true : undefined;
      });
    });

    afterAll(async () => {
      clearInterval(fresh);
      await prom?.stop();
      await gw?.stop();
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    });

    it('honor_labels keeps the pushed job and instance; the gateway’s own metrics keep the scrape job', async () => {
      const runs = await prom.until('pushed runs', async () => {
        const r = await prom.query('batch_job_runs_total');
        return r.length === 6 ? r : undefined;
      });
      const keys = runs
        .map((s) => [s.metric.job, s.metric.instance, s.metric.job_name, s.metric.status])
        .sort();
      expect(keys).toEqual([
        ['glassbox', 'backfill', 'backfill', 'failure'],
        ['glassbox', 'backfill', 'backfill', 'success'],
        ['glassbox', 'every-second', 'every-second', 'failure'],
        ['glassbox', 'every-second', 'every-second', 'success'],
        ['glassbox', 'nightly-scoring', 'nightly-scoring', 'failure'],
        ['glassbox', 'nightly-scoring', 'nightly-scoring', 'success'],
      ]);
      expect(runs.some((s) => 'exported_job' in s.metric || 'exported_instance' in s.metric)).toBe(false);
      const own = await prom.query('pushgateway_build_info');
      expect(own.map((s) => s.metric.job)).toEqual(['pushgateway']);
      expect(own[0]?.metric.instance).toBe(gw.address);
    });

    it('BatchJobNotPushed fires for the groups that stopped pushing, never for the one that pushes', async () => {
      const firing = await prom.until('BatchJobNotPushed to fire', async () => {
        const { alerts } = await prom.api<{ alerts: Alert[] }>('/api/v1/alerts');
        const mine = alerts.filter((a) => a.labels.alertname === 'BatchJobNotPushed' && a.state === 'firing');
        return mine.length === 2 ? mine : undefined;
      });
      expect(firing.map((a) => a.labels.instance).sort()).toEqual(['backfill', 'nightly-scoring']);
      expect(firing[0]?.labels).toMatchObject({ job: 'glassbox', severity: 'warning', team: 'platform' });
      // the rule's expression, evaluated by Prometheus now
      const expr = generateMixin({
        groups: ['batch'],
        pushgateway: { targets: [gw.address] },
        alerts: { BatchJobNotPushed: { threshold: THRESHOLD } },
      }).alerts.find((a) => a.alert === 'BatchJobNotPushed')?.expr as string;
      const stale = await prom.query(expr);
      expect(stale.map((s) => s.metric.instance).sort()).toEqual(['backfill', 'nightly-scoring']);
      const ages = await prom.query('time() - push_time_seconds{job="glassbox", instance="every-second"}');
      expect(Number(ages[0]?.value[1])).toBeLessThan(THRESHOLD);
    });

    it('the batch rules read the pushed series: the failed run fires BatchJobFailed', async () => {
      const failed = await prom.until('BatchJobFailed to fire', async () => {
        const { alerts } = await prom.api<{ alerts: Alert[] }>('/api/v1/alerts');
        const mine = alerts.filter((a) => a.labels.alertname === 'BatchJobFailed');
        return mine.length > 0 ? mine : undefined;
      });
      expect(failed.map((a) => a.labels.job_name)).toEqual(['backfill']);
    });

    // Last: it stops the gateway.
    it('PushgatewayDown is silent while the gateway answers and fires once it stops', async () => {
      const active = async () => {
        const { alerts } = await prom.api<{ alerts: Alert[] }>('/api/v1/alerts');
        return alerts.filter((a) => a.labels.alertname === 'PushgatewayDown');
      };
      expect(await active()).toEqual([]);
      clearInterval(fresh);
      await gw.stop();
      const down = await prom.until('PushgatewayDown to fire', async () => {
        const mine = (await active()).filter((a) => a.state === 'firing');
        return mine.length > 0 ? mine : undefined;
      });
      expect(down.map((a) => [a.labels.job, a.labels.instance])).toEqual([['pushgateway', gw.address]]);
      expect(down[0]?.labels).toMatchObject({ severity: 'warning', team: 'platform' });
    });
  },
);
