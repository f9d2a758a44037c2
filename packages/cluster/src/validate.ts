/**
 * Validation of a snapshot that arrived from another process. A worker runs code the
 * primary does not control (a registry-like object, another version, a bug), and one
 * invalid name in the merged output makes the whole scrape unreadable for Prometheus.
 * So what is invalid is dropped on arrival — a metric when its name, type, label names
 * or bounds are invalid, a series when one of its own labels or its numbers are — and
 * every drop is reported, while the rest of the snapshot is merged as usual.
 */
import {
  type DistributionSeries,
  type ScalarSeries,
  SNAPSHOT_RULES,
  type SnapshotMetric,
} from './snapshot.js';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary']);

/** Why part of a snapshot was dropped (a fixed set, so reports stay bounded). */
export type SnapshotProblem =
  | 'not a metric'
  | 'invalid metric name'
  | 'unknown metric type'
  | 'invalid label names'
  | 'invalid aggregation rule'
  | 'histogram bounds must be finite and ascend'
  | 'series is malformed'
  | 'series has an invalid label name'
  | 'invalid sample value'
  | 'invalid bucket counts'
  | 'invalid exemplar';

/** Called once per dropped metric or series, with the metric name when it is readable. */
export type SnapshotProblemHandler = (problem: SnapshotProblem, metric: string) => void;

/** Label names, checked once per metric: per slot, whether a series may use it. */
function labelSlots(m: SnapshotMetric): boolean[] | undefined {
  if (!Array.isArray(m.k)) return undefined;
  const reserved = m.t === 'histogram' ? 'le' : m.t === 'summary' ? 'quantile' : undefined;
  const seen = new Set<string>();
  const ok: boolean[] = [];
  for (const name of m.k as unknown[]) {
    // A repeated name can never be rendered, whichever series uses it.
    if (typeof name !== 'string' || seen.has(name)) return undefined;
    seen.add(name);
    ok.push(LABEL_NAME.test(name) && !name.startsWith('__') && name !== reserved);
  }
  return ok;
}

function validBounds(b: unknown): boolean {
  if (!Array.isArray(b)) return false;
  for (let i = 0; i < b.length; i++) {
    const x = b[i] as unknown;
    if (typeof x !== 'number' || !Number.isFinite(x) || (i > 0 && x <= (b[i - 1] as number))) return false;
  }
  return true;
}

/** The problem of a metric as a whole, or undefined when its series can be checked. */
function metricProblem(m: SnapshotMetric): SnapshotProblem | undefined {
  if (m === null || typeof m !== 'object' || !Array.isArray(m.s) || typeof m.h !== 'string')
    return 'not a metric';
  if (typeof m.n !== 'string' || !METRIC_NAME.test(m.n)) return 'invalid metric name';
  if (!TYPES.has(m.t)) return 'unknown metric type';
  if (m.a !== undefined && (m.t !== 'gauge' || !SNAPSHOT_RULES.has(m.a))) return 'invalid aggregation rule';
  if (m.t === 'histogram' && !validBounds(m.b)) return 'histogram bounds must be finite and ascend';
  return undefined;
}

function validValue(v: unknown, counter: boolean): boolean {
  if (typeof v === 'number') return !counter || (Number.isFinite(v) && v >= 0);
  return !counter && (v === 'NaN' || v === '+Inf' || v === '-Inf');
}

/** Cumulative counts: finite, non-negative, never decreasing, one per bucket. */
function validCounts(counts: unknown, length: number): boolean {
  if (!Array.isArray(counts) || counts.length !== length) return false;
  let previous = 0;
  for (const c of counts as unknown[]) {
    if (typeof c !== 'number' || !Number.isFinite(c) || c < previous) return false;
    previous = c;
  }
  return true;
}

/** The problem of one series, or undefined when it is valid. */
function seriesProblem(
  m: SnapshotMetric,
  slots: readonly boolean[],
  raw: unknown,
): SnapshotProblem | undefined {
  if (!Array.isArray(raw) || !Array.isArray(raw[0]) || raw[0].length > slots.length)
    return 'series is malformed';
  const values = raw[0] as unknown[];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) continue;
    if (typeof v !== 'string') return 'series is malformed';
    if (!slots[i]) return 'series has an invalid label name';
  }
  if (m.t === 'counter' || m.t === 'gauge')
    return validValue(raw[1], m.t === 'counter') ? undefined : 'invalid sample value';
  if (!validValue(raw[1], false)) return 'invalid sample value';
  const length = m.t === 'histogram' ? (m.b?.length ?? 0) + 1 : 1;
  return validCounts(raw[2], length) ? undefined : 'invalid bucket counts';
}

/** OpenMetrics' limit on an exemplar's label set: 128 UTF-8 characters of names and values. */
const EXEMPLAR_LABEL_CHARS = 128;

function validExemplar(x: unknown): boolean {
  if (!Array.isArray(x) || x.length !== 3) return false;
  const [labels, value, ts] = x as unknown[];
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return false;
  let chars = 0;
  for (const [name, v] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || typeof v !== 'string') return false;
    chars += [...name].length + [...v].length;
  }
  if (chars > EXEMPLAR_LABEL_CHARS) return false;
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  return ts === null || (typeof ts === 'number' && Number.isFinite(ts));
}

/** Whether a valid series' exemplars (counter: one; histogram: one slot per bucket) are valid too. */
function validExemplars(m: SnapshotMetric, raw: ScalarSeries | DistributionSeries): boolean {
  if (m.t === 'counter') return raw.length < 3 || validExemplar(raw[2]);
  if (m.t !== 'histogram' || raw.length < 4) return true;
  const slots = (raw as DistributionSeries)[3];
  if (!Array.isArray(slots) || slots.length !== (m.b?.length ?? 0) + 1) return false;
  return slots.every((x) => x === null || validExemplar(x));
}

/** The metric with only its valid series (the same object when all are valid), or undefined. */
function validMetric(m: SnapshotMetric, report: SnapshotProblemHandler): SnapshotMetric | undefined {
  const problem = metricProblem(m);
  if (problem !== undefined) {
    report(problem, typeof m?.n === 'string' ? m.n : '?');
    return undefined;
  }
  const slots = labelSlots(m);
  if (slots === undefined) {
    report('invalid label names', m.n);
    return undefined;
  }
  let kept: SnapshotMetric['s'] | undefined;
  for (let i = 0; i < m.s.length; i++) {
    const raw = m.s[i] as SnapshotMetric['s'][number];
    const bad = seriesProblem(m, slots, raw);
    if (bad === undefined && validExemplars(m, raw)) {
      kept?.push(raw);
      continue;
    }
    kept ??= m.s.slice(0, i);
    if (bad !== undefined) {
      report(bad, m.n);
      continue;
    }
    // An invalid exemplar costs the series its exemplars, not its samples.
    report('invalid exemplar', m.n);
    kept.push(raw.slice(0, m.t === 'counter' ? 2 : 3) as SnapshotMetric['s'][number]);
  }
  return kept === undefined ? m : { ...m, s: kept };
}

/**
 * Keeps the valid part of a snapshot received from another process: metrics with an
 * invalid name, type, label names, rule or histogram bounds are dropped whole; series
 * with an invalid label (name not valid, reserved `__`, `le` on a histogram, `quantile`
 * on a summary), a malformed shape, a counter value that is not a finite non-negative
 * number, or bucket counts that are not finite, non-negative and non-decreasing are
 * dropped alone; a series whose exemplars are invalid (label names, more than 128
 * characters of labels, a value or timestamp that is not finite) keeps its samples
 * without them. `report` is called once per dropped metric, series or exemplar set.
 * Returns the input itself when everything is valid.
 */
export function validateSnapshot(metrics: unknown, report: SnapshotProblemHandler): SnapshotMetric[] {
  if (!Array.isArray(metrics)) {
    report('not a metric', '?');
    return [];
  }
  let out: SnapshotMetric[] | undefined;
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i] as SnapshotMetric;
    const valid = validMetric(m, report);
    if (valid === m) {
      out?.push(m);
      continue;
    }
    out ??= metrics.slice(0, i) as SnapshotMetric[];
    if (valid !== undefined) out.push(valid);
  }
  return out ?? (metrics as SnapshotMetric[]);
}
