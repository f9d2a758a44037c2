/**
 * Publisher acceptance against the real RabbitMQ, on every amqplib flavour: plain
 * channels (`published`, `blocked` when publish returns false) and confirm channels
 * (the broker's ack and nack, through callbacks and waitForConfirms).
 */
import { createGlassbox, type Glassbox, type NativeBackend, nativeBackend } from '@glassbox/core';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentChannel } from '../src/index.js';
import {
  brokerReachable,
  FLAVOURS,
  type Flavour,
  type TestConnection,
  uniqueName,
  waitFor,
} from './broker.js';

const reachable = await brokerReachable();
if (!reachable && process.env.CI)
  throw new Error(
    'RabbitMQ is not reachable at 127.0.0.1:5672 (guest/guest); the integration suite needs it in CI',
  );

const PUBLISHED = 'rabbitmq_messages_published_total';

interface PublishingChannel {
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options?: object,
    cb?: (err: unknown) => void,
  ): boolean;
  sendToQueue(queue: string, content: Buffer, options?: object, cb?: (err: unknown) => void): boolean;
}

describe.skipIf(!reachable).each(FLAVOURS)('$name', (flavour: Flavour) => {
  let connection: TestConnection;
  let backend: NativeBackend;
  let glassbox: Glassbox;
  const queues: string[] = [];
  const exchanges: string[] = [];

  async function setup() {
    backend = nativeBackend();
    glassbox = createGlassbox({ backend, logger: null });
    connection = await flavour.connect();
    return connection.channel();
  }

  afterEach(async () => {
    const admin = await connection.channel();
    for (const q of queues.splice(0)) await admin.deleteQueue(q).catch(() => {});
    for (const e of exchanges.splice(0)) await admin.deleteExchange(e).catch(() => {});
    await connection.close().catch(() => {});
  });

  it('counts plain publishes as published, and as blocked when publish returns false', async () => {
    const admin = await setup();
    const q = uniqueName('pub');
    queues.push(q);
    await admin.assertQueue(q, { durable: false });
    const ex = uniqueName('ex');
    exchanges.push(ex);
    await admin.assertExchange(ex, 'fanout', { durable: false });
    await admin.bindQueue(q, ex, '');
    const channel = await connection.channel();
    const ch = instrumentChannel(channel.raw, { glassbox }) as unknown as PublishingChannel;
    let accepted = 0;
    let refused = 0;
    // Synchronous bursts fill amqplib's write buffer: publish starts returning false.
    for (let i = 0; i < 3000; i++) {
      if (ch.sendToQueue(q, Buffer.from(String(i)))) accepted++;
      else refused++;
    }
    let exAccepted = 0;
    for (let i = 0; i < 5; i++) if (ch.publish(ex, '', Buffer.from('x'))) exAccepted++;
    expect(refused).toBeGreaterThan(0);
    expect(backend.value(PUBLISHED, { exchange: '(default)', outcome: 'published' })).toBe(accepted);
    expect(backend.value(PUBLISHED, { exchange: '(default)', outcome: 'blocked' })).toBe(refused);
    // 'blocked' is backpressure, not loss: every message reaches the broker.
    let count = 0;
    for (let tries = 0; tries < 200 && count < 3005; tries++) {
      count = (await admin.checkQueue(q)).messageCount;
      if (count < 3005) await new Promise((r) => setTimeout(r, 10));
    }
    expect(count).toBe(3005);
    expect(backend.value(PUBLISHED, { exchange: ex, outcome: 'published' })).toBe(exAccepted);
    expect(backend.value(PUBLISHED, { exchange: ex })).toBe(5);
  });

  it("counts the broker's confirms on a confirm channel: ack, and nack on a full reject-publish queue", async () => {
    const admin = await setup();
    const q = uniqueName('confirm');
    queues.push(q);
    await admin.assertQueue(q, {
      durable: false,
      arguments: { 'x-max-length': 2, 'x-overflow': 'reject-publish' },
    });
    const channel = await connection.channel(true);
    channel.raw.on('error', () => {});
    const ch = instrumentChannel(channel.raw, { glassbox }) as unknown as PublishingChannel;
    const callbacks: unknown[] = [];
    // two with callbacks, three without (waitForConfirms)
    ch.sendToQueue(q, Buffer.from('1'), {}, (err) => callbacks.push(err));
    ch.sendToQueue(q, Buffer.from('2'), {}, (err) => callbacks.push(err));
    ch.sendToQueue(q, Buffer.from('3'));
    ch.sendToQueue(q, Buffer.from('4'));
    ch.sendToQueue(q, Buffer.from('5'), {}, (err) => callbacks.push(err));
    // waitForConfirms rejects on the first nack, as without instrumentation
    await expect(channel.waitForConfirms()).rejects.toThrow();
    await waitFor(() => backend.value(PUBLISHED) === 5, 'five confirms');
    expect(backend.value(PUBLISHED, { exchange: '(default)', outcome: 'ack' })).toBe(2);
    expect(backend.value(PUBLISHED, { exchange: '(default)', outcome: 'nack' })).toBe(3);
    expect(backend.value(PUBLISHED, { outcome: 'published' })).toBe(0);
    expect(callbacks).toHaveLength(3);
    expect(callbacks.slice(0, 2)).toEqual([null, null]);
    expect((callbacks[2] as Error).message).toBe('message nacked');
    expect((await admin.checkQueue(q)).messageCount).toBe(2);

    // All acked: waitForConfirms resolves, every publish counted as ack.
    await admin.purgeQueue(q);
    for (let i = 0; i < 2; i++) ch.sendToQueue(q, Buffer.from(String(i)));
    await channel.waitForConfirms();
    expect(backend.value(PUBLISHED, { exchange: '(default)', outcome: 'ack' })).toBe(4);
  });
});
