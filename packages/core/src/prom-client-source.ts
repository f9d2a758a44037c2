/**
 * A prom-client (or `@prometheus-io/client`) registry as a {@link MetricsSource}: its
 * JSON view (`registry.getMetricsAsJSON()`) turned into metric families, so the
 * exporter renders a registry exactly as it renders the native backend.
 */
import type { Exemplar, FamilyType, MetricFamily, MetricPoint, MetricsSource } from './families.js';
import type { PromRegistryLike } from './prom-client-backend.js';

/** One metric as prom-client's `registry.getMetricsAsJSON()` returns it. */
export interface PromMetricJson {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly values: ReadonlyArray<{
    readonly value: number;
    readonly labels: Readonly<Record<string, string | number | undefined>>;
    readonly metricName?: string | undefined;
    readonly exemplar?: {
      labelSet?: Record<string, string | number>;
      value?: number;
      timestamp?: number;
    } | null;
  }>;
}

type PromValue = PromMetricJson['values'][number];

const TYPES = new Set<FamilyType>(['counter', 'gauge', 'histogram', 'summary', 'info']);

function toFamilyType(type: string): FamilyType {
  return TYPES.has(type as FamilyType) ? (type as FamilyType) : 'unknown';
}

interface Grouped {
  readonly names: string[];
  readonly values: string[];
}

/**
 * Splits a label record into names and values, leaving out `skip` (`le`, `quantile`).
 * `previous` is the last split's result: when the names are the same, its names array
 * is shared (one array per label shape instead of one per series).
 */
function split(labels: PromValue['labels'], skip?: string, previous?: Grouped): Grouped {
  const names: string[] = [];
  const values: string[] = [];
  for (const key in labels) {
    const v = labels[key];
    if (key === skip || v === undefined) continue;
    names.push(key);
    values.push(String(v));
  }
  return {
    names: previous !== undefined && sameNames(previous.names, names) ? previous.names : names,
    values,
  };
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether `labels` (without `skip`) are exactly the group's labels, in the same order.
 * prom-client lists a series' buckets, `_sum` and `_count` one after another, so most
 * entries belong to the group before them: this check needs no allocation.
 */
function sameLabels(labels: PromValue['labels'], g: Grouped, skip: string): boolean {
  let i = 0;
  for (const key in labels) {
    const v = labels[key];
    if (key === skip || v === undefined) continue;
    if (g.names[i] !== key) return false;
    const own = g.values[i];
    if (own !== v && own !== String(v)) return false;
    i++;
  }
  return i === g.names.length;
}

function keyOf(g: Grouped): string {
  let key = '';
  for (let i = 0; i < g.names.length; i++) key += `${g.names[i]}\u0000${g.values[i]}\u0001`;
  return key;
}

function exemplarOf(e: PromValue['exemplar']): Exemplar | undefined {
  if (e === null || e === undefined || e.labelSet === undefined || typeof e.value !== 'number')
    return undefined;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.labelSet)) labels[k] = String(v);
  if (Object.keys(labels).length === 0) return undefined;
  return {
    labels,
    value: e.value,
    // prom-client stamps exemplars in seconds (`Date.now() / 1000`), as OpenMetrics wants.
    timestamp: typeof e.timestamp === 'number' ? e.timestamp : undefined,
  };
}

interface Building {
  readonly g: Grouped;
  readonly cumulative: number[];
  readonly exemplars: Array<Exemplar | undefined>;
  sum: number;
  count: number;
}

/** Histograms and summaries: one point per label set, from the `_bucket`/quantile, `_sum` and `_count` entries. */
function distributionFamily(m: PromMetricJson, type: 'histogram' | 'summary'): MetricFamily {
  const skip = type === 'histogram' ? 'le' : 'quantile';
  const groups = new Map<string, Building>();
  const marks: number[] = [];
  const seenMark = new Set<number>();
  let b: Building | undefined;
  for (const v of m.values) {
    if (b === undefined || !sameLabels(v.labels, b.g, skip)) {
      const g = split(v.labels, skip, b?.g);
      const key = keyOf(g);
      b = groups.get(key);
      if (b === undefined) {
        b = { g, cumulative: [], exemplars: [], sum: 0, count: 0 };
        groups.set(key, b);
      }
    }
    const metricName = v.metricName ?? m.name;
    if (metricName.endsWith('_sum')) b.sum = v.value;
    else if (metricName.endsWith('_count')) b.count = v.value;
    else {
      const raw = v.labels[skip];
      const mark = raw === '+Inf' ? Number.POSITIVE_INFINITY : Number(raw);
      if (!seenMark.has(mark) && mark !== Number.POSITIVE_INFINITY) {
        seenMark.add(mark);
        marks.push(mark);
      }
      if (mark !== Number.POSITIVE_INFINITY || type === 'summary') b.cumulative.push(v.value);
      if (type === 'histogram') b.exemplars.push(exemplarOf(v.exemplar));
    }
  }
  const points: MetricPoint[] = [];
  for (const b of groups.values()) {
    const base = { labelValues: b.g.values, labelNames: b.g.names, value: b.count, sum: b.sum };
    if (type === 'summary') {
      points.push({ ...base, quantileValues: b.cumulative });
      continue;
    }
    const counts = new Array<number>(b.cumulative.length + 1);
    let previous = 0;
    for (let i = 0; i < b.cumulative.length; i++) {
      const c = b.cumulative[i] as number;
      counts[i] = c - previous;
      previous = c;
    }
    counts[b.cumulative.length] = b.count - previous;
    const exemplars = b.exemplars.some((e) => e !== undefined) ? b.exemplars : undefined;
    points.push({ ...base, bucketCounts: counts, exemplars });
  }
  return {
    name: m.name,
    type,
    help: m.help,
    labelNames: [],
    ...(type === 'histogram' ? { bounds: marks } : { quantiles: marks }),
    points,
  };
}

/** Converts prom-client's JSON view of a registry to metric families. */
export function familiesFromPromJson(metrics: readonly PromMetricJson[]): MetricFamily[] {
  const out: MetricFamily[] = [];
  for (const m of metrics) {
    const type = toFamilyType(m.type);
    if (type === 'histogram' || type === 'summary') {
      out.push(distributionFamily(m, type));
      continue;
    }
    let previous: Grouped | undefined;
    out.push({
      name: m.name,
      type,
      help: m.help,
      labelNames: [],
      points: m.values.map((v) => {
        const g = split(v.labels, undefined, previous);
        previous = g;
        const exemplar = exemplarOf(v.exemplar);
        return {
          labelValues: g.values,
          labelNames: g.names,
          value: v.value,
          exemplars: exemplar === undefined ? undefined : [exemplar],
        };
      }),
    });
  }
  return out;
}

/** A registry as `getMetricsAsJSON` needs it. */
interface JsonRegistry extends PromRegistryLike {
  getMetricsAsJSON(): Promise<PromMetricJson[]> | PromMetricJson[];
}

/**
 * A {@link MetricsSource} over a prom-client (or `@prometheus-io/client`) registry, for
 * `/metrics` (your own metrics, or Glassbox's on the prom-client backend). The exporter
 * renders it in both formats, so the registry keeps prom-client's default content type.
 */
export function promClientSource(registry: PromRegistryLike): MetricsSource {
  const r = registry as Partial<JsonRegistry> | null;
  if (r === null || typeof r !== 'object' || typeof r.getMetricsAsJSON !== 'function')
    throw new TypeError('Glassbox: expected a prom-client Registry (with getMetricsAsJSON)');
  if (String(r.contentType).startsWith('application/openmetrics-text'))
    throw new TypeError(
      'Glassbox: pass a registry with the default (Prometheus text) content type; OpenMetrics is negotiated per request',
    );
  const json = r.getMetricsAsJSON.bind(registry);
  return { collect: async () => familiesFromPromJson(await json()) };
}
