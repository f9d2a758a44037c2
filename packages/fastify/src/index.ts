export type { CustomLabel } from '@glassbox/core';
export { CUSTOM_LABEL_FALLBACK } from '@glassbox/core/adapter';
export type {
  FastifyCustomLabel,
  FastifyMetricsOptions,
  FastifyMetricsServerOptions,
  FastifyRouteOf,
  GlassboxFastify,
  GlassboxFastifyOptions,
} from './plugin.js';
export { GLASSBOX_FASTIFY_DEFAULTS, glassbox } from './plugin.js';
export type { FastifyRecording, FastifyRecordingSetup } from './recording.js';
export { createFastifyRecording } from './recording.js';
