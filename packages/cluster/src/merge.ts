/**
 * Merging snapshots of several processes into one exposition: counters, histograms
 * (bucket by bucket) and summaries (sum and count) are summed; gauges follow their
 * declared rule. Pure functions, no I/O: the primary calls them after the workers
 * answered, and users with their own transport (PM2's bus, a sidecar) can call them too.
 */
import type { ExpositionFormat } from '@glassbox/exporter';
import {
  type DistributionSeries,
  decodeValue,
  type ScalarSeries,
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

interface MergedSeries {
  readonly names: readonly string[];
  readonly values: readonly string[];
  value: number;
  /** Number of values folded in (for `average`). */
  n: number;
  sum: number;
  counts: number[] | undefined;
}

/** One merged metric family. */
export interface MergedFamily {
  readonly name: string;
  readonly help: string;
  readonly type: SnapshotMetric['t'];
  readonly rule: SnapshotRule;
  bounds: number[];
  readonly series: Map<string, MergedSeries>;
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

function presentLabels(
  names: readonly string[],
  values: ReadonlyArray<string | null>,
): { names: string[]; values: string[] } {
  const outNames: string[] = [];
  const outValues: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    outNames.push(names[i] as string);
    outValues.push(v);
  }
  return { names: outNames, values: outValues };
}

function resolveRule(m: SnapshotMetric): SnapshotRule {
  if (m.t !== 'gauge') return 'sum';
  return m.a ?? 'sum';
}

/**
 * Merges the snapshots of several processes. Families appear in the order they are
 * first seen (pass participants in a stable order: primary first, then workers by id);
 * within a family, series too.
 */
export function mergeSnapshots(parts: readonly Participant[], options: MergeOptions = {}): MergedFamily[] {
  const workerLabel = options.workerLabel ?? MERGE_DEFAULTS.workerLabel;
  const families = new Map<string, MergedFamily>();
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
        family = {
          name: m.n,
          help: typeof m.h === 'string' ? m.h : '',
          type: m.t,
          rule: resolveRule(m),
          bounds: m.t === 'histogram' ? [...(m.b ?? [])] : [],
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
      const names = [...(m.k ?? [])];
      const perWorker = family.type === 'gauge' && family.rule === 'worker';
      let workerSlot = -1;
      if (perWorker) {
        workerSlot = names.indexOf(workerLabel);
        if (workerSlot < 0) {
          workerSlot = names.length;
          names.push(workerLabel);
        }
      }
      const order = names
        .map((_, i) => i)
        .sort((x, y) => ((names[x] as string) < (names[y] as string) ? -1 : 1));

      let incomingBounds: readonly number[] | undefined;
      if (family.type === 'histogram') {
        const b = m.b ?? [];
        if (!sameBounds(family.bounds, b)) {
          conflict(m.n, 'bucket bounds differ across workers; merged on the union of bounds');
          const union = unionBounds(family.bounds, b);
          if (!sameBounds(union, family.bounds)) {
            for (const s of family.series.values()) {
              if (s.counts !== undefined) s.counts = remapCounts(s.counts, family.bounds, union);
            }
            family.bounds = union;
          }
          incomingBounds = b;
        }
      }

      for (const raw of m.s) {
        if (!Array.isArray(raw) || !Array.isArray(raw[0])) continue;
        let values = raw[0];
        if (perWorker) {
          values = [...values];
          while (values.length < names.length) values.push(null);
          values[workerSlot] = part.worker;
        }
        const key = seriesKey(names, values, order);
        let s = family.series.get(key);
        const fresh = s === undefined;
        if (family.type === 'histogram' || family.type === 'summary') {
          const d = raw as DistributionSeries;
          let counts = Array.isArray(d[2]) ? d[2] : [];
          if (incomingBounds !== undefined) counts = remapCounts(counts, incomingBounds, family.bounds);
          const sum = decodeValue(d[1]);
          if (s === undefined) {
            const labels = presentLabels(names, values);
            s = { names: labels.names, values: labels.values, value: 0, n: 1, sum, counts: [...counts] };
            family.series.set(key, s);
          } else {
            s.sum += sum;
            const target = s.counts ?? [];
            for (let i = 0; i < counts.length; i++) target[i] = (target[i] ?? 0) + (counts[i] ?? 0);
            s.counts = target;
          }
          continue;
        }
        const v = decodeValue((raw as ScalarSeries)[1]);
        if (s === undefined) {
          const labels = presentLabels(names, values);
          s = { names: labels.names, values: labels.values, value: v, n: 1, sum: 0, counts: undefined };
          family.series.set(key, s);
        }
        if (fresh) continue;
        switch (family.rule) {
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
    }
  }
  const out = [...families.values()].filter((f) => f.rule !== 'omit');
  for (const f of out) {
    if (f.rule === 'average') for (const s of f.series.values()) s.value = s.value / s.n;
  }
  return out;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function escapeHelp(text: string, openMetrics: boolean): string {
  const s = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return openMetrics ? s.replace(/"/g, '\\"') : s;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelInner(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++) {
    out += `${i === 0 ? '' : ','}${names[i]}="${escapeLabel(values[i] as string)}"`;
  }
  return out;
}

/**
 * Renders merged families in the Prometheus text format (0.0.4) or OpenMetrics 1.0.0
 * (without the final `# EOF`, which the exporter adds). Counters keep their `_total`
 * samples; in OpenMetrics the family name drops it, as the format requires.
 */
export function renderFamilies(families: readonly MergedFamily[], format: ExpositionFormat): string {
  const om = format === 'openmetrics';
  const lines: string[] = [];
  for (const f of families) {
    const familyName = om && f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
    lines.push(`# HELP ${familyName} ${escapeHelp(f.help, om)}`);
    lines.push(`# TYPE ${familyName} ${f.type}`);
    const sample = om && f.type === 'counter' ? `${familyName}_total` : f.name;
    const les = f.type === 'histogram' ? [...f.bounds.map(formatValue), '+Inf'].map((b) => `le="${b}"`) : [];
    for (const s of f.series.values()) {
      const inner = labelInner(s.names, s.values);
      const braces = inner === '' ? '' : `{${inner}}`;
      if (f.type === 'counter' || f.type === 'gauge') {
        lines.push(`${sample}${braces} ${formatValue(s.value)}`);
        continue;
      }
      const counts = s.counts ?? [];
      const total = counts[counts.length - 1] ?? 0;
      if (f.type === 'histogram') {
        const prefix = `${f.name}_bucket{${inner}${inner === '' ? '' : ','}`;
        for (let i = 0; i < les.length - 1; i++)
          lines.push(`${prefix}${les[i]}} ${formatValue(counts[i] ?? 0)}`);
        lines.push(`${prefix}${les[les.length - 1]}} ${formatValue(total)}`);
      }
      lines.push(`${f.name}_sum${braces} ${formatValue(s.sum)}`);
      lines.push(`${f.name}_count${braces} ${formatValue(total)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
