import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  metricsText,
  postJson,
  type Service,
  samples,
  scrape,
  startService,
  TOKEN,
  value,
} from '../../smoke.js';

describe('risk-analytics (Express) smoke', () => {
  let svc: Service;
  beforeAll(async () => {
    svc = await startService('risk-analytics');
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('serves /health', async () => {
    const res = await fetch(`${svc.base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('evaluates deals, serves them back and records what it promises', async () => {
    const deal = { dealId: 'D-100', amount: 120_000, industry: 'retail', counterparty: 'acme' };
    const evaluated = await postJson(`${svc.base}/api/v1/risk/evaluate`, deal);
    expect(evaluated.status).toBe(200);
    const body = (await evaluated.json()) as { riskLevel: string; score: number };
    expect(body.riskLevel).toBe('low');

    const fetched = await fetch(`${svc.base}/api/v1/risk/deals/D-100`);
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toMatchObject({ dealId: 'D-100', riskLevel: 'low' });
    expect((await fetch(`${svc.base}/api/v1/risk/deals/unknown`)).status).toBe(404);
    // Unknown counterparty: the feature lookup fails (503, a classified prediction error).
    const failed = await postJson(`${svc.base}/api/v1/risk/evaluate`, {
      ...deal,
      dealId: 'D-101',
      counterparty: 'nobody',
    });
    expect(failed.status).toBe(503);

    const text = await metricsText(svc.port);
    expect(samples(text, 'risk_evaluations_total').sort()).toEqual([
      'risk_evaluations_total{risk_level="error"} 1',
      'risk_evaluations_total{risk_level="low"} 1',
    ]);
    expect(text).toContain(
      'http_requests_total{method="POST",route="/api/v1/risk/evaluate",status_code="200"} 1\n',
    );
    expect(text).toContain(
      'http_requests_total{method="POST",route="/api/v1/risk/evaluate",status_code="503"} 1\n',
    );
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/v1/risk/deals/:dealId",status_code="200"} 1\n',
    );
    expect(text).toContain(
      'http_requests_total{method="GET",route="/api/v1/risk/deals/:dealId",status_code="404"} 1\n',
    );
    expect(text).toContain('ml_predictions_total{model="deal-risk",model_version="2.4.0",outcome="low"} 1\n');
    expect(text).toContain('ml_prediction_errors_total{model="deal-risk",error_type="feature_store"} 1\n');
    expect(value(text, 'ml_prediction_duration_seconds_count{model="deal-risk",model_version="2.4.0"}')).toBe(
      2,
    );
    expect(text).toContain('ml_model_info{model="deal-risk",model_version="2.4.0"} 1\n');
    expect(text).toContain('ml_model_quality{model="deal-risk",metric="auc"} 0.87\n');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    // /health and /metrics are not recorded.
    expect(text).not.toContain('route="/health"');
    expect(text).not.toContain('route="/metrics"');
  });

  it('guards /metrics with the bearer token', async () => {
    const none = await scrape(svc.port, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await scrape(svc.port, 'wrong')).status).toBe(401);
  });

  it('leaves the trace id of a request with a traceparent header on its duration bucket (OpenMetrics)', async () => {
    const traceId = '5b8efff798038103d269b633813fc60c';
    const spanId = 'eee19b7ec3c1b174';
    const res = await fetch(`${svc.base}/api/v1/risk/deals/D-100`, {
      headers: { traceparent: `00-${traceId}-${spanId}-01` },
    });
    expect(res.status).toBe(200);
    // Both formats stay valid (promtool, the strict OpenMetrics parser); the exemplar is OpenMetrics only.
    expect(await metricsText(svc.port)).not.toContain(traceId);
    const om = await fetch(`${svc.base}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/openmetrics-text' },
    });
    const lines = (await om.text()).split('\n').filter((l) => l.includes(traceId));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^http_request_duration_seconds_bucket\\{method="GET",route="/api/v1/risk/deals/:dealId",status_code="200",le="[^"]+"\\} \\d+ # \\{trace_id="${traceId}",span_id="${spanId}"\\} \\S+ \\S+$`,
      ),
    );
  });

  it('moves /metrics to METRICS_PORT when it is set', async () => {
    const separate = await startService('risk-analytics', { METRICS_PORT: '0' });
    try {
      expect(separate.metricsPort).not.toBe(separate.port);
      expect((await fetch(`${separate.base}/metrics`)).status).toBe(404);
      expect((await scrape(separate.metricsPort, null)).status).toBe(401);
      expect(await metricsText(separate.metricsPort)).toContain(
        'ml_model_info{model="deal-risk",model_version="2.4.0"} 1',
      );
    } finally {
      expect(await separate.stop('SIGINT')).toBe(0);
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await svc.stop()).toBe(0);
  });
});
