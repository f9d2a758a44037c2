#!/usr/bin/env node
/**
 * Consumer benchmark (not a test): messages/s and client CPU per message of an
 * instrumented vs a bare amqplib consumer on the same broker, in interleaved rounds
 * (the order alternates each round so broker warm-up and drift hit both sides alike).
 * Uses the built package (`pnpm --filter @glassbox/amqplib... build` first).
 *
 *   node packages/amqplib/bench/consumer.mjs
 *   AMQP_URL=amqp://guest:guest@127.0.0.1:5672 BENCH_MESSAGES=20000 BENCH_ROUNDS=6 BENCH_PREFETCH=100 \
 *   BENCH_BACKEND=prom-client|memory node packages/amqplib/bench/consumer.mjs
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const amqp = require('amqplib');
const client = require('prom-client');
const { createGlassbox, nativeBackend, promClientBackend } = await import('@glassbox/core');
const { instrumentChannel } = await import('../dist/index.js');

const URL_ = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 100);
const BACKEND = process.env.BENCH_BACKEND ?? 'prom-client';
if (BACKEND !== 'prom-client' && BACKEND !== 'memory')
  throw new Error('BENCH_BACKEND must be prom-client or memory');
const BODY = Buffer.alloc(256, 'x');

const connection = await amqp.connect(URL_);
const admin = await connection.createConfirmChannel();

async function fill(queue) {
  await admin.assertQueue(queue, { durable: false, autoDelete: false });
  for (let i = 0; i < MESSAGES; i++) {
    if (!admin.sendToQueue(queue, BODY, { timestamp: Math.floor(Date.now() / 1000) })) {
      await new Promise((r) => admin.once('drain', r));
    }
  }
  await admin.waitForConfirms();
}

async function run(kind) {
  const queue = `glassbox-bench-${kind}-${randomBytes(4).toString('hex')}`;
  await fill(queue);
  const channel = await connection.createChannel();
  let registry;
  if (kind === 'instrumented') {
    registry = BACKEND === 'memory' ? undefined : new client.Registry();
    const backend = registry === undefined ? nativeBackend() : promClientBackend({ client, registry });
    const glassbox = createGlassbox({ backend, logger: null });
    instrumentChannel(channel, { glassbox });
  }
  await channel.prefetch(PREFETCH);
  let done = 0;
  const finished = new Promise((resolve) => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    channel.consume(queue, (msg) => {
      if (msg === null) return;
      channel.ack(msg);
      if (++done === MESSAGES) {
        const seconds = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        resolve({ rate: MESSAGES / seconds, cpuMicrosPerMessage: (cpu.user + cpu.system) / MESSAGES });
      }
    });
  });
  const result = await finished;
  if (registry !== undefined) {
    const text = await registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith('rabbitmq_messages_consumed_total{'));
    if (!line?.endsWith(` ${MESSAGES}`))
      throw new Error(`instrumented run did not count ${MESSAGES}: ${line}`);
  }
  await channel.close();
  await admin.deleteQueue(queue);
  return result;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

console.log(
  `amqplib ${JSON.parse(readFileSync(join(dirname(require.resolve('amqplib')), 'package.json'), 'utf8')).version}, Node ${process.version}, ${MESSAGES} messages x ${ROUNDS} rounds, prefetch ${PREFETCH}, ack per message, ${BACKEND} backend\n`,
);
await run('bare'); // warm-up, not reported
await run('instrumented');
const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  const order = round % 2 ? ['bare', 'instrumented'] : ['instrumented', 'bare'];
  const r = {};
  for (const kind of order) r[kind] = await run(kind);
  rows.push(r);
}
const pad = (s, n) => String(s).padStart(n);
console.log(
  `${pad('round', 5)} ${pad('bare msg/s', 12)} ${pad('instr. msg/s', 13)} ${pad('ratio', 7)} ${pad('bare CPU µs/msg', 16)} ${pad('instr. CPU µs/msg', 18)}`,
);
rows.forEach((r, i) => {
  console.log(
    `${pad(i + 1, 5)} ${pad(r.bare.rate.toFixed(0), 12)} ${pad(r.instrumented.rate.toFixed(0), 13)} ${pad((r.instrumented.rate / r.bare.rate).toFixed(3), 7)} ${pad(r.bare.cpuMicrosPerMessage.toFixed(1), 16)} ${pad(r.instrumented.cpuMicrosPerMessage.toFixed(1), 18)}`,
  );
});
const bare = median(rows.map((r) => r.bare.rate));
const inst = median(rows.map((r) => r.instrumented.rate));
const bareCpu = median(rows.map((r) => r.bare.cpuMicrosPerMessage));
const instCpu = median(rows.map((r) => r.instrumented.cpuMicrosPerMessage));
console.log(
  `${pad('median', 5)} ${pad(bare.toFixed(0), 12)} ${pad(inst.toFixed(0), 13)} ${pad((inst / bare).toFixed(3), 7)} ${pad(bareCpu.toFixed(1), 16)} ${pad(instCpu.toFixed(1), 18)}`,
);
console.log(
  `\nratio = instrumented / bare messages per second (1.000 = no measurable cost); client CPU delta ≈ ${(instCpu - bareCpu).toFixed(1)} µs per message`,
);
await admin.close();
await connection.close();
