export type { ExpressAppLike, ExpressRequestLike } from '@glassbox/express';
export type { GlassboxModuleClassOptions } from './glassbox.module.js';
export { GlassboxModule } from './glassbox.module.js';
export type {
  FastifyInstanceLike,
  FastifyReplyLike,
  FastifyRequestLike,
  ServerLike,
} from './http-instrumentation.js';
export { GlassboxHttpInstrumentation } from './http-instrumentation.js';
export { glassboxProvider, InjectGlassbox, InjectHttpRecorder } from './inject.js';
export {
  batchJobProvider,
  batchTriggersProvider,
  driftMonitorProvider,
  llmInstrumentProvider,
  modelInstrumentProvider,
} from './instruments.js';
export type {
  GlassboxHttpOptions,
  GlassboxMetricsOptions,
  GlassboxModuleAsyncOptions,
  GlassboxModuleOptions,
  GlassboxOptionsFactory,
  NestCustomLabel,
} from './options.js';
export {
  GLASSBOX_HTTP_RECORDER,
  GLASSBOX_INSTANCE,
  GLASSBOX_METRICS_HANDLER,
  GLASSBOX_NEST_DEFAULTS,
  GLASSBOX_OPTIONS,
} from './options.js';
export type { DeferredLogger, ResolvedGlassboxOptions } from './resolve.js';
export { resolveGlassboxOptions } from './resolve.js';
