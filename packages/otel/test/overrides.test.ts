/**
 * Per-metric naming overrides reach the OpenTelemetry data itself (not only the
 * Prometheus rendering): the histogram's explicit bucket boundaries, the instrument's
 * description, and the renamed attribute of one metric only.
 */
import { catalog, createGlassbox, type NamingOptions } from '@glassbox/core';
import { type HistogramMetricData, MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { otelBackend } from '../src/index.js';
import { createPrometheusReader } from '../src/prometheus.js';

const providers: MeterProvider[] = [];
afterEach(async () => {
  while (providers.length > 0) await providers.pop()?.shutdown();
});

const naming: NamingOptions = {
  overrides: {
    http_request_duration_seconds: { buckets: [0.05, 0.1, 0.2, 0.5, 1, 2], help: 'Request latency' },
    ml_predictions_total: { labelRename: { outcome: 'tier' } },
  },
};

describe('naming overrides in the OpenTelemetry data', () => {
  it('bucket boundaries, description and per-metric attribute names come from the override', async () => {
    const reader = createPrometheusReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    providers.push(meterProvider);
    const glassbox = createGlassbox({ backend: otelBackend({ meterProvider }), naming, logger: null });
    glassbox
      .histogram(catalog.http.requestDuration)
      .observe({ method: 'GET', route: '/score', status_code: 200 }, 0.15);
    glassbox.counter(catalog.model.predictionsTotal).inc({ model: 'lead', model_version: '3', outcome: 'A' });
    glassbox.counter(catalog.consumer.consumedTotal).inc({ queue: 'leads', outcome: 'ack' });

    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const byName = (name: string) => {
      const m = metrics.find((x) => x.descriptor.name === name);
      if (m === undefined) throw new Error(`${name} not collected`);
      return m;
    };

    const duration = byName('http_request_duration_seconds') as HistogramMetricData;
    expect(duration.descriptor.description).toBe('Request latency');
    const point = duration.dataPoints[0];
    expect(point?.value.buckets.boundaries).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2]);
    // 0.15 falls in the (0.1, 0.2] bucket, which only the override has.
    expect(point?.value.buckets.counts).toEqual([0, 0, 1, 0, 0, 0, 0]);

    const predictions = byName('ml_predictions_total');
    expect(predictions.dataPoints.map((p) => p.attributes)).toContainEqual({
      model: 'lead',
      model_version: '3',
      tier: 'A',
    });
    const consumed = byName('rabbitmq_messages_consumed_total');
    expect(consumed.dataPoints.map((p) => p.attributes)).toContainEqual({ queue: 'leads', outcome: 'ack' });
  });
});
