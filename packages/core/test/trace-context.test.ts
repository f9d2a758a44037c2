/**
 * Exemplars in core: the W3C `traceparent` parser, the guarded observe path (valid trace
 * contexts only, nothing when `exemplars: false`), the native backend's one exemplar per
 * bucket, and the HTTP recorder passing a request's trace to its duration bucket.
 */
import { describe, expect, it } from 'vitest';
import {
  activeTraceContext,
  catalog,
  createGlassbox,
  createHttpRecorder,
  createModelInstrument,
  currentTraceContext,
  defineHistogram,
  nativeBackend,
  parseTraceparent,
} from '../src/index.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const header = (flags = '01', version = '00', trace = TRACE, span = SPAN) =>
  `${version}-${trace}-${span}-${flags}`;

describe('parseTraceparent', () => {
  it('reads the trace id and the parent span id of a sampled header', () => {
    expect(parseTraceparent(header())).toEqual({ traceId: TRACE, spanId: SPAN });
    // any flags with the sampled bit
    expect(parseTraceparent(header('03'))).toEqual({ traceId: TRACE, spanId: SPAN });
  });

  it('ignores an unsampled trace (it is never stored, so nothing to link to)', () => {
    expect(parseTraceparent(header('00'))).toBeUndefined();
    expect(parseTraceparent(header('02'))).toBeUndefined();
  });

  it('accepts a later version with more fields, and refuses them on version 00', () => {
    expect(parseTraceparent(`${header('01', '01')}-extra`)).toEqual({ traceId: TRACE, spanId: SPAN });
    expect(parseTraceparent(`${header()}-extra`)).toBeUndefined();
    expect(parseTraceparent(`${header('01', '01')}x`)).toBeUndefined();
  });

  it.each([
    ['version ff', header('01', 'ff')],
    ['uppercase hex', header('01', '00', TRACE.toUpperCase())],
    ['non-hex trace id', header('01', '00', `${TRACE.slice(0, 31)}g`)],
    ['all-zero trace id', header('01', '00', '0'.repeat(32))],
    ['all-zero span id', header('01', '00', TRACE, '0'.repeat(16))],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['wrong separators', `00_${TRACE}_${SPAN}_01`],
    ['non-hex flags', header('0x')],
    ['empty', ''],
    ['two headers joined', `${header()}, ${header()}`],
  ])('ignores an invalid header: %s', (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('ignores what is not a string', () => {
    for (const v of [undefined, null, 42, [header()], { traceparent: header() }])
      expect(parseTraceparent(v)).toBeUndefined();
  });

  it('without an OpenTelemetry API registered, the active span is none and the header decides', () => {
    expect(activeTraceContext()).toBeUndefined();
    expect(currentTraceContext(header())).toEqual({ traceId: TRACE, spanId: SPAN });
    expect(currentTraceContext(undefined)).toBeUndefined();
  });
});

const HIST = defineHistogram({ name: 'took_seconds', help: 'Took.', labelNames: ['q'], buckets: [0.1, 1] });
const t = (n: number) => ({ traceId: `${'a'.repeat(31)}${n}`, spanId: `${'b'.repeat(15)}${n}` });

describe('the native backend keeps one exemplar per bucket', () => {
  it('on the bucket the observation fell in, with its value and time; the latest wins', () => {
    const native = nativeBackend();
    const h = createGlassbox({ backend: native, logger: null }).histogram(HIST);
    const before = Date.now() / 1000;
    h.observe({ q: 'x' }, 0.05, t(1));
    h.observe({ q: 'x' }, 0.5, t(2));
    h.observe({ q: 'x' }, 0.7, t(3)); // same bucket as 0.5: replaces it
    h.observe({ q: 'x' }, 0.9); // untraced: leaves the exemplar alone
    h.observe({ q: 'x' }, 5, t(4));
    const b = native.distribution('took_seconds', { q: 'x' })?.buckets ?? [];
    expect(b.map((x) => x.exemplar?.labels)).toEqual([
      { trace_id: t(1).traceId, span_id: t(1).spanId },
      { trace_id: t(3).traceId, span_id: t(3).spanId },
      { trace_id: t(4).traceId, span_id: t(4).spanId },
    ]);
    expect(b.map((x) => x.exemplar?.value)).toEqual([0.05, 0.7, 5]);
    expect(b.map((x) => x.count)).toEqual([1, 4, 5]);
    const ts = b[0]?.exemplar?.timestamp as number;
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('stores nothing until a traced observation, and forgets them on reset', () => {
    const native = nativeBackend();
    const h = createGlassbox({ backend: native, logger: null }).histogram(HIST);
    h.observe({ q: 'x' }, 0.05);
    const point = () => [...(native.collect()[1]?.points ?? [])][0];
    expect(point()?.exemplars).toBeUndefined();
    h.observe({ q: 'x' }, 0.05, t(1));
    expect(point()?.exemplars?.length).toBe(3);
    native.reset();
    expect(point()?.exemplars).toBeUndefined();
  });

  it('records none with exemplars: false (the observation still counts)', () => {
    const native = nativeBackend();
    const h = createGlassbox({ backend: native, logger: null, exemplars: false }).histogram(HIST);
    h.observe({ q: 'x' }, 0.05, t(1));
    expect(native.distribution('took_seconds')?.count).toBe(1);
    expect([...(native.collect()[1]?.points ?? [])][0]?.exemplars).toBeUndefined();
  });

  it('drops an invalid trace context (counted), keeping the observation', () => {
    const native = nativeBackend();
    const h = createGlassbox({ backend: native, logger: null }).histogram(HIST);
    h.observe({ q: 'x' }, 0.05, { traceId: 'not-hex', spanId: SPAN });
    h.observe({ q: 'x' }, 0.05, { traceId: TRACE, spanId: `${SPAN}00` });
    h.observe({ q: 'x' }, 0.05, null as never);
    expect(native.distribution('took_seconds')?.count).toBe(3);
    expect([...(native.collect()[1]?.points ?? [])][0]?.exemplars).toBeUndefined();
    expect(native.value('glassbox_instrumentation_errors_total', { component: 'custom' })).toBe(3);
  });

  it('rejects a non-boolean exemplars option at start-up', () => {
    expect(() => createGlassbox({ backend: nativeBackend(), exemplars: 'yes' as never })).toThrow(
      /exemplars/,
    );
  });
});

describe('the HTTP recorder and the model instrument', () => {
  it("a request's trace lands on its http_request_duration_seconds bucket only", () => {
    const native = nativeBackend();
    const rec = createHttpRecorder(createGlassbox({ backend: native, logger: null }));
    const trace = parseTraceparent(header());
    rec.end('GET', '/users/:id', 200, rec.begin('GET'), { trace });
    rec.end('GET', '/users/:id', 200, rec.begin('GET'));
    const buckets = native.distribution(catalog.http.requestDuration.name)?.buckets ?? [];
    const withExemplar = buckets.filter((b) => b.exemplar !== undefined);
    expect(withExemplar).toHaveLength(1);
    expect(withExemplar[0]?.exemplar?.labels).toEqual({ trace_id: TRACE, span_id: SPAN });
    // the first bucket (le 0.005) holds both fast requests
    expect(buckets[0]?.count).toBe(2);
    expect(buckets[0]?.exemplar).toBeDefined();
  });

  it('custom labels and a trace go together', () => {
    const native = nativeBackend();
    const rec = createHttpRecorder(createGlassbox({ backend: native, logger: null }), {
      extraLabelNames: ['tenant'],
    });
    rec.end('GET', '/a', 200, rec.begin('GET'), {
      extraLabelValues: ['t1'],
      trace: parseTraceparent(header()),
    });
    const b = native.distribution(catalog.http.requestDuration.name, { tenant: 't1' })?.buckets ?? [];
    expect(b.some((x) => x.exemplar?.labels.trace_id === TRACE)).toBe(true);
  });

  it('the model instrument records no exemplar without an active span', async () => {
    const native = nativeBackend();
    const model = createModelInstrument(createGlassbox({ backend: native, logger: null }), {
      name: 'm',
      version: '1',
    });
    await model.wrap(async () => 1)();
    const b = native.distribution(catalog.model.predictionDuration.name)?.buckets ?? [];
    expect(b.every((x) => x.exemplar === undefined)).toBe(true);
  });
});
