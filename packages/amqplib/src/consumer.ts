/**
 * Consumer instrumentation: wraps the consumer callbacks registered with `consume` and
 * the settlement methods (`ack`, `nack`, `reject`, `ackAll`, `nackAll`, `recover`) of one
 * channel, in place. Every call reaches amqplib with the same arguments; its result or
 * exception comes back as it was.
 */
import { catalog } from '@glassbox/core';
import { ConsumerState, type Delivery, type QueueSeries } from './consumer-state.js';
import type { ConsumeOutcome, ResolvedOptions } from './options.js';
import type { ChannelLike, MessageLike } from './types.js';
import { COMPONENT, define, describe, type Fn, isThenable, method, tagOf } from './util.js';

type Handler = (message: MessageLike | null) => unknown;

/** The methods of one channel that the consumer side wraps, as they were. */
interface Originals {
  readonly consume: Fn;
  readonly ack: Fn;
  readonly ackAll: Fn;
  readonly nack: Fn;
  readonly nackAll: Fn;
  readonly reject: Fn;
  readonly recover: Fn | undefined;
}

class ConsumerInstrumentation {
  readonly state: ConsumerState;
  readonly original: Originals;

  constructor(
    readonly channel: ChannelLike,
    readonly o: ResolvedOptions,
  ) {
    const g = o.glassbox;
    const c = catalog.consumer;
    this.state = new ConsumerState(o, {
      consumed: g.counter(c.consumedTotal),
      duration: g.histogram(c.processingDuration),
      inFlight: g.gauge(c.inFlight),
      redelivered: g.counter(c.redeliveredTotal),
      age: g.histogram(c.messageAge),
    });
    const m = (name: string) => method(channel, name) as Fn;
    this.original = {
      consume: m('consume'),
      ack: m('ack'),
      ackAll: m('ackAll'),
      nack: m('nack'),
      nackAll: m('nackAll'),
      reject: m('reject'),
      recover: method(channel, 'recover'),
    };
  }

  guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.o.glassbox.reportError(COMPONENT, `recording ${what} failed`, error);
    }
  }

  private notify(error: unknown, message: MessageLike, queue: string, action: string): void {
    try {
      if (this.o.onError !== undefined) this.o.onError(error, message, queue);
      else
        this.o.logger?.warn(
          `amqplib: the handler for queue "${queue}" failed (${describe(error)}); ${action}`,
        );
    } catch (hookError) {
      this.o.glassbox.reportError(COMPONENT, 'onError threw', hookError);
    }
  }

  /** Counts the error once, applies handlerErrorAction to a message not yet settled, then notifies. */
  handlerFailed(d: Delivery | undefined, message: MessageLike, error: unknown, queue: string): void {
    let action = 'the message had already been settled';
    if (d?.live) {
      this.guard('a handler error', () => this.state.count(d, 'error'));
      if (d.noAck) {
        action = 'the message was auto-acknowledged (noAck)';
        this.guard('a handler error', () => this.state.release(d));
      } else if (this.o.handlerErrorAction === 'leave')
        // Still outstanding on the broker: the user's own settlement of it is valid (and not counted again).
        action = 'the message is left unacknowledged (handlerErrorAction "leave")';
      else action = this.settleFailed(d, message);
    }
    this.notify(error, message, queue, action);
  }

  private settleFailed(d: Delivery, message: MessageLike): string {
    const requeue = this.o.handlerErrorAction === 'requeue';
    try {
      this.original.nack.call(this.channel, message, false, requeue);
      this.guard('a handler error', () => this.state.release(d));
      return requeue ? 'the message was requeued' : 'the message was nacked without requeue';
    } catch (nackError) {
      // The channel closed under the handler: the broker requeues the message itself.
      return `settling it failed (${describe(nackError)}); the broker requeues unacknowledged messages of a closed channel`;
    }
  }

  deliver(
    message: MessageLike | null,
    onMessage: Handler,
    series: QueueSeries | undefined,
    noAck: boolean,
    queue: string,
  ): unknown {
    // `null`: the consumer was cancelled by the broker (queue deleted, ...). Passed on untouched.
    if (message === null || typeof message !== 'object' || series === undefined) return onMessage(message);
    let d: Delivery | undefined;
    try {
      d = this.state.begin(series, message, noAck);
    } catch (error) {
      this.o.glassbox.reportError(COMPONENT, 'recording a delivery failed', error);
    }
    let result: unknown;
    try {
      result = onMessage(message);
    } catch (error) {
      this.handlerFailed(d, message, error, queue);
      return undefined;
    }
    try {
      const autoAck = () => {
        if (noAck && d !== undefined) this.guard('a noAck delivery', () => this.state.finish(d, 'ack'));
      };
      if (isThenable(result))
        result.then(autoAck, (error: unknown) => this.handlerFailed(d, message, error, queue));
      else autoAck();
    } catch (error) {
      this.o.glassbox.reportError(COMPONENT, 'following a handler result failed', error);
    }
    return result;
  }

  patchConsume(): void {
    const self = this;
    define(
      this.channel,
      'consume',
      function consume(this: unknown, queue: unknown, onMessage: unknown, ...rest: unknown[]) {
        if (typeof onMessage !== 'function')
          return self.original.consume.call(this, queue, onMessage, ...rest);
        const name = typeof queue === 'string' ? queue : String(queue);
        const consumeOptions = rest[0];
        const noAck =
          consumeOptions !== null &&
          typeof consumeOptions === 'object' &&
          Boolean((consumeOptions as { noAck?: unknown }).noAck);
        let series: QueueSeries | undefined;
        try {
          series = self.state.series(name);
        } catch (error) {
          self.o.glassbox.reportError(COMPONENT, 'binding the queue series failed', error);
        }
        const handler = onMessage as Handler;
        const wrapped = (message: MessageLike | null): unknown =>
          self.deliver(message, handler, series, noAck, name);
        return self.original.consume.call(this, queue, wrapped, ...rest);
      },
    );
  }

  /** Wraps one settlement method: amqplib first, then the outcome of what it settled. */
  private patchSettlement(name: string, original: Fn, what: string, settle: (args: unknown[]) => void): void {
    const self = this;
    const settlement = function (this: unknown, ...args: unknown[]) {
      const result = original.apply(this, args);
      self.guard(what, () => settle(args));
      return result;
    };
    Object.defineProperty(settlement, 'name', { value: name });
    define(this.channel, name, settlement);
  }

  patchSettlements(): void {
    const { original: f, state } = this;
    // amqplib's own defaults: `requeue` is true unless given (nack, nackAll, reject).
    const requeued = (arg: unknown, otherwise: ConsumeOutcome): ConsumeOutcome =>
      arg === undefined || arg ? 'requeue' : otherwise;
    this.patchSettlement('ack', f.ack, 'an ack', (a) => state.settle(tagOf(a[0]), Boolean(a[1]), 'ack'));
    this.patchSettlement('ackAll', f.ackAll, 'an ackAll', () => state.settle(0, true, 'ack'));
    this.patchSettlement('nack', f.nack, 'a nack', (a) =>
      state.settle(tagOf(a[0]), Boolean(a[1]), requeued(a[2], 'nack')),
    );
    this.patchSettlement('nackAll', f.nackAll, 'a nackAll', (a) =>
      state.settle(0, true, requeued(a[0], 'nack')),
    );
    this.patchSettlement('reject', f.reject, 'a reject', (a) =>
      state.settle(tagOf(a[0]), false, requeued(a[1], 'reject')),
    );
    // basic.recover requeues every unacknowledged delivery of the channel; they come back with new tags.
    if (f.recover !== undefined)
      this.patchSettlement('recover', f.recover, 'a recover', () => state.settle(0, true, 'requeue'));
  }
}

/** Instruments the consumer side of a channel in place; returns its bookkeeping. */
export function instrumentConsumer(channel: ChannelLike, o: ResolvedOptions): ConsumerState {
  const c = new ConsumerInstrumentation(channel, o);
  c.patchConsume();
  c.patchSettlements();
  channel.on('close', () => c.guard('a channel close', () => c.state.abandon()));
  return c.state;
}
