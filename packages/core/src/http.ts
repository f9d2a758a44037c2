/**
 * The framework-independent HTTP RED recorder. Adapters call `begin` when a request
 * arrives and `end` once when it is done; everything else (method normalisation,
 * status grouping, the unmatched route, bound-series caches) lives here, tested once.
 */
import { catalog } from './catalog.js';
import { defineCounter, defineHistogram } from './definitions.js';
import type {
  BoundCounter,
  BoundGauge,
  BoundHistogram,
  Counter,
  Glassbox,
  Histogram,
  LabelValue,
} from './glassbox.js';
import type { TraceContext } from './trace-context.js';

/** Methods kept as they are; any other method is recorded as `OTHER`. */
export const HTTP_METHODS: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

/** Options of {@link createHttpRecorder}. */
export interface HttpRecorderOptions {
  /** Route label of requests no route matched (404s, scanners). @default 'unmatched' */
  readonly unmatchedRoute?: string;
  /** Record status codes as classes (`2xx`, `4xx`, ...) instead of exact codes. @default false */
  readonly groupStatusCodes?: boolean;
  /** Record `http_request_size_bytes` and `http_response_size_bytes`. @default false */
  readonly recordSizes?: boolean;
  /**
   * Extra label names added to `http_requests_total` and `http_request_duration_seconds`
   * (for a custom label hook). Their values are passed to {@link HttpRecorder.end}; keep
   * them to a small, bounded set (the series cap applies).
   * @default []
   */
  readonly extraLabelNames?: readonly string[];
}

/** Defaults of {@link HttpRecorderOptions}. */
export const HTTP_RECORDER_DEFAULTS = Object.freeze({
  unmatchedRoute: 'unmatched',
  groupStatusCodes: false,
  recordSizes: false,
});

/** What {@link HttpRecorder.end} records beyond the four always-known facts (all optional). */
export interface HttpRequestExtras {
  /** Request body size in bytes (`Content-Length`), recorded when `recordSizes` is on. */
  readonly requestBytes?: number | undefined;
  /** Response body size in bytes, recorded when `recordSizes` is on. */
  readonly responseBytes?: number | undefined;
  /** Values of the `extraLabelNames`, in their order. */
  readonly extraLabelValues?: readonly LabelValue[] | undefined;
  /**
   * The trace the request was handled in (`currentTraceContext(req.headers.traceparent)`):
   * kept as the exemplar of its `http_request_duration_seconds` bucket. Adapters read it
   * only when `glassbox.exemplars` is on.
   */
  readonly trace?: TraceContext | undefined;
}

/** The RED recorder. */
export interface HttpRecorder {
  /** The route value used for unmatched requests. */
  readonly unmatchedRoute: string;
  /**
   * A request started: raises the in-flight gauge and returns the start time to pass
   * to {@link HttpRecorder.end}. Never throws.
   */
  begin(method: string): number;
  /**
   * The request ended (call exactly once per `begin`): lowers in-flight and records the
   * request count, duration and (when enabled) sizes and extra labels. `route` is the
   * route template, or `undefined` for an unmatched request; `startTime` is what `begin`
   * returned. The optional parts come as one named object, only when an adapter has
   * them (no allocation on the common path). Never throws.
   */
  end(
    method: string,
    route: string | undefined,
    statusCode: number,
    startTime: number,
    extras?: HttpRequestExtras,
  ): void;
}

interface RouteSeries {
  readonly requests: BoundCounter;
  readonly duration: BoundHistogram;
}

interface SizeSeries {
  readonly request: BoundHistogram;
  readonly response: BoundHistogram;
}

const methodIndex = new Map<string, number>();
HTTP_METHODS.forEach((m, i) => {
  methodIndex.set(m, i);
  methodIndex.set(m.toLowerCase(), i);
});
const OTHER = HTTP_METHODS.length;

function statusClass(code: number): string {
  if (code >= 100 && code < 600) return `${Math.floor(code / 100)}xx`;
  return 'unknown';
}

/** The RED metrics of a recorder, created at start-up. */
interface RedMetrics {
  readonly requests: Counter<string>;
  readonly duration: Histogram<string>;
  readonly inFlight: readonly BoundGauge[];
  readonly reqSize: Histogram<string> | undefined;
  readonly resSize: Histogram<string> | undefined;
}

const METHOD_NAMES: readonly string[] = [...HTTP_METHODS, 'OTHER'];

function createRedMetrics(glassbox: Glassbox, extra: readonly string[], sizes: boolean): RedMetrics {
  const { requestsTotal, requestDuration, requestsInFlight, requestSize, responseSize } = catalog.http;
  let requests: Counter<string>;
  let duration: Histogram<string>;
  if (extra.length === 0) {
    requests = glassbox.counter(requestsTotal) as unknown as Counter<string>;
    duration = glassbox.histogram(requestDuration) as unknown as Histogram<string>;
  } else {
    // Same names, more labels: derive the definitions so the catalog stays the source.
    requests = glassbox.counter(
      defineCounter<string>({ ...requestsTotal, labelNames: [...requestsTotal.labelNames, ...extra] }),
    );
    duration = glassbox.histogram(
      defineHistogram<string>({ ...requestDuration, labelNames: [...requestDuration.labelNames, ...extra] }),
    );
  }
  const inFlight = glassbox.gauge(requestsInFlight);
  return {
    requests,
    duration,
    inFlight: METHOD_NAMES.map((m) => inFlight.bindValues([m])),
    reqSize: sizes ? glassbox.histogram(requestSize) : undefined,
    resSize: sizes ? glassbox.histogram(responseSize) : undefined,
  };
}

const CACHE_LIMIT = 10_000;

/**
 * Bound-series caches per method: route -> status -> series, and route -> size series.
 * At most {@link CACHE_LIMIT} entries (past that, series are bound on each request; the
 * metrics' own series caps still apply).
 */
function createSeriesCache(m: RedMetrics, statusLabel: (code: number) => string) {
  const routeCache: Array<Map<string, Map<number, RouteSeries>>> = METHOD_NAMES.map(() => new Map());
  const sizeCache: Array<Map<string, SizeSeries>> = METHOD_NAMES.map(() => new Map());
  let cached = 0;
  return {
    route(mi: number, route: string, status: number): RouteSeries {
      const byRoute = routeCache[mi] as Map<string, Map<number, RouteSeries>>;
      let byStatus = byRoute.get(route);
      let series = byStatus?.get(status);
      if (series !== undefined) return series;
      const values = [METHOD_NAMES[mi] as string, route, statusLabel(status)];
      series = { requests: m.requests.bindValues(values), duration: m.duration.bindValues(values) };
      if (cached < CACHE_LIMIT) {
        if (byStatus === undefined) {
          byStatus = new Map();
          byRoute.set(route, byStatus);
        }
        byStatus.set(status, series);
        cached++;
      }
      return series;
    },
    size(mi: number, route: string): SizeSeries {
      const byRoute = sizeCache[mi] as Map<string, SizeSeries>;
      let series = byRoute.get(route);
      if (series !== undefined) return series;
      const values = [METHOD_NAMES[mi] as string, route];
      series = {
        request: (m.reqSize as Histogram<string>).bindValues(values),
        response: (m.resSize as Histogram<string>).bindValues(values),
      };
      if (cached < CACHE_LIMIT) {
        byRoute.set(route, series);
        cached++;
      }
      return series;
    },
  };
}

/**
 * Creates the HTTP RED recorder on a Glassbox instance (the metrics are created now,
 * so a naming clash throws at start-up).
 */
export function createHttpRecorder(glassbox: Glassbox, options: HttpRecorderOptions = {}): HttpRecorder {
  const unmatchedRoute = options.unmatchedRoute ?? HTTP_RECORDER_DEFAULTS.unmatchedRoute;
  if (typeof unmatchedRoute !== 'string' || unmatchedRoute.length === 0)
    throw new TypeError('Glassbox: unmatchedRoute must be a non-empty string');
  const group = options.groupStatusCodes ?? HTTP_RECORDER_DEFAULTS.groupStatusCodes;
  const sizes = options.recordSizes ?? HTTP_RECORDER_DEFAULTS.recordSizes;
  const extra = [...(options.extraLabelNames ?? [])];
  const m = createRedMetrics(glassbox, extra, sizes);
  const statusLabel = (code: number): string => (group ? statusClass(code) : String(code));
  const cache = createSeriesCache(m, statusLabel);
  const inFlightSeries = m.inFlight;

  return {
    unmatchedRoute,
    begin(method: string): number {
      const mi = methodIndex.get(method) ?? OTHER;
      (inFlightSeries[mi] as BoundGauge).inc(1);
      return performance.now();
    },
    end(method, route, statusCode, startTime, extras) {
      try {
        const seconds = (performance.now() - startTime) / 1000;
        const mi = methodIndex.get(method) ?? OTHER;
        (inFlightSeries[mi] as BoundGauge).dec(1);
        const r = typeof route === 'string' && route.length > 0 ? route : unmatchedRoute;
        if (extra.length === 0) {
          const s = cache.route(mi, r, statusCode);
          s.requests.inc(1);
          // Only a request with extras can have a trace: the common call stays one argument
          // (measurably cheaper than passing `undefined`).
          if (extras === undefined) s.duration.observe(seconds);
          else s.duration.observe(seconds, extras.trace);
        } else {
          const values: LabelValue[] = [METHOD_NAMES[mi] as string, r, statusLabel(statusCode)];
          for (let i = 0; i < extra.length; i++) values.push(extras?.extraLabelValues?.[i] ?? '');
          m.requests.bindValues(values).inc(1);
          m.duration.bindValues(values).observe(seconds, extras?.trace);
        }
        const requestBytes = extras?.requestBytes;
        const responseBytes = extras?.responseBytes;
        if (sizes && (requestBytes !== undefined || responseBytes !== undefined)) {
          const s = cache.size(mi, r);
          if (requestBytes !== undefined && requestBytes >= 0) s.request.observe(requestBytes);
          if (responseBytes !== undefined && responseBytes >= 0) s.response.observe(responseBytes);
        }
      } catch (error) {
        glassbox.reportError('http', 'recording a request failed', error);
      }
    },
  };
}
