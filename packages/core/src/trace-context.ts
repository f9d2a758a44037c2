/**
 * The trace an observation was made in, for exemplars: the active OpenTelemetry span
 * when a tracer is registered, else an incoming W3C `traceparent` header. Only sampled
 * traces count (OpenTelemetry's trace-based exemplar filter): an unsampled trace is
 * never stored by the tracing backend, so an exemplar pointing at it would lead nowhere.
 *
 * `@opentelemetry/api` is not imported: its global registry (the object every copy of
 * the API version 1 shares on `globalThis`, keyed by `Symbol.for('opentelemetry.js.api.1')`)
 * is read instead, so core keeps no dependency and an app without OpenTelemetry pays
 * one property lookup.
 */

/** The trace of an observation: becomes the exemplar labels `trace_id` and `span_id`. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  readonly spanId: string;
}

/** Where `@opentelemetry/api` 1.x registers its globals (`context`, `trace`, ...). */
const OTEL_API_KEY = Symbol.for('opentelemetry.js.api.1');
/** The context key of the active span (`trace.getSpan(context)` reads it). */
const SPAN_KEY = Symbol.for('OpenTelemetry Context Key SPAN');

interface OtelSpanLike {
  spanContext(): { traceId: string; spanId: string; traceFlags: number };
}
interface OtelGlobals {
  readonly context?: { active(): { getValue(key: symbol): unknown } | undefined };
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** True when `t` has a valid trace id and span id (lowercase hex, not all zero). */
export function isValidTraceContext(t: TraceContext | null | undefined): t is TraceContext {
  if (t === null || typeof t !== 'object') return false;
  const { traceId, spanId } = t;
  return (
    typeof traceId === 'string' &&
    typeof spanId === 'string' &&
    TRACE_ID.test(traceId) &&
    SPAN_ID.test(spanId) &&
    traceId !== ZERO_TRACE &&
    spanId !== ZERO_SPAN
  );
}

/**
 * The span context of the active OpenTelemetry span when it is sampled, else
 * `undefined` (no API registered, no active span, not sampled). Never throws.
 */
export function activeTraceContext(): TraceContext | undefined {
  const api = (globalThis as Record<symbol, OtelGlobals | undefined>)[OTEL_API_KEY];
  const manager = api?.context;
  if (manager === undefined) return undefined;
  try {
    const span = manager.active()?.getValue(SPAN_KEY) as OtelSpanLike | undefined;
    if (span === undefined || typeof span.spanContext !== 'function') return undefined;
    const sc = span.spanContext();
    // A SpanContext has traceId and spanId: handed over as it is (no copy).
    return (sc.traceFlags & 1) === 1 && isValidTraceContext(sc) ? sc : undefined;
  } catch {
    return undefined;
  }
}

const HEX = /^[0-9a-f]+$/;

/**
 * Parses a W3C `traceparent` header (`00-<trace-id>-<parent-id>-<flags>`): the trace id
 * and the caller's span id when the header is valid and its sampled flag is set, else
 * `undefined`. Invalid headers (wrong length, uppercase or non-hex digits, version
 * `ff`, all-zero ids, a version-00 header with extra fields) are ignored, as the
 * specification says. Never throws.
 */
export function parseTraceparent(header: unknown): TraceContext | undefined {
  if (typeof header !== 'string' || header.length < 55) return undefined;
  const version = header.slice(0, 2);
  if (version === 'ff' || !HEX.test(version)) return undefined;
  // Version 00 is exactly 55 characters; a later version may append fields after a dash.
  if (header.length > 55 && (version === '00' || header[55] !== '-')) return undefined;
  if (header[2] !== '-' || header[35] !== '-' || header[52] !== '-') return undefined;
  const flags = header.slice(53, 55);
  if (!HEX.test(flags) || (Number.parseInt(flags, 16) & 1) !== 1) return undefined;
  const t = { traceId: header.slice(3, 35), spanId: header.slice(36, 52) };
  return isValidTraceContext(t) ? t : undefined;
}

/**
 * The trace of the current work: the active OpenTelemetry span, else the `traceparent`
 * value given (a request's header, a message's header), else `undefined`. Never throws.
 */
export function currentTraceContext(traceparent?: unknown): TraceContext | undefined {
  return activeTraceContext() ?? (traceparent === undefined ? undefined : parseTraceparent(traceparent));
}
