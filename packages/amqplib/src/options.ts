import { type Glassbox, type Logger, type OptionsSpec, validateOptions } from '@glassbox/core';
import type { MessageLike } from './types.js';

/** What the instrumentation does with a message whose handler threw or rejected before settling it. */
export type HandlerErrorAction = 'nack' | 'requeue' | 'leave';

/** The consumer outcomes (`outcome` label of the consumer metrics). */
export type ConsumeOutcome = 'ack' | 'nack' | 'requeue' | 'reject' | 'error';

/** The publisher outcomes (`outcome` label of `rabbitmq_messages_published_total`). */
export type PublishOutcome = 'published' | 'blocked' | 'ack' | 'nack' | 'error';

/** Options of {@link instrumentChannel} and {@link instrumentConnection}. */
export interface AmqplibInstrumentationOptions {
  /** The Glassbox instance the metrics are recorded on (nothing is global). */
  readonly glassbox: Glassbox;
  /** Record the consumer metrics (wraps `consume`, `ack`, `nack`, `reject`, `ackAll`, `nackAll`, `recover`). @default true */
  readonly consumer?: boolean;
  /** Record `rabbitmq_messages_published_total` (wraps `publish`, which `sendToQueue` goes through). @default true */
  readonly publisher?: boolean;
  /**
   * What happens to a message whose handler threw (or whose returned promise rejected)
   * before it was settled. It is always counted once as `outcome="error"`, then:
   * - `'nack'`: `nack(message, false, false)`: dead-lettered when the queue has a
   *   dead-letter exchange, otherwise dropped by the broker (never a silent loss: it is
   *   counted and passed to {@link AmqplibInstrumentationOptions.onError});
   * - `'requeue'`: `nack(message, false, true)`: back to the queue (beware poison messages);
   * - `'leave'`: nothing; the message stays unacknowledged until your code settles it
   *   (for example in `onError`) or the channel closes.
   *
   * A message the handler already settled before failing is never settled again.
   * @default 'nack'
   */
  readonly handlerErrorAction?: HandlerErrorAction;
  /**
   * Called with every handler error, after {@link AmqplibInstrumentationOptions.handlerErrorAction}
   * was applied. Errors it throws are caught and counted in
   * `glassbox_instrumentation_errors_total{component="amqplib"}`.
   * @default undefined (each handler error is logged through `logger`)
   */
  readonly onError?: ((error: unknown, message: MessageLike, queue: string) => void) | undefined;
  /** Where handler errors are logged when no `onError` is given; `null` silences them. @default console */
  readonly logger?: Logger | null;
  /** `exchange` label value of messages published to the default exchange (`''`). @default '(default)' */
  readonly defaultExchangeLabel?: string;
  /**
   * Maps a queue name to its `queue` label value, to keep cardinality bounded.
   * @default server-named queues (`amq.gen-*`) → `'(server-named)'`, `''` → `'(unnamed)'`, others unchanged
   */
  readonly queueLabel?: ((queue: string) => string) | undefined;
  /**
   * Unit of the `timestamp` message property. AMQP and amqplib use seconds; set
   * `'milliseconds'` when your producers put `Date.now()` there.
   * @default 'seconds'
   */
  readonly timestampUnit?: 'seconds' | 'milliseconds';
}

/** Label value of server-named queues (`amq.gen-…`) under the default {@link AmqplibInstrumentationOptions.queueLabel}. */
export const SERVER_NAMED_QUEUE_LABEL = '(server-named)';

/** The default queue label: server-named queues collapse into one value so their random names cannot grow series. */
export function defaultQueueLabel(queue: string): string {
  if (queue.startsWith('amq.gen-')) return SERVER_NAMED_QUEUE_LABEL;
  return queue.length === 0 ? '(unnamed)' : queue;
}

/** Defaults of {@link AmqplibInstrumentationOptions}. */
export const AMQPLIB_DEFAULTS = Object.freeze({
  consumer: true,
  publisher: true,
  handlerErrorAction: 'nack' as HandlerErrorAction,
  defaultExchangeLabel: '(default)',
  queueLabel: defaultQueueLabel,
  timestampUnit: 'seconds' as 'seconds' | 'milliseconds',
});

/** Options after validation and defaults. */
export interface ResolvedOptions {
  readonly glassbox: Glassbox;
  readonly consumer: boolean;
  readonly publisher: boolean;
  readonly handlerErrorAction: HandlerErrorAction;
  readonly onError: ((error: unknown, message: MessageLike, queue: string) => void) | undefined;
  readonly logger: Logger | null;
  readonly defaultExchangeLabel: string;
  readonly queueLabel: (queue: string) => string;
  readonly timestampScale: number;
}

/** The valid keys of {@link AmqplibInstrumentationOptions} and their types. */
const OPTIONS_SPEC: OptionsSpec = {
  glassbox: 'object',
  consumer: 'boolean',
  publisher: 'boolean',
  handlerErrorAction: 'string',
  onError: 'function',
  logger: ['object', 'null'],
  defaultExchangeLabel: 'string',
  queueLabel: 'function',
  timestampUnit: 'string',
};

function bool(name: string, value: unknown, fallback: boolean): boolean {
  const v = value ?? fallback;
  if (typeof v !== 'boolean') throw new TypeError(`Glassbox amqplib: ${name} must be a boolean`);
  return v;
}

/** Validates options and applies the defaults; throws a clear Error at start-up. */
export function resolveOptions(options: AmqplibInstrumentationOptions, logger: Logger): ResolvedOptions {
  validateOptions('Glassbox amqplib', options, OPTIONS_SPEC);
  const { glassbox } = options;
  if (
    glassbox === null ||
    typeof glassbox !== 'object' ||
    typeof glassbox.counter !== 'function' ||
    typeof glassbox.gauge !== 'function' ||
    typeof glassbox.histogram !== 'function' ||
    typeof glassbox.reportError !== 'function'
  )
    throw new TypeError('Glassbox amqplib: options.glassbox must be a Glassbox instance (createGlassbox())');
  const handlerErrorAction = options.handlerErrorAction ?? AMQPLIB_DEFAULTS.handlerErrorAction;
  if (!['nack', 'requeue', 'leave'].includes(handlerErrorAction))
    throw new TypeError(
      `Glassbox amqplib: handlerErrorAction must be 'nack', 'requeue' or 'leave', got ${String(handlerErrorAction)}`,
    );
  if (options.onError !== undefined && typeof options.onError !== 'function')
    throw new TypeError('Glassbox amqplib: onError must be a function');
  if (options.queueLabel !== undefined && typeof options.queueLabel !== 'function')
    throw new TypeError('Glassbox amqplib: queueLabel must be a function');
  const defaultExchangeLabel = options.defaultExchangeLabel ?? AMQPLIB_DEFAULTS.defaultExchangeLabel;
  if (typeof defaultExchangeLabel !== 'string' || defaultExchangeLabel.length === 0)
    throw new TypeError('Glassbox amqplib: defaultExchangeLabel must be a non-empty string');
  const unit = options.timestampUnit ?? AMQPLIB_DEFAULTS.timestampUnit;
  if (unit !== 'seconds' && unit !== 'milliseconds')
    throw new TypeError(
      `Glassbox amqplib: timestampUnit must be 'seconds' or 'milliseconds', got ${String(unit)}`,
    );
  if (options.logger !== undefined && options.logger !== null && typeof options.logger.warn !== 'function')
    throw new TypeError('Glassbox amqplib: logger must have a warn(message) method, or be null');
  return {
    glassbox,
    consumer: bool('consumer', options.consumer, AMQPLIB_DEFAULTS.consumer),
    publisher: bool('publisher', options.publisher, AMQPLIB_DEFAULTS.publisher),
    handlerErrorAction,
    onError: options.onError,
    logger: options.logger === null ? null : (options.logger ?? logger),
    defaultExchangeLabel,
    queueLabel: options.queueLabel ?? AMQPLIB_DEFAULTS.queueLabel,
    timestampScale: unit === 'seconds' ? 1 : 1000,
  };
}
