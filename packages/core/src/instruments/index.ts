// Framework-agnostic instruments: model, drift, batch and llm.

export type { BatchJob, BatchJobOptions, BatchRun, BatchTriggerOptions, BatchTriggers } from './batch.js';
export { BATCH_JOB_DEFAULTS, createBatchJob, createBatchTriggers } from './batch.js';
export type {
  CategoricalFeatureReference,
  CategoricalReferenceOptions,
  DriftCheckResult,
  DriftFeatureOptions,
  DriftMethod,
  DriftMonitor,
  DriftMonitorOptions,
  DriftReference,
  DriftScore,
  DriftWindowStats,
  FeatureReference,
  NumericFeatureReference,
  NumericReferenceOptions,
} from './drift.js';
export {
  buildDriftReference,
  categoricalReference,
  createDriftMonitor,
  DEFAULT_DRIFT_THRESHOLDS,
  DRIFT_METHODS,
  DRIFT_MONITOR_DEFAULTS,
  DRIFT_REFERENCE_DEFAULTS,
  isDrift,
  numericReference,
  PVALUE_METHODS,
  parseDriftReference,
  validateFeatureReference,
} from './drift.js';
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
export type {
  ChiSquareResult,
  JensenShannonOptions,
  KsMethod,
  KsOptions,
  KsResult,
  PsiOptions,
} from './stats.js';
export {
  binCounts,
  binIndex,
  chiSquare,
  chiSquareDrift,
  chiSquareSf,
  gammaQ,
  jensenShannonDistance,
  KS_EXACT_LIMIT,
  kolmogorovSf,
  ks2samp,
  lnGamma,
  normalizedWasserstein,
  PSI_EPSILON,
  populationStd,
  psi,
  WASSERSTEIN_MIN_STD,
  wassersteinDistance,
} from './stats.js';
