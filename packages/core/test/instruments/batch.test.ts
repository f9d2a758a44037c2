import { createBatchJob, createBatchTriggers } from '@glassbox/core';
import { describe, expect, it } from 'vitest';
import { setup, ticksUntilSettled } from './helpers.js';

const job = { job_name: 'nightly-scoring' };

describe('batch job runner', () => {
  function nightly(now = () => 1_700_000_000_000) {
    const s = setup();
    return { ...s, job: createBatchJob(s.glassbox, { name: 'nightly-scoring', now }) };
  }

  it('every series exists from the start (a job that never ran is visible)', () => {
    const { backend } = nightly();
    expect(backend.value('batch_job_in_progress', job)).toBe(0);
    expect(backend.series('batch_job_runs_total').map((s) => s.labels.status)).toEqual([
      'success',
      'failure',
    ]);
    expect(backend.series('batch_job_items_processed_total').map((s) => s.labels.outcome)).toEqual([
      'success',
      'failure',
      'skipped',
      'other',
    ]);
    expect(backend.series('batch_job_last_success_timestamp_seconds')).toHaveLength(1);
  });

  it('run(): a sync job stays sync; success records duration, runs, last success, progress 1', () => {
    const { job: j, backend } = nightly();
    const result = { rows: 3 };
    const out = j.run((run) => {
      expect(backend.value('batch_job_in_progress', job)).toBe(1);
      run.items(2);
      run.items(1, 'skipped');
      run.progress(0.5);
      expect(backend.value('batch_job_progress_ratio', job)).toBe(0.5);
      return result;
    });
    expect(out).toBe(result);
    expect(backend.value('batch_job_in_progress', job)).toBe(0);
    expect(backend.value('batch_job_runs_total', { ...job, status: 'success' })).toBe(1);
    expect(backend.value('batch_job_duration_seconds', { ...job, status: 'success' })).toBe(1);
    expect(backend.value('batch_job_last_success_timestamp_seconds', job)).toBe(1_700_000_000);
    expect(backend.value('batch_job_items_processed_total', { ...job, outcome: 'success' })).toBe(2);
    expect(backend.value('batch_job_items_processed_total', { ...job, outcome: 'skipped' })).toBe(1);
    expect(backend.value('batch_job_progress_ratio', job)).toBe(1);
  });

  it('a throwing job rethrows the same error; failure is recorded and last success is untouched', () => {
    const { job: j, backend } = nightly();
    const err = new Error('db down');
    let caught: unknown;
    try {
      j.run(() => {
        throw err;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(err);
    expect(backend.value('batch_job_runs_total', { ...job, status: 'failure' })).toBe(1);
    expect(backend.value('batch_job_duration_seconds', { ...job, status: 'failure' })).toBe(1);
    expect(backend.value('batch_job_last_success_timestamp_seconds', job)).toBe(0);
    expect(backend.value('batch_job_in_progress', job)).toBe(0);
  });

  it('async: same promise object, same rejection at the same microtask turn', async () => {
    const { job: j, backend } = nightly();
    const err = new Error('partial failure');
    const raw = () => Promise.reject(err);
    const unwrapped = await ticksUntilSettled(raw());
    const wrapped = j.wrap(raw);
    const p = wrapped();
    expect(await ticksUntilSettled(p)).toBe(unwrapped);
    await expect(p).rejects.toBe(err);
    const ok = Promise.resolve(7);
    const w2 = j.wrap(() => ok);
    expect(w2()).toBe(ok);
    await ok;
    await Promise.resolve();
    expect(backend.value('batch_job_runs_total', { ...job, status: 'failure' })).toBe(1);
    expect(backend.value('batch_job_runs_total', { ...job, status: 'success' })).toBe(1);
  });

  it('overlapping runs are counted: in_progress rises to 2 and falls back to 0', async () => {
    const { job: j, backend } = nightly();
    let releaseA!: () => void;
    let releaseB!: () => void;
    const a = j.run(() => new Promise<void>((r) => (releaseA = r)));
    const b = j.run(() => new Promise<void>((r) => (releaseB = r)));
    expect(j.inProgress()).toBe(2);
    expect(backend.value('batch_job_in_progress', job)).toBe(2);
    releaseA();
    await a;
    await Promise.resolve();
    expect(backend.value('batch_job_in_progress', job)).toBe(1);
    releaseB();
    await b;
    await Promise.resolve();
    expect(backend.value('batch_job_in_progress', job)).toBe(0);
    expect(backend.value('batch_job_runs_total', { ...job, status: 'success' })).toBe(2);
  });

  it('start(): explicit runs; ending twice is ignored and counted; undeclared item outcomes are "other"', () => {
    const s = nightly();
    const run = s.job.start();
    run.items(5, 'weird');
    run.progress(7);
    expect(s.backend.value('batch_job_progress_ratio', job)).toBe(1);
    run.fail(new Error('x'));
    run.succeed();
    expect(s.backend.value('batch_job_runs_total', { ...job, status: 'failure' })).toBe(1);
    expect(s.backend.value('batch_job_runs_total', { ...job, status: 'success' })).toBe(0);
    expect(s.backend.value('batch_job_items_processed_total', { ...job, outcome: 'other' })).toBe(5);
    expect(s.errors('batch')).toBe(2);
  });
});

describe('batch triggers', () => {
  it('counts batch_job_triggers_total{batch_job}', () => {
    const s = setup();
    const triggers = createBatchTriggers(s.glassbox);
    triggers.trigger('risk-recompute');
    triggers.trigger('risk-recompute');
    triggers.trigger('forecast');
    expect(s.backend.value('batch_job_triggers_total', { batch_job: 'risk-recompute' })).toBe(2);
    expect(s.backend.value('batch_job_triggers_total', { batch_job: 'forecast' })).toBe(1);
  });
  it('with a declared job list, others are "other" and counted', () => {
    const s = setup();
    const triggers = createBatchTriggers(s.glassbox, { jobs: ['a'] });
    triggers.trigger('a');
    triggers.trigger('b');
    expect(s.backend.value('batch_job_triggers_total', { batch_job: 'other' })).toBe(1);
    expect(s.errors('batch')).toBe(1);
  });
});
