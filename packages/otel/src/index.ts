export type { OtelBackend, OtelBackendOptions } from './backend.js';
export { OTEL_BACKEND_DEFAULTS, otelBackend, otelUnit } from './backend.js';
export { cardinalityLimitFor } from './cardinality.js';
