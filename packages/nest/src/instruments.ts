/**
 * Providers for core's instruments, built once at start-up from the injected Glassbox
 * instance. Add them to a module's `providers` (and `exports`), inject them by token.
 * Instruments with timers (a drift monitor's `start()`) are started and stopped by you,
 * e.g. in `onModuleInit` / `onModuleDestroy` of the service that uses them.
 *
 * @example
 * ```ts
 * export const RISK_MODEL = Symbol('RISK_MODEL');
 * @Module({
 *   providers: [modelInstrumentProvider(RISK_MODEL, { name: 'risk', version: '2026-11' }), RiskService],
 * })
 * export class RiskModule {}
 * // in RiskService: constructor(@Inject(RISK_MODEL) private readonly model: ModelInstrument) {}
 * ```
 */
import {
  type BatchJob,
  type BatchJobOptions,
  type BatchTriggerOptions,
  type BatchTriggers,
  createBatchJob,
  createBatchTriggers,
  createDriftMonitor,
  createLlmInstrument,
  createModelInstrument,
  type DriftMonitor,
  type DriftMonitorOptions,
  type LlmInstrument,
  type LlmInstrumentOptions,
  type ModelInstrument,
  type ModelInstrumentOptions,
} from '@glassbox/core';
import type { InjectionToken, Provider } from '@nestjs/common';
import { glassboxProvider } from './inject.js';

/** A provider of core's model instrument (`ml_predictions_total`, latency, scores, quality, ...). */
export function modelInstrumentProvider(
  token: InjectionToken,
  options: ModelInstrumentOptions,
): Provider<ModelInstrument> {
  return glassboxProvider(token, (glassbox) => createModelInstrument(glassbox, options));
}

/** A provider of core's batch-job instrument (`batch_job_*`). */
export function batchJobProvider(token: InjectionToken, options: BatchJobOptions): Provider<BatchJob> {
  return glassboxProvider(token, (glassbox) => createBatchJob(glassbox, options));
}

/** A provider of core's batch triggers counter (`batch_job_triggers_total{batch_job}`). */
export function batchTriggersProvider(
  token: InjectionToken,
  options: BatchTriggerOptions = {},
): Provider<BatchTriggers> {
  return glassboxProvider(token, (glassbox) => createBatchTriggers(glassbox, options));
}

/** A provider of core's drift monitor (`ml_drift_*`); call `start()`/`stop()` yourself for periodic checks. */
export function driftMonitorProvider(
  token: InjectionToken,
  options: DriftMonitorOptions,
): Provider<DriftMonitor> {
  return glassboxProvider(token, (glassbox) => createDriftMonitor(glassbox, options));
}

/** A provider of core's LLM instrument (`llm_generation_*`, `llm_tokens_total`). */
export function llmInstrumentProvider(
  token: InjectionToken,
  options: LlmInstrumentOptions,
): Provider<LlmInstrument> {
  return glassboxProvider(token, (glassbox) => createLlmInstrument(glassbox, options));
}
