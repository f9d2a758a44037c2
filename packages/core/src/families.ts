/**
 * The one data model for collected metrics. Every producer — the native backend, a
 * prom-client registry, the OpenTelemetry source, the cluster merge — hands its data to
 * the exporter as {@link MetricFamily} objects; the exporter alone renders them (text
 * 0.0.4 and OpenMetrics 1.0.0). Nothing here formats text.
 *
 * The shape follows the OpenMetrics data model (a family of one type, a set of points
 * each identified by its label values) and OpenTelemetry's `MetricData` (histogram
 * buckets as per-bucket counts, so a producer that stores counts that way hands its
 * arrays over without copying).
 */
import type { GaugeAggregation } from './definitions.js';

/** The type of a metric family. `unknown` is rendered `untyped` in text 0.0.4. */
export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'info' | 'unknown';

/** An exemplar: a trace-linked example observation (OpenMetrics only). */
export interface Exemplar {
  /** Exemplar labels, e.g. `{ trace_id, span_id }`. */
  readonly labels: Readonly<Record<string, string>>;
  /** The observed value. */
  readonly value: number;
  /** When it was observed, in seconds since the epoch; omitted when unknown. */
  readonly timestamp?: number | undefined;
}

/**
 * One series of a family: the point's label values and its data.
 *
 * - counter, gauge, info, unknown: `value`;
 * - histogram: `bucketCounts` (per bucket, not cumulative: one count per bound of
 *   {@link MetricFamily.bounds} and a last one for `+Inf`), `sum`, and `value` = count;
 * - summary: `quantileValues` (one per {@link MetricFamily.quantiles}), `sum`, and
 *   `value` = count.
 */
export interface MetricPoint {
  /**
   * Label values in the order of the family's `labelNames` (or of this point's own
   * `labelNames` when set). A label a point does not have is left out of its
   * `labelNames`.
   */
  readonly labelValues: readonly string[];
  /** Label names of this point when they differ from the family's (prom-client registries, merged workers). */
  readonly labelNames?: readonly string[] | undefined;
  readonly value: number;
  readonly sum?: number | undefined;
  readonly bucketCounts?: ArrayLike<number> | undefined;
  readonly quantileValues?: ArrayLike<number> | undefined;
  /**
   * Histograms: the latest exemplar per bucket (same indexes as `bucketCounts`), or
   * counters: one exemplar at index 0. Rendered in OpenMetrics only.
   */
  readonly exemplars?: ReadonlyArray<Exemplar | undefined> | undefined;
  /**
   * Where the exporter's renderer keeps this point's rendered label text (and its last
   * counter/gauge line) between scrapes. Opaque to producers: one that hands over the
   * same point objects on every scrape initialises it to `undefined` and leaves it
   * alone; others need not set it.
   */
  renderCache?: unknown;
}

/** One metric family: its metadata and its points. */
export interface MetricFamily {
  /** The exposed name; a counter's name ends in `_total`. */
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
  /** Label names of the points (a point may carry its own). */
  readonly labelNames: readonly string[];
  /** Histogram upper bounds, ascending, without `+Inf`. */
  readonly bounds?: readonly number[] | undefined;
  /**
   * Gauges: how values of several processes combine (the cluster merge reads it).
   * @default 'sum'
   */
  readonly aggregate?: GaugeAggregation | undefined;
  /** Summary quantiles, e.g. `[0.5, 0.9, 0.99]`. */
  readonly quantiles?: readonly number[] | undefined;
  /**
   * The points. Producers may hand over a live iterable (a Map's values): the exporter
   * reads each point once, in order, possibly yielding to the event loop in between.
   */
  readonly points: Iterable<MetricPoint>;
}

/**
 * Anything `/metrics` can serve: returns its families on each scrape. A producer may
 * return the same family and point objects on every call (the exporter keeps rendered
 * label text per point object), and must tolerate values changing between calls.
 */
export interface MetricsSource {
  collect(): Promise<readonly MetricFamily[]> | readonly MetricFamily[];
}
