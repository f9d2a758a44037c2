/**
 * The Backend interface: where recorded values go. Core validates, guards
 * cardinality and catches errors; a backend only stores. Implementations: the native
 * backend ({@link nativeBackend}, the default), the prom-client backend
 * ({@link promClientBackend}) and the OpenTelemetry backend in `@glassbox/otel`. What a
 * backend stores reaches `/metrics` as metric families (`families.ts`).
 */
import type { ResolvedDefinition } from './naming.js';
import type { TraceContext } from './trace-context.js';

/** One counter series (a fixed set of label values). */
export interface BackendCounterSeries {
  inc(value: number): void;
}
/** One gauge series. */
export interface BackendGaugeSeries {
  set(value: number): void;
  inc(value: number): void;
}
/** One histogram series. */
export interface BackendHistogramSeries {
  observe(value: number): void;
  /**
   * Records one observation and keeps `trace` as the exemplar of the bucket it fell in
   * (one per bucket, the latest wins). Optional: a backend without exemplars leaves it
   * out and gets {@link BackendHistogramSeries.observe}. Core calls it only with a
   * valid trace context and only when the instance has exemplars on.
   */
  observeWithExemplar?(value: number, trace: TraceContext): void;
}

/** A metric in a backend: hands out series by label values (in the definition's label order). */
export interface BackendMetric<S> {
  /** Returns the series for these label values, creating it when new. Called once per series. */
  series(labelValues: readonly string[]): S;
  /** Removes a series (a gauge whose subject went away, a model version switch). */
  remove(labelValues: readonly string[]): void;
}

/** A metrics backend. Called at set-up time to create metrics; may throw there (clear errors). */
export interface Backend {
  /** A short name for logs (`prom-client`, `otel`, `memory`). */
  readonly name: string;
  counter(def: ResolvedDefinition): BackendMetric<BackendCounterSeries>;
  gauge(def: ResolvedDefinition): BackendMetric<BackendGaugeSeries>;
  histogram(def: ResolvedDefinition): BackendMetric<BackendHistogramSeries>;
}
