// amqplib consumer throughput on the real broker: publish `count` messages to a fresh
// queue, then consume them (prefetch 200, ack each) and time it. `instrumented`: the
// channel goes through @glassbox/amqplib's instrumentChannel (native backend).

import { instrumentChannel } from '@glassbox/amqplib';
import { createGlassbox, nativeBackend } from '@glassbox/core';
import amqp from 'amqplib';
import { serveIpc } from './proc.mjs';

const URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const conn = await amqp.connect(URL);
const pub = await conn.createConfirmChannel();
const body = Buffer.from(JSON.stringify({ id: 1, payload: 'x'.repeat(200) }));

async function fill(queue, count) {
  for (let i = 0; i < count; i++) {
    if (!pub.sendToQueue(queue, body, { timestamp: Math.floor(Date.now() / 1000) })) {
      await new Promise((r) => pub.once('drain', r));
    }
    if (i % 5000 === 4999) await pub.waitForConfirms();
  }
  await pub.waitForConfirms();
}

serveIpc({
  run: async ({ instrumented, count }) => {
    const queue = `glassbox-bench-${process.pid}-${Date.now()}`;
    await pub.assertQueue(queue, { durable: false, autoDelete: false });
    await fill(queue, count);
    let ch = await conn.createChannel();
    let native;
    if (instrumented) {
      native = nativeBackend();
      ch = instrumentChannel(ch, {
        glassbox: createGlassbox({ backend: native, logger: null }),
        publisher: false,
      });
    }
    await ch.prefetch(200);
    let got = 0;
    let cpu0;
    let t0;
    const done = new Promise((resolve) => {
      ch.consume(queue, (msg) => {
        if (got === 0) {
          t0 = performance.now();
          cpu0 = process.cpuUsage();
        }
        ch.ack(msg);
        if (++got === count) resolve();
      });
    });
    await done;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await ch.close();
    await pub.deleteQueue(queue);
    const recorded = native ? native.value('rabbitmq_messages_consumed_total') : undefined;
    return { rate: (count - 1) / (ms / 1000), cpuPerMsg: (cpu.user + cpu.system) / (count - 1), recorded };
  },
});
process.send({ type: 'ready' });
