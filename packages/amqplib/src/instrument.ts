/**
 * amqplib instrumentation. `instrumentChannel` patches one channel in place (own
 * properties shadowing the prototype's methods), so every existing reference to the
 * channel, and every `channel.ack(msg)` inside a handler, is seen; `instrumentConnection`
 * does it for every channel a connection creates. Broker semantics are unchanged: every
 * call reaches amqplib with the same arguments, in the same order, and its result or
 * exception comes back as it was; only the consumer callback is wrapped.
 */
import { consoleLogger, type Glassbox } from '@glassbox/core';
import { instrumentConsumer } from './consumer.js';
import { type AmqplibInstrumentationOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { instrumentPublisher } from './publisher.js';
import type { ChannelLike, ConnectionLike } from './types.js';
import { COMPONENT, define, isThenable, method } from './util.js';

export { COMPONENT } from './util.js';

/**
 * Marks an instrumented channel or connection. `Symbol.for`, so the ESM and the CJS
 * copies of this package (dual-package hazard) recognise each other's work.
 */
const INSTRUMENTED: unique symbol = Symbol.for('glassbox.amqplib.instrumented') as never;

/** The state an instrumented channel carries under {@link INSTRUMENTED}. */
interface Marker {
  readonly glassbox: Glassbox;
  /** In-flight deliveries of this channel (for tests and diagnostics). */
  readonly inFlight: () => number;
}

function instrumentWith<C extends ChannelLike>(channel: C, o: ResolvedOptions): C {
  if (channel === null || typeof channel !== 'object')
    throw new TypeError('Glassbox amqplib: instrumentChannel expects an amqplib channel');
  const existing = (channel as unknown as Record<symbol, Marker | undefined>)[INSTRUMENTED];
  if (existing !== undefined) {
    if (existing.glassbox === o.glassbox) return channel;
    throw new Error('Glassbox amqplib: this channel is already instrumented with another Glassbox instance');
  }
  const required = o.consumer
    ? ['consume', 'ack', 'ackAll', 'nack', 'nackAll', 'reject', 'on', 'publish']
    : ['publish'];
  for (const name of required) {
    if (method(channel, name) === undefined)
      throw new TypeError(`Glassbox amqplib: expected an amqplib channel (no ${name}() method)`);
  }
  const state = o.consumer ? instrumentConsumer(channel, o) : undefined;
  if (o.publisher) instrumentPublisher(channel, o, () => state?.refused === true);
  const marker: Marker = {
    glassbox: o.glassbox,
    inFlight: () => (state === undefined ? 0 : state.live),
  };
  Object.defineProperty(channel, INSTRUMENTED, { value: marker, configurable: true, enumerable: false });
  return channel;
}

/**
 * Instruments an amqplib channel in place and returns it: consumer metrics for every
 * `consume` registered from now on, settlement outcomes from `ack`/`nack`/`reject`/
 * `ackAll`/`nackAll` (and their `allUpTo` forms), publish outcomes from `publish` and
 * `sendToQueue`. Works with the promise API and `amqplib/callback_api`, plain and
 * confirm channels, amqplib 0.10.x and later. Idempotent for the same Glassbox instance
 * (a second call returns the channel as it is: the first call's options stay in force).
 * Throws at once on bad options; never throws while recording.
 *
 * @example
 * ```ts
 * const channel = instrumentChannel(await connection.createChannel(), { glassbox });
 * await channel.consume('bi_batch_jobs', async (msg) => {
 *   if (msg === null) return;
 *   await handle(msg);
 *   channel.ack(msg);
 * });
 * ```
 */
export function instrumentChannel<C extends ChannelLike>(
  channel: C,
  options: AmqplibInstrumentationOptions,
): C {
  return instrumentWith(channel, resolveOptions(options, consoleLogger));
}

/**
 * Instruments every channel the connection creates from now on (`createChannel`,
 * `createConfirmChannel`; promise and callback APIs) and returns the connection.
 * Channels created before the call are not instrumented: pass them to {@link instrumentChannel}.
 */
export function instrumentConnection<T extends ConnectionLike>(
  connection: T,
  options: AmqplibInstrumentationOptions,
): T {
  const o = resolveOptions(options, consoleLogger);
  if (connection === null || typeof connection !== 'object')
    throw new TypeError('Glassbox amqplib: instrumentConnection expects an amqplib connection');
  const existing = (connection as unknown as Record<symbol, Glassbox | undefined>)[INSTRUMENTED];
  if (existing !== undefined) {
    if (existing === o.glassbox) return connection;
    throw new Error(
      'Glassbox amqplib: this connection is already instrumented with another Glassbox instance',
    );
  }
  const instrumentResult = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || isThenable(value)) return;
    try {
      instrumentWith(value as ChannelLike, o);
    } catch (error) {
      o.glassbox.reportError(COMPONENT, 'instrumenting a new channel failed', error);
    }
  };
  for (const name of ['createChannel', 'createConfirmChannel']) {
    const original = method(connection, name);
    if (original === undefined)
      throw new TypeError(`Glassbox amqplib: expected an amqplib connection (no ${name}() method)`);
    define(connection, name, function create(this: unknown, ...args: unknown[]) {
      // Callback API: the callback receives the channel; wrap it so the channel is instrumented first.
      const last = args.length - 1;
      const cb = args[last];
      if (typeof cb === 'function') {
        args[last] = function (this: unknown, err: unknown, channel: unknown, ...more: unknown[]) {
          if (err === null || err === undefined) instrumentResult(channel);
          return cb.call(this, err, channel, ...more);
        };
      }
      const result = original.apply(this, args);
      if (isThenable(result)) {
        // Promise API: a new promise that resolves once the channel is instrumented.
        return Promise.resolve(result).then((channel) => {
          instrumentResult(channel);
          return channel;
        });
      }
      // The callback API also returns the channel synchronously.
      instrumentResult(result);
      return result;
    });
  }
  Object.defineProperty(connection, INSTRUMENTED, {
    value: o.glassbox,
    configurable: true,
    enumerable: false,
  });
  return connection;
}

/**
 * Number of deliveries of an instrumented channel that are neither settled nor ended
 * by the channel's close (what its share of `rabbitmq_messages_in_flight` is); 0 for a
 * channel that is not instrumented. For tests and diagnostics.
 */
export function inFlightDeliveries(channel: object): number {
  const marker = (channel as Record<symbol, Partial<Marker> | undefined>)[INSTRUMENTED];
  return typeof marker?.inFlight === 'function' ? marker.inFlight() : 0;
}
