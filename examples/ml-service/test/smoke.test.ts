import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsText, postJson, type Service, samples, scrape, startService, value } from '../../smoke.js';

const INPUTS: Record<string, Record<string, number | string>> = {
  'win-probability': { amount: 48_000, daysOpen: 20, stage: 'negotiation' },
  'risk-scoring': { amount: 90_000, termMonths: 24, industry: 'software' },
  'lead-scoring': { companySize: 250, engagement: 80, source: 'referral' },
};

describe('ml-service (Fastify) smoke', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService('ml-service', { METRICS_PORT: '0' });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('serves /health, and /metrics only on the metrics port', async () => {
    expect((await fetch(`${svc.base}/health`)).status).toBe(200);
    expect(svc.metricsPort).not.toBe(svc.port);
    expect((await fetch(`${svc.base}/metrics`)).status).toBe(404);
  });

  it('predicts with each model and records predictions by declared outcome', async () => {
    const outcomes: Record<string, string> = {};
    for (const [model, features] of Object.entries(INPUTS)) {
      const res = await postJson(`${svc.base}/api/v1/ml/predict/${model}`, { features });
      expect(res.status).toBe(200);
      outcomes[model] = ((await res.json()) as { outcome: string }).outcome;
    }
    expect(outcomes).toEqual({ 'win-probability': 'win', 'risk-scoring': 'low', 'lead-scoring': 'A' });
    expect((await postJson(`${svc.base}/api/v1/ml/predict/churn`, { features: {} })).status).toBe(404);
    expect(
      (await postJson(`${svc.base}/api/v1/ml/predict/lead-scoring`, { features: { source: 1 } })).status,
    ).toBe(400);
    const timeout = await postJson(`${svc.base}/api/v1/ml/predict/lead-scoring`, {
      features: { companySize: 10, engagement: 10, source: 'partner-api' },
    });
    expect(timeout.status).toBe(504);

    const text = await metricsText(svc.metricsPort);
    expect(samples(text, 'ml_predictions_total').filter((l) => l.includes('model="lead-scoring"'))).toEqual([
      'ml_predictions_total{model="lead-scoring",model_version="4.2.0",outcome="A"} 1',
      'ml_predictions_total{model="lead-scoring",model_version="4.2.0",outcome="B"} 0',
      'ml_predictions_total{model="lead-scoring",model_version="4.2.0",outcome="C"} 0',
      'ml_predictions_total{model="lead-scoring",model_version="4.2.0",outcome="D"} 0',
      'ml_predictions_total{model="lead-scoring",model_version="4.2.0",outcome="none"} 0',
      'ml_predictions_total{model="lead-scoring",model_version="4.2.0",outcome="other"} 0',
    ]);
    expect(text).toContain(
      'ml_predictions_total{model="win-probability",model_version="1.8.2",outcome="win"} 1\n',
    );
    expect(text).toContain(
      'ml_predictions_total{model="risk-scoring",model_version="3.0.1",outcome="low"} 1\n',
    );
    expect(text).toContain('ml_prediction_errors_total{model="lead-scoring",error_type="timeout"} 1\n');
    expect(text).toContain(
      'http_requests_total{method="POST",route="/api/v1/ml/predict/:model",status_code="200"} 3\n',
    );
    expect(text).toContain(
      'http_requests_total{method="POST",route="/api/v1/ml/predict/:model",status_code="504"} 1\n',
    );
    for (const [model, version] of [
      ['win-probability', '1.8.2'],
      ['risk-scoring', '3.0.1'],
      ['lead-scoring', '4.2.0'],
    ])
      expect(text).toContain(`ml_model_info{model="${model}",model_version="${version}"} 1\n`);
    expect(text).toContain('ml_model_quality{model="lead-scoring",metric="accuracy"} 0.88\n');
    expect(text).toContain('ml_model_quality{model="win-probability",metric="auc"} 0.82\n');
  });

  it('predicts batches and detects drift of shifted inputs against the shipped reference', async () => {
    const items = Array.from({ length: 150 }, (_, i) => ({
      companySize: 5 + (i % 3),
      engagement: 97,
      source: 'outbound',
    }));
    const res = await postJson(`${svc.base}/api/v1/ml/predict/lead-scoring/batch`, { items });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: unknown[] }).predictions).toHaveLength(150);

    const check = await postJson(`${svc.base}/api/v1/ml/models/lead-scoring/drift/check`, {});
    expect(check.status).toBe(200);
    const result = (await check.json()) as {
      drifted: boolean;
      scores: { feature: string; method: string }[];
    };
    expect(result.drifted).toBe(true);

    const text = await metricsText(svc.metricsPort);
    expect(text).toContain('ml_prediction_batch_size_count{model="lead-scoring"} 1\n');
    expect(text).toContain('ml_drift_checks_total{model="lead-scoring"} 1\n');
    expect(text).toContain('ml_drift_detections_total{model="lead-scoring"} 1\n');
    const psi = value(text, 'ml_drift_score{model="lead-scoring",feature="engagement",method="psi"}');
    expect(psi).toBeGreaterThan(1);
    expect(text).toContain(
      'http_requests_total{method="POST",route="/api/v1/ml/predict/:model/batch",status_code="200"} 1\n',
    );
  });

  it('serves model cards and records reported quality, counting degradations', async () => {
    const card = await fetch(`${svc.base}/api/v1/ml/models/lead-scoring/card`);
    expect(card.status).toBe(200);
    expect(await card.json()).toMatchObject({
      id: 'lead-scoring',
      version: '4.2.0',
      outcomes: ['A', 'B', 'C', 'D'],
    });
    expect((await fetch(`${svc.base}/api/v1/ml/models/nope/card`)).status).toBe(404);
    const evaluation = await postJson(`${svc.base}/api/v1/ml/models/lead-scoring/evaluation`, {
      metric: 'accuracy',
      value: 0.7,
    });
    expect(evaluation.status).toBe(204);
    const text = await metricsText(svc.metricsPort);
    expect(text).toContain('ml_model_quality{model="lead-scoring",metric="accuracy"} 0.7\n');
    expect(text).toContain('ml_performance_degraded_total{model="lead-scoring",metric="accuracy"} 1\n');
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/v1/ml/models/:id/card",status_code="200"} 1\n',
    );
  });

  it('guards /metrics with the bearer token and stops cleanly', async () => {
    const res = await scrape(svc.metricsPort, null);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await svc.stop()).toBe(0);
  });
});
