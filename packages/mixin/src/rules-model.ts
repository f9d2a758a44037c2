/**
 * Shared shapes of generated rules: alert specs carry their runbook text and the
 * synthetic series that must fire them (and must not), so `promtool test rules`
 * files and runbook pages come from the same place as the rule.
 */
import type { Severity } from './config.js';
import { type Ctx, leValue, type SeriesSuffix } from './context.js';

/** One input series of a `promtool test rules` case. */
export interface TestSeries {
  readonly series: string;
  readonly values: string;
}

/** A synthetic scenario: input series and when to evaluate. */
export interface TestCase {
  /** What the scenario shows, for the test file's comments and reports. */
  readonly name: string;
  readonly series: readonly TestSeries[];
  /** Evaluation time (Prometheus duration from the start of the series). @default '30m' */
  readonly evalTime?: string;
}

/** A runbook page's content. */
export interface Runbook {
  readonly meaning: string;
  readonly queries: readonly { readonly title: string; readonly expr: string }[];
  readonly causes: readonly string[];
  readonly actions: readonly string[];
}

/** A generated alerting rule with its tests and runbook. */
export interface AlertSpec {
  readonly alert: string;
  /** Rule group (`glassbox-http`, ...). */
  readonly group: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: Severity;
  readonly team: string;
  /** Extra static labels (e.g. `slo`). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string;
  readonly threshold?: number;
  readonly runbook: Runbook;
  /** Scenarios in which the alert must fire, with the labels (beyond severity/team/alertname) it fires with. */
  readonly fire: readonly (TestCase & { readonly labels: Readonly<Record<string, string>> })[];
  /** Scenarios in which the alert must stay silent. */
  readonly silent: readonly TestCase[];
  /** Run each scenario in its own promtool test group (team alerts, whose expressions may drop the service label). @default false */
  readonly separateTests?: boolean;
}

/** A recording rule. */
export interface RecordingSpec {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

/** A group of recording rules. */
export interface RecordingGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly RecordingSpec[];
}

/** Equality matchers of the rule selector: labels every synthetic target (`up`) carries. */
export function targetLabels(ctx: Ctx): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [, name, value] of ctx.config.selector.matchAll(
    /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g,
  )) {
    out[name as string] = value as string;
  }
  return out;
}

/** Labels every synthetic metric series carries: the target's and the constant labels. */
export function selectorLabels(ctx: Ctx): Record<string, string> {
  return { ...targetLabels(ctx), ...ctx.constLabels };
}

/** Of the selector labels, those an aggregated alert keeps (`job`, the service label, constant labels). */
export function scopeLabels(ctx: Ctx): Record<string, string> {
  const base = selectorLabels(ctx);
  const out: Record<string, string> = {};
  for (const l of ctx.scope) if (base[l] !== undefined) out[l] = base[l] as string;
  return out;
}

/** `name{a="b", ...}` in promtool's series notation. */
export function renderSeries(name: string, labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
  );
  return `${name}{${parts.join(', ')}}`;
}

/**
 * A synthetic series of a catalog metric: labels are given by catalog name and
 * renamed; the selector's labels are added.
 */
export function series(
  ctx: Ctx,
  metric: string,
  labels: Readonly<Record<string, string>>,
  values: string,
  suffix: SeriesSuffix = '',
): TestSeries {
  const renamed: Record<string, string> = { ...selectorLabels(ctx) };
  for (const [k, v] of Object.entries(labels)) renamed[ctx.l(k, metric)] = v;
  return { series: renderSeries(ctx.m(metric, suffix), renamed), values };
}

/** A series of a metric outside the catalog (`up`), labels used as they are. */
export function rawSeries(
  name: string,
  labels: Readonly<Record<string, string>>,
  values: string,
): TestSeries {
  return { series: renderSeries(name, labels), values };
}

/**
 * Synthetic histogram series (every `_bucket`, `_count`, `_sum`) for `steps` minutes:
 * `perMinute[i]` observations per minute fall in bucket i (the last entry is +Inf).
 */
export function histogramSeries(
  ctx: Ctx,
  metric: string,
  labels: Readonly<Record<string, string>>,
  perMinute: readonly number[],
  steps = 90,
): TestSeries[] {
  const buckets = ctx.buckets(metric);
  if (perMinute.length !== buckets.length + 1)
    throw new Error(`histogramSeries(${metric}): expected ${buckets.length + 1} bucket rates`);
  const out: TestSeries[] = [];
  let cumulative = 0;
  const values = (perMin: number) => (perMin === 0 ? `0x${steps}` : `0+${perMin}x${steps}`);
  buckets.forEach((b, i) => {
    cumulative += perMinute[i] as number;
    out.push(series(ctx, metric, { ...labels, le: leValue(b) }, values(cumulative), '_bucket'));
  });
  cumulative += perMinute[buckets.length] as number;
  out.push(series(ctx, metric, { ...labels, le: '+Inf' }, values(cumulative), '_bucket'));
  out.push(series(ctx, metric, labels, values(cumulative), '_count'));
  out.push(series(ctx, metric, labels, values(cumulative), '_sum'));
  return out;
}

/** Bucket rates with all `perMinute` observations in the first bucket whose bound is >= `value`. */
export function allIn(ctx: Ctx, metric: string, value: number, perMinute = 60): number[] {
  const buckets = ctx.buckets(metric);
  let idx = buckets.findIndex((b) => b >= value);
  if (idx < 0) idx = buckets.length;
  return Array.from({ length: buckets.length + 1 }, (_, i) => (i === idx ? perMinute : 0));
}
