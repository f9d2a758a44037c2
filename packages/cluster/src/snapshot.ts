/**
 * The compact snapshot a process sends for aggregation, built from its metric families
 * (core's data model): one entry per metric, label values as arrays aligned to one list
 * of label names, histograms as one cumulative count array per series. It is plain
 * JSON, so it crosses the cluster IPC channel with either serialization, and it is a
 * fraction of the size of `getMetricsAsJSON()`.
 */
import {
  type Exemplar,
  familiesFromPromJson,
  type GaugeAggregation,
  type Glassbox,
  type MetricFamily,
  type MetricPoint,
  type MetricsSource,
  type PromMetricJson,
} from '@glassbox/core';

/** A sample value: a finite number, or `'NaN'`, `'+Inf'`, `'-Inf'` (JSON has no such numbers). */
export type SnapshotValue = number | string;

/**
 * How a gauge is combined: the Glassbox rules (`sum`, `max`, `min`, `worker`) and, for
 * metrics not created by Glassbox, prom-client's `aggregator` names (`first`, `average`,
 * `omit` as well).
 */
export type SnapshotRule = GaugeAggregation | 'first' | 'average' | 'omit';

/**
 * An exemplar (OpenMetrics): its labels (`trace_id`, `span_id`), the observed value and
 * when it was observed (seconds since the epoch; `null` when unknown).
 */
export type SnapshotExemplar = [labels: Record<string, string>, value: number, timestamp: number | null];

/**
 * A counter or gauge series: label values (aligned to the metric's `k`, `null` when
 * absent), the value, and for a counter its exemplar when it has one.
 */
export type ScalarSeries = [values: Array<string | null>, value: SnapshotValue, exemplar?: SnapshotExemplar];
/**
 * A histogram or summary series: label values, the sum, and cumulative counts (one
 * per bucket bound then `+Inf`; for a summary just `[count]`); for a histogram with
 * exemplars, one per bucket (`null` where a bucket has none).
 */
export type DistributionSeries = [
  values: Array<string | null>,
  sum: SnapshotValue,
  counts: number[],
  exemplars?: Array<SnapshotExemplar | null>,
];

/** One metric in a snapshot. Short keys keep the IPC payload small. */
export interface SnapshotMetric {
  /** Exposed metric name. */
  n: string;
  /** Help text. */
  h: string;
  /** Metric type. */
  t: 'counter' | 'gauge' | 'histogram' | 'summary';
  /** Gauge aggregation rule; absent means `sum`. */
  a?: SnapshotRule;
  /** Label names of the series (histogram `le` and summary `quantile` excluded). */
  k: string[];
  /** Histogram bucket upper bounds, finite, increasing (`+Inf` implicit). */
  b?: number[];
  /** The series. */
  s: Array<ScalarSeries | DistributionSeries>;
}

/**
 * A registry that can be snapshotted: prom-client's (or `@prometheus-io/client`'s)
 * `Registry`. Its entries are read as core's `PromMetricJson` plus prom-client's
 * `aggregator` field (prom-client declares `type` as an enum, hence `object` here).
 */
export interface ClusterRegistryLike {
  getMetricsAsJSON(): Promise<readonly object[]> | readonly object[];
}

/** The snapshot rules of every kind, for validation. */
export const SNAPSHOT_RULES: ReadonlySet<string> = new Set<SnapshotRule>([
  'sum',
  'max',
  'min',
  'worker',
  'first',
  'average',
  'omit',
]);

/** Encodes a number for JSON. */
export function encodeValue(v: number): SnapshotValue {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? '+Inf' : '-Inf';
}

/** Decodes a {@link SnapshotValue}. Anything unexpected is NaN. */
export function decodeValue(v: SnapshotValue | null | undefined): number {
  if (typeof v === 'number') return v;
  if (v === '+Inf') return Number.POSITIVE_INFINITY;
  if (v === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number.NaN;
}

/**
 * The gauge rules declared by the definitions of a Glassbox instance, keyed by exposed
 * name (naming options applied), so aggregation follows the catalog under any naming.
 */
export function gaugeRules(glassbox: Glassbox | undefined): Map<string, SnapshotRule> {
  const rules = new Map<string, SnapshotRule>();
  if (glassbox === undefined) return rules;
  for (const def of glassbox.definitions()) {
    if (def.kind === 'gauge' && def.aggregate !== undefined) rules.set(def.name, def.aggregate);
  }
  return rules;
}

/** Label names of a family's points, aligned: one slot per name, in order of first appearance. */
class LabelSlots {
  readonly names: string[];
  private readonly index = new Map<string, number>();
  constructor(initial: readonly string[]) {
    this.names = [...initial];
    for (let i = 0; i < initial.length; i++) this.index.set(initial[i] as string, i);
  }
  /** The last label-name array seen and its slots (sources share one array per label shape). */
  private lastOwn: readonly string[] | undefined;
  private lastSlots: number[] = [];
  /** The point's label values aligned to {@link names} (`null` where it has no such label). */
  align(family: MetricFamily, p: MetricPoint): Array<string | null> {
    const own = p.labelNames;
    if (own === undefined || own === family.labelNames) return Array.from(p.labelValues, String);
    const slots = own === this.lastOwn ? this.lastSlots : this.slotsOf(own);
    const out: Array<string | null> = [];
    for (let j = 0; j < own.length; j++) {
      const i = slots[j] as number;
      while (out.length <= i) out.push(null);
      out[i] = String(p.labelValues[j]);
    }
    return out;
  }
  private slotsOf(own: readonly string[]): number[] {
    const slots = own.map((name) => {
      let i = this.index.get(name);
      if (i === undefined) {
        i = this.names.length;
        this.names.push(name);
        this.index.set(name, i);
      }
      return i;
    });
    this.lastOwn = own;
    this.lastSlots = slots;
    return slots;
  }
}

/** Cumulative counts (one per bound, then `+Inf`) from a point's per-bucket counts. */
function cumulativeCounts(p: MetricPoint, buckets: number): number[] {
  const counts = p.bucketCounts;
  const out = new Array<number>(buckets);
  let total = 0;
  for (let i = 0; i < buckets; i++) {
    total += counts?.[i] ?? 0;
    out[i] = total;
  }
  return out;
}

function encodeExemplar(e: Exemplar): SnapshotExemplar {
  return [{ ...e.labels }, e.value, e.timestamp ?? null];
}

/** A histogram's exemplars, one slot per bucket; undefined when it has none. */
function bucketExemplars(p: MetricPoint, buckets: number): Array<SnapshotExemplar | null> | undefined {
  const exemplars = p.exemplars;
  if (exemplars === undefined) return undefined;
  let out: Array<SnapshotExemplar | null> | undefined;
  for (let i = 0; i < buckets; i++) {
    const e = exemplars[i];
    if (e === undefined) continue;
    out ??= new Array<SnapshotExemplar | null>(buckets).fill(null);
    out[i] = encodeExemplar(e);
  }
  return out;
}

/** One point as a snapshot series of a family of `type` with `buckets` buckets. */
function pointSeries(
  type: SnapshotMetric['t'],
  values: Array<string | null>,
  p: MetricPoint,
  buckets: number,
): ScalarSeries | DistributionSeries {
  if (type === 'histogram') {
    const series: DistributionSeries = [values, encodeValue(p.sum ?? 0), cumulativeCounts(p, buckets)];
    const exemplars = bucketExemplars(p, buckets);
    if (exemplars !== undefined) series.push(exemplars);
    return series;
  }
  if (type === 'summary') return [values, encodeValue(p.sum ?? 0), [p.value]];
  const series: ScalarSeries = [values, encodeValue(p.value)];
  const exemplar = type === 'counter' ? p.exemplars?.[0] : undefined;
  if (exemplar !== undefined) series.push(encodeExemplar(exemplar));
  return series;
}

function seriesOf(f: MetricFamily, slots: LabelSlots): Array<ScalarSeries | DistributionSeries> {
  const out: Array<ScalarSeries | DistributionSeries> = [];
  const buckets = (f.bounds?.length ?? 0) + 1;
  const type = f.type as SnapshotMetric['t'];
  for (const p of f.points) out.push(pointSeries(type, slots.align(f, p), p, buckets));
  // Series read before a label appeared get trailing nulls.
  const width = slots.names.length;
  for (const s of out) while (s[0].length < width) s[0].push(null);
  return out;
}

/**
 * Converts metric families into a compact snapshot. Gauges take their rule from `rules`
 * (Glassbox definitions by exposed name), then from the family's `aggregate`; counters,
 * histograms and summaries are always summed (summary quantiles are left out: they
 * cannot be combined). Families of other types (`info`, `unknown`) are skipped.
 */
export function snapshotFromFamilies(
  families: readonly MetricFamily[],
  rules: ReadonlyMap<string, SnapshotRule> = new Map(),
): SnapshotMetric[] {
  const out: SnapshotMetric[] = [];
  for (const f of families) {
    const t = f.type;
    if (t !== 'counter' && t !== 'gauge' && t !== 'histogram' && t !== 'summary') continue;
    const slots = new LabelSlots(f.labelNames);
    const m: SnapshotMetric = { n: f.name, h: f.help, t, k: slots.names, s: seriesOf(f, slots) };
    if (t === 'histogram') m.b = [...(f.bounds ?? [])];
    const rule = t === 'gauge' ? (rules.get(f.name) ?? f.aggregate) : undefined;
    if (rule !== undefined) m.a = rule;
    out.push(m);
  }
  return out;
}

/**
 * Merged families as a snapshot that keeps each point's own label order and the order of
 * the points: a new entry starts wherever the label names change (merging the entries
 * again gives back the same families). Used to answer a scrape that reached a worker, so
 * it renders exactly what the primary renders.
 */
export function snapshotOfMerged(families: readonly MetricFamily[]): SnapshotMetric[] {
  const out: SnapshotMetric[] = [];
  for (const f of families) {
    const t = f.type;
    if (t !== 'counter' && t !== 'gauge' && t !== 'histogram' && t !== 'summary') continue;
    const buckets = (f.bounds?.length ?? 0) + 1;
    let current: SnapshotMetric | undefined;
    let signature: string | undefined;
    for (const p of f.points) {
      const names = p.labelNames ?? f.labelNames;
      const sig = names.join('\u0000');
      if (current === undefined || sig !== signature) {
        current = { n: f.name, h: f.help, t, k: [...names], s: [] };
        if (t === 'histogram') current.b = [...(f.bounds ?? [])];
        out.push(current);
        signature = sig;
      }
      current.s.push(pointSeries(t, Array.from(p.labelValues, String), p, buckets));
    }
    // a family without points still shows its HELP and TYPE
    if (current === undefined)
      out.push({
        n: f.name,
        h: f.help,
        t,
        k: [...f.labelNames],
        s: [],
        ...(t === 'histogram' ? { b: [...(f.bounds ?? [])] } : {}),
      });
  }
  return out;
}

/** prom-client's `aggregator` field of each gauge, where it names a rule. */
function aggregatorRules(metrics: readonly PromMetricJson[]): Map<string, SnapshotRule> {
  const rules = new Map<string, SnapshotRule>();
  for (const m of metrics) {
    const aggregator = (m as { readonly aggregator?: unknown }).aggregator;
    if (m.type === 'gauge' && typeof aggregator === 'string' && SNAPSHOT_RULES.has(aggregator))
      rules.set(m.name, aggregator as SnapshotRule);
  }
  return rules;
}

/**
 * Converts prom-client's `getMetricsAsJSON()` output (entries read as core's
 * `PromMetricJson`; typed `object` because prom-client declares `type` as an enum)
 * into a compact snapshot, through core's `familiesFromPromJson`. Gauges take their
 * rule from `rules` (Glassbox definitions) and otherwise from prom-client's
 * `aggregator` field.
 */
export function snapshotFromPromJson(
  metrics: readonly object[],
  rules: ReadonlyMap<string, SnapshotRule> = new Map(),
): SnapshotMetric[] {
  const valid = (metrics as readonly PromMetricJson[]).filter(
    (m) => m !== null && typeof m === 'object' && typeof m.name === 'string',
  );
  const merged = aggregatorRules(valid);
  for (const [name, rule] of rules) merged.set(name, rule);
  return snapshotFromFamilies(familiesFromPromJson(valid), merged);
}

/** Snapshots a prom-client registry, with the gauge rules of a Glassbox instance. */
export async function snapshotRegistry(
  registry: ClusterRegistryLike,
  glassbox?: Glassbox,
): Promise<SnapshotMetric[]> {
  return snapshotFromPromJson(await registry.getMetricsAsJSON(), gaugeRules(glassbox));
}

/**
 * Snapshots any metrics source (the native backend, the OpenTelemetry source, ...) from
 * its families, with the gauge rules of a Glassbox instance.
 */
export async function snapshotSource(source: MetricsSource, glassbox?: Glassbox): Promise<SnapshotMetric[]> {
  return snapshotFromFamilies(await source.collect(), gaugeRules(glassbox));
}
