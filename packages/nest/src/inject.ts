/** Injection helpers: parameter decorators for the module's tokens and a provider builder for instruments. */
import type { Glassbox } from '@glassbox/core';
import { Inject, type InjectionToken, type Provider } from '@nestjs/common';
import { GLASSBOX_HTTP_RECORDER, GLASSBOX_INSTANCE } from './options.js';

/** Injects the Glassbox instance: `constructor(@InjectGlassbox() glassbox: Glassbox)`. */
export const InjectGlassbox = (): PropertyDecorator & ParameterDecorator => Inject(GLASSBOX_INSTANCE);

/** Injects the core `HttpRecorder` (`null` when `http.enabled` is false). */
export const InjectHttpRecorder = (): PropertyDecorator & ParameterDecorator =>
  Inject(GLASSBOX_HTTP_RECORDER);

/**
 * A provider that builds something from the injected Glassbox instance, once, at start-up:
 * a core instrument, a domain counter, ... Add it to a module's `providers` (and `exports`)
 * and inject it by its token.
 *
 * @example
 * ```ts
 * export const RISK_EVALUATIONS = Symbol('RISK_EVALUATIONS');
 * @Module({
 *   providers: [
 *     glassboxProvider(RISK_EVALUATIONS, (glassbox) =>
 *       glassbox.counter(defineCounter({ name: 'risk_evaluations_total', help: 'Risk evaluations.' })),
 *     ),
 *   ],
 *   exports: [RISK_EVALUATIONS],
 * })
 * export class RiskModule {}
 * // constructor(@Inject(RISK_EVALUATIONS) private readonly evaluations: Counter) {}
 * ```
 */
export function glassboxProvider<T>(token: InjectionToken, factory: (glassbox: Glassbox) => T): Provider<T> {
  if (typeof factory !== 'function')
    throw new TypeError('Glassbox nest: glassboxProvider needs a factory function');
  return { provide: token, useFactory: factory, inject: [GLASSBOX_INSTANCE] };
}
