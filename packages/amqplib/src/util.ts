/** Small helpers shared by the consumer and publisher instrumentation. */

/** Component label of this package in `glassbox_instrumentation_errors_total`. */
export const COMPONENT = 'amqplib';

/** Series cache bound, per channel: past it, series are bound per record (the core's series cap still applies). */
export const CACHE_LIMIT = 1000;

/** AMQP queue and exchange names are short strings: at most 255 bytes. Longer names never reach the broker and are not cached. */
export const AMQP_NAME_LIMIT = 255;

export type Fn = (...args: unknown[]) => unknown;

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : 'non-Error value';
}

export function method(channel: object, name: string): Fn | undefined {
  const fn = (channel as Record<string, unknown>)[name];
  return typeof fn === 'function' ? (fn as Fn) : undefined;
}

export function tagOf(message: unknown): unknown {
  if (message === null || typeof message !== 'object') return undefined;
  const fields = (message as { fields?: unknown }).fields;
  if (fields === null || typeof fields !== 'object') return undefined;
  return (fields as { deliveryTag?: unknown }).deliveryTag;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Defines an own, non-enumerable method that shadows the prototype's. */
export function define(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}
