/**
 * Read-back over metric families, for tests: the value of a counter or gauge, the
 * distribution of a histogram, every series of a metric. Absent is not zero: an unknown
 * metric, an unknown label name or no matching series reads as `undefined`.
 */
import type { Exemplar, MetricFamily, MetricPoint, MetricsSource } from './families.js';

/** A histogram read back. */
export interface DistributionSnapshot {
  /** Number of observations. */
  readonly count: number;
  /** Sum of observations. */
  readonly sum: number;
  /**
   * Cumulative counts per upper bound, `+Inf` last, with the bucket's exemplar when it
   * has one (the latest of the matching series).
   */
  readonly buckets: ReadonlyArray<{
    readonly le: number;
    readonly count: number;
    readonly exemplar?: Exemplar;
  }>;
}

/** One series read back. */
export interface SeriesSnapshot {
  readonly labels: Readonly<Record<string, string>>;
  /** Counter or gauge value; for histograms and summaries, the observation count. */
  readonly value: number;
  /** Present on histograms. */
  readonly distribution?: DistributionSnapshot;
}

/** Read-back methods (names are exposed names, counters with `_total`). */
export interface MetricsReadBack {
  /**
   * Sum of the values of the series whose labels include `labels` (a subset filter);
   * `undefined` when the metric is unknown, a label name is not one of its labels, or
   * no series matches.
   */
  value(name: string, labels?: Readonly<Record<string, string>>): number | undefined;
  /** Merged distribution of the histogram series matching `labels`; undefined when none match. */
  distribution(name: string, labels?: Readonly<Record<string, string>>): DistributionSnapshot | undefined;
  /** Every series of a metric (empty when the metric is unknown). */
  series(name: string): SeriesSnapshot[];
  /** Names of the metrics. */
  metricNames(): string[];
}

function labelsOf(f: MetricFamily, p: MetricPoint): Record<string, string> {
  const names = p.labelNames ?? f.labelNames;
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) out[names[i] as string] = p.labelValues[i] ?? '';
  return out;
}

function matching(f: MetricFamily | undefined, labels: Readonly<Record<string, string>>): MetricPoint[] {
  if (f === undefined) return [];
  const wanted = Object.entries(labels);
  const out: MetricPoint[] = [];
  for (const p of f.points) {
    const names = p.labelNames ?? f.labelNames;
    if (wanted.every(([k, v]) => p.labelValues[names.indexOf(k)] === v && names.includes(k))) out.push(p);
  }
  return out;
}

function distributionOf(f: MetricFamily, points: readonly MetricPoint[]): DistributionSnapshot {
  const bounds = f.bounds ?? [];
  const merged = new Float64Array(bounds.length + 1);
  let sum = 0;
  for (const p of points) {
    sum += p.sum ?? 0;
    const counts = p.bucketCounts;
    if (counts) for (let i = 0; i < merged.length; i++) merged[i] = (merged[i] as number) + (counts[i] ?? 0);
  }
  let cumulative = 0;
  const buckets = [...bounds, Number.POSITIVE_INFINITY].map((le, i) => {
    cumulative += merged[i] as number;
    const exemplar = latestExemplar(points, i);
    return exemplar === undefined ? { le, count: cumulative } : { le, count: cumulative, exemplar };
  });
  return { count: cumulative, sum, buckets };
}

function latestExemplar(points: readonly MetricPoint[], i: number): Exemplar | undefined {
  let latest: Exemplar | undefined;
  for (const p of points) {
    const e = p.exemplars?.[i];
    if (e !== undefined && (latest === undefined || (e.timestamp ?? 0) >= (latest.timestamp ?? 0)))
      latest = e;
  }
  return latest;
}

/** Read-back over the families `get` returns (called on every read). */
export function readBack(get: () => readonly MetricFamily[]): MetricsReadBack {
  const family = (name: string) => get().find((f) => f.name === name);
  return {
    value(name, labels = {}) {
      const points = matching(family(name), labels);
      if (points.length === 0) return undefined;
      let total = 0;
      for (const p of points) total += p.value;
      return total;
    },
    distribution(name, labels = {}) {
      const f = family(name);
      const points = matching(f, labels);
      if (f === undefined || points.length === 0 || f.type !== 'histogram') return undefined;
      return distributionOf(f, points);
    },
    series(name) {
      const f = family(name);
      if (f === undefined) return [];
      return [...f.points].map((p) =>
        f.type === 'histogram'
          ? { labels: labelsOf(f, p), value: p.value, distribution: distributionOf(f, [p]) }
          : { labels: labelsOf(f, p), value: p.value },
      );
    },
    metricNames: () => get().map((f) => f.name),
  };
}

/**
 * Collects a source once and reads it back: works for any {@link MetricsSource} — the
 * native backend, a prom-client registry (`promClientSource(registry)`), the
 * OpenTelemetry source, a cluster merge.
 *
 * @example
 * ```ts
 * const metrics = await readMetrics(promClientSource(registry));
 * expect(metrics.value('http_requests_total', { route: '/users/:id' })).toBe(1);
 * ```
 */
export async function readMetrics(source: MetricsSource): Promise<MetricsReadBack> {
  const families = (await source.collect()).map((f) => ({ ...f, points: [...f.points] }));
  return readBack(() => families);
}
