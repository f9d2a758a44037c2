/**
 * `@glassbox/core/adapter`: the building blocks of an HTTP framework adapter (Express,
 * Fastify and Nest use them; so can an adapter for another framework). Not needed to
 * instrument a service: the adapters' own options cover that.
 */

export type { HttpRecordingOptions, ResolvedHttpRecording } from './http-adapter.js';
export {
  HTTP_RECORDING_DEFAULTS,
  HTTP_RECORDING_OPTIONS_SPEC,
  resolveHttpRecording,
} from './http-adapter.js';
export type { CompiledLabels, CustomLabel, PathExcluder } from './http-options.js';
export {
  ABORTED_STATUS_CODE,
  applyRouteOf,
  CUSTOM_LABEL_FALLBACK,
  compileLabels,
  matchesPath,
  parseContentLength,
  pathExcluder,
  validateStatusCode,
} from './http-options.js';
