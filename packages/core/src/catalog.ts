/**
 * The default metric catalog. Names are the ones the users' dashboards and alert
 * rules already query; a team keeps other names through the naming options.
 */
import {
  defineCounter,
  defineGauge,
  defineHistogram,
  linearBuckets,
  type MetricDefinition,
} from './definitions.js';

/**
 * Latency buckets (seconds) used by the http, model, consumer and llm groups. They
 * contain every threshold a generated alert or SLO uses: 0.1, 0.5, 1, 2 and 5 s.
 */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10,
]);
/** Buckets for long-running batch jobs (seconds): 1 s … 4 h. */
export const BATCH_DURATION_BUCKETS: readonly number[] = Object.freeze([
  1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400,
]);
/** Buckets for LLM generations (seconds): 0.1 s … 2 min. */
export const LLM_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120,
]);
/** Score buckets 0.1 … 1.0: a collapse to one bucket ("0.0 for everyone") shows at once. */
export const SCORE_BUCKETS: readonly number[] = Object.freeze(linearBuckets(0.1, 0.1, 10));
/** Batch-size buckets (items per prediction call). */
export const BATCH_SIZE_BUCKETS: readonly number[] = Object.freeze([
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000,
]);
/** Body-size buckets (bytes): 100 B … 10 MB. */
export const SIZE_BUCKETS: readonly number[] = Object.freeze([
  100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
]);
/** Message-age buckets (seconds): 10 ms … 1 h. */
export const AGE_BUCKETS: readonly number[] = Object.freeze([
  0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600,
]);

const http = Object.freeze({
  requestsTotal: defineCounter({
    group: 'http',
    name: 'http_requests_total',
    help: 'HTTP requests served, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
  }),
  requestDuration: defineHistogram({
    group: 'http',
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code.',
    unit: 'seconds',
    labelNames: ['method', 'route', 'status_code'],
    buckets: DEFAULT_LATENCY_BUCKETS,
  }),
  requestsInFlight: defineGauge({
    group: 'http',
    name: 'http_requests_in_flight',
    help: 'HTTP requests being served right now, by method.',
    labelNames: ['method'],
    aggregate: 'sum',
  }),
  requestSize: defineHistogram({
    group: 'http',
    name: 'http_request_size_bytes',
    help: 'HTTP request body size in bytes (opt-in).',
    unit: 'bytes',
    labelNames: ['method', 'route'],
    buckets: SIZE_BUCKETS,
  }),
  responseSize: defineHistogram({
    group: 'http',
    name: 'http_response_size_bytes',
    help: 'HTTP response body size in bytes (opt-in).',
    unit: 'bytes',
    labelNames: ['method', 'route'],
    buckets: SIZE_BUCKETS,
  }),
});

const model = Object.freeze({
  predictionsTotal: defineCounter({
    group: 'model',
    name: 'ml_predictions_total',
    help: 'Model predictions made, by model, version and outcome (a declared, bounded set).',
    labelNames: ['model', 'model_version', 'outcome'],
  }),
  predictionDuration: defineHistogram({
    group: 'model',
    name: 'ml_prediction_duration_seconds',
    help: 'Model prediction latency in seconds.',
    unit: 'seconds',
    labelNames: ['model', 'model_version'],
    buckets: DEFAULT_LATENCY_BUCKETS,
  }),
  predictionErrorsTotal: defineCounter({
    group: 'model',
    name: 'ml_prediction_errors_total',
    help: 'Failed predictions, by model and error type (a bounded classification, never the message).',
    labelNames: ['model', 'error_type'],
  }),
  predictionScore: defineHistogram({
    group: 'model',
    name: 'ml_prediction_score',
    help: 'Distribution of prediction scores (0..1); a collapse into one bucket means the model predicts the same for everyone.',
    labelNames: ['model'],
    buckets: SCORE_BUCKETS,
  }),
  predictionBatchSize: defineHistogram({
    group: 'model',
    name: 'ml_prediction_batch_size',
    help: 'Number of items per batch prediction call.',
    labelNames: ['model'],
    buckets: BATCH_SIZE_BUCKETS,
  }),
  modelInfo: defineGauge({
    group: 'model',
    name: 'ml_model_info',
    help: 'Always 1 for the live version of each model; marks rollouts.',
    labelNames: ['model', 'model_version'],
    aggregate: 'max',
  }),
  modelQuality: defineGauge({
    group: 'model',
    name: 'ml_model_quality',
    help: 'Latest model quality measurement (accuracy, brier, mape, ...).',
    labelNames: ['model', 'metric'],
    aggregate: 'max',
  }),
  performanceDegradedTotal: defineCounter({
    group: 'model',
    name: 'ml_performance_degraded_total',
    help: 'Times a model quality measurement crossed its configured bound.',
    labelNames: ['model', 'metric'],
  }),
});

const drift = Object.freeze({
  checksTotal: defineCounter({
    group: 'drift',
    name: 'ml_drift_checks_total',
    help: 'Drift checks run, by model.',
    labelNames: ['model'],
  }),
  detectionsTotal: defineCounter({
    group: 'drift',
    name: 'ml_drift_detections_total',
    help: 'Drift checks whose dataset-level decision was drift (controlled false-alarm rate across features), by model.',
    labelNames: ['model'],
  }),
  score: defineGauge({
    group: 'drift',
    name: 'ml_drift_score',
    help: 'Latest drift score per model, feature and method (psi, ks, js, wasserstein, chi2).',
    labelNames: ['model', 'feature', 'method'],
    aggregate: 'max',
  }),
  threshold: defineGauge({
    group: 'drift',
    name: 'ml_drift_threshold',
    help: 'Threshold in use per model, feature and method, so dashboards can draw it beside the score.',
    labelNames: ['model', 'feature', 'method'],
    aggregate: 'max',
  }),
  detected: defineGauge({
    group: 'drift',
    name: 'ml_drift_detected',
    help: 'Decision of the latest drift check per model, feature and method: 1 drifted, 0 not. Alerts and dashboards read this, never a method-specific score comparison.',
    labelNames: ['model', 'feature', 'method'],
    aggregate: 'max',
  }),
});

const batch = Object.freeze({
  duration: defineHistogram({
    group: 'batch',
    name: 'batch_job_duration_seconds',
    help: 'Batch job run duration in seconds, by job and final status.',
    unit: 'seconds',
    labelNames: ['job_name', 'status'],
    buckets: BATCH_DURATION_BUCKETS,
  }),
  runsTotal: defineCounter({
    group: 'batch',
    name: 'batch_job_runs_total',
    help: 'Batch job runs finished, by job and status (success / failure).',
    labelNames: ['job_name', 'status'],
  }),
  triggersTotal: defineCounter({
    group: 'batch',
    name: 'batch_job_triggers_total',
    help: 'Batch jobs triggered by the scheduling service, by job.',
    labelNames: ['batch_job'],
  }),
  lastSuccess: defineGauge({
    group: 'batch',
    name: 'batch_job_last_success_timestamp_seconds',
    help: 'Unix time of the last successful run of each job.',
    unit: 'seconds',
    labelNames: ['job_name'],
    aggregate: 'max',
  }),
  inProgress: defineGauge({
    group: 'batch',
    name: 'batch_job_in_progress',
    help: 'Runs of each job in progress right now.',
    labelNames: ['job_name'],
    aggregate: 'sum',
  }),
  itemsProcessedTotal: defineCounter({
    group: 'batch',
    name: 'batch_job_items_processed_total',
    help: 'Items processed by batch jobs, by job and outcome.',
    labelNames: ['job_name', 'outcome'],
  }),
  progress: defineGauge({
    group: 'batch',
    name: 'batch_job_progress_ratio',
    help: 'Progress of the current run of each job, 0..1.',
    unit: 'ratio',
    labelNames: ['job_name'],
    aggregate: 'max',
  }),
});

const consumer = Object.freeze({
  consumedTotal: defineCounter({
    group: 'consumer',
    name: 'rabbitmq_messages_consumed_total',
    help: 'Messages consumed, by queue and outcome (ack, nack, requeue, reject, error).',
    labelNames: ['queue', 'outcome'],
  }),
  processingDuration: defineHistogram({
    group: 'consumer',
    name: 'rabbitmq_message_processing_duration_seconds',
    help: 'Message processing time in seconds, from delivery to settlement, by queue and outcome.',
    unit: 'seconds',
    labelNames: ['queue', 'outcome'],
    buckets: DEFAULT_LATENCY_BUCKETS,
  }),
  inFlight: defineGauge({
    group: 'consumer',
    name: 'rabbitmq_messages_in_flight',
    help: 'Messages delivered and not yet settled, by queue.',
    labelNames: ['queue'],
    aggregate: 'sum',
  }),
  redeliveredTotal: defineCounter({
    group: 'consumer',
    name: 'rabbitmq_messages_redelivered_total',
    help: 'Messages delivered with the redelivered flag, by queue.',
    labelNames: ['queue'],
  }),
  messageAge: defineHistogram({
    group: 'consumer',
    name: 'rabbitmq_message_age_seconds',
    help: 'Age of messages at delivery (now minus the message timestamp, when present), by queue.',
    unit: 'seconds',
    labelNames: ['queue'],
    buckets: AGE_BUCKETS,
  }),
  publishedTotal: defineCounter({
    group: 'consumer',
    name: 'rabbitmq_messages_published_total',
    help: 'Messages published, by exchange and outcome (ack, nack, published, blocked, error).',
    labelNames: ['exchange', 'outcome'],
  }),
});

const llm = Object.freeze({
  generationDuration: defineHistogram({
    group: 'llm',
    name: 'llm_generation_duration_seconds',
    help: 'LLM generation latency in seconds, by provider and model.',
    unit: 'seconds',
    labelNames: ['provider', 'model'],
    buckets: LLM_DURATION_BUCKETS,
  }),
  costTotal: defineCounter({
    group: 'llm',
    name: 'llm_generation_cost_dollars_total',
    help: 'LLM generation cost in dollars (the cost the service passes, or computed from its price table), by provider and model.',
    unit: 'dollars',
    labelNames: ['provider', 'model'],
  }),
  tokensTotal: defineCounter({
    group: 'llm',
    name: 'llm_tokens_total',
    help: 'LLM tokens used, by provider, model and type (input / output).',
    labelNames: ['provider', 'model', 'type'],
  }),
});

const httpClient = Object.freeze({
  requestsTotal: defineCounter({
    group: 'http_client',
    name: 'http_client_requests_total',
    help: 'Outbound HTTP requests (fetch/undici, node:http/https), by method, declared host (others: "other") and status code; an error_* status (error_dns, error_connect, error_timeout, ...) when no response arrived.',
    labelNames: ['method', 'host', 'status_code'],
  }),
  requestDuration: defineHistogram({
    group: 'http_client',
    name: 'http_client_request_duration_seconds',
    help: 'Outbound HTTP request duration in seconds, from the start of the request until its response headers arrived or it failed, by method and declared host.',
    unit: 'seconds',
    labelNames: ['method', 'host'],
    buckets: Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]),
  }),
});

const sdk = Object.freeze({
  instrumentationErrorsTotal: defineCounter({
    group: 'sdk',
    name: 'glassbox_instrumentation_errors_total',
    help: 'Recording errors that Glassbox caught and dropped instead of failing the host, by component.',
    labelNames: ['component'],
  }),
});

/** The default catalog, grouped as in the design document. */
export const catalog = Object.freeze({ http, model, drift, batch, consumer, llm, httpClient, sdk });

/** The catalog's groups. */
export type CatalogGroup = keyof typeof catalog;

/** Every definition of the default catalog, in catalog order. */
export function catalogDefinitions(): MetricDefinition[] {
  const out: MetricDefinition[] = [];
  for (const group of Object.values(catalog)) {
    for (const def of Object.values(group)) out.push(def as MetricDefinition);
  }
  return out;
}
