// Outbound HTTP client metrics from Node's diagnostics channels.

export type { HttpClientErrorStatus } from './errors.js';
export { classifyHttpClientError, HTTP_CLIENT_ERROR_STATUSES } from './errors.js';
export { HTTP_CLIENT_OTHER_HOST } from './hosts.js';
export type { HttpClientInstrument, HttpClientInstrumentOptions } from './instrument.js';
export { HTTP_CLIENT_DEFAULTS, instrumentHttpClient } from './instrument.js';
