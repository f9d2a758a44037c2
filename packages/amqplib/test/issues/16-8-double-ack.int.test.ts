/**
 * Regression, issue 16 finding 8: a double ack counted the acks sent after it, which the
 * broker discarded when it closed the channel with 406 PRECONDITION_FAILED, and counted
 * them again when the messages were redelivered. Only what the broker accepted counts.
 * Real RabbitMQ at 127.0.0.1:5672; fails (does not skip) without it when CI is set.
 */
import { createGlassbox, nativeBackend } from '@glassbox/core';
import { afterEach, describe, expect, it } from 'vitest';
import { inFlightDeliveries, instrumentChannel, type MessageLike } from '../../src/index.js';
import {
  brokerReachable,
  FLAVOURS,
  type Flavour,
  sleep,
  type TestConnection,
  uniqueName,
  waitFor,
} from '../broker.js';

const reachable = await brokerReachable();
if (!reachable && process.env.CI)
  throw new Error(
    'RabbitMQ is not reachable at 127.0.0.1:5672 (guest/guest); the integration suite needs it in CI',
  );

const CONSUMED = 'rabbitmq_messages_consumed_total';
const N = 20;
const DOUBLE = 5; // the 5th message is acked twice

describe.skipIf(!reachable).each(FLAVOURS)('$name', (flavour: Flavour) => {
  let connection: TestConnection | undefined;
  let q = '';

  afterEach(async () => {
    if (connection === undefined) return;
    const admin = await connection.channel();
    await admin.deleteQueue(q).catch(() => {});
    await Promise.race([connection.close().catch(() => {}), sleep(2000)]);
    connection = undefined;
  });

  it('a double ack counts only the acks the broker accepted: 20 acks for 20 messages', async () => {
    const backend = nativeBackend();
    const glassbox = createGlassbox({ backend, logger: null });
    connection = await flavour.connect();
    const admin = await connection.channel();
    q = uniqueName('double-ack');
    await admin.assertQueue(q, { durable: false });
    const send = admin.raw as unknown as { sendToQueue(q: string, b: Buffer): boolean };
    for (let i = 1; i <= N; i++) send.sendToQueue(q, Buffer.from(String(i)));

    // First channel: all 20 acked in one synchronous loop, the 5th twice. The broker accepts
    // acks 1..5, closes the channel on the second ack of 5 and discards acks 6..20.
    const first = await connection.channel();
    const errors: Array<{ code?: number }> = [];
    let closed = false;
    first.raw.on('error', (e: { code?: number }) => errors.push(e));
    first.raw.on('close', () => {
      closed = true;
    });
    instrumentChannel(first.raw, { glassbox, logger: null });
    const held: MessageLike[] = [];
    await first.prefetch(N);
    await first.consume(q, (msg) => {
      if (msg === null) return;
      held.push(msg);
      if (held.length < N) return;
      for (const m of held) {
        first.raw.ack(m);
        if (held.indexOf(m) === DOUBLE - 1) first.raw.ack(m);
      }
      // Discarded by the broker as well: counted as an error, not as published.
      (first.raw as unknown as { sendToQueue(q: string, b: Buffer): boolean }).sendToQueue(
        q,
        Buffer.from('lost'),
      );
    });
    await waitFor(() => closed, 'the broker to close the first channel');
    expect(errors.map((e) => e.code)).toEqual([406]);
    expect(backend.value(CONSUMED, { queue: q, outcome: 'ack' })).toBe(DOUBLE);
    expect(inFlightDeliveries(first.raw)).toBe(0);

    // Second channel: the 15 discarded acks come back as redeliveries and are acked once.
    const second = await connection.channel();
    second.raw.on('error', () => {});
    instrumentChannel(second.raw, { glassbox, logger: null });
    let redelivered = 0;
    const bodies: string[] = [];
    await second.consume(q, (msg) => {
      if (msg === null) return;
      bodies.push((msg as unknown as { content: Buffer }).content.toString());
      if (msg.fields.redelivered) redelivered++;
      second.raw.ack(msg);
    });
    await waitFor(() => redelivered === N - DOUBLE, `${N - DOUBLE} redeliveries`);
    await sleep(50);
    expect((await second.checkQueue(q)).messageCount).toBe(0);
    expect(backend.value(CONSUMED, { queue: q, outcome: 'ack' })).toBe(N);
    expect(backend.value(CONSUMED)).toBe(N);
    expect(backend.value('rabbitmq_messages_redelivered_total', { queue: q })).toBe(N - DOUBLE);
    expect(backend.value('rabbitmq_messages_in_flight', { queue: q })).toBe(0);
    expect(bodies).not.toContain('lost');
    const published = (outcome: string) =>
      backend.value('rabbitmq_messages_published_total', { exchange: '(default)', outcome });
    expect(published('error')).toBe(1);
    expect(published('published')).toBe(0);
  });
});
