import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instrumentChannel } from '@glassbox/amqplib';
import { type BatchJob, createBatchJob } from '@glassbox/core';
import { createMetricsServer, setupInstrumentation } from '@glassbox/exporter';
import amqp from 'amqplib';
import * as client from 'prom-client';
import { queueArguments, readConfig } from './config.js';
import { JOBS, type JobMessage } from './jobs.js';

const SERVICE = 'batch-worker';
const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ service: SERVICE, msg, ...fields }));
const config = readConfig();

// Native backend + prom-client's process metrics, served by a standalone metrics
// server (bearer token from METRICS_BEARER_TOKEN).
const { glassbox, sources } = setupInstrumentation({}, client);
const metricsServer = createMetricsServer({ sources, glassbox, port: config.metricsPort, host: config.host });
const batchJobs = new Map<string, BatchJob>(
  Object.keys(JOBS).map((name) => [
    name,
    createBatchJob(glassbox, { name, itemOutcomes: ['success', 'failure', 'skipped'] }),
  ]),
);

let connection: amqp.ChannelModel | undefined;
let ready = false;
const health = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ready ? 'ok' : 'starting' }));
  } else res.writeHead(404).end();
});

try {
  connection = await amqp.connect(config.rabbitmqUrl);
} catch (error) {
  console.error(
    `${SERVICE}: cannot connect to RabbitMQ at ${new URL(config.rabbitmqUrl).host}: ${(error as Error).message}`,
  );
  process.exit(1);
}
// Consumer metrics for every consume/ack/nack on this channel.
const channel = instrumentChannel(await connection.createChannel(), { glassbox });
await channel.assertQueue(`${config.queue}.dlq`, { durable: true });
await channel.assertQueue(config.queue, { durable: true, arguments: queueArguments(config.queue) });
await channel.prefetch(config.prefetch);

const shutdownController = new AbortController();
const running = new Set<Promise<void>>();

async function handle(msg: amqp.ConsumeMessage): Promise<void> {
  let message: JobMessage;
  try {
    message = JSON.parse(msg.content.toString()) as JobMessage;
  } catch {
    channel.reject(msg, false); // poison message: dead-letter it
    return;
  }
  const job = JOBS[message.jobName];
  const instrument = batchJobs.get(message.jobName);
  if (job === undefined || instrument === undefined) {
    log('unknown job, dead-lettered', { jobName: String(message.jobName) });
    channel.reject(msg, false);
    return;
  }
  try {
    await instrument.run((run) => job(message, run, shutdownController.signal));
    channel.ack(msg);
    log('job succeeded', { jobName: message.jobName, runId: message.runId });
  } catch (error) {
    if (shutdownController.signal.aborted) {
      channel.nack(msg, false, true); // interrupted by shutdown: back to the queue
      return;
    }
    // Retry once (requeue), then dead-letter.
    const retry = msg.fields.redelivered !== true;
    log('job failed', {
      jobName: message.jobName,
      runId: message.runId,
      error: (error as Error).message,
      retry,
    });
    channel.nack(msg, false, retry);
  }
}

const { consumerTag } = await channel.consume(config.queue, (msg) => {
  if (msg === null) return; // consumer cancelled by the broker
  const p = handle(msg).finally(() => running.delete(p));
  running.add(p);
});

await new Promise<void>((resolve, reject) => {
  health.listen(config.port, config.host, resolve).once('error', reject);
});
const { port: metricsPort } = await metricsServer.start();
ready = true;
log('listening', { port: (health.address() as AddressInfo).port, metricsPort, queue: config.queue });

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  ready = false;
  log('shutting down', { signal, running: running.size });
  try {
    await channel.cancel(consumerTag); // no new deliveries
    const grace = setTimeout(() => shutdownController.abort(), 5000);
    await Promise.allSettled([...running]);
    clearTimeout(grace);
    await channel.close();
    await connection?.close();
  } catch (error) {
    console.error(`${SERVICE}: error while closing the broker connection: ${(error as Error).message}`);
  }
  await metricsServer.close();
  await new Promise<void>((resolve) => health.close(() => resolve()));
}
connection.on('error', (error: Error) => console.error(`${SERVICE}: connection error: ${error.message}`));
connection.on('close', () => {
  if (!closing) {
    console.error(`${SERVICE}: lost the RabbitMQ connection, exiting`);
    process.exitCode = 1;
    void shutdown('connection-closed');
  }
});
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
