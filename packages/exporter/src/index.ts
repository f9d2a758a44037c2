// Recording composition and the data model live in core; re-exported here for
// adapters written against earlier versions.
export type {
  Instrumentation,
  InstrumentationOptions,
  MetricsSource,
  PromClientWithDefaults,
} from '@glassbox/core';
export { promClientSource, setupInstrumentation } from '@glassbox/core';
export type {
  AdapterMetricsOptions,
  AdapterMetricsServerOptions,
  HttpAdapterOptions,
  HttpAdapterParts,
  ResolvedHttpAdapter,
} from './adapter.js';
export { HTTP_ADAPTER_DEFAULTS, resolveHttpAdapter } from './adapter.js';
export type { AuthMode, AuthResult, MetricsAuthOptions } from './auth.js';
export { TOKEN_ENV_VAR, TokenAuth } from './auth.js';
export type { ExpositionFormat, Renderer, RendererOptions } from './exposition.js';
export {
  CONTENT_TYPES,
  createRenderer,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  labelText,
  RENDERER_DEFAULTS,
  renderFamilies,
} from './exposition.js';
export type { MetricsHandler, MetricsHandlerOptions } from './handler.js';
export {
  acceptsGzip,
  createMetricsHandler,
  METRICS_HANDLER_DEFAULTS,
  negotiateFormat,
} from './handler.js';
export type {
  Pushgateway,
  PushgatewayAuth,
  PushgatewayOptions,
  PushgatewayRetries,
  PushOptions,
  PushResult,
} from './push.js';
export { createPushgateway, PUSHGATEWAY_DEFAULTS } from './push.js';
export type { PushOutcome, RunAndPushOptions } from './push-batch.js';
export { runAndPush } from './push-batch.js';
export type { MetricsServer, MetricsServerOptions } from './server.js';
export { createMetricsServer, METRICS_SERVER_DEFAULTS } from './server.js';
