export type { CustomLabel } from '@glassbox/core';
export { CUSTOM_LABEL_FALLBACK } from '@glassbox/core/adapter';
export type {
  ExpressAppLike,
  ExpressCustomLabel,
  ExpressMetricsOptions,
  ExpressMetricsServerOptions,
  ExpressMiddleware,
  ExpressRequestLike,
  ExpressRouteOf,
  GlassboxExpress,
  GlassboxExpressOptions,
} from './middleware.js';
export {
  GLASSBOX_EXPRESS_DEFAULTS,
  glassbox,
} from './middleware.js';
export type { ExpressRecording, ExpressRecordingSetup } from './recording.js';
export { createExpressRecording } from './recording.js';
