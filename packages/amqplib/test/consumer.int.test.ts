/**
 * Acceptance against the real RabbitMQ at 127.0.0.1:5672, on amqplib 2.x and 0.10.x,
 * promise and callback APIs. Fails (does not skip) when the broker is unreachable and
 * CI is set.
 */
import { randomBytes } from 'node:crypto';
import { createGlassbox, type Glassbox, type NativeBackend, nativeBackend } from '@glassbox/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  inFlightDeliveries,
  instrumentChannel,
  instrumentConnection,
  type MessageLike,
} from '../src/index.js';
import {
  BROKER_URL,
  brokerReachable,
  FLAVOURS,
  type Flavour,
  sleep,
  type TestChannel,
  type TestConnection,
  uniqueName,
  waitFor,
} from './broker.js';

const reachable = await brokerReachable();
if (!reachable && process.env.CI)
  throw new Error(
    'RabbitMQ is not reachable at 127.0.0.1:5672 (guest/guest); the integration suite needs it in CI',
  );

const CONSUMED = 'rabbitmq_messages_consumed_total';
const DURATION = 'rabbitmq_message_processing_duration_seconds';
const IN_FLIGHT = 'rabbitmq_messages_in_flight';
const REDELIVERED = 'rabbitmq_messages_redelivered_total';
const AGE = 'rabbitmq_message_age_seconds';
const ERRORS = 'glassbox_instrumentation_errors_total';

interface Ctx {
  backend: NativeBackend;
  glassbox: Glassbox;
  warnings: string[];
  connection: TestConnection;
  /** A separate, bare channel for set-up and for asking the broker what it holds. */
  admin: TestChannel;
  queues: string[];
}

/** Messages consumed with this outcome; undefined when none ever was (no series). */
function outcome(ctx: Ctx, queue: string, o: string): number | undefined {
  return ctx.backend.value(CONSUMED, { queue, outcome: o });
}

/** Consumes `queue` on `channel`, acking every message; returns how many arrived so far. */
async function ackEvery(channel: TestChannel, queue: string): Promise<() => number> {
  const ch = channel.raw;
  let n = 0;
  await channel.consume(queue, (msg) => {
    if (msg === null) return;
    n++;
    ch.ack(msg);
  });
  return () => n;
}

describe.skipIf(!reachable).each(FLAVOURS)('$name', (flavour: Flavour) => {
  let ctx: Ctx;
  const connections: TestConnection[] = [];

  async function setup(): Promise<Ctx> {
    const backend = nativeBackend();
    const warnings: string[] = [];
    const glassbox = createGlassbox({ backend, logger: { warn: (m) => warnings.push(m) } });
    const connection = await flavour.connect();
    connections.push(connection);
    const admin = await connection.channel();
    return { backend, glassbox, warnings, connection, admin, queues: [] };
  }

  async function queue(c: Ctx, options: Record<string, unknown> = {}): Promise<string> {
    const name = uniqueName('q');
    await c.admin.assertQueue(name, { durable: false, ...options });
    c.queues.push(name);
    return name;
  }

  async function instrumented(c: Ctx, options: Record<string, unknown> = {}): Promise<TestChannel> {
    const channel = await c.connection.channel();
    channel.raw.on('error', () => {});
    instrumentChannel(channel.raw, {
      glassbox: c.glassbox,
      logger: { warn: (m) => c.warnings.push(m) },
      ...options,
    });
    return channel;
  }

  function publish(c: Ctx, q: string, body: string, options: Record<string, unknown> = {}): void {
    (c.admin.raw as unknown as { sendToQueue(q: string, b: Buffer, o: object): boolean }).sendToQueue(
      q,
      Buffer.from(body),
      options,
    );
  }

  beforeAll(() => {
    if (!reachable) throw new Error('RabbitMQ unreachable');
  });

  afterEach(async () => {
    if (ctx !== undefined) {
      try {
        const admin = await ctx.connection.channel();
        for (const q of ctx.queues) await admin.deleteQueue(q).catch(() => {});
      } catch {
        // the connection may be gone on purpose
      }
    }
    for (const c of connections.splice(0)) await Promise.race([c.close().catch(() => {}), sleep(2000)]);
  });

  it('counts every outcome exactly, redeliveries included, and loses or double-acks nothing', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const N = 50;
    const channel = await instrumented(ctx);
    const ch = channel.raw;
    let channelErrors = 0;
    ch.on('error', () => channelErrors++);
    const deliveries = new Map<number, number>();
    let settled = 0;
    await channel.prefetch(10);
    await channel.consume(q, (msg: MessageLike | null) => {
      if (msg === null) return;
      const i = Number((msg as unknown as { content: Buffer }).content.toString());
      deliveries.set(i, (deliveries.get(i) ?? 0) + 1);
      settled++;
      switch (i % 6) {
        case 0:
          ch.ack(msg);
          return;
        case 1:
          ch.nack(msg, false, false);
          return;
        case 2:
          // requeue once, through nack's default (requeue = true), then ack the redelivery
          if (msg.fields.redelivered) ch.ack(msg);
          else ch.nack(msg);
          return;
        case 3:
          ch.reject(msg, false);
          return;
        case 4:
          // requeue once through reject(msg, true)
          if (msg.fields.redelivered) ch.ack(msg);
          else ch.reject(msg, true);
          return;
        default:
          // half throw synchronously, half reject asynchronously
          if (i % 12 === 5) throw new Error(`boom ${i}`);
          return Promise.reject(new Error(`async boom ${i}`));
      }
    });
    for (let i = 0; i < N; i++) publish(ctx, q, String(i));
    // classes 2 and 4 are delivered twice
    const perClass = (k: number) => Array.from({ length: N }, (_, i) => i).filter((i) => i % 6 === k).length;
    const expectedDeliveries = N + perClass(2) + perClass(4);
    await waitFor(() => settled === expectedDeliveries, `${expectedDeliveries} deliveries`);
    await waitFor(() => outcome(ctx, q, 'error') === perClass(5), 'the async errors');

    expect(outcome(ctx, q, 'ack')).toBe(perClass(0) + perClass(2) + perClass(4));
    expect(outcome(ctx, q, 'nack')).toBe(perClass(1));
    expect(outcome(ctx, q, 'requeue')).toBe(perClass(2) + perClass(4));
    expect(outcome(ctx, q, 'reject')).toBe(perClass(3));
    expect(outcome(ctx, q, 'error')).toBe(perClass(5));
    expect(ctx.backend.value(CONSUMED)).toBe(expectedDeliveries);
    expect(ctx.backend.value(REDELIVERED, { queue: q })).toBe(perClass(2) + perClass(4));
    expect(ctx.backend.distribution(DURATION, { queue: q })?.count).toBe(expectedDeliveries);
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(0);
    expect(inFlightDeliveries(ch)).toBe(0);
    // Exactly the requeued classes came back, once each; everything else once.
    for (let i = 0; i < N; i++)
      expect(deliveries.get(i), `deliveries of ${i}`).toBe(i % 6 === 2 || i % 6 === 4 ? 2 : 1);
    // Nothing left on the broker, nothing unacknowledged (a second ack would have closed the channel with 406).
    await sleep(50);
    expect(channelErrors).toBe(0);
    expect((await channel.checkQueue(q)).messageCount).toBe(0);
    // Each handler error was passed on (to the logger by default) with the action taken.
    expect(ctx.warnings.filter((w) => w.includes('nacked without requeue'))).toHaveLength(perClass(5));
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('settles every in-flight delivery up to the tag with allUpTo, ackAll and nackAll', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const channel = await instrumented(ctx);
    const ch = channel.raw;
    const held: MessageLike[] = [];
    await channel.prefetch(20);
    await channel.consume(q, (msg) => {
      if (msg !== null) held.push(msg);
    });
    for (let i = 0; i < 10; i++) publish(ctx, q, String(i));
    await waitFor(() => held.length === 10, '10 deliveries');
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(10);

    ch.ack(held[4] as MessageLike, true); // 1..5
    expect(outcome(ctx, q, 'ack')).toBe(5);
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(5);
    ch.nack(held[7] as MessageLike, true, false); // 6..8
    expect(outcome(ctx, q, 'nack')).toBe(3);
    ch.nackAll(); // 9, 10, requeue by default
    expect(outcome(ctx, q, 'requeue')).toBe(2);
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(0);

    await waitFor(() => held.length === 12, 'the 2 redeliveries');
    expect(held.slice(10).every((m) => m.fields.redelivered === true)).toBe(true);
    expect(ctx.backend.value(REDELIVERED, { queue: q })).toBe(2);
    ch.ackAll();
    expect(outcome(ctx, q, 'ack')).toBe(7);
    expect(ctx.backend.value(CONSUMED)).toBe(12);
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(0);
    expect((await channel.checkQueue(q)).messageCount).toBe(0);
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('fails a double ack exactly as amqplib does (406 PRECONDITION_FAILED) and counts the ack once', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const errors = { bare: [] as Array<{ code?: number }>, instrumented: [] as Array<{ code?: number }> };
    const closed = { bare: false, instrumented: false };
    for (const kind of ['bare', 'instrumented'] as const) {
      const channel = await ctx.connection.channel();
      channel.raw.on('error', (e: { code?: number }) => errors[kind].push(e));
      channel.raw.on('close', () => {
        closed[kind] = true;
      });
      if (kind === 'instrumented') instrumentChannel(channel.raw, { glassbox: ctx.glassbox });
      const ch = channel.raw;
      await channel.consume(q, (msg) => {
        if (msg === null) return;
        ch.ack(msg);
        ch.ack(msg);
      });
      publish(ctx, q, kind);
      await waitFor(() => closed[kind], `the ${kind} channel to be closed by the broker`);
    }
    expect(errors.bare.map((e) => e.code)).toEqual([406]);
    expect(errors.instrumented.map((e) => e.code)).toEqual([406]);
    expect(outcome(ctx, q, 'ack')).toBe(1);
    expect(ctx.backend.value(CONSUMED)).toBe(1);
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(0);
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('passes null to the user callback when the queue is deleted while consuming, without throwing', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const channel = await instrumented(ctx);
    const ch = channel.raw;
    let channelErrors = 0;
    ch.on('error', () => channelErrors++);
    const received: Array<MessageLike | null> = [];
    await channel.consume(q, (msg) => {
      received.push(msg);
      if (msg !== null) ch.ack(msg);
    });
    for (let i = 0; i < 3; i++) publish(ctx, q, String(i));
    await waitFor(() => received.length === 3, '3 deliveries');
    await ctx.admin.deleteQueue(q);
    await waitFor(() => received.length === 4, 'the cancel notification');
    expect(received[3]).toBeNull();
    expect(outcome(ctx, q, 'ack')).toBe(3);
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(0);
    // The channel is still usable: declare and check another queue on it.
    const other = await queue(ctx);
    expect((await channel.checkQueue(other)).messageCount).toBe(0);
    expect(channelErrors).toBe(0);
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('ends every in-flight record when the channel closes with handlers running', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const channel = await instrumented(ctx);
    const ch = channel.raw;
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let started = 0;
    const lateAcks: unknown[] = [];
    await channel.prefetch(10);
    await channel.consume(q, async (msg) => {
      if (msg === null) return;
      started++;
      await released;
      try {
        ch.ack(msg);
      } catch (error) {
        lateAcks.push(error);
      }
    });
    for (let i = 0; i < 4; i++) publish(ctx, q, String(i));
    await waitFor(() => started === 4, '4 running handlers');
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(4);
    await channel.close();
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(0);
    expect(inFlightDeliveries(ch)).toBe(0);
    release();
    await sleep(20);
    // amqplib's own behaviour is unchanged: acking on a closed channel throws IllegalOperationError.
    expect(lateAcks).toHaveLength(4);
    expect((lateAcks[0] as Error).name).toBe('IllegalOperationError');
    expect(ctx.backend.value(CONSUMED)).toBe(0);
    // The broker requeued them.
    expect((await ctx.admin.checkQueue(q)).messageCount).toBe(4);
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('ends every in-flight record when the connection is lost', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    // A second connection, dropped at the socket level.
    const doomed = await flavour.connect();
    connections.push(doomed);
    const channel = await doomed.channel();
    channel.raw.on('error', () => {});
    instrumentChannel(channel.raw, { glassbox: ctx.glassbox, logger: null });
    let started = 0;
    await channel.prefetch(10);
    await channel.consume(q, (msg) => {
      if (msg !== null) started++;
    });
    let closed = false;
    channel.raw.on('close', () => {
      closed = true;
    });
    for (let i = 0; i < 3; i++) publish(ctx, q, String(i));
    await waitFor(() => started === 3, '3 deliveries');
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(3);
    doomed.raw.connection.stream.destroy(new Error('simulated network loss'));
    await waitFor(() => closed, 'the channel close');
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(0);
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('respects prefetch: never more than 5 handlers running or 5 in flight', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const channel = await instrumented(ctx);
    const ch = channel.raw;
    let running = 0;
    let maxRunning = 0;
    let maxInFlight = 0;
    let done = 0;
    await channel.prefetch(5);
    await channel.consume(q, async (msg) => {
      if (msg === null) return;
      running++;
      maxRunning = Math.max(maxRunning, running);
      maxInFlight = Math.max(maxInFlight, ctx.backend.value(IN_FLIGHT, { queue: q }) ?? 0);
      await sleep(15);
      running--;
      ch.ack(msg);
      done++;
    });
    for (let i = 0; i < 25; i++) publish(ctx, q, String(i));
    await waitFor(() => done === 25, '25 acks');
    expect(maxRunning).toBe(5);
    expect(maxInFlight).toBe(5);
    expect(outcome(ctx, q, 'ack')).toBe(25);
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('records message age from the timestamp property (seconds), and only when it is set', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const channel = await instrumented(ctx);
    const delivered = await ackEvery(channel, q);
    const thirtySecondsAgo = Math.floor(Date.now() / 1000) - 30;
    for (let i = 0; i < 3; i++) publish(ctx, q, String(i), { timestamp: thirtySecondsAgo });
    publish(ctx, q, 'no timestamp');
    await waitFor(() => delivered() === 4, '4 deliveries');
    const age = ctx.backend.distribution(AGE, { queue: q });
    expect(age?.count).toBe(3);
    expect(age?.sum).toBeGreaterThanOrEqual(3 * 29);
    expect(age?.sum).toBeLessThan(3 * 35);
    // All in the (30, 60] bucket: none at or under 30 s... (floor() makes them at least 30 s old)
    expect(age?.buckets.find((b) => b.le === 10)?.count).toBe(0);
    expect(age?.buckets.find((b) => b.le === 60)?.count).toBe(3);
  });

  it('applies handlerErrorAction "requeue" and "leave" and never settles a message the handler settled', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const channel = await instrumented(ctx, { handlerErrorAction: 'requeue' });
    const ch = channel.raw;
    const seen: string[] = [];
    let channelErrors = 0;
    ch.on('error', () => channelErrors++);
    await channel.consume(q, async (msg) => {
      if (msg === null) return;
      const body = (msg as unknown as { content: Buffer }).content.toString();
      seen.push(`${body}:${msg.fields.redelivered ? 'r' : 'n'}`);
      if (body === 'ack-then-throw') {
        ch.ack(msg);
        throw new Error('after ack');
      }
      if (!msg.fields.redelivered) throw new Error('first attempt fails');
      ch.ack(msg);
    });
    publish(ctx, q, 'retry');
    publish(ctx, q, 'ack-then-throw');
    await waitFor(() => seen.length === 3 && outcome(ctx, q, 'ack') === 2, 'the retry and the acks');
    await sleep(50);
    expect(seen.sort()).toEqual(['ack-then-throw:n', 'retry:n', 'retry:r']);
    expect(outcome(ctx, q, 'error')).toBe(1);
    expect(outcome(ctx, q, 'ack')).toBe(2);
    expect(ctx.backend.value(CONSUMED)).toBe(3);
    expect(channelErrors).toBe(0); // no second ack of the acked-then-thrown message
    expect(ctx.backend.value(REDELIVERED, { queue: q })).toBe(1);

    // 'leave': counted as error, left unacknowledged for the user's own handling (here: onError).
    const q2 = await queue(ctx);
    const leaving = await ctx.connection.channel();
    const lch = leaving.raw;
    const handed: MessageLike[] = [];
    let leaveErrors = 0;
    lch.on('error', () => leaveErrors++);
    instrumentChannel(lch, {
      glassbox: ctx.glassbox,
      handlerErrorAction: 'leave',
      onError: (_error, message) => handed.push(message),
    });
    await leaving.consume(q2, () => {
      throw new Error('left');
    });
    publish(ctx, q2, 'x');
    await waitFor(() => handed.length === 1, 'onError');
    expect(outcome(ctx, q2, 'error')).toBe(1);
    expect(ctx.backend.value(IN_FLIGHT, { queue: q2 })).toBe(0);
    // Still unacknowledged on the broker, so the user can settle it: had the instrumentation
    // settled it, this nack would close the channel with 406. Counted once, as error.
    lch.nack(handed[0] as MessageLike, false, false);
    await sleep(50);
    expect(leaveErrors).toBe(0);
    expect(ctx.backend.value(CONSUMED, { queue: q2 })).toBe(1);
    expect((await leaving.checkQueue(q2)).messageCount).toBe(0);
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('instrumentConnection instruments the channels created afterwards, plain and confirm', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    instrumentConnection(ctx.connection.raw, { glassbox: ctx.glassbox });
    const consumer = await ctx.connection.channel();
    const publisher = await ctx.connection.channel(true);
    const delivered = await ackEvery(consumer, q);
    const pub = publisher.raw as unknown as { sendToQueue(q: string, b: Buffer): boolean };
    for (let i = 0; i < 3; i++) pub.sendToQueue(q, Buffer.from(String(i)));
    await publisher.waitForConfirms();
    await waitFor(() => delivered() === 3, '3 deliveries');
    expect(outcome(ctx, q, 'ack')).toBe(3);
    expect(
      ctx.backend.value('rabbitmq_messages_published_total', { exchange: '(default)', outcome: 'ack' }),
    ).toBe(3);
    // the admin channel was created before: not instrumented
    expect(inFlightDeliveries(ctx.admin.raw)).toBe(0);
    expect(ctx.backend.value(ERRORS)).toBeUndefined(); // no instrumentation error recorded
  });

  it('counts noAck consumers as ack when the handler completes, error when it fails', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const channel = await instrumented(ctx);
    let n = 0;
    await channel.consume(
      q,
      async (msg) => {
        if (msg === null) return;
        n++;
        if ((msg as unknown as { content: Buffer }).content.toString() === 'bad') throw new Error('bad');
      },
      { noAck: true },
    );
    publish(ctx, q, 'good');
    publish(ctx, q, 'good');
    publish(ctx, q, 'bad');
    await waitFor(() => n === 3 && ctx.backend.value(CONSUMED) === 3, '3 outcomes');
    expect(outcome(ctx, q, 'ack')).toBe(2);
    expect(outcome(ctx, q, 'error')).toBe(1);
    expect(ctx.backend.value(IN_FLIGHT, { queue: q })).toBe(0);
    expect(ctx.warnings.some((w) => w.includes('auto-acknowledged'))).toBe(true);
  });

  it('keeps the traceparent header of a message as the exemplar of its processing duration', async () => {
    ctx = await setup();
    const q = await queue(ctx);
    const channel = await instrumented(ctx);
    const delivered = await ackEvery(channel, q);
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    publish(ctx, q, 'traced', { headers: { traceparent: `00-${traceId}-${spanId}-01` } });
    publish(ctx, q, 'unsampled', { headers: { traceparent: `00-${traceId}-${spanId}-00` } });
    publish(ctx, q, 'invalid', { headers: { traceparent: 'not-a-traceparent' } });
    publish(ctx, q, 'plain');
    await waitFor(() => delivered() === 4, '4 deliveries');
    const buckets = ctx.backend.distribution(DURATION, { queue: q, outcome: 'ack' })?.buckets ?? [];
    expect(buckets.at(-1)?.count).toBe(4);
    const exemplars = buckets.flatMap((b) => (b.exemplar === undefined ? [] : [b.exemplar]));
    expect(exemplars.map((e) => e.labels)).toEqual([{ trace_id: traceId, span_id: spanId }]);
    expect(ctx.backend.value(ERRORS)).toBeUndefined();
  });
});

describe.skipIf(!reachable)('amqplib 2.x with connection recovery', () => {
  it('instruments the channels of a recovering connection', async () => {
    const amqp = await import('amqplib');
    const backend = nativeBackend();
    const glassbox = createGlassbox({ backend, logger: null });
    const model = await amqp.connect(BROKER_URL, { recovery: true } as never);
    try {
      instrumentConnection(model as never, { glassbox });
      const ch = await model.createChannel();
      const q = (await ch.assertQueue('', { exclusive: true })).queue;
      let n = 0;
      await ch.consume(q, (msg) => {
        if (msg === null) return;
        n++;
        ch.nack(msg, false, false);
      });
      ch.sendToQueue(q, Buffer.from('x'));
      await waitFor(() => n === 1, 'a delivery');
      expect(backend.value(CONSUMED, { queue: '(server-named)', outcome: 'nack' })).toBe(1);
      expect(
        backend.value('rabbitmq_messages_published_total', { exchange: '(default)', outcome: 'published' }),
      ).toBe(1);
    } finally {
      await model.close();
    }
  });
});
