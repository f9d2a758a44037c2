export type {
  Backend,
  BackendCounterSeries,
  BackendGaugeSeries,
  BackendHistogramSeries,
  BackendMetric,
} from './backend.js';
export type { CatalogGroup } from './catalog.js';
export {
  AGE_BUCKETS,
  BATCH_DURATION_BUCKETS,
  BATCH_SIZE_BUCKETS,
  catalog,
  catalogDefinitions,
  DEFAULT_LATENCY_BUCKETS,
  LLM_DURATION_BUCKETS,
  SCORE_BUCKETS,
  SIZE_BUCKETS,
} from './catalog.js';
export type {
  BaseDefinitionOptions,
  CounterDefinition,
  CounterDefinitionOptions,
  GaugeAggregation,
  GaugeDefinition,
  GaugeDefinitionOptions,
  HistogramDefinition,
  HistogramDefinitionOptions,
  MetricDefinition,
  MetricKind,
} from './definitions.js';
export {
  defineCounter,
  defineGauge,
  defineHistogram,
  exponentialBuckets,
  linearBuckets,
  lintMetricName,
  MetricDefinitionError,
  validateBuckets,
  validateLabelName,
  validateMetricName,
} from './definitions.js';
export type { Exemplar, FamilyType, MetricFamily, MetricPoint, MetricsSource } from './families.js';
export type {
  BoundCounter,
  BoundGauge,
  BoundHistogram,
  Counter,
  Gauge,
  Glassbox,
  GlassboxOptions,
  Histogram,
  Labels,
  LabelValue,
} from './glassbox.js';
export { createGlassbox, GLASSBOX_DEFAULTS } from './glassbox.js';
export type { HttpRecorder, HttpRecorderOptions, HttpRequestExtras } from './http.js';
export { createHttpRecorder, HTTP_METHODS, HTTP_RECORDER_DEFAULTS } from './http.js';
export type { HttpRecordingOptions, ResolvedHttpRecording } from './http-adapter.js';
export * from './http-client/index.js';
export type { CompiledLabels, CustomLabel, PathExcluder } from './http-options.js';
export type { Instrumentation, InstrumentationOptions, PromClientWithDefaults } from './instrumentation.js';
export { setupInstrumentation } from './instrumentation.js';
export * from './instruments/index.js';
export type { Logger } from './logger.js';
export { consoleLogger, silentLogger } from './logger.js';
export type { MetricOverride, NamingOptions, ResolvedDefinition } from './naming.js';
export {
  legacyNameWarnings,
  NAMING_KEYS,
  resolveDefinition,
  resolveLabelName,
  resolveMetricName,
  validateNaming,
} from './naming.js';
export type { NativeBackend, NativeBackendOptions } from './native-backend.js';
export { NATIVE_BACKEND_DEFAULTS, nativeBackend } from './native-backend.js';
export type { OptionRule, OptionRuleObject, OptionsSpec, OptionType } from './options.js';
export { validateOptions } from './options.js';
export type {
  PromClientBackendOptions,
  PromClientLike,
  PromMetricClass,
  PromRegistryLike,
} from './prom-client-backend.js';
export { PROM_CLIENT_BACKEND_DEFAULTS, promClientBackend } from './prom-client-backend.js';
export type { PromMetricJson } from './prom-client-source.js';
export { familiesFromPromJson, promClientSource } from './prom-client-source.js';
export type { DistributionSnapshot, MetricsReadBack, SeriesSnapshot } from './read-back.js';
export type { TraceContext } from './trace-context.js';
export {
  activeTraceContext,
  currentTraceContext,
  isValidTraceContext,
  parseTraceparent,
} from './trace-context.js';
