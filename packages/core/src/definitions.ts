/**
 * Typed metric definitions. A metric is defined once (name, kind, help, unit, label
 * names, buckets) and every output — recording, OpenTelemetry, rules, dashboards,
 * docs — is derived from that definition. Definitions are validated when they are
 * created, so a bad one throws at start-up, never while recording.
 */

/** The three kinds of metric Glassbox records. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/**
 * How a gauge is combined across processes when several workers are aggregated
 * (cluster mode): summed, the maximum, the minimum, or kept per worker with a
 * `worker` label. Counters and histograms are always summed.
 */
export type GaugeAggregation = 'sum' | 'max' | 'min' | 'worker';

/** Fields shared by every definition. */
export interface BaseDefinitionOptions<L extends string> {
  /** Metric name, snake_case, in base units (`_seconds`, `_bytes`). Counters end in `_total`. */
  readonly name: string;
  /** One-line description, shown as `# HELP`. */
  readonly help: string;
  /**
   * Base unit of the value (`seconds`, `bytes`, `ratio`, `dollars`, ...). When set,
   * the name must carry it as a suffix (before `_total` for counters).
   */
  readonly unit?: string | undefined;
  /** Label names, as a tuple (`['method', 'route'] as const`) so label values are type-checked. */
  readonly labelNames?: readonly L[];
  /** Catalog group (`http`, `model`, ...); free text for team metrics. @default 'custom' */
  readonly group?: string | undefined;
  /**
   * The name is one the team already has and must keep although it breaks the naming
   * lint (`batch_review_progress_percent`: non-base unit). Only the lint rules are
   * relaxed (base units, snake_case, the unit suffix); the Prometheus format rules
   * (characters, `_total` for counters only, reserved suffixes) still apply. Glassbox
   * warns once when the metric is created.
   * @default false
   */
  readonly legacy?: boolean | undefined;
}

/** Options of {@link defineCounter}. */
export type CounterDefinitionOptions<L extends string> = BaseDefinitionOptions<L>;

/** Options of {@link defineGauge}. */
export interface GaugeDefinitionOptions<L extends string> extends BaseDefinitionOptions<L> {
  /** Cross-process aggregation rule. @default 'sum' */
  readonly aggregate?: GaugeAggregation;
}

/** Options of {@link defineHistogram}. */
export interface HistogramDefinitionOptions<L extends string> extends BaseDefinitionOptions<L> {
  /** Upper bounds of the buckets, strictly increasing, finite (`+Inf` is implicit). */
  readonly buckets: readonly number[];
}

interface DefinitionCommon<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly unit: string | undefined;
  readonly labelNames: readonly L[];
  readonly group: string;
  /** Declared a legacy name (see {@link BaseDefinitionOptions.legacy}); absent when not. */
  readonly legacy?: true;
}

/** A validated counter definition. */
export interface CounterDefinition<L extends string = string> extends DefinitionCommon<L> {
  readonly kind: 'counter';
}
/** A validated gauge definition. */
export interface GaugeDefinition<L extends string = string> extends DefinitionCommon<L> {
  readonly kind: 'gauge';
  readonly aggregate: GaugeAggregation;
}
/** A validated histogram definition. */
export interface HistogramDefinition<L extends string = string> extends DefinitionCommon<L> {
  readonly kind: 'histogram';
  readonly buckets: readonly number[];
}

/** Any validated definition. */
export type MetricDefinition<L extends string = string> =
  | CounterDefinition<L>
  | GaugeDefinition<L>
  | HistogramDefinition<L>;

/** Thrown for a definition or option that breaks Prometheus' rules; names the metric. */
export class MetricDefinitionError extends Error {
  override readonly name = 'MetricDefinitionError';
  constructor(
    /** The metric the problem is about. */
    readonly metric: string,
    reason: string,
  ) {
    super(`Glassbox: invalid metric "${metric}": ${reason}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RESERVED_LABELS = new Set(['le', 'quantile']);
const RESERVED_SUFFIXES = ['_bucket', '_count', '_sum', '_created'];
/**
 * Non-base units rejected in names, as promtool's linter does: use seconds, bytes,
 * and ratios (0..1) instead.
 */
const NON_BASE_UNITS: ReadonlyArray<[RegExp, string]> = [
  [/_(milli|micro|nano)seconds?(_|$)/, 'seconds'],
  [/_(ms|us|ns|msec|usec|nsec)(_|$)/, 'seconds'],
  [/_minutes?(_|$)/, 'seconds'],
  [/_hours?(_|$)/, 'seconds'],
  [/_days?(_|$)/, 'seconds'],
  [/_(kilo|mega|giga|tera)?bits(_|$)/, 'bytes'],
  [/_(kilo|mega|giga|tera)bytes(_|$)/, 'bytes'],
  [/_(kb|mb|gb|kib|mib|gib)(_|$)/, 'bytes'],
  [/_percent(age)?(_|$)/, 'ratio'],
];

/**
 * Checks a name against Prometheus' format rules (the ones every exposition needs);
 * returns the problem, or `undefined`.
 */
function formatProblem(name: string, kind: MetricKind): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'name is empty';
  if (!METRIC_NAME.test(name)) return 'name must match [a-zA-Z_:][a-zA-Z0-9_:]*';
  if (name.startsWith('__')) return 'names starting with "__" are reserved';
  if (name.includes(':')) return 'colons are reserved for recording rules, not instrumentation';
  if (kind === 'counter' && !name.endsWith('_total')) return 'counter names must end in "_total"';
  if (kind !== 'counter' && name.endsWith('_total'))
    return `a ${kind} name must not end in "_total" (that suffix is for counters)`;
  for (const suffix of RESERVED_SUFFIXES) {
    if (name.endsWith(suffix)) return `the suffix "${suffix}" is reserved for histogram series`;
  }
  return undefined;
}

/** True when `name` carries `unit` as its suffix (before `_total` for counters). */
export function nameCarriesUnit(name: string, kind: MetricKind, unit: string): boolean {
  const stem = kind === 'counter' ? name.slice(0, -'_total'.length) : name;
  return stem.endsWith(`_${unit}`) || stem.includes(`_${unit}_`);
}

/**
 * The naming lint (as promtool's linter): snake_case, base units, the declared unit as
 * a suffix. Returns the first problem, or `undefined` for a clean name. A name declared
 * legacy may break these rules (see {@link BaseDefinitionOptions.legacy}).
 */
export function lintMetricName(name: string, kind: MetricKind, unit?: string): string | undefined {
  if (/[A-Z]/.test(name)) return 'use snake_case, not camelCase or capitals';
  for (const [pattern, base] of NON_BASE_UNITS) {
    if (pattern.test(name)) return `use base units (${base}) in the name`;
  }
  if (unit !== undefined && !nameCarriesUnit(name, kind, unit))
    return `the name must carry its unit "${unit}" as a suffix`;
  return undefined;
}

/**
 * Validates a metric name by Prometheus' rules and lint; throws {@link MetricDefinitionError}.
 * With `legacy`, a name the team must keep, only the format rules apply (the lint is
 * what {@link lintMetricName} reports, for the start-up warning).
 */
export function validateMetricName(name: string, kind: MetricKind, unit?: string, legacy = false): void {
  const problem = formatProblem(name, kind);
  if (problem !== undefined) throw new MetricDefinitionError(String(name), problem);
  if (unit !== undefined && !/^[a-z][a-z0-9_]*$/.test(unit))
    throw new MetricDefinitionError(name, `unit "${unit}" must be snake_case`);
  if (legacy) return;
  const lint = lintMetricName(name, kind, unit);
  if (lint !== undefined)
    throw new MetricDefinitionError(
      name,
      `${lint} (an existing name the team must keep can be declared legacy: \`legacy: true\` on its definition, or naming.legacyNames for a rename)`,
    );
}

/** Validates a label name; throws {@link MetricDefinitionError} naming the metric. */
export function validateLabelName(metric: string, label: string): void {
  if (typeof label !== 'string' || !LABEL_NAME.test(label))
    throw new MetricDefinitionError(metric, `label "${String(label)}" must match [a-zA-Z_][a-zA-Z0-9_]*`);
  if (label.startsWith('__'))
    throw new MetricDefinitionError(metric, `label "${label}": names starting with "__" are reserved`);
  if (RESERVED_LABELS.has(label))
    throw new MetricDefinitionError(metric, `label "${label}" is reserved by Prometheus`);
  if (/[A-Z]/.test(label)) throw new MetricDefinitionError(metric, `label "${label}": use snake_case`);
}

function validateLabels(name: string, labelNames: readonly string[]): void {
  const seen = new Set<string>();
  for (const label of labelNames) {
    validateLabelName(name, label);
    if (seen.has(label)) throw new MetricDefinitionError(name, `label "${label}" is listed twice`);
    seen.add(label);
  }
}

/** Validates histogram buckets: non-empty, finite, strictly increasing. */
export function validateBuckets(name: string, buckets: readonly number[]): void {
  if (!Array.isArray(buckets) || buckets.length === 0)
    throw new MetricDefinitionError(name, 'a histogram needs at least one bucket');
  let previous = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    if (typeof b !== 'number' || !Number.isFinite(b))
      throw new MetricDefinitionError(name, `bucket ${String(b)} is not a finite number (+Inf is implicit)`);
    if (b <= previous) throw new MetricDefinitionError(name, 'buckets must be strictly increasing');
    previous = b;
  }
}

function common<L extends string>(kind: MetricKind, options: BaseDefinitionOptions<L>): DefinitionCommon<L> {
  if (options === null || typeof options !== 'object')
    throw new MetricDefinitionError('?', 'a definition needs an options object');
  const { name, help, unit, legacy } = options;
  if (legacy !== undefined && typeof legacy !== 'boolean')
    throw new MetricDefinitionError(String(name), '"legacy" must be a boolean');
  validateMetricName(name, kind, unit, legacy === true);
  if (typeof help !== 'string' || help.trim().length === 0)
    throw new MetricDefinitionError(name, 'help text is required');
  const labelNames = Object.freeze([...(options.labelNames ?? [])]) as readonly L[];
  validateLabels(name, labelNames);
  const out: DefinitionCommon<L> = { name, help, unit, labelNames, group: options.group ?? 'custom' };
  return legacy === true ? { ...out, legacy: true } : out;
}

/** Defines a counter. Throws {@link MetricDefinitionError} on a bad name, unit or label. */
export function defineCounter<const L extends string = never>(
  options: CounterDefinitionOptions<L>,
): CounterDefinition<L> {
  return Object.freeze({ kind: 'counter' as const, ...common('counter', options) });
}

/** Defines a gauge. Throws {@link MetricDefinitionError} on a bad name, unit or label. */
export function defineGauge<const L extends string = never>(
  options: GaugeDefinitionOptions<L>,
): GaugeDefinition<L> {
  const aggregate = options.aggregate ?? 'sum';
  if (!['sum', 'max', 'min', 'worker'].includes(aggregate))
    throw new MetricDefinitionError(options.name, `unknown aggregate "${aggregate}"`);
  return Object.freeze({ kind: 'gauge' as const, ...common('gauge', options), aggregate });
}

/** Defines a histogram. Throws {@link MetricDefinitionError} on a bad name, label or buckets. */
export function defineHistogram<const L extends string = never>(
  options: HistogramDefinitionOptions<L>,
): HistogramDefinition<L> {
  const base = common('histogram', options);
  validateBuckets(options.name, options.buckets);
  return Object.freeze({ kind: 'histogram' as const, ...base, buckets: Object.freeze([...options.buckets]) });
}

/** Bucket helper: `count` buckets starting at `start`, each `width` wider. */
export function linearBuckets(start: number, width: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((start + i * width).toPrecision(12)));
  return out;
}

/** Bucket helper: `count` buckets starting at `start`, each `factor` times the previous. */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((start * factor ** i).toPrecision(12)));
  return out;
}
