import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  metricsText,
  postJson,
  RABBITMQ_URL,
  rabbitReachable,
  type Service,
  scrape,
  startService,
} from '../../smoke.js';

// Fails under CI when the broker is missing; skips locally.
const broker = await rabbitReachable();
const KEY = { 'x-api-key': 'smoke-api-key' };

describe.skipIf(!broker)('workflow-orchestrator (Nest on Express) smoke', () => {
  const queue = `smoke_orchestrator_${randomUUID().slice(0, 8)}`;
  let svc: Service;
  let connection: amqp.ChannelModel;
  let channel: amqp.Channel;

  beforeAll(async () => {
    svc = await startService('workflow-orchestrator', { BATCH_QUEUE: queue, API_KEY: KEY['x-api-key'] });
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

  it('serves /health without an API key', async () => {
    const res = await fetch(`${svc.base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', broker: 'connected' });
  });

  it('triggers jobs through the queue behind the global guard', async () => {
    const url = `${svc.base}/api/v1/workflows/jobs/risk-snapshot-backfill/trigger`;
    expect((await postJson(url, {})).status).toBe(401);
    expect((await postJson(`${svc.base}/api/v1/workflows/jobs/nope/trigger`, {}, KEY)).status).toBe(404);
    const res = await postJson(url, { params: { items: 3 } }, KEY);
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    const msg = await channel.get(queue);
    expect(msg).not.toBe(false);
    if (msg === false) return;
    expect(JSON.parse(msg.content.toString())).toMatchObject({
      jobName: 'risk-snapshot-backfill',
      runId,
      params: { items: 3 },
    });
    channel.ack(msg);
  });

  it('runs the human-in-the-loop approval flow', async () => {
    const created = await postJson(
      `${svc.base}/api/v1/hitl/approvals`,
      { jobName: 'outcome-sync', reason: 'quarter close' },
      KEY,
    );
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const listed = await fetch(`${svc.base}/api/v1/hitl/approvals?status=pending`, { headers: KEY });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { id: string }[]).map((a) => a.id)).toEqual([id]);
    const decided = await postJson(
      `${svc.base}/api/v1/hitl/approvals/${id}/decision`,
      { decision: 'approved', reviewer: 'ana' },
      KEY,
    );
    expect(decided.status).toBe(201);
    expect(await decided.json()).toMatchObject({ status: 'approved', run: { jobName: 'outcome-sync' } });
    expect(
      (await postJson(`${svc.base}/api/v1/hitl/approvals/${id}/decision`, { decision: 'rejected' }, KEY))
        .status,
    ).toBe(409);
  });

  it('records RED (with the global prefix), triggers, publishes and HITL metrics', async () => {
    const text = await metricsText(svc.metricsPort);
    expect(text).toContain('batch_job_triggers_total{batch_job="risk-snapshot-backfill"} 1\n');
    expect(text).toContain('batch_job_triggers_total{batch_job="outcome-sync"} 1\n');
    expect(text).toContain('rabbitmq_messages_published_total{exchange="(default)",outcome="ack"} 2\n');
    expect(text).toContain('hitl_decisions_total{decision="approved"} 1\n');
    expect(text).toContain('hitl_approvals_pending 0\n');
    const route = '/api/v1/workflows/jobs/:jobName/trigger';
    expect(text).toContain(`http_requests_total{method="POST",route="${route}",status_code="202"} 1\n`);
    expect(text).toContain(`http_requests_total{method="POST",route="${route}",status_code="401"} 1\n`);
    expect(text).toContain(`http_requests_total{method="POST",route="${route}",status_code="404"} 1\n`);
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/v1/hitl/approvals",status_code="200"} 1\n',
    );
    expect(text).toContain(
      'http_requests_total{method="POST",route="/api/v1/hitl/approvals/:id/decision",status_code="409"} 1\n',
    );
  });

  it('guards /metrics with the bearer token (not the API key) and stops cleanly', async () => {
    expect((await scrape(svc.metricsPort, null)).status).toBe(401);
    const withKeyOnly = await fetch(`${svc.base}/metrics`, { headers: KEY });
    expect(withKeyOnly.status).toBe(401);
    expect(await svc.stop()).toBe(0);
  });
});
