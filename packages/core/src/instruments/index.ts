// Framework-agnostic instruments: model, drift, batch and llm. The drift statistics as
// pure functions are the `@glassbox/core/stats` entry (src/stats/index.ts).

export type { BatchJob, BatchJobOptions, BatchRun, BatchTriggerOptions, BatchTriggers } from './batch.js';
export { BATCH_JOB_DEFAULTS, createBatchJob, createBatchTriggers } from './batch.js';
export type {
  DriftCheckResult,
  DriftFeatureOptions,
  DriftMethod,
  DriftMonitor,
  DriftMonitorOptions,
  DriftScore,
  DriftWindowStats,
} from './drift.js';
export {
  createDriftMonitor,
  DRIFT_METHODS,
  DRIFT_MONITOR_DEFAULTS,
  EVIDENTLY_DRIFT_THRESHOLDS,
  isDrift,
  PVALUE_METHODS,
} from './drift.js';
export { CALIBRATION_SIZES } from './drift-calibration.js';
export type { DriftDecisionOptions, DriftDecisionRule } from './drift-decision.js';
export { DRIFT_DECISION_DEFAULTS } from './drift-decision.js';
export type {
  CalibratedMethod,
  CategoricalFeatureReference,
  CategoricalReferenceOptions,
  DriftCalibration,
  DriftCalibrationOptions,
  DriftReference,
  FeatureReference,
  NumericFeatureReference,
  NumericReferenceOptions,
} from './drift-reference.js';
export {
  buildDriftReference,
  categoricalReference,
  DRIFT_REFERENCE_DEFAULTS,
  minimumReferenceCount,
  numericReference,
  parseDriftReference,
  validateFeatureReference,
} from './drift-reference.js';
export type {
  LlmGeneration,
  LlmInstrument,
  LlmInstrumentOptions,
  LlmPrice,
  LlmUsage,
  LlmWrapOptions,
} from './llm.js';
export { createLlmInstrument, LLM_INSTRUMENT_DEFAULTS } from './llm.js';
export type {
  ModelInstrument,
  ModelInstrumentOptions,
  PredictionHandle,
  PredictionResult,
  QualityBound,
  ScoreDriftOptions,
  WrapBatchOptions,
  WrapOptions,
} from './model.js';
export { createModelInstrument, MODEL_INSTRUMENT_DEFAULTS } from './model.js';
export type { ErrorClassificationOptions } from './shared.js';
export { DEFAULT_ERROR_TYPES, defaultErrorClassifier } from './shared.js';
