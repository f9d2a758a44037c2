/**
 * Exemplars and OpenTelemetry: the trace of the active span (the real
 * `@opentelemetry/api`, with an AsyncLocalStorage context manager as the SDKs register
 * one) reaches the duration buckets of the model instrument and the HTTP recorder; and
 * the OTel source hands exemplars an SDK puts on its data points to the renderer.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  activeTraceContext,
  catalog,
  createGlassbox,
  createHttpRecorder,
  createModelInstrument,
  currentTraceContext,
  nativeBackend,
} from '@glassbox/core';
import { renderFamilies } from '@glassbox/exporter';
import {
  type Context,
  type ContextManager,
  context,
  ROOT_CONTEXT,
  TraceFlags,
  trace,
} from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelBackend } from '../src/index.js';
import { createPrometheusReader, otelSource } from '../src/prometheus.js';

/** What `@opentelemetry/context-async-hooks` registers, reduced to what these tests use. */
class AsyncLocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

function inSpan<T>(fn: () => T, flags = TraceFlags.SAMPLED, traceId = TRACE_ID): T {
  const span = trace.wrapSpanContext({ traceId, spanId: SPAN_ID, traceFlags: flags });
  return context.with(trace.setSpan(context.active(), span), fn);
}

beforeAll(() => {
  expect(context.setGlobalContextManager(new AsyncLocalStorageContextManager())).toBe(true);
});
afterAll(() => {
  context.disable();
});

describe('the active OpenTelemetry span', () => {
  it('is read through the API global registry, sampled spans only', () => {
    expect(activeTraceContext()).toBeUndefined();
    expect(inSpan(() => activeTraceContext())).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
    expect(inSpan(() => activeTraceContext(), TraceFlags.NONE)).toBeUndefined();
    // the active span wins over a traceparent header (it is this service's span)
    const header = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
    expect(inSpan(() => currentTraceContext(header))?.traceId).toBe(TRACE_ID);
    expect(currentTraceContext(header)?.traceId).toBe('1'.repeat(32));
  });

  it("is the exemplar of the model's prediction duration, after an await", async () => {
    const native = nativeBackend();
    const model = createModelInstrument(createGlassbox({ backend: native, logger: null }), {
      name: 'lead',
      version: '3',
    });
    const predict = model.wrap(async (x: number) => {
      await new Promise((r) => setTimeout(r, 20));
      return x;
    });
    await inSpan(() => predict(1));
    await predict(2); // outside any span: no exemplar, the traced one stays
    const buckets = native.distribution(catalog.model.predictionDuration.name)?.buckets ?? [];
    const exemplars = buckets.flatMap((b) => (b.exemplar === undefined ? [] : [b.exemplar]));
    expect(exemplars).toHaveLength(1);
    expect(exemplars[0]?.labels).toEqual({ trace_id: TRACE_ID, span_id: SPAN_ID });
    expect(exemplars[0]?.value).toBeGreaterThanOrEqual(0.015);
  });

  it('is not read with exemplars: false', async () => {
    const native = nativeBackend();
    const model = createModelInstrument(createGlassbox({ backend: native, logger: null, exemplars: false }), {
      name: 'lead',
      version: '3',
    });
    await inSpan(() => model.wrap(async () => 1)());
    const buckets = native.distribution(catalog.model.predictionDuration.name)?.buckets ?? [];
    expect(buckets.every((b) => b.exemplar === undefined)).toBe(true);
  });

  it('reaches the HTTP duration bucket as an adapter passes it', () => {
    const native = nativeBackend();
    const rec = createHttpRecorder(createGlassbox({ backend: native, logger: null }));
    inSpan(() => rec.end('GET', '/x', 200, rec.begin('GET'), { trace: currentTraceContext(undefined) }));
    const buckets = native.distribution(catalog.http.requestDuration.name)?.buckets ?? [];
    expect(buckets.find((b) => b.exemplar !== undefined)?.exemplar?.labels.trace_id).toBe(TRACE_ID);
  });
});

describe('the OTel backend and source', () => {
  it('record a traced observation (the SDK samples exemplars from its context)', async () => {
    const reader = createPrometheusReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const glassbox = createGlassbox({ backend: otelBackend({ meterProvider }), logger: null });
    const h = glassbox.histogram(catalog.model.predictionDuration);
    h.observe({ model: 'lead', model_version: '3' }, 0.2, { traceId: TRACE_ID, spanId: SPAN_ID });
    h.observe({ model: 'lead', model_version: '3' }, 0.2);
    const families = await otelSource({ reader }).collect();
    const f = families.find((x) => x.name === catalog.model.predictionDuration.name);
    expect([...(f?.points ?? [])][0]?.value).toBe(2);
    expect(glassbox.definitions()).toHaveLength(2);
    await meterProvider.shutdown();
  });

  it('hand the exemplars on SDK data points to the renderer, per bucket', async () => {
    const reader = createPrometheusReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const glassbox = createGlassbox({ backend: otelBackend({ meterProvider }), logger: null });
    const labels = { model: 'lead', model_version: '3' };
    glassbox.histogram(catalog.model.predictionDuration).observe(labels, 0.2);
    glassbox.histogram(catalog.model.predictionDuration).observe(labels, 0.3);
    glassbox.counter(catalog.model.predictionsTotal).inc({ ...labels, outcome: 'ok' });
    const exemplar = (value: number, seconds: number, spanId = SPAN_ID) => ({
      filteredAttributes: {},
      value,
      timestamp: [seconds, 500_000_000],
      traceId: TRACE_ID,
      spanId,
    });
    // What an SDK with exemplars (OTel JS has the reservoirs, not yet wired) puts on its points.
    const withExemplars = {
      collect: async () => {
        const result = await reader.collect();
        for (const m of result.resourceMetrics.scopeMetrics[0]?.metrics ?? [])
          for (const p of m.dataPoints as Array<{ exemplars?: unknown }>)
            p.exemplars = [
              exemplar(0.2, 1700000000),
              exemplar(0.3, 1700000001, '1111111111111111'),
              { value: 9, timestamp: [1700000002, 0], filteredAttributes: {} }, // no trace: left out
            ];
        return result;
      },
    };
    const text = await renderFamilies(await otelSource({ reader: withExemplars }).collect(), 'openmetrics');
    const lines = text.split('\n').filter((l) => l.includes(' # {'));
    expect(lines).toEqual([
      `ml_prediction_duration_seconds_bucket{model="lead",model_version="3",le="0.25"} 1 # {trace_id="${TRACE_ID}",span_id="${SPAN_ID}"} 0.2 1700000000.5`,
      `ml_prediction_duration_seconds_bucket{model="lead",model_version="3",le="0.5"} 2 # {trace_id="${TRACE_ID}",span_id="1111111111111111"} 0.3 1700000001.5`,
      `ml_predictions_total{model="lead",model_version="3",outcome="ok"} 1 # {trace_id="${TRACE_ID}",span_id="1111111111111111"} 0.3 1700000001.5`,
    ]);
    await meterProvider.shutdown();
  });
});
