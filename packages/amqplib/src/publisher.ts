/**
 * Publisher instrumentation: `rabbitmq_messages_published_total{exchange,outcome}` from
 * `publish` (which `sendToQueue` goes through). On a confirm channel the broker's
 * confirm is the outcome.
 */
import { type BoundCounter, catalog } from '@glassbox/core';
import type { PublishOutcome, ResolvedOptions } from './options.js';
import type { ChannelLike } from './types.js';
import { AMQP_NAME_LIMIT, CACHE_LIMIT, COMPONENT, define, type Fn, method } from './util.js';

const PUBLISH_OUTCOMES: readonly PublishOutcome[] = ['published', 'blocked', 'ack', 'nack', 'error'];

interface PublishSeries {
  /** By outcome, in {@link PUBLISH_OUTCOMES} order. */
  readonly counts: BoundCounter[];
}

/** Series by exchange name, bounded by {@link CACHE_LIMIT}; records never throw. */
class PublishRecorder {
  private readonly exchanges = new Map<string, PublishSeries>();
  private readonly published;
  constructor(private readonly o: ResolvedOptions) {
    this.published = o.glassbox.counter(catalog.consumer.publishedTotal);
  }

  series(exchange: unknown): PublishSeries | undefined {
    try {
      const name = typeof exchange === 'string' ? exchange : String(exchange);
      const cached = this.exchanges.get(name);
      if (cached !== undefined) return cached;
      const label = name.length === 0 ? this.o.defaultExchangeLabel : name;
      const s = { counts: PUBLISH_OUTCOMES.map((outcome) => this.published.bindValues([label, outcome])) };
      if (this.exchanges.size < CACHE_LIMIT && name.length <= AMQP_NAME_LIMIT) this.exchanges.set(name, s);
      return s;
    } catch (error) {
      this.o.glassbox.reportError(COMPONENT, 'binding the exchange series failed', error);
      return undefined;
    }
  }

  record(s: PublishSeries | undefined, outcome: PublishOutcome): void {
    if (s === undefined) return;
    try {
      (s.counts[PUBLISH_OUTCOMES.indexOf(outcome)] as BoundCounter).inc(1);
    } catch (error) {
      this.o.glassbox.reportError(COMPONENT, 'recording a publish failed', error);
    }
  }
}

/**
 * Plain channel: `publish` returns `false` when amqplib's buffer is full (the message is
 * still sent). After a settlement the broker refused, it discards what the channel sends
 * until the close arrives: such a publish is an `error`.
 */
function plainPublish(original: Fn, rec: PublishRecorder, refused: () => boolean): Fn {
  return function publish(
    this: unknown,
    exchange: unknown,
    routingKey: unknown,
    content: unknown,
    ...rest: unknown[]
  ) {
    const s = rec.series(exchange);
    let result: unknown;
    try {
      result = original.call(this, exchange, routingKey, content, ...rest);
    } catch (error) {
      rec.record(s, 'error');
      throw error;
    }
    rec.record(s, refused() ? 'error' : result === false ? 'blocked' : 'published');
    return result;
  };
}

/**
 * Confirm channel: the outcome is the broker's confirm. amqplib calls the callback with
 * null (ack), Error('message nacked') (nack) or an Error when the channel closed first;
 * waitForConfirms wraps the callbacks, so it keeps working.
 */
function confirmPublish(original: Fn, rec: PublishRecorder): Fn {
  return function publish(
    this: unknown,
    exchange: unknown,
    routingKey: unknown,
    content: unknown,
    ...rest: unknown[]
  ) {
    const s = rec.series(exchange);
    let done = false;
    const userCallback = rest[1];
    const callback = function (this: unknown, err: unknown, ...more: unknown[]) {
      if (!done) {
        done = true;
        const nacked = err instanceof Error && err.message === 'message nacked';
        rec.record(s, err === null || err === undefined ? 'ack' : nacked ? 'nack' : 'error');
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
        rec.record(s, 'error');
      }
      throw error;
    }
  };
}

/**
 * Wraps the channel's `publish` in place. `refused` says whether the broker is closing the
 * channel after a settlement it refused (see the consumer state).
 */
export function instrumentPublisher(channel: ChannelLike, o: ResolvedOptions, refused: () => boolean): void {
  const original = method(channel, 'publish') as Fn;
  const rec = new PublishRecorder(o);
  const confirm = method(channel, 'waitForConfirms') !== undefined;
  define(channel, 'publish', confirm ? confirmPublish(original, rec) : plainPublish(original, rec, refused));
}
