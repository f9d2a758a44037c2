/**
 * Batch jobs: a runner that records duration, runs and status, runs in progress
 * (overlapping runs counted), last success time, items processed and progress; and
 * the trigger counter of the service that schedules jobs.
 */
import { catalog } from '../catalog.js';
import type { BoundCounter, BoundGauge, BoundHistogram, Glassbox } from '../glassbox.js';
import { validateOptions } from '../options.js';
import { BoundedValues, checkLabelValue, passThrough, secondsSince, zeroed } from './shared.js';

/** Options of {@link createBatchJob}. */
export interface BatchJobOptions {
  /** Job name (the `job_name` label). */
  readonly name: string;
  /**
   * Declared outcomes of processed items; others are recorded as `other` and counted.
   * @default ['success', 'failure', 'skipped']
   */
  readonly itemOutcomes?: readonly string[];
  /** Clock for `batch_job_last_success_timestamp_seconds`, in milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** Defaults of {@link BatchJobOptions}. */
export const BATCH_JOB_DEFAULTS = Object.freeze({
  itemOutcomes: Object.freeze(['success', 'failure', 'skipped']),
});

/** One run of a job. Call `succeed()` or `fail()` once; later calls are ignored and counted. */
export interface BatchRun {
  /** Sets `batch_job_progress_ratio` (clamped to 0..1). */
  progress(ratio: number): void;
  /** Adds to `batch_job_items_processed_total{outcome}`. @param count default 1 @param outcome default 'success' */
  items(count?: number, outcome?: string): void;
  /** The run succeeded. */
  succeed(): void;
  /** The run failed. */
  fail(error?: unknown): void;
}

/** A batch job. */
export interface BatchJob {
  readonly name: string;
  /** Starts a run driven by explicit calls. */
  start(): BatchRun;
  /**
   * Runs `fn` as one run: success when it returns (or its promise resolves), failure
   * when it throws (or rejects). Returns, throws and rejects exactly as `fn` does.
   */
  run<R>(fn: (run: BatchRun) => R): R;
  /** Wraps a job function so each call is one run. */
  // biome-ignore lint/suspicious/noExplicitAny: a wrapped function may take any arguments
  wrap<F extends (...args: any[]) => unknown>(fn: F): F;
  /** Runs of this job in progress now. */
  inProgress(): number;
}

/** The series of one job, bound once at creation. */
interface BatchSeries {
  readonly duration: Record<'success' | 'failure', BoundHistogram>;
  readonly runs: Record<'success' | 'failure', BoundCounter>;
  readonly lastSuccess: BoundGauge;
  readonly inProgress: BoundGauge;
  readonly progress: BoundGauge;
  readonly items: Map<string, BoundCounter>;
}

/** A job's shared state: what its runs record to and how many are in progress. */
interface BatchJobState {
  readonly glassbox: Glassbox;
  readonly outcomes: BoundedValues;
  readonly now: () => number;
  readonly series: BatchSeries;
  running: number;
}

/** Creates the job's metrics and binds its series (declared outcomes at 0). */
function bindBatchSeries(glassbox: Glassbox, name: string, outcomes: BoundedValues): BatchSeries {
  const duration = glassbox.histogram(catalog.batch.duration);
  const runs = glassbox.counter(catalog.batch.runsTotal);
  const durationSeries: Record<'success' | 'failure', BoundHistogram> = {
    success: duration.bind({ job_name: name, status: 'success' }),
    failure: duration.bind({ job_name: name, status: 'failure' }),
  };
  const runSeries: Record<'success' | 'failure', BoundCounter> = {
    success: zeroed(runs.bind({ job_name: name, status: 'success' })),
    failure: zeroed(runs.bind({ job_name: name, status: 'failure' })),
  };
  const lastSuccess: BoundGauge = glassbox.gauge(catalog.batch.lastSuccess).bind({ job_name: name });
  const inProgressGauge: BoundGauge = glassbox.gauge(catalog.batch.inProgress).bind({ job_name: name });
  const progressGauge: BoundGauge = glassbox.gauge(catalog.batch.progress).bind({ job_name: name });
  const items = glassbox.counter(catalog.batch.itemsProcessedTotal);
  const itemSeries = new Map<string, BoundCounter>();
  for (const o of outcomes.all()) itemSeries.set(o, zeroed(items.bind({ job_name: name, outcome: o })));
  return {
    duration: durationSeries,
    runs: runSeries,
    lastSuccess,
    inProgress: inProgressGauge,
    progress: progressGauge,
    items: itemSeries,
  };
}

/** Starts one run of a job. */
function startBatchRun(job: BatchJobState): BatchRun {
  const { glassbox, series, now } = job;
  const t0 = performance.now();
  if (job.running === 0) series.progress.set(0);
  job.running++;
  series.inProgress.set(job.running);
  let done = false;
  const finish = (status: 'success' | 'failure') => {
    if (done) {
      glassbox.reportError('batch', 'a run ended twice; ignored');
      return;
    }
    done = true;
    try {
      job.running--;
      series.inProgress.set(job.running);
      series.duration[status].observe(secondsSince(t0));
      series.runs[status].inc(1);
      if (status === 'success') {
        series.lastSuccess.set(now() / 1000);
        if (job.running === 0) series.progress.set(1);
      }
    } catch (error) {
      glassbox.reportError('batch', 'recording a run failed', error);
    }
  };
  return {
    progress(ratio) {
      if (typeof ratio !== 'number' || Number.isNaN(ratio)) {
        glassbox.reportError('batch', 'progress ratio is not a number; dropped');
        return;
      }
      series.progress.set(Math.min(1, Math.max(0, ratio)));
    },
    items(count = 1, outcome = 'success') {
      (series.items.get(job.outcomes.resolve(outcome)) as BoundCounter).inc(count);
    },
    succeed: () => finish('success'),
    fail: () => finish('failure'),
  };
}

/** Runs `fn` as one run of the job; returns, throws and rejects exactly as `fn` does. */
function runBatchJob<R>(job: BatchJobState, fn: (r: BatchRun) => R): R {
  const r = startBatchRun(job);
  return passThrough(
    job.glassbox,
    'batch',
    () => fn(r),
    () => r.succeed(),
    () => r.fail(),
  );
}

/**
 * Creates a batch job instrument.
 *
 * Overlapping runs: `batch_job_in_progress` is the number of runs between start and
 * end; `batch_job_progress_ratio` is the last value any run reported, reset to 0
 * when a run starts while no other is in progress and set to 1 when the last
 * running run succeeds.
 *
 * @example
 * ```ts
 * const nightly = createBatchJob(glassbox, { name: 'nightly-scoring' });
 * await nightly.run(async (run) => { for (...) { ...; run.items(1); run.progress(i / n); } });
 * ```
 */
export function createBatchJob(glassbox: Glassbox, options: BatchJobOptions): BatchJob {
  validateOptions('Glassbox batch', options, { name: 'string', itemOutcomes: 'array', now: 'function' });
  const name = checkLabelValue('job name', options.name);
  const outcomes = new BoundedValues(
    glassbox,
    'batch',
    'item outcome',
    options.itemOutcomes ?? BATCH_JOB_DEFAULTS.itemOutcomes,
    'other',
  );
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('Glassbox batch: now must be a function');

  const series = bindBatchSeries(glassbox, name, outcomes);
  series.inProgress.set(0);
  const job: BatchJobState = { glassbox, outcomes, now, series, running: 0 };
  const run = <R>(fn: (r: BatchRun) => R): R => runBatchJob(job, fn);

  return {
    name,
    start: () => startBatchRun(job),
    run,
    // biome-ignore lint/suspicious/noExplicitAny: a wrapped function may take any arguments
    wrap<F extends (...args: any[]) => unknown>(fn: F): F {
      if (typeof fn !== 'function') throw new TypeError('Glassbox batch: wrap() needs a function');
      return function (this: unknown, ...args: Parameters<F>) {
        return run(() => fn.apply(this, args));
      } as F;
    },
    inProgress: () => job.running,
  };
}

/** Options of {@link createBatchTriggers}. */
export interface BatchTriggerOptions {
  /**
   * Jobs that may be triggered; others are recorded as `other` and counted. Empty
   * accepts any name (the metric's series cap still applies).
   * @default []
   */
  readonly jobs?: readonly string[];
}

/** The scheduler side: `batch_job_triggers_total{batch_job}`. */
export interface BatchTriggers {
  /** Counts one trigger of `job`. Never throws. */
  trigger(job: string): void;
}

/** Creates the trigger counter for a service that schedules batch jobs. */
export function createBatchTriggers(glassbox: Glassbox, options: BatchTriggerOptions = {}): BatchTriggers {
  validateOptions('Glassbox batch triggers', options, { jobs: 'array' });
  const jobs = options.jobs ?? [];
  const bounded =
    jobs.length > 0 ? new BoundedValues(glassbox, 'batch', 'triggered job', jobs, 'other') : undefined;
  const counter = glassbox.counter(catalog.batch.triggersTotal);
  const series = new Map<string, BoundCounter>();
  if (bounded !== undefined)
    for (const j of bounded.all()) series.set(j, zeroed(counter.bind({ batch_job: j })));
  return {
    trigger(job) {
      const j = bounded === undefined ? job : bounded.resolve(job);
      let s = series.get(j);
      if (s === undefined) {
        if (typeof j !== 'string' || j.length === 0) {
          glassbox.reportError('batch', 'trigger() needs a job name; dropped');
          return;
        }
        s = counter.bind({ batch_job: j });
        if (series.size < 10_000 && j.length <= glassbox.maxLabelValueLength) series.set(j, s);
      }
      s.inc(1);
    },
  };
}
