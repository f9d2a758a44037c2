/**
 * Batch jobs that exit: run one run of a core batch job, then push its metrics to the
 * Pushgateway (on success and on failure), so a CronJob or a one-shot script leaves its
 * outcome where Prometheus can scrape it. Pushing lives here, not in core: core has no
 * HTTP client, the exporter depends on core.
 */
import { type BatchJob, type BatchRun, catalog, type Glassbox, validateOptions } from '@glassbox/core';
import type { Pushgateway, PushResult } from './push.js';

/** What {@link runAndPush} did at the gateway, for callers that want to log or exit on it. */
export type PushOutcome = PushResult & { readonly action: 'push' | 'delete' };

/** Options of {@link runAndPush}. */
export interface RunAndPushOptions {
  /** Called with what the gateway answered (the job's own result or error is unchanged). Must not throw. @default undefined */
  readonly onPushed?: (outcome: PushOutcome) => void;
}

/**
 * Runs `fn` as one run of `job`, then pushes the metrics through `gateway`; returns
 * what `fn` returned, or rethrows what it threw, after the push. The push never fails
 * the job: a gateway that is down costs at most `gateway.maxDurationMs` and is counted.
 *
 * - success: push (or, with `deleteOnSuccess`, delete the group);
 * - failure: push everything except `batch_job_last_success_timestamp_seconds`, so with
 *   the default POST the gateway keeps the last success of an earlier run.
 *
 * @example
 * ```ts
 * await runAndPush(gateway, nightly, async (run) => { ...; run.items(n); });
 * ```
 */
export async function runAndPush<R>(
  gateway: Pushgateway,
  job: BatchJob,
  fn: (run: BatchRun) => R | Promise<R>,
  options: RunAndPushOptions = {},
): Promise<Awaited<R>> {
  if (gateway === null || typeof gateway !== 'object' || typeof gateway.push !== 'function')
    throw new TypeError('Glassbox pushgateway: runAndPush needs a gateway from createPushgateway()');
  if (job === null || typeof job !== 'object' || typeof job.run !== 'function')
    throw new TypeError('Glassbox pushgateway: runAndPush needs a batch job from createBatchJob()');
  validateOptions('Glassbox runAndPush', options, { onPushed: 'function' });
  let result: Awaited<R>;
  try {
    result = await job.run(fn);
  } catch (error) {
    notify(options, 'push', await gateway.push({ omit: [lastSuccessName(gateway.glassbox)] }));
    throw error;
  }
  if (gateway.deleteOnSuccess) notify(options, 'delete', await gateway.delete());
  else notify(options, 'push', await gateway.push());
  return result;
}

/** The exposed name of the last-success gauge, under the instance's naming options. */
function lastSuccessName(glassbox: Glassbox | undefined): string {
  const name = catalog.batch.lastSuccess.name;
  return glassbox?.definitions().find((d) => d.definition.name === name)?.name ?? name;
}

function notify(options: RunAndPushOptions, action: 'push' | 'delete', result: PushResult): void {
  try {
    options.onPushed?.({ ...result, action });
  } catch {
    // a callback must not change the job's outcome
  }
}
