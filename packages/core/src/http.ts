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
   * request count, duration and (when enabled) sizes. `route` is the route template, or
   * `undefined` for an unmatched request. Never throws.
   */
  end(
    method: string,
    route: string | undefined,
    statusCode: number,
    startTime: number,
    requestBytes?: number,
    responseBytes?: number,
    extraLabelValues?: readonly LabelValue[],
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
  const reqSize = sizes ? glassbox.histogram(requestSize) : undefined;
  const resSize = sizes ? glassbox.histogram(responseSize) : undefined;

  const methodNames = [...HTTP_METHODS, 'OTHER'];
  const inFlightSeries: BoundGauge[] = methodNames.map((m) => inFlight.bindValues([m]));
  // Per method: route -> status -> bound series. Bounded by the series cap of each metric.
  const routeCache: Array<Map<string, Map<number, RouteSeries>>> = methodNames.map(() => new Map());
  const sizeCache: Array<Map<string, SizeSeries>> = methodNames.map(() => new Map());
  const cacheLimit = 10_000;
  let cached = 0;

  const statusLabel = (code: number): string => (group ? statusClass(code) : String(code));

  function routeSeries(mi: number, route: string, status: number): RouteSeries {
    const byRoute = routeCache[mi] as Map<string, Map<number, RouteSeries>>;
    let byStatus = byRoute.get(route);
    let series = byStatus?.get(status);
    if (series !== undefined) return series;
    const values = [methodNames[mi] as string, route, statusLabel(status)];
    series = { requests: requests.bindValues(values), duration: duration.bindValues(values) };
    if (cached < cacheLimit) {
      if (byStatus === undefined) {
        byStatus = new Map();
        byRoute.set(route, byStatus);
      }
      byStatus.set(status, series);
      cached++;
    }
    return series;
  }

  function sizeSeries(mi: number, route: string): SizeSeries {
    const byRoute = sizeCache[mi] as Map<string, SizeSeries>;
    let series = byRoute.get(route);
    if (series !== undefined) return series;
    const values = [methodNames[mi] as string, route];
    series = {
      request: (reqSize as Histogram<string>).bindValues(values),
      response: (resSize as Histogram<string>).bindValues(values),
    };
    if (cached < cacheLimit) {
      byRoute.set(route, series);
      cached++;
    }
    return series;
  }

  return {
    unmatchedRoute,
    begin(method: string): number {
      const mi = methodIndex.get(method) ?? OTHER;
      (inFlightSeries[mi] as BoundGauge).inc(1);
      return performance.now();
    },
    end(method, route, statusCode, startTime, requestBytes, responseBytes, extraLabelValues) {
      try {
        const seconds = (performance.now() - startTime) / 1000;
        const mi = methodIndex.get(method) ?? OTHER;
        (inFlightSeries[mi] as BoundGauge).dec(1);
        const r = typeof route === 'string' && route.length > 0 ? route : unmatchedRoute;
        if (extra.length === 0) {
          const s = routeSeries(mi, r, statusCode);
          s.requests.inc(1);
          s.duration.observe(seconds);
        } else {
          const values: LabelValue[] = [methodNames[mi] as string, r, statusLabel(statusCode)];
          for (let i = 0; i < extra.length; i++) values.push(extraLabelValues?.[i] ?? '');
          requests.bindValues(values).inc(1);
          duration.bindValues(values).observe(seconds);
        }
        if (sizes && (requestBytes !== undefined || responseBytes !== undefined)) {
          const s = sizeSeries(mi, r);
          if (requestBytes !== undefined && requestBytes >= 0) s.request.observe(requestBytes);
          if (responseBytes !== undefined && responseBytes >= 0) s.response.observe(responseBytes);
        }
      } catch (error) {
        glassbox.reportError('http', 'recording a request failed', error);
      }
    },
  };
}
