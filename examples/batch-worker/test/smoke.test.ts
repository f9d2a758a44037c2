import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  metricsText,
  RABBITMQ_URL,
  rabbitReachable,
  type Service,
  scrape,
  startService,
  value,
} from '../../smoke.js';
import { queueArguments } from '../src/config.js';

// Fails under CI when the broker is missing; skips locally.
const broker = await rabbitReachable();

describe.skipIf(!broker)('batch-worker (amqplib) smoke', () => {
  const queue = `smoke_batch_jobs_${randomUUID().slice(0, 8)}`;
  let svc: Service;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;

  beforeAll(async () => {
    svc = await startService('batch-worker', { METRICS_PORT: '0', BATCH_QUEUE: queue });
    connection = await amqp.connect(RABBITMQ_URL);
    channel = await connection.createChannel();
  });
  afterAll(async () => {
    await svc?.stop();
    if (channel) {
      await channel.deleteQueue(queue);
      await channel.deleteQueue(`${queue}.dlq`);
      await connection.close();
    }
  });

  it('serves /health', async () => {
    const res = await fetch(`${svc.base}/health`);
    expect(res.status).toBe(200);
  });

  it('runs jobs, retries a failing one once, dead-letters bad messages, and records it all', async () => {
    const send = (body: unknown) =>
      channel.sendToQueue(queue, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), {
        timestamp: Math.floor(Date.now() / 1000),
      });
    send({ jobName: 'risk-snapshot-backfill', runId: 'r1', params: { items: 5, itemDelayMs: 1 } });
    send({ jobName: 'outcome-sync', runId: 'r2', params: { simulateFailure: true } });
    send({ jobName: 'no-such-job', runId: 'r3' });
    send('{not json');

    const text = await eventually(async () => {
      const t = await metricsText(svc.metricsPort);
      return value(t, `rabbitmq_messages_consumed_total{queue="${queue}",outcome="nack"}`) === 1 &&
        value(t, `rabbitmq_messages_consumed_total{queue="${queue}",outcome="ack"}`) === 1
        ? t
        : undefined;
    });
    expect(text).toContain('batch_job_runs_total{job_name="risk-snapshot-backfill",status="success"} 1\n');
    expect(text).toContain('batch_job_runs_total{job_name="outcome-sync",status="failure"} 2\n');
    expect(text).toContain(
      'batch_job_items_processed_total{job_name="risk-snapshot-backfill",outcome="success"} 5\n',
    );
    expect(text).toContain('batch_job_progress_ratio{job_name="risk-snapshot-backfill"} 1\n');
    expect(text).toMatch(
      /^batch_job_last_success_timestamp_seconds\{job_name="risk-snapshot-backfill"\} \d/m,
    );
    expect(text).toContain(`rabbitmq_messages_consumed_total{queue="${queue}",outcome="requeue"} 1\n`);
    expect(text).toContain(`rabbitmq_messages_consumed_total{queue="${queue}",outcome="reject"} 2\n`);
    expect(text).toContain(`rabbitmq_messages_redelivered_total{queue="${queue}"} 1\n`);
    expect(text).toMatch(new RegExp(`^rabbitmq_message_age_seconds_count\\{queue="${queue}"\\} 5$`, 'm'));
    // The failed job and the two bad messages are in the dead-letter queue.
    await eventually(async () => (await channel.checkQueue(`${queue}.dlq`)).messageCount === 3);
    await channel.assertQueue(queue, { durable: true, arguments: queueArguments(queue) });
  });

  it('guards /metrics with the bearer token and stops cleanly', async () => {
    expect((await scrape(svc.metricsPort, null)).status).toBe(401);
    expect(await svc.stop()).toBe(0);
  });
});
