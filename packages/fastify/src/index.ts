export type { CustomLabel } from './options.js';
export { CUSTOM_LABEL_FALLBACK } from './options.js';
export type {
  FastifyCustomLabel,
  FastifyMetricsOptions,
  FastifyMetricsServerOptions,
  GlassboxFastify,
  GlassboxFastifyOptions,
} from './plugin.js';
export { GLASSBOX_FASTIFY_DEFAULTS, glassbox } from './plugin.js';
