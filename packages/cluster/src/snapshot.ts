/**
 * The compact snapshot a process sends for aggregation: one entry per metric, label
 * values as arrays aligned to one list of label names, histograms as one cumulative
 * count array per series. It is plain JSON, so it crosses the cluster IPC channel with
 * either serialization, and it is a fraction of the size of `getMetricsAsJSON()`.
 */
import type { GaugeAggregation, Glassbox, NativeBackend } from '@glassbox/core';

/** A sample value: a finite number, or `'NaN'`, `'+Inf'`, `'-Inf'` (JSON has no such numbers). */
export type SnapshotValue = number | string;

/**
 * How a gauge is combined: the Glassbox rules (`sum`, `max`, `min`, `worker`) and, for
 * metrics not created by Glassbox, prom-client's `aggregator` names (`first`, `average`,
 * `omit` as well).
 */
export type SnapshotRule = GaugeAggregation | 'first' | 'average' | 'omit';

/** A counter or gauge series: label values (aligned to the metric's `k`, `null` when absent) and the value. */
export type ScalarSeries = [values: Array<string | null>, value: SnapshotValue];
/**
 * A histogram or summary series: label values, the sum, and cumulative counts (one
 * per bucket bound then `+Inf`; for a summary just `[count]`).
 */
export type DistributionSeries = [values: Array<string | null>, sum: SnapshotValue, counts: number[]];

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

/** The shape of one entry of prom-client's `registry.getMetricsAsJSON()`. */
export interface PromMetricJSON {
  readonly name: string;
  readonly help: string;
  /** `'counter'`, `'gauge'`, `'histogram'`, `'summary'` at run time (prom-client's types say enum). */
  readonly type: unknown;
  readonly aggregator?: string;
  readonly values?: ReadonlyArray<{
    readonly value: number;
    readonly labels?: Readonly<Partial<Record<string, string | number>>>;
    readonly metricName?: string | undefined;
  }>;
}

/** A registry that can be snapshotted: prom-client's (or `@prometheus-io/client`'s) `Registry`. */
export interface ClusterRegistryLike {
  getMetricsAsJSON(): Promise<readonly PromMetricJSON[]> | readonly PromMetricJSON[];
}

const RULES = new Set<string>(['sum', 'max', 'min', 'worker', 'first', 'average', 'omit']);

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

interface LabelIndex {
  readonly names: string[];
  readonly index: Map<string, number>;
}

function labelIndex(): LabelIndex {
  return { names: [], index: new Map() };
}

function slot(idx: LabelIndex, name: string): number {
  let i = idx.index.get(name);
  if (i === undefined) {
    i = idx.names.length;
    idx.names.push(name);
    idx.index.set(name, i);
  }
  return i;
}

function alignedValues(
  idx: LabelIndex,
  labels: Readonly<Partial<Record<string, string | number>>> | undefined,
  skip: string | undefined,
): Array<string | null> {
  const out: Array<string | null> = [];
  if (labels === undefined) return out;
  for (const name in labels) {
    if (name === skip) continue;
    const value = labels[name];
    if (value === undefined) continue;
    const i = slot(idx, name);
    while (out.length <= i) out.push(null);
    out[i] = String(value);
  }
  return out;
}

function pad(series: Array<ScalarSeries | DistributionSeries>, width: number): void {
  for (const s of series) while (s[0].length < width) s[0].push(null);
}

function scalarMetric(m: PromMetricJSON, rule: SnapshotRule | undefined): SnapshotMetric {
  const idx = labelIndex();
  const series: ScalarSeries[] = [];
  for (const v of m.values ?? [])
    series.push([alignedValues(idx, v.labels, undefined), encodeValue(v.value)]);
  pad(series, idx.names.length);
  const out: SnapshotMetric = {
    n: m.name,
    h: m.help,
    t: m.type as 'counter' | 'gauge',
    k: idx.names,
    s: series,
  };
  if (m.type === 'gauge' && rule !== undefined) out.a = rule;
  return out;
}

function keyOf(values: ReadonlyArray<string | null>): string {
  let key = '';
  for (const v of values) key += v === null ? '\u0002\u0001' : `${v}\u0001`;
  return key;
}

function histogramMetric(m: PromMetricJSON): SnapshotMetric {
  const idx = labelIndex();
  const bucketName = `${m.name}_bucket`;
  const sumName = `${m.name}_sum`;
  const countName = `${m.name}_count`;
  interface Acc {
    values: Array<string | null>;
    sum: number;
    count: number;
    buckets: Map<number, number>;
  }
  const byKey = new Map<string, Acc>();
  const bounds = new Set<number>();
  for (const v of m.values ?? []) {
    const values = alignedValues(idx, v.labels, 'le');
    const key = keyOf(values);
    let acc = byKey.get(key);
    if (acc === undefined) {
      acc = { values, sum: 0, count: 0, buckets: new Map() };
      byKey.set(key, acc);
    }
    if (v.metricName === bucketName) {
      const le = Number(v.labels?.le);
      if (Number.isFinite(le)) {
        bounds.add(le);
        acc.buckets.set(le, v.value);
      }
    } else if (v.metricName === sumName) acc.sum = v.value;
    else if (v.metricName === countName) acc.count = v.value;
  }
  const b = [...bounds].sort((x, y) => x - y);
  const series: DistributionSeries[] = [];
  for (const acc of byKey.values()) {
    const counts: number[] = [];
    let last = 0;
    for (const le of b) {
      const c = acc.buckets.get(le);
      last = c === undefined ? last : c;
      counts.push(last);
    }
    counts.push(acc.count);
    series.push([acc.values, encodeValue(acc.sum), counts]);
  }
  // Series created before a label appeared get trailing nulls; keys were built before
  // padding, which is consistent because padding only appends nulls.
  pad(series, idx.names.length);
  return { n: m.name, h: m.help, t: 'histogram', k: idx.names, b, s: series };
}

function summaryMetric(m: PromMetricJSON): SnapshotMetric {
  // Quantiles cannot be combined across processes; the sum and count can.
  const idx = labelIndex();
  const sumName = `${m.name}_sum`;
  const countName = `${m.name}_count`;
  const byKey = new Map<string, DistributionSeries>();
  for (const v of m.values ?? []) {
    if (v.metricName !== sumName && v.metricName !== countName) continue;
    const values = alignedValues(idx, v.labels, 'quantile');
    const key = keyOf(values);
    let s = byKey.get(key);
    if (s === undefined) {
      s = [values, 0, [0]];
      byKey.set(key, s);
    }
    if (v.metricName === sumName) s[1] = encodeValue(v.value);
    else s[2][0] = v.value;
  }
  const series = [...byKey.values()];
  pad(series, idx.names.length);
  return { n: m.name, h: m.help, t: 'summary', k: idx.names, s: series };
}

/**
 * Converts prom-client's `getMetricsAsJSON()` output into a compact snapshot. Gauges
 * take their rule from `rules` (Glassbox definitions) and otherwise from prom-client's
 * `aggregator` field; counters, histograms and summaries are always summed. Metric
 * types other than these are skipped.
 */
export function snapshotFromPromJSON(
  metrics: readonly PromMetricJSON[],
  rules: ReadonlyMap<string, SnapshotRule> = new Map(),
): SnapshotMetric[] {
  const out: SnapshotMetric[] = [];
  for (const m of metrics) {
    if (m === null || typeof m !== 'object' || typeof m.name !== 'string') continue;
    switch (m.type) {
      case 'counter':
        out.push(scalarMetric(m, undefined));
        break;
      case 'gauge': {
        const declared = rules.get(m.name);
        const fallback =
          typeof m.aggregator === 'string' && RULES.has(m.aggregator) ? m.aggregator : undefined;
        out.push(scalarMetric(m, declared ?? (fallback as SnapshotRule | undefined)));
        break;
      }
      case 'histogram':
        out.push(histogramMetric(m));
        break;
      case 'summary':
        out.push(summaryMetric(m));
        break;
      default:
        break;
    }
  }
  return out;
}

/** Snapshots a prom-client registry, with the gauge rules of a Glassbox instance. */
export async function snapshotRegistry(
  registry: ClusterRegistryLike,
  glassbox?: Glassbox,
): Promise<SnapshotMetric[]> {
  return snapshotFromPromJSON(await registry.getMetricsAsJSON(), gaugeRules(glassbox));
}

/** Snapshots an in-memory backend (the primary's own cluster metrics when no registry is given). */
export function snapshotInMemory(backend: NativeBackend): SnapshotMetric[] {
  const out: SnapshotMetric[] = [];
  for (const name of backend.metricNames()) {
    const def = backend.definition(name);
    if (def === undefined) continue;
    const k = [...def.labelNames];
    const series = backend.series(name);
    if (def.kind === 'histogram') {
      const s: DistributionSeries[] = series.map((x) => [
        k.map((l) => x.labels[l] ?? null),
        encodeValue(x.distribution?.sum ?? 0),
        (x.distribution?.buckets ?? []).map((b) => b.count),
      ]);
      out.push({ n: name, h: def.help, t: 'histogram', k, b: [...(def.buckets ?? [])], s });
    } else {
      const s: ScalarSeries[] = series.map((x) => [k.map((l) => x.labels[l] ?? null), encodeValue(x.value)]);
      const m: SnapshotMetric = { n: name, h: def.help, t: def.kind, k, s };
      if (def.kind === 'gauge' && def.aggregate !== undefined) m.a = def.aggregate;
      out.push(m);
    }
  }
  return out;
}
