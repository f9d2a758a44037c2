export type {
  ExpressCustomLabel,
  ExpressMetricsOptions,
  ExpressMetricsServerOptions,
  ExpressMiddleware,
  ExpressRequestLike,
  GlassboxExpress,
  GlassboxExpressOptions,
} from './middleware.js';
export {
  GLASSBOX_EXPRESS_DEFAULTS,
  glassbox,
} from './middleware.js';
export type { CustomLabel } from './options.js';
export { CUSTOM_LABEL_FALLBACK } from './options.js';
