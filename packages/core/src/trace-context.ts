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

/**
 * True when `s` is `length` lowercase hex digits, not all zero. A character loop: on
 * the record path it is several times faster than a regular expression.
 */
function isHexId(s: unknown, length: number): boolean {
  if (typeof s !== 'string' || s.length !== length) return false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = s.charCodeAt(i);
    if (c > 48 && c <= 57) nonZero = true;
    else if (c >= 97 && c <= 102) nonZero = true;
    else if (c !== 48) return false;
  }
  return nonZero;
}

/** True when `t` has a valid trace id and span id (lowercase hex, not all zero). */
export function isValidTraceContext(t: TraceContext | null | undefined): t is TraceContext {
  return t !== null && typeof t === 'object' && isHexId(t.traceId, 32) && isHexId(t.spanId, 16);
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

/** The value of a lowercase hex digit, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Parses a W3C `traceparent` header (`00-<trace-id>-<parent-id>-<flags>`): the trace id
 * and the caller's span id when the header is valid and its sampled flag is set, else
 * `undefined`. Invalid headers (wrong length, uppercase or non-hex digits, version
 * `ff`, all-zero ids, a version-00 header with extra fields) are ignored, as the
 * specification says. Never throws.
 */
export function parseTraceparent(header: unknown): TraceContext | undefined {
  if (typeof header !== 'string' || header.length < 55) return undefined;
  const v0 = hexDigit(header.charCodeAt(0));
  const v1 = hexDigit(header.charCodeAt(1));
  if (v0 < 0 || v1 < 0 || (v0 === 15 && v1 === 15)) return undefined;
  // Version 00 is exactly 55 characters; a later version may append fields after a dash.
  if (header.length > 55 && ((v0 === 0 && v1 === 0) || header[55] !== '-')) return undefined;
  if (header[2] !== '-' || header[35] !== '-' || header[52] !== '-') return undefined;
  const f0 = hexDigit(header.charCodeAt(53));
  const f1 = hexDigit(header.charCodeAt(54));
  if (f0 < 0 || f1 < 0 || (f1 & 1) !== 1) return undefined;
  const traceId = header.slice(3, 35);
  const spanId = header.slice(36, 52);
  return isHexId(traceId, 32) && isHexId(spanId, 16) ? { traceId, spanId } : undefined;
}

/**
 * The trace of the current work: the active OpenTelemetry span, else the `traceparent`
 * value given (a request's header, a message's header), else `undefined`. Never throws.
 */
export function currentTraceContext(traceparent?: unknown): TraceContext | undefined {
  return activeTraceContext() ?? (traceparent === undefined ? undefined : parseTraceparent(traceparent));
}
