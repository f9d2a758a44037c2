/**
 * The batch jobs this worker runs. Each is a plain async function that reports items
 * and progress on the run handle of core's batch instrument; the instrument records
 * duration, success/failure, in-progress, last success, items and progress.
 */
import type { BatchRun } from '@glassbox/core';

/** The message the orchestrator publishes. */
export interface JobMessage {
  readonly jobName: string;
  readonly runId: string;
  readonly triggeredAt?: string;
  readonly params?: {
    /** Items to process (backfills). */
    readonly items?: number;
    /** Make the run fail, as the upstream outage it stands for would. */
    readonly simulateFailure?: boolean;
    /** Extra time per item, ms (slow runs). */
    readonly itemDelayMs?: number;
  };
}

export type JobFn = (message: JobMessage, run: BatchRun, signal: AbortSignal) => Promise<void>;

/** An upstream the job depends on failed; the run fails (and is retried once). */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

async function processItems(
  message: JobMessage,
  run: BatchRun,
  signal: AbortSignal,
  defaults: { items: number; delay: number },
) {
  const total = Math.max(1, Math.min(10_000, message.params?.items ?? defaults.items));
  const delay = Math.max(0, Math.min(1000, message.params?.itemDelayMs ?? defaults.delay));
  for (let i = 0; i < total; i++) {
    if (signal.aborted) throw new Error('worker shutting down');
    await sleep(delay, signal);
    // Every 17th record has no snapshot source: skipped, not fatal.
    if (i % 17 === 16) run.items(1, 'skipped');
    else run.items(1);
    run.progress((i + 1) / total);
    if (message.params?.simulateFailure === true && i >= total / 2)
      throw new UpstreamError('snapshot store returned 503');
  }
}

export const JOBS: Readonly<Record<string, JobFn>> = {
  /** Recomputes risk snapshots of past days: many items, slow. */
  'risk-snapshot-backfill': (message, run, signal) =>
    processItems(message, run, signal, { items: 40, delay: 25 }),
  /** Pulls won/lost outcomes from the CRM to label predictions: few items, fast, the CRM is flaky. */
  'outcome-sync': async (message, run, signal) => {
    if (message.params?.simulateFailure === true) {
      await sleep(30, signal);
      throw new UpstreamError('CRM API returned 503');
    }
    await processItems(message, run, signal, { items: 8, delay: 5 });
  },
  /** Refreshes the revenue forecast: one long step. */
  'forecast-refresh': (message, run, signal) => processItems(message, run, signal, { items: 5, delay: 150 }),
};
