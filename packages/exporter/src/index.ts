export type {
  AdapterMetricsOptions,
  AdapterMetricsServerOptions,
  HttpAdapterOptions,
  ResolvedHttpAdapter,
} from './adapter.js';
export { HTTP_ADAPTER_DEFAULTS, resolveHttpAdapter } from './adapter.js';
export type { AuthResult, MetricsAuthOptions } from './auth.js';
export { TOKEN_ENV_VAR, TokenAuth } from './auth.js';
export type { MetricsHandler, MetricsHandlerOptions } from './handler.js';
export {
  acceptsGzip,
  createMetricsHandler,
  METRICS_HANDLER_DEFAULTS,
  negotiateFormat,
} from './handler.js';
export type { PromMetricJson } from './openmetrics.js';
export { formatValue, renderOpenMetrics } from './openmetrics.js';
export type { MetricsServer, MetricsServerOptions } from './server.js';
export { createMetricsServer, METRICS_SERVER_DEFAULTS } from './server.js';
export type { Instrumentation, InstrumentationOptions, PromClientWithDefaults } from './setup.js';
export { setupInstrumentation } from './setup.js';
export type { ExpositionFormat, MetricsSource } from './source.js';
export { CONTENT_TYPES, promClientSource } from './source.js';
