import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  metricsText,
  postJson,
  type Service,
  samples,
  scrape,
  startService,
  value,
} from '../../smoke.js';

describe('content-pipeline (Nest on Fastify) smoke', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService('content-pipeline');
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('serves /health', async () => {
    expect((await fetch(`${svc.base}/health`)).status).toBe(200);
  });

  it('runs jobs to delivered, blocked and failed, and records LLM, QC and job metrics', async () => {
    const create = async (topic: string, format: string) => {
      const res = await postJson(`${svc.base}/api/v1/content/jobs`, { topic, format });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const ids = {
      delivered: await create('Quarterly pipeline review for logistics buyers', 'blog'),
      blocked: await create('Miracle guaranteed returns for every investor', 'email'),
      failed: await create('Launch notes [provider-timeout]', 'social'),
    };
    expect((await postJson(`${svc.base}/api/v1/content/jobs`, { topic: '' })).status).toBe(400);
    for (const [status, id] of Object.entries(ids)) {
      const job = await eventually(async () => {
        const res = await fetch(`${svc.base}/api/v1/content/jobs/${id}`);
        const body = (await res.json()) as { status: string };
        return ['delivered', 'blocked', 'failed'].includes(body.status) ? body : undefined;
      });
      expect(job.status).toBe(status);
    }
    expect((await fetch(`${svc.base}/api/v1/content/jobs/nope`)).status).toBe(404);

    const text = await metricsText(svc.metricsPort);
    expect(samples(text, 'jobs_completed_total')).toEqual([
      'jobs_completed_total{status="delivered"} 1',
      'jobs_completed_total{status="blocked"} 1',
      'jobs_completed_total{status="failed"} 1',
    ]);
    expect(text).toContain('active_jobs 0\n');
    expect(text).toContain('qc_score_count 2\n');
    // Generations: blog draft on gpt-4o; email draft and two reviews on gpt-4o-mini (the timed-out one records nothing).
    expect(value(text, 'llm_generation_duration_seconds_count{provider="openai",model="gpt-4o"}')).toBe(1);
    expect(value(text, 'llm_generation_duration_seconds_count{provider="openai",model="gpt-4o-mini"}')).toBe(
      3,
    );
    expect(value(text, 'llm_tokens_total{provider="openai",model="gpt-4o",type="output"}')).toBeGreaterThan(
      0,
    );
    expect(
      value(text, 'llm_generation_cost_dollars_total{provider="openai",model="gpt-4o"}'),
    ).toBeGreaterThan(0);
    // The LLM provider is an outside HTTP dependency (here the local stand-in the service
    // started on 127.0.0.1, a declared host): four generations answered, the timed-out one 504.
    expect(value(text, 'http_client_requests_total{method="POST",host="127.0.0.1",status_code="200"}')).toBe(
      4,
    );
    expect(value(text, 'http_client_requests_total{method="POST",host="127.0.0.1",status_code="504"}')).toBe(
      1,
    );
    expect(value(text, 'http_client_request_duration_seconds_count{method="POST",host="127.0.0.1"}')).toBe(5);
    expect(text).not.toContain('host="other"');
    expect(text).toContain(
      'http_requests_total{method="POST",route="/api/v1/content/jobs",status_code="202"} 3\n',
    );
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/v1/content/jobs/:id",status_code="404"} 1\n',
    );
  });

  it('moves /metrics to METRICS_PORT when it is set, and stops on SIGINT', async () => {
    const separate = await startService('content-pipeline', { METRICS_PORT: '0' });
    try {
      expect(separate.metricsPort).not.toBe(separate.port);
      expect((await fetch(`${separate.base}/metrics`)).status).toBe(404);
      expect((await scrape(separate.metricsPort, null)).status).toBe(401);
      expect(await metricsText(separate.metricsPort)).toContain(
        'jobs_completed_total{status="delivered"} 0\n',
      );
    } finally {
      expect(await separate.stop('SIGINT')).toBe(0);
    }
  });

  it('guards /metrics with the bearer token and stops cleanly', async () => {
    expect((await scrape(svc.metricsPort, null)).status).toBe(401);
    expect(await svc.stop()).toBe(0);
  });
});
