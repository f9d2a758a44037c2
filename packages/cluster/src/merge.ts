/**
 * Merging snapshots of several processes into metric families (core's data model, which
 * the exporter renders): counters, histograms (bucket by bucket) and summaries (sum and
 * count) are summed; gauges follow their declared rule; of the processes' exemplars the
 * latest per counter series and per histogram bucket is kept. Pure functions, no I/O: the
 * primary calls them after the workers answered, and users with their own transport
 * (PM2's bus, a sidecar) can call them too.
 */
import type { Exemplar, MetricFamily, MetricPoint } from '@glassbox/core';
import {
  type DistributionSeries,
  decodeValue,
  type ScalarSeries,
  type SnapshotExemplar,
  type SnapshotMetric,
  type SnapshotRule,
} from './snapshot.js';

/** The snapshot of one process, with the label value that names it for per-worker gauges. */
export interface Participant {
  /** Worker label value (`'1'`, `'2'`, ... for cluster workers; `'primary'` for the primary). */
  readonly worker: string;
  readonly metrics: readonly SnapshotMetric[];
}

/** Options of {@link mergeSnapshots}. */
export interface MergeOptions {
  /** Label added to gauges whose rule is `worker`. @default 'worker' */
  readonly workerLabel?: string;
  /** Called once per metric and problem (type clash, differing buckets); never throws into the merge. @default undefined */
  readonly onConflict?: (metric: string, problem: string) => void;
}

/** Defaults of {@link MergeOptions}. */
export const MERGE_DEFAULTS = Object.freeze({ workerLabel: 'worker' });

/**
 * One merged metric family: a {@link MetricFamily} whose points carry their own label
 * names (processes may label a metric differently), plus the rule it was merged by.
 */
export interface MergedFamily extends MetricFamily {
  readonly type: SnapshotMetric['t'];
  readonly rule: SnapshotRule;
  /** Always empty: each point has its own `labelNames`. */
  readonly labelNames: readonly string[];
  /** Histogram upper bounds (the union of the processes' bounds); empty for other types. */
  readonly bounds: readonly number[];
  readonly points: readonly MetricPoint[];
}

/** A merged series while merging; it becomes the point itself. */
interface Acc {
  readonly labelNames: readonly string[];
  readonly labelValues: readonly string[];
  value: number;
  /** Number of values folded in (for `average`). */
  n: number;
  sum: number;
  /** Histograms and summaries: cumulative counts while merging. */
  counts: number[] | undefined;
  /** Histograms: per-bucket counts, set when the merge finishes. */
  bucketCounts?: number[];
  /** Counters: the latest exemplar; histograms: the latest per bucket, set when the merge finishes. */
  exemplars?: Array<Exemplar | undefined>;
  /** Histograms: the processes' exemplars while merging (placed by value at the end, when the bounds are final). */
  candidates?: Exemplar[];
}

interface Building {
  readonly name: string;
  readonly help: string;
  readonly type: SnapshotMetric['t'];
  readonly rule: SnapshotRule;
  bounds: number[];
  readonly series: Map<string, Acc>;
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function unionBounds(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set([...a, ...b])].sort((x, y) => x - y);
}

/**
 * Re-expresses cumulative counts over other bounds: the count at a target bound is the
 * count at the largest source bound not above it (exact when the source has that bound,
 * a lower estimate otherwise, always monotonic); `+Inf` keeps the total.
 */
export function remapCounts(
  counts: readonly number[],
  from: readonly number[],
  to: readonly number[],
): number[] {
  const out = new Array<number>(to.length + 1);
  let i = -1;
  for (let j = 0; j < to.length; j++) {
    const target = to[j] as number;
    while (i + 1 < from.length && (from[i + 1] as number) <= target) i++;
    out[j] = i < 0 ? 0 : (counts[i] ?? 0);
  }
  out[to.length] = counts[from.length] ?? 0;
  return out;
}

function seriesKey(
  names: readonly string[],
  values: ReadonlyArray<string | null>,
  order: readonly number[],
): string {
  let key = '';
  for (let j = 0; j < order.length; j++) {
    const i = order[j] as number;
    const v = values[i];
    if (v === null || v === undefined) continue;
    key += `${names[i]}\u0000${v}\u0001`;
  }
  return key;
}

function newAcc(names: readonly string[], values: ReadonlyArray<string | null>, value: number): Acc {
  const labelNames: string[] = [];
  const labelValues: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    labelNames.push(names[i] as string);
    labelValues.push(v);
  }
  return { labelNames, labelValues, value, n: 1, sum: 0, counts: undefined };
}

function combine(rule: SnapshotRule, s: Acc, v: number): void {
  switch (rule) {
    case 'max':
      s.value = Math.max(s.value, v);
      break;
    case 'min':
      s.value = Math.min(s.value, v);
      break;
    case 'first':
      break;
    case 'average':
      s.value += v;
      s.n++;
      break;
    default:
      // sum (counters always; gauges by rule); `worker` keys never collide across workers
      s.value += v;
  }
}

/** One metric of one process, folded into its family. */
interface Incoming {
  readonly m: SnapshotMetric;
  readonly worker: string;
  /** Label names, with the worker label appended for per-worker gauges. */
  readonly names: readonly string[];
  /** Slot of the worker label, or -1. */
  readonly workerSlot: number;
  /** Label slots in name order (series keys do not depend on label order). */
  readonly order: readonly number[];
  /** The process' own bounds when they differ from the family's. */
  readonly bounds: readonly number[] | undefined;
}

function decodeExemplar(x: SnapshotExemplar): Exemplar {
  return x[2] === null ? { labels: x[0], value: x[1] } : { labels: x[0], value: x[1], timestamp: x[2] };
}

/** Whether `a` was observed after `b` (an exemplar without a timestamp is the oldest). */
function later(a: Exemplar, b: Exemplar | undefined): boolean {
  return (
    b === undefined || (a.timestamp ?? Number.NEGATIVE_INFINITY) > (b.timestamp ?? Number.NEGATIVE_INFINITY)
  );
}

/** Keeps a histogram series' exemplars until the bounds are final. */
function collectExemplars(s: Acc, d: DistributionSeries): void {
  const slots = d[3];
  if (!Array.isArray(slots)) return;
  const candidates = s.candidates ?? [];
  for (const x of slots) if (Array.isArray(x)) candidates.push(decodeExemplar(x));
  if (candidates.length > 0) s.candidates = candidates;
}

/** Keeps a counter's exemplar when it is the latest. */
function counterExemplar(s: Acc, raw: ScalarSeries): void {
  const x = raw[2];
  if (!Array.isArray(x)) return;
  const e = decodeExemplar(x);
  if (later(e, s.exemplars?.[0])) s.exemplars = [e];
}

function addSeries(family: Building, inc: Incoming, raw: ScalarSeries | DistributionSeries): void {
  let values = raw[0];
  if (inc.workerSlot >= 0) {
    values = [...values];
    while (values.length < inc.names.length) values.push(null);
    values[inc.workerSlot] = inc.worker;
  }
  const key = seriesKey(inc.names, values, inc.order);
  let s = family.series.get(key);
  if (family.type === 'histogram' || family.type === 'summary') {
    const d = raw as DistributionSeries;
    let counts = Array.isArray(d[2]) ? d[2] : [];
    if (inc.bounds !== undefined) counts = remapCounts(counts, inc.bounds, family.bounds);
    const sum = decodeValue(d[1]);
    if (s === undefined) {
      s = newAcc(inc.names, values, 0);
      s.sum = sum;
      s.counts = [...counts];
      family.series.set(key, s);
    } else {
      s.sum += sum;
      const target = s.counts ?? [];
      for (let i = 0; i < counts.length; i++) target[i] = (target[i] ?? 0) + (counts[i] ?? 0);
      s.counts = target;
    }
    if (family.type === 'histogram') collectExemplars(s, d);
    return;
  }
  const v = decodeValue((raw as ScalarSeries)[1]);
  if (s === undefined) {
    s = newAcc(inc.names, values, v);
    family.series.set(key, s);
  } else combine(family.rule, s, v);
  if (family.type === 'counter') counterExemplar(s, raw as ScalarSeries);
}

/** Aligns a histogram family and an incoming metric on the union of their bounds. */
function alignBounds(
  family: Building,
  m: SnapshotMetric,
  conflict: (metric: string, problem: string) => void,
): readonly number[] | undefined {
  const b = m.b ?? [];
  if (sameBounds(family.bounds, b)) return undefined;
  conflict(m.n, 'bucket bounds differ across workers; merged on the union of bounds');
  const union = unionBounds(family.bounds, b);
  if (!sameBounds(union, family.bounds)) {
    for (const s of family.series.values()) {
      if (s.counts !== undefined) s.counts = remapCounts(s.counts, family.bounds, union);
    }
    family.bounds = union;
  }
  return b;
}

function incoming(
  family: Building,
  m: SnapshotMetric,
  worker: string,
  workerLabel: string,
  conflict: (metric: string, problem: string) => void,
): Incoming {
  const names = [...(m.k ?? [])];
  let workerSlot = -1;
  if (family.type === 'gauge' && family.rule === 'worker') {
    workerSlot = names.indexOf(workerLabel);
    if (workerSlot >= 0)
      conflict(
        m.n,
        `has a "${workerLabel}" label of its own, which the per-worker value replaces (choose another workerLabel, or rename the metric's label)`,
      );
    else {
      workerSlot = names.length;
      names.push(workerLabel);
    }
  }
  const order = names.map((_, i) => i).sort((x, y) => ((names[x] as string) < (names[y] as string) ? -1 : 1));
  const bounds = family.type === 'histogram' ? alignBounds(family, m, conflict) : undefined;
  return { m, worker, names, workerSlot, order, bounds };
}

/**
 * The latest exemplar of each bucket, every exemplar placed by its value in the final
 * bounds (the bucket that counts it; processes with other bounds included).
 */
function placeExemplars(s: Acc, bounds: readonly number[]): void {
  const candidates = s.candidates;
  if (candidates === undefined) return;
  delete s.candidates;
  const out = new Array<Exemplar | undefined>(bounds.length + 1);
  for (const e of candidates) {
    let i = 0;
    while (i < bounds.length && e.value > (bounds[i] as number)) i++;
    if (later(e, out[i])) out[i] = e;
  }
  s.exemplars = out;
}

/** The finished family: averages divided, histogram counts per bucket, exemplars placed. */
function finish(f: Building): MergedFamily {
  const points = [...f.series.values()];
  for (const s of points) {
    if (f.rule === 'average') s.value = s.value / s.n;
    const counts = s.counts;
    if (counts === undefined) continue;
    const total = counts[counts.length - 1] ?? 0;
    s.value = total;
    if (f.type !== 'histogram') continue;
    const per = new Array<number>(counts.length);
    let previous = 0;
    for (let i = 0; i < counts.length; i++) {
      per[i] = (counts[i] as number) - previous;
      previous = counts[i] as number;
    }
    s.bucketCounts = per;
    placeExemplars(s, f.bounds);
  }
  return {
    name: f.name,
    help: f.help,
    type: f.type,
    rule: f.rule,
    labelNames: [],
    bounds: f.type === 'histogram' ? f.bounds : [],
    ...(f.type === 'summary' ? { quantiles: [] } : {}),
    points,
  };
}

/**
 * Merges the snapshots of several processes into metric families, ready for the
 * exporter. Families appear in the order they are first seen (pass participants in a
 * stable order: primary first, then workers by id); within a family, series too.
 */
export function mergeSnapshots(parts: readonly Participant[], options: MergeOptions = {}): MergedFamily[] {
  const workerLabel = options.workerLabel ?? MERGE_DEFAULTS.workerLabel;
  const families = new Map<string, Building>();
  const reported = new Set<string>();
  const conflict = (metric: string, problem: string) => {
    const key = `${metric}\u0000${problem}`;
    if (reported.has(key)) return;
    reported.add(key);
    try {
      options.onConflict?.(metric, problem);
    } catch {
      // a broken callback must not break the merge
    }
  };
  for (const part of parts) {
    for (const m of part.metrics) {
      if (m === null || typeof m !== 'object' || typeof m.n !== 'string' || !Array.isArray(m.s)) continue;
      let family = families.get(m.n);
      if (family === undefined) {
        const rule = m.t === 'gauge' ? (m.a ?? 'sum') : 'sum';
        const bounds = m.t === 'histogram' ? [...(m.b ?? [])] : [];
        family = {
          name: m.n,
          help: typeof m.h === 'string' ? m.h : '',
          type: m.t,
          rule,
          bounds,
          series: new Map(),
        };
        families.set(m.n, family);
      } else if (family.type !== m.t) {
        conflict(
          m.n,
          `type ${m.t} in worker ${part.worker} differs from ${family.type}; that worker's series are dropped`,
        );
        continue;
      }
      if (family.rule === 'omit') continue;
      const inc = incoming(family, m, part.worker, workerLabel, conflict);
      for (const raw of m.s) if (Array.isArray(raw) && Array.isArray(raw[0])) addSeries(family, inc, raw);
    }
  }
  const out: MergedFamily[] = [];
  for (const f of families.values()) if (f.rule !== 'omit') out.push(finish(f));
  return out;
}
