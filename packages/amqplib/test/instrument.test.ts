/**
 * Unit tests (no broker): a fake channel that records what reaches "amqplib", so the
 * pass-through contract (same arguments, same results, same exceptions), the outcome
 * mapping of amqplib's defaults, option validation and the publisher outcomes are
 * checked exactly. The real-broker behaviour is in consumer.int.test.ts.
 */
import { EventEmitter } from 'node:events';
import {
  createGlassbox,
  type Glassbox,
  type NativeBackend,
  nativeBackend,
  promClientBackend,
} from '@glassbox/core';
import * as client from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  AMQPLIB_DEFAULTS,
  inFlightDeliveries,
  instrumentChannel,
  instrumentConnection,
  type MessageLike,
} from '../src/index.js';

type Handler = (message: MessageLike | null) => unknown;

class FakeChannel extends EventEmitter {
  readonly calls: Array<[string, ...unknown[]]> = [];
  readonly consumers: Handler[] = [];
  publishResult: boolean | Error = true;
  closed = false;
  private check(name: string, args: unknown[]) {
    if (this.closed) throw Object.assign(new Error('Channel closed'), { name: 'IllegalOperationError' });
    this.calls.push([name, ...args]);
  }
  consume(queue: string, onMessage: Handler, ...rest: unknown[]) {
    this.check('consume', [queue, ...rest]);
    this.consumers.push(onMessage);
    return Promise.resolve({ consumerTag: 'ctag' });
  }
  ack(...args: unknown[]) {
    this.check('ack', args);
  }
  ackAll(...args: unknown[]) {
    this.check('ackAll', args);
  }
  nack(...args: unknown[]) {
    this.check('nack', args);
  }
  nackAll(...args: unknown[]) {
    this.check('nackAll', args);
  }
  reject(...args: unknown[]) {
    this.check('reject', args);
  }
  recover(...args: unknown[]) {
    this.check('recover', args);
    return Promise.resolve({});
  }
  publish(exchange: string, routingKey: string, content: Buffer, ...rest: unknown[]): boolean {
    this.check('publish', [exchange, routingKey, content, ...rest]);
    if (this.publishResult instanceof Error) throw this.publishResult;
    return this.publishResult;
  }
  sendToQueue(queue: string, content: Buffer, options?: unknown, cb?: unknown): boolean {
    return this.publish('', queue, content, options, cb);
  }
  /** Simulates a broker delivery to the last consumer. */
  deliver(tag: number, extra: { redelivered?: boolean; timestamp?: number } = {}): MessageLike {
    const message = {
      fields: { deliveryTag: tag, redelivered: extra.redelivered ?? false },
      properties: extra.timestamp === undefined ? {} : { timestamp: extra.timestamp },
    };
    (this.consumers[this.consumers.length - 1] as Handler)(message);
    return message;
  }
  close() {
    this.closed = true;
    this.emit('close');
  }
}

class FakeConfirmChannel extends FakeChannel {
  readonly confirms: Array<(err: unknown) => void> = [];
  override publish(exchange: string, routingKey: string, content: Buffer, ...rest: unknown[]): boolean {
    const result = super.publish(exchange, routingKey, content, ...rest);
    this.confirms.push(rest[1] as (err: unknown) => void);
    return result;
  }
  waitForConfirms() {
    return Promise.resolve();
  }
}

const CONSUMED = 'rabbitmq_messages_consumed_total';
const IN_FLIGHT = 'rabbitmq_messages_in_flight';
const PUBLISHED = 'rabbitmq_messages_published_total';
const ERRORS = 'glassbox_instrumentation_errors_total';

let backend: NativeBackend;
let glassbox: Glassbox;
let warnings: string[];

beforeEach(() => {
  backend = nativeBackend();
  warnings = [];
  glassbox = createGlassbox({ backend, logger: { warn: (m) => warnings.push(m) } });
});

function setup(options: Record<string, unknown> = {}, queue = 'jobs') {
  const ch = new FakeChannel();
  instrumentChannel(ch, { glassbox, logger: { warn: (m) => warnings.push(m) }, ...options });
  const seen: Array<MessageLike | null> = [];
  let handler: Handler = (m) => {
    seen.push(m);
  };
  ch.consume(queue, (m) => handler(m), { prefetch: 1 });
  return {
    ch,
    seen,
    setHandler(h: Handler) {
      handler = h;
    },
  };
}

const outcome = (o: string, queue = 'jobs') => backend.value(CONSUMED, { queue, outcome: o });

describe('instrumentChannel: pass-through', () => {
  it('hands every call to amqplib unchanged and returns its result', () => {
    const { ch } = setup();
    const m = ch.deliver(1);
    expect(ch.calls[0]).toEqual(['consume', 'jobs', { prefetch: 1 }]);
    ch.ack(m);
    ch.nack(m, true, false);
    ch.reject(m);
    ch.nackAll();
    ch.ackAll();
    expect(ch.calls.slice(1)).toEqual([
      ['ack', m],
      ['nack', m, true, false],
      ['reject', m],
      ['nackAll'],
      ['ackAll'],
    ]);
  });

  it("rethrows amqplib's own exceptions and records nothing for the failed call", () => {
    const { ch } = setup();
    const m = ch.deliver(1);
    ch.closed = true;
    expect(() => ch.ack(m)).toThrow('Channel closed');
    expect(backend.value(CONSUMED)).toBe(0);
  });

  it('passes null (consumer cancelled) to the user callback untouched', () => {
    const { ch, seen } = setup();
    (ch.consumers[0] as Handler)(null);
    expect(seen).toEqual([null]);
    expect(backend.value(IN_FLIGHT)).toBe(0);
    expect(backend.value(ERRORS)).toBeUndefined(); // no error was ever recorded
  });

  it('is idempotent for one Glassbox and refuses a second one', () => {
    const ch = new FakeChannel();
    expect(instrumentChannel(ch, { glassbox })).toBe(ch);
    expect(instrumentChannel(ch, { glassbox })).toBe(ch);
    const other = createGlassbox({ backend: nativeBackend(), logger: null });
    expect(() => instrumentChannel(ch, { glassbox: other })).toThrow(/another Glassbox instance/);
  });
});

describe('instrumentChannel: outcomes', () => {
  it("maps amqplib's settlement defaults: nack and reject requeue unless told otherwise", () => {
    const { ch } = setup();
    ch.nack(ch.deliver(1)); // requeue (default)
    ch.nack(ch.deliver(2), false, false); // nack
    ch.reject(ch.deliver(3)); // requeue (default)
    ch.reject(ch.deliver(4), false); // reject
    ch.ack(ch.deliver(5));
    ch.deliver(6);
    ch.deliver(7);
    ch.nackAll(false); // nack 6, 7
    expect([
      outcome('ack'),
      outcome('nack'),
      outcome('requeue'),
      outcome('reject'),
      outcome('error'),
    ]).toEqual([1, 3, 2, 1, 0]);
    expect(backend.value(IN_FLIGHT)).toBe(0);
  });

  it('settles every in-flight delivery up to the tag with allUpTo, and none twice', () => {
    const { ch } = setup();
    const ms = [1, 2, 3, 4, 5].map((t) => ch.deliver(t));
    ch.ack(ms[2] as MessageLike, true);
    expect(outcome('ack')).toBe(3);
    expect(inFlightDeliveries(ch)).toBe(2);
    ch.ackAll();
    expect(outcome('ack')).toBe(5);
    expect(backend.value(IN_FLIGHT)).toBe(0);
  });

  it('counts nothing settled after a settlement the broker refuses (406), until the channel closes', () => {
    const { ch } = setup();
    const ms = [1, 2, 3, 4, 5].map((t) => ch.deliver(t));
    ch.ack(ms[2] as MessageLike, true);
    expect(outcome('ack')).toBe(3);
    ch.ack(ms[0] as MessageLike); // already settled: passed on (the broker closes the channel with 406)
    expect(ch.calls.filter((c) => c[0] === 'ack')).toHaveLength(2);
    ch.ack(ms[3] as MessageLike); // discarded by the broker: not counted
    ch.ackAll();
    expect(outcome('ack')).toBe(3);
    ch.publish('events', 'k', Buffer.from('lost')); // discarded by the broker too
    expect(backend.value('rabbitmq_messages_published_total', { exchange: 'events', outcome: 'error' })).toBe(
      1,
    );
    expect(
      backend.value('rabbitmq_messages_published_total', { exchange: 'events', outcome: 'published' }),
    ).toBe(0);
    expect(inFlightDeliveries(ch)).toBe(2);
    ch.close(); // the broker's close arrives: 4 and 5 are requeued, counted when redelivered
    expect(inFlightDeliveries(ch)).toBe(0);
    expect(backend.value(IN_FLIGHT)).toBe(0);
    expect(backend.value(CONSUMED)).toBe(3);
    // A channel object that is opened again (connection recovery) starts with fresh tags.
    ch.closed = false;
    const again = ch.deliver(1);
    ch.ack(again);
    expect(outcome('ack')).toBe(4);
  });

  it('treats a settlement after recover() or of a noAck delivery as refused, but not one of an unknown tag', () => {
    const { ch } = setup();
    const m1 = ch.deliver(1);
    ch.recover();
    expect(outcome('requeue')).toBe(1);
    const m2 = ch.deliver(2);
    ch.ack({ fields: { deliveryTag: 7 } }); // a get() or an uninstrumented consumer's tag: no opinion
    ch.ack(m2);
    expect(outcome('ack')).toBe(1);
    ch.ack(m1); // requeued by recover: the broker no longer knows tag 1
    ch.deliver(3);
    ch.ackAll();
    expect(outcome('ack')).toBe(1);
    expect(inFlightDeliveries(ch)).toBe(1);
  });

  it('records a sync throw and an async rejection as error and applies handlerErrorAction once', async () => {
    const { ch, setHandler } = setup();
    setHandler(() => {
      throw new Error('sync');
    });
    ch.deliver(1);
    setHandler(() => Promise.reject(new Error('async')));
    ch.deliver(2);
    await new Promise((r) => setImmediate(r));
    expect(outcome('error')).toBe(2);
    expect(ch.calls.filter((c) => c[0] === 'nack').map((c) => c.slice(2))).toEqual([
      [false, false],
      [false, false],
    ]);
    expect(warnings.filter((w) => w.includes('nacked without requeue'))).toHaveLength(2);
    expect(backend.value(IN_FLIGHT)).toBe(0);
  });

  it('does not settle again a message the handler settled before throwing', async () => {
    const { ch, setHandler } = setup();
    setHandler((m) => {
      ch.ack(m as MessageLike);
      throw new Error('after ack');
    });
    ch.deliver(1);
    expect(ch.calls.filter((c) => c[0] === 'ack' || c[0] === 'nack')).toHaveLength(1);
    expect(outcome('ack')).toBe(1);
    expect(outcome('error')).toBe(0);
    expect(warnings.some((w) => w.includes('already been settled'))).toBe(true);
  });

  it('honours handlerErrorAction "requeue" and onError, and survives an onError that throws', () => {
    const errors: unknown[] = [];
    const { ch, setHandler } = setup({
      handlerErrorAction: 'requeue',
      onError: (e: unknown) => {
        errors.push(e);
        throw new Error('hook broke');
      },
    });
    setHandler(() => {
      throw new Error('x');
    });
    expect(() => ch.deliver(1)).not.toThrow();
    expect(ch.calls.filter((c) => c[0] === 'nack').map((c) => c.slice(2))).toEqual([[false, true]]);
    expect(errors).toHaveLength(1);
    expect(backend.value(ERRORS, { component: 'amqplib' })).toBe(1);
  });

  it('ends in-flight records (without an outcome) when the channel closes, and ignores late settlements', () => {
    const { ch } = setup();
    const m = ch.deliver(1);
    ch.deliver(2);
    expect(backend.value(IN_FLIGHT)).toBe(2);
    ch.close();
    expect(backend.value(IN_FLIGHT)).toBe(0);
    expect(() => ch.ack(m)).toThrow('Channel closed');
    expect(backend.value(CONSUMED)).toBe(0);
  });

  it('counts deliveries requeued by recover() as requeue', () => {
    const { ch } = setup();
    ch.deliver(1);
    ch.deliver(2);
    (ch as unknown as { recover(): Promise<unknown> }).recover();
    expect(outcome('requeue')).toBe(2);
    expect(backend.value(IN_FLIGHT)).toBe(0);
  });

  it('records the age from the timestamp in seconds, or milliseconds when configured, and drops future ones', () => {
    const { ch } = setup();
    ch.deliver(1, { timestamp: Math.floor(Date.now() / 1000) - 100 });
    ch.deliver(2, { timestamp: Date.now() - 100_000 }); // milliseconds under 'seconds': far future
    const age = backend.distribution('rabbitmq_message_age_seconds', { queue: 'jobs' });
    expect(age?.count).toBe(1);
    expect(age?.sum).toBeGreaterThanOrEqual(100);
    expect(backend.value(ERRORS, { component: 'amqplib' })).toBe(1);
    expect(warnings.some((w) => w.includes('timestampUnit'))).toBe(true);

    const ms = setup({ timestampUnit: 'milliseconds' }, 'ms');
    ms.ch.deliver(1, { timestamp: Date.now() - 2_000 });
    const msAge = backend.distribution('rabbitmq_message_age_seconds', { queue: 'ms' });
    expect(msAge?.count).toBe(1);
    expect(msAge?.sum).toBeGreaterThanOrEqual(2);
    expect(msAge?.sum).toBeLessThan(10);
  });

  it('labels server-named queues with one value and survives a throwing queueLabel', () => {
    setup({}, 'amq.gen-Xyz123').ch.deliver(1);
    expect(backend.value(IN_FLIGHT, { queue: '(server-named)' })).toBe(1);
    const broken = setup(
      {
        queueLabel: () => {
          throw new Error('no');
        },
      },
      'raw',
    );
    broken.ch.deliver(1);
    expect(backend.value(IN_FLIGHT, { queue: 'raw' })).toBe(1);
    expect(backend.value(ERRORS, { component: 'amqplib' })).toBe(1);
  });
});

describe('instrumentChannel: publisher', () => {
  it('counts published, blocked and error on a plain channel, default exchange as (default)', () => {
    const ch = instrumentChannel(new FakeChannel(), { glassbox });
    expect(ch.sendToQueue('jobs', Buffer.from('a'))).toBe(true);
    ch.publishResult = false;
    expect(ch.publish('events', 'k', Buffer.from('b'))).toBe(false);
    ch.publishResult = new RangeError('too big');
    expect(() => ch.publish('events', 'k', Buffer.from('c'))).toThrow('too big');
    expect(backend.value(PUBLISHED, { exchange: '(default)', outcome: 'published' })).toBe(1);
    expect(backend.value(PUBLISHED, { exchange: 'events', outcome: 'blocked' })).toBe(1);
    expect(backend.value(PUBLISHED, { exchange: 'events', outcome: 'error' })).toBe(1);
    expect(backend.value(PUBLISHED)).toBe(3);
  });

  it('counts the broker confirm on a confirm channel and still calls the user callback', () => {
    const ch = instrumentChannel(new FakeConfirmChannel(), { glassbox, defaultExchangeLabel: 'amq.default' });
    const got: unknown[] = [];
    ch.sendToQueue('jobs', Buffer.from('a'), {}, (err: unknown) => got.push(err));
    ch.publish('events', 'k', Buffer.from('b'));
    ch.publish('events', 'k', Buffer.from('c'), undefined, (err: unknown) => got.push(err));
    (ch.confirms[0] as (e: unknown) => void)(null);
    (ch.confirms[1] as (e: unknown) => void)(new Error('message nacked'));
    (ch.confirms[2] as (e: unknown) => void)(new Error('channel closed'));
    expect(got).toHaveLength(2);
    expect(got[0]).toBeNull();
    expect((got[1] as Error).message).toBe('channel closed');
    expect(backend.value(PUBLISHED, { exchange: 'amq.default', outcome: 'ack' })).toBe(1);
    expect(backend.value(PUBLISHED, { exchange: 'events', outcome: 'nack' })).toBe(1);
    expect(backend.value(PUBLISHED, { exchange: 'events', outcome: 'error' })).toBe(1);
    expect(backend.value(PUBLISHED, { outcome: 'published' })).toBe(0);
  });
});

describe('options', () => {
  it('throws clear errors at start-up', () => {
    const ch = new FakeChannel();
    expect(() => instrumentChannel(ch, {} as never)).toThrow(/glassbox must be a Glassbox instance/);
    expect(() => instrumentChannel(ch, { glassbox, handlerErrorAction: 'drop' as never })).toThrow(
      /handlerErrorAction must be 'nack', 'requeue' or 'leave'/,
    );
    expect(() => instrumentChannel(ch, { glassbox, defaultExchangeLabel: '' })).toThrow(
      /defaultExchangeLabel/,
    );
    expect(() => instrumentChannel(ch, { glassbox, timestampUnit: 'minutes' as never })).toThrow(
      /timestampUnit/,
    );
    expect(() => instrumentChannel({} as never, { glassbox })).toThrow(/expected an amqplib channel/);
    expect(AMQPLIB_DEFAULTS.handlerErrorAction).toBe('nack');
  });

  it('instrumentConnection instruments channels of the promise and the callback API', async () => {
    const promiseModel = {
      createChannel: async () => new FakeChannel(),
      createConfirmChannel: async () => new FakeConfirmChannel(),
    };
    instrumentConnection(promiseModel, { glassbox });
    const a = await promiseModel.createChannel();
    a.publish('x', '', Buffer.from('1'));
    const cbChannel = new FakeChannel();
    const callbackModel = {
      createChannel: (cb: (err: unknown, ch?: FakeChannel) => void) => {
        setImmediate(() => cb(null, cbChannel));
        return cbChannel;
      },
      createConfirmChannel: () => new FakeConfirmChannel(),
    };
    instrumentConnection(callbackModel, { glassbox });
    const b = await new Promise<FakeChannel>((resolve) =>
      callbackModel.createChannel((_e, ch) => resolve(ch as FakeChannel)),
    );
    b.publish('x', '', Buffer.from('2'));
    expect(backend.value(PUBLISHED, { exchange: 'x', outcome: 'published' })).toBe(2);
  });
});

describe('exposition through prom-client', () => {
  it('exposes the catalog names and labels', async () => {
    const registry = new client.Registry();
    const gb = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
    const ch = instrumentChannel(new FakeChannel(), { glassbox: gb });
    ch.consume('bi_batch_jobs', () => {});
    ch.ack(ch.deliver(1, { redelivered: true }));
    ch.sendToQueue('bi_batch_jobs', Buffer.from('x'));
    const text = await registry.metrics();
    const lines = text.split('\n');
    expect(lines).toContain('rabbitmq_messages_consumed_total{queue="bi_batch_jobs",outcome="ack"} 1');
    expect(lines).toContain('rabbitmq_messages_redelivered_total{queue="bi_batch_jobs"} 1');
    expect(lines).toContain('rabbitmq_messages_in_flight{queue="bi_batch_jobs"} 0');
    expect(lines).toContain(
      'rabbitmq_message_processing_duration_seconds_count{queue="bi_batch_jobs",outcome="ack"} 1',
    );
    expect(lines).toContain('rabbitmq_messages_published_total{exchange="(default)",outcome="published"} 1');
  });
});
