/**
 * amqplib instrumentation. `instrumentChannel` patches one channel in place (own
 * properties shadowing the prototype's methods), so every existing reference to the
 * channel, and every `channel.ack(msg)` inside a handler, is seen; `instrumentConnection`
 * does it for every channel a connection creates. Broker semantics are unchanged: every
 * call reaches amqplib with the same arguments, in the same order, and its result or
 * exception comes back as it was; only the consumer callback is wrapped.
 */
import {
  type BoundCounter,
  type BoundGauge,
  type BoundHistogram,
  type Counter,
  catalog,
  consoleLogger,
  type Gauge,
  type Glassbox,
  type Histogram,
} from '@glassbox/core';
import {
  type AmqplibInstrumentationOptions,
  type ConsumeOutcome,
  type PublishOutcome,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import type { ChannelLike, ConnectionLike, MessageLike } from './types.js';

/** Component label of this package in `glassbox_instrumentation_errors_total`. */
export const COMPONENT = 'amqplib';

/**
 * Marks an instrumented channel or connection. `Symbol.for`, so the ESM and the CJS
 * copies of this package (dual-package hazard) recognise each other's work.
 */
const INSTRUMENTED: unique symbol = Symbol.for('glassbox.amqplib.instrumented') as never;

/** Series cache bound, per channel: past it, series are bound per record (the core's series cap still applies). */
const CACHE_LIMIT = 1000;

const CONSUME_OUTCOMES: readonly ConsumeOutcome[] = ['ack', 'nack', 'requeue', 'reject', 'error'];

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : 'non-Error value';
}

interface ConsumerMetrics {
  readonly consumed: Counter<'queue' | 'outcome'>;
  readonly duration: Histogram<'queue' | 'outcome'>;
  readonly inFlight: Gauge<'queue'>;
  readonly redelivered: Counter<'queue'>;
  readonly age: Histogram<'queue'>;
}

interface QueueSeries {
  readonly queue: string;
  readonly inFlight: BoundGauge;
  readonly redelivered: BoundCounter;
  readonly age: BoundHistogram;
  /** By outcome, in {@link CONSUME_OUTCOMES} order. */
  readonly counts: BoundCounter[];
  readonly durations: BoundHistogram[];
}

/** One delivery between its arrival and its settlement (or the end of its channel). */
interface Delivery {
  /** Not yet counted: in `rabbitmq_messages_in_flight`, waiting for its outcome. */
  live: boolean;
  readonly series: QueueSeries;
  readonly start: number;
  readonly tag: number;
  readonly noAck: boolean;
}

/** Bound of {@link DeliveredTags}: past it the oldest ranges are forgotten (their tags count as unknown). */
const TAG_RANGES_LIMIT = 64;

/**
 * The delivery tags this channel's instrumented consumers received, as ranges (tags are
 * channel-scoped and increase, so it is one range unless `get()` or an uninstrumented
 * consumer takes tags in between). A settlement of one of these tags that is no longer
 * outstanding is one the broker refuses.
 */
class DeliveredTags {
  private readonly ranges: Array<[number, number]> = [];

  add(tag: number): void {
    const last = this.ranges[this.ranges.length - 1];
    if (last !== undefined && tag === last[1] + 1) last[1] = tag;
    else if (last === undefined || tag > last[1]) {
      this.ranges.push([tag, tag]);
      if (this.ranges.length > TAG_RANGES_LIMIT) this.ranges.shift();
    }
  }

  has(tag: number): boolean {
    for (let i = this.ranges.length - 1; i >= 0; i--) {
      const r = this.ranges[i] as [number, number];
      if (tag > r[1]) return false;
      if (tag >= r[0]) return true;
    }
    return false;
  }
}

/**
 * Consumer bookkeeping of one channel. `tracked` holds the deliveries still outstanding on
 * the broker (acknowledgement mode), by tag; tags increase, so the map is in tag order.
 */
class ConsumerState {
  readonly tracked = new Map<number, Delivery>();
  readonly untracked = new Set<Delivery>();
  readonly queues = new Map<string, QueueSeries>();
  readonly delivered = new DeliveredTags();
  /** Deliveries not yet counted nor ended by the channel's close. */
  live = 0;
  /**
   * A settlement the broker refuses (a tag settled twice, settled after `recover()`, or of
   * a `noAck` delivery) was sent: the broker closes the channel with 406 PRECONDITION_FAILED
   * and discards every later frame of it, so nothing settled from then on is counted.
   */
  refused = false;

  constructor(
    readonly options: ResolvedOptions,
    readonly metrics: ConsumerMetrics,
  ) {}

  series(queue: string): QueueSeries {
    const cached = this.queues.get(queue);
    if (cached !== undefined) return cached;
    let label: string;
    try {
      label = String(this.options.queueLabel(queue));
    } catch (error) {
      this.options.glassbox.reportError(COMPONENT, 'queueLabel threw; the raw queue name is used', error);
      label = queue;
    }
    const m = this.metrics;
    const s: QueueSeries = {
      queue,
      inFlight: m.inFlight.bindValues([label]),
      redelivered: m.redelivered.bindValues([label]),
      age: m.age.bindValues([label]),
      counts: CONSUME_OUTCOMES.map((o) => m.consumed.bindValues([label, o])),
      durations: CONSUME_OUTCOMES.map((o) => m.duration.bindValues([label, o])),
    };
    // AMQP queue names are at most 255 bytes; longer ones never reach the broker and are not kept.
    if (this.queues.size < CACHE_LIMIT && queue.length <= 255) this.queues.set(queue, s);
    return s;
  }

  begin(series: QueueSeries, message: MessageLike, noAck: boolean): Delivery {
    const fields = message.fields;
    const tag = fields.deliveryTag;
    const d: Delivery = { live: true, series, start: performance.now(), tag, noAck };
    this.live++;
    series.inFlight.inc(1);
    if (fields.redelivered === true) series.redelivered.inc(1);
    const ts = message.properties?.timestamp;
    if (typeof ts === 'number' && Number.isFinite(ts)) {
      const age = Date.now() / 1000 - ts / this.options.timestampScale;
      // A small negative age is clock skew between producer and consumer: 0. A large
      // one means the producer writes another unit: dropped, and said once.
      if (age >= -60) series.age.observe(Math.max(age, 0));
      else
        this.options.glassbox.reportError(
          COMPONENT,
          'message timestamp lies in the future (does the producer write milliseconds? see timestampUnit); age not recorded',
        );
    }
    if (typeof tag === 'number') this.delivered.add(tag);
    if (noAck || typeof tag !== 'number') this.untracked.add(d);
    else this.tracked.set(tag, d);
    return d;
  }

  /** Counts the delivery's outcome once; it stays outstanding on the broker until {@link release}. */
  count(d: Delivery, outcome: ConsumeOutcome): void {
    if (!d.live) return;
    d.live = false;
    this.live--;
    const seconds = (performance.now() - d.start) / 1000;
    const i = CONSUME_OUTCOMES.indexOf(outcome);
    d.series.inFlight.dec(1);
    (d.series.counts[i] as BoundCounter).inc(1);
    (d.series.durations[i] as BoundHistogram).observe(seconds);
  }

  /** The delivery is no longer outstanding on the broker. */
  release(d: Delivery): void {
    if (this.tracked.get(d.tag) === d) this.tracked.delete(d.tag);
    else this.untracked.delete(d);
  }

  finish(d: Delivery, outcome: ConsumeOutcome): void {
    this.count(d, outcome);
    this.release(d);
  }

  /** A settlement call went through amqplib: ends the delivery (or, with allUpTo, every delivery up to the tag; 0 = all). */
  settle(tag: unknown, allUpTo: boolean, outcome: ConsumeOutcome): void {
    if (typeof tag !== 'number' || this.refused) return;
    if (!(allUpTo && tag === 0) && !this.tracked.has(tag) && this.delivered.has(tag)) {
      // The broker answers a tag it no longer holds with 406 and ignores the rest of the channel.
      this.refused = true;
      return;
    }
    if (!allUpTo) {
      const d = this.tracked.get(tag);
      if (d !== undefined) this.finish(d, outcome);
      return;
    }
    for (const [t, d] of this.tracked) {
      if (tag !== 0 && t > tag) break;
      this.finish(d, outcome);
    }
  }

  /** The channel closed (by either side, or with its connection): nothing it delivered can be settled any more. */
  abandon(): void {
    for (const d of this.tracked.values()) this.drop(d);
    for (const d of this.untracked) this.drop(d);
    this.tracked.clear();
    this.untracked.clear();
  }

  private drop(d: Delivery): void {
    if (!d.live) return;
    d.live = false;
    this.live--;
    d.series.inFlight.dec(1);
  }
}

interface PublishSeries {
  /** By outcome, in {@link PUBLISH_OUTCOMES} order. */
  readonly counts: BoundCounter[];
}

const PUBLISH_OUTCOMES: readonly PublishOutcome[] = ['published', 'blocked', 'ack', 'nack', 'error'];

/** The state an instrumented channel carries under {@link INSTRUMENTED}. */
interface Marker {
  readonly glassbox: Glassbox;
  /** In-flight deliveries of this channel (for tests and diagnostics). */
  readonly inFlight: () => number;
}

type Fn = (...args: unknown[]) => unknown;

function method(channel: object, name: string): Fn | undefined {
  const fn = (channel as Record<string, unknown>)[name];
  return typeof fn === 'function' ? (fn as Fn) : undefined;
}

function tagOf(message: unknown): unknown {
  if (message === null || typeof message !== 'object') return undefined;
  const fields = (message as { fields?: unknown }).fields;
  if (fields === null || typeof fields !== 'object') return undefined;
  return (fields as { deliveryTag?: unknown }).deliveryTag;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function define(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}

function instrumentConsumer(channel: ChannelLike, o: ResolvedOptions): ConsumerState {
  const g = o.glassbox;
  const c = catalog.consumer;
  const state = new ConsumerState(o, {
    consumed: g.counter(c.consumedTotal),
    duration: g.histogram(c.processingDuration),
    inFlight: g.gauge(c.inFlight),
    redelivered: g.counter(c.redeliveredTotal),
    age: g.histogram(c.messageAge),
  });
  const original = {
    consume: method(channel, 'consume') as Fn,
    ack: method(channel, 'ack') as Fn,
    ackAll: method(channel, 'ackAll') as Fn,
    nack: method(channel, 'nack') as Fn,
    nackAll: method(channel, 'nackAll') as Fn,
    reject: method(channel, 'reject') as Fn,
    recover: method(channel, 'recover'),
  };

  const guard = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      g.reportError(COMPONENT, `recording ${what} failed`, error);
    }
  };

  function notify(error: unknown, message: MessageLike, queue: string, action: string): void {
    try {
      if (o.onError !== undefined) o.onError(error, message, queue);
      else o.logger?.warn(`amqplib: the handler for queue "${queue}" failed (${describe(error)}); ${action}`);
    } catch (hookError) {
      g.reportError(COMPONENT, 'onError threw', hookError);
    }
  }

  function handlerFailed(d: Delivery | undefined, message: MessageLike, error: unknown, queue: string): void {
    let action = 'the message had already been settled';
    if (d?.live) {
      guard('a handler error', () => state.count(d, 'error'));
      if (d.noAck) {
        action = 'the message was auto-acknowledged (noAck)';
        guard('a handler error', () => state.release(d));
      } else if (o.handlerErrorAction === 'leave')
        // Still outstanding on the broker: the user's own settlement of it is valid (and not counted again).
        action = 'the message is left unacknowledged (handlerErrorAction "leave")';
      else {
        const requeue = o.handlerErrorAction === 'requeue';
        action = requeue ? 'the message was requeued' : 'the message was nacked without requeue';
        try {
          original.nack.call(channel, message, false, requeue);
          guard('a handler error', () => state.release(d));
        } catch (nackError) {
          // The channel closed under the handler: the broker requeues the message itself.
          action = `settling it failed (${describe(nackError)}); the broker requeues unacknowledged messages of a closed channel`;
        }
      }
    }
    notify(error, message, queue, action);
  }

  function deliver(
    message: MessageLike | null,
    onMessage: (m: MessageLike | null) => unknown,
    series: QueueSeries | undefined,
    noAck: boolean,
    queue: string,
  ): unknown {
    // `null`: the consumer was cancelled by the broker (queue deleted, ...). Passed on untouched.
    if (message === null || typeof message !== 'object' || series === undefined) return onMessage(message);
    let d: Delivery | undefined;
    try {
      d = state.begin(series, message, noAck);
    } catch (error) {
      g.reportError(COMPONENT, 'recording a delivery failed', error);
    }
    let result: unknown;
    try {
      result = onMessage(message);
    } catch (error) {
      handlerFailed(d, message, error, queue);
      return undefined;
    }
    try {
      if (isThenable(result)) {
        result.then(
          () => {
            if (noAck && d !== undefined) guard('a noAck delivery', () => state.finish(d, 'ack'));
          },
          (error: unknown) => handlerFailed(d, message, error, queue),
        );
      } else if (noAck && d !== undefined) state.finish(d, 'ack');
    } catch (error) {
      g.reportError(COMPONENT, 'following a handler result failed', error);
    }
    return result;
  }

  define(
    channel,
    'consume',
    function consume(this: unknown, queue: unknown, onMessage: unknown, ...rest: unknown[]) {
      if (typeof onMessage !== 'function') return original.consume.call(this, queue, onMessage, ...rest);
      const name = typeof queue === 'string' ? queue : String(queue);
      const consumeOptions = rest[0];
      const noAck =
        consumeOptions !== null &&
        typeof consumeOptions === 'object' &&
        Boolean((consumeOptions as { noAck?: unknown }).noAck);
      let series: QueueSeries | undefined;
      try {
        series = state.series(name);
      } catch (error) {
        g.reportError(COMPONENT, 'binding the queue series failed', error);
      }
      const handler = onMessage as (m: MessageLike | null) => unknown;
      const wrapped = (message: MessageLike | null): unknown =>
        deliver(message, handler, series, noAck, name);
      return original.consume.call(this, queue, wrapped, ...rest);
    },
  );

  define(channel, 'ack', function ack(this: unknown, ...args: unknown[]) {
    const result = original.ack.apply(this, args);
    guard('an ack', () => state.settle(tagOf(args[0]), Boolean(args[1]), 'ack'));
    return result;
  });
  define(channel, 'ackAll', function ackAll(this: unknown, ...args: unknown[]) {
    const result = original.ackAll.apply(this, args);
    guard('an ackAll', () => state.settle(0, true, 'ack'));
    return result;
  });
  // amqplib's own defaults: `requeue` is true unless given (nack, nackAll, reject).
  define(channel, 'nack', function nack(this: unknown, ...args: unknown[]) {
    const result = original.nack.apply(this, args);
    const requeue = args[2] === undefined || Boolean(args[2]);
    guard('a nack', () => state.settle(tagOf(args[0]), Boolean(args[1]), requeue ? 'requeue' : 'nack'));
    return result;
  });
  define(channel, 'nackAll', function nackAll(this: unknown, ...args: unknown[]) {
    const result = original.nackAll.apply(this, args);
    const requeue = args[0] === undefined || Boolean(args[0]);
    guard('a nackAll', () => state.settle(0, true, requeue ? 'requeue' : 'nack'));
    return result;
  });
  define(channel, 'reject', function reject(this: unknown, ...args: unknown[]) {
    const result = original.reject.apply(this, args);
    const requeue = args[1] === undefined || Boolean(args[1]);
    guard('a reject', () => state.settle(tagOf(args[0]), false, requeue ? 'requeue' : 'reject'));
    return result;
  });
  const recover = original.recover;
  if (recover !== undefined) {
    // basic.recover requeues every unacknowledged delivery of the channel; they come back with new tags.
    define(channel, 'recover', function recoverAll(this: unknown, ...args: unknown[]) {
      const result = recover.apply(this, args);
      guard('a recover', () => state.settle(0, true, 'requeue'));
      return result;
    });
  }
  channel.on('close', () => guard('a channel close', () => state.abandon()));
  return state;
}

function instrumentPublisher(channel: ChannelLike, o: ResolvedOptions): void {
  const g = o.glassbox;
  const published = g.counter(catalog.consumer.publishedTotal);
  const original = method(channel, 'publish') as Fn;
  const confirm = method(channel, 'waitForConfirms') !== undefined;
  const exchanges = new Map<string, PublishSeries>();

  function series(exchange: unknown): PublishSeries {
    const name = typeof exchange === 'string' ? exchange : String(exchange);
    const cached = exchanges.get(name);
    if (cached !== undefined) return cached;
    const label = name.length === 0 ? o.defaultExchangeLabel : name;
    const s = { counts: PUBLISH_OUTCOMES.map((outcome) => published.bindValues([label, outcome])) };
    // AMQP exchange names are at most 255 bytes; longer ones never reach the broker and are not kept.
    if (exchanges.size < CACHE_LIMIT && name.length <= 255) exchanges.set(name, s);
    return s;
  }

  function record(s: PublishSeries | undefined, outcome: PublishOutcome): void {
    if (s === undefined) return;
    try {
      (s.counts[PUBLISH_OUTCOMES.indexOf(outcome)] as BoundCounter).inc(1);
    } catch (error) {
      g.reportError(COMPONENT, 'recording a publish failed', error);
    }
  }

  define(
    channel,
    'publish',
    function publish(
      this: unknown,
      exchange: unknown,
      routingKey: unknown,
      content: unknown,
      ...rest: unknown[]
    ) {
      let s: PublishSeries | undefined;
      try {
        s = series(exchange);
      } catch (error) {
        g.reportError(COMPONENT, 'binding the exchange series failed', error);
      }
      if (!confirm) {
        let result: unknown;
        try {
          result = original.call(this, exchange, routingKey, content, ...rest);
        } catch (error) {
          record(s, 'error');
          throw error;
        }
        record(s, result === false ? 'blocked' : 'published');
        return result;
      }
      // Confirm channel: the outcome is the broker's confirm. amqplib calls the callback
      // with null (ack), Error('message nacked') (nack) or an Error when the channel
      // closed first; waitForConfirms wraps the callbacks, so it keeps working.
      let done = false;
      const userCallback = rest[1];
      const callback = function (this: unknown, err: unknown, ...more: unknown[]) {
        if (!done) {
          done = true;
          const nacked = err instanceof Error && err.message === 'message nacked';
          record(s, err === null || err === undefined ? 'ack' : nacked ? 'nack' : 'error');
        }
        if (typeof userCallback === 'function') return userCallback.call(this, err, ...more);
        return undefined;
      };
      const args = [rest[0], callback, ...rest.slice(2)];
      try {
        return original.call(this, exchange, routingKey, content, ...args);
      } catch (error) {
        if (!done) {
          done = true;
          record(s, 'error');
        }
        throw error;
      }
    },
  );
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
  if (o.publisher) instrumentPublisher(channel, o);
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
