/**
 * The team's own alerts, recording rules and dashboards (`custom`). Their expressions
 * name metrics and labels by definition name; they are resolved through the naming
 * options like the built-in ones, every selector of a defined metric gets the rule
 * selector (rules) or the dashboard variables (panels), and an expression that names a
 * metric nobody defines fails generation with the config key.
 */
import { MixinConfigError } from './config.js';
import type { Ctx } from './context.js';
import type { CustomAlert, CustomAlertTest, CustomPanel } from './custom-types.js';
import type { DashboardSpec } from './dashboards.js';
import { metricNamesIn, rewritePromql } from './promql.js';
import { recordedNames } from './recording.js';
import {
  type AlertSpec,
  type RecordingGroup,
  renderSeries,
  selectorLabels,
  type TestCase,
} from './rules-model.js';
import { SLO_WINDOWS, sloRecordName } from './slo.js';

const SUFFIX = /(_bucket|_count|_sum)$/;

/** The definition a series name belongs to (a histogram's `_bucket` included), with its suffix. */
function definitionOf(
  ctx: Ctx,
  name: string,
): { def: string; suffix: '' | '_bucket' | '_count' | '_sum' } | undefined {
  if (ctx.defs.has(name)) return { def: name, suffix: '' };
  const m = SUFFIX.exec(name);
  const base = m === null ? '' : name.slice(0, -(m[1] as string).length);
  if (m !== null && ctx.defs.get(base)?.kind === 'histogram')
    return { def: base, suffix: m[1] as '_bucket' | '_count' | '_sum' };
  return undefined;
}

/**
 * A label of a team expression, resolved through the metrics the expression names: the
 * name they all expose it as (a label renamed for one metric only, seed 001's
 * `outcome → tier`, reads `tier` in an expression over that metric). When the named
 * metrics expose it under different names, the expression is ambiguous: an Error.
 */
function labelIn(ctx: Ctx, label: string, defs: readonly string[]): string {
  const names = new Set<string>();
  for (const d of defs) if (ctx.defs.get(d)?.labelNames.includes(label)) names.add(ctx.l(label, d));
  if (names.size > 1)
    throw new Error(
      `Glassbox mixin: label "${label}" is exposed as ${[...names].join(', ')} by ${defs.join(' and ')} in one expression; split it or write the exposed names`,
    );
  return names.size === 1 ? ([...names][0] as string) : ctx.l(label);
}

function rewrite(ctx: Ctx, expr: string, matchers: readonly string[]): string {
  const defs = [
    ...new Set(
      metricNamesIn(expr)
        .map((n) => definitionOf(ctx, n)?.def)
        .filter((d): d is string => d !== undefined),
    ),
  ];
  return rewritePromql(expr, {
    metric: (n) => {
      const d = definitionOf(ctx, n);
      return d === undefined ? undefined : ctx.m(d.def, d.suffix);
    },
    label: (l) => labelIn(ctx, l, defs),
    scoped: (n) => definitionOf(ctx, n) !== undefined,
    matchers,
  });
}

/** A rule expression: renamed, every defined metric scoped by the rule selector and the constant labels. */
export function ruleExpr(ctx: Ctx, expr: string): string {
  return rewrite(
    ctx,
    expr,
    [ctx.config.selector, ...ctx.constMatchers()].filter((x) => x.trim() !== ''),
  );
}

/** A panel expression: renamed, every defined metric scoped by the dashboard variables. */
export function panelExpr(ctx: Ctx, expr: string): string {
  return rewrite(ctx, expr, ctx.dashboardMatchers());
}

/** `{{ $labels.x }}` and `{{x}}` placeholders with the label renamed. */
function renameTemplate(ctx: Ctx, text: string): string {
  return text
    .replace(/\{\{ \$labels\.([a-zA-Z0-9_]+) \}\}/g, (_, l: string) => `{{ $labels.${ctx.l(l)} }}`)
    .replace(/\{\{([a-zA-Z_][a-zA-Z0-9_]*)\}\}/g, (_, l: string) => `{{${ctx.l(l)}}}`);
}

/** Every recorded name expressions may read: the dashboards', the SLOs' and the team's. */
export function knownRecorded(ctx: Ctx): ReadonlySet<string> {
  return new Set([
    ...Object.values(recordedNames(ctx)),
    ...SLO_WINDOWS.map(sloRecordName),
    ...ctx.config.custom.recording.map((r) => r.record),
  ]);
}

/** Throws naming `field` when the expression selects a metric that is not defined. */
export function checkExpr(ctx: Ctx, field: string, expr: string, recorded: ReadonlySet<string>): void {
  for (const n of metricNamesIn(expr)) {
    if (n === 'up' || recorded.has(n) || definitionOf(ctx, n) !== undefined) continue;
    throw new MixinConfigError(
      field,
      `references "${n}", which is neither a catalog metric, a custom.metrics definition, a recorded series nor up`,
    );
  }
}

/** A test series: renamed, with the rule selector's and the constant labels. */
function testSeries(ctx: Ctx, field: string, text: string): string {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?$/.exec(text.trim());
  const d = m === null ? undefined : definitionOf(ctx, m[1] as string);
  if (m === null || d === undefined)
    throw new MixinConfigError(
      field,
      `"${text}" must be a series of a defined metric, name{label="value", ...}`,
    );
  const labels: Record<string, string> = { ...selectorLabels(ctx) };
  for (const [, k, v] of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g))
    labels[ctx.l(k as string, d.def)] = (v as string).replace(/\\(.)/g, '$1');
  return renderSeries(ctx.m(d.def, d.suffix), labels);
}

function testCase(
  ctx: Ctx,
  field: string,
  t: CustomAlertTest,
): TestCase & { labels: Record<string, string> } {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(t.labels ?? {})) labels[ctx.l(k)] = v;
  return {
    name: t.name,
    series: t.series.map((s, j) => ({
      series: testSeries(ctx, `${field}.series[${j}]`, s.series),
      values: s.values,
    })),
    ...(t.evalTime === undefined ? {} : { evalTime: t.evalTime }),
    labels,
  };
}

function customAlert(ctx: Ctx, a: CustomAlert, i: number, recorded: ReadonlySet<string>): AlertSpec {
  const f = `custom.alerts[${i}]`;
  checkExpr(ctx, `${f}.expr`, a.expr, recorded);
  const queries = (a.runbook?.queries ?? []).map((q, j) => {
    checkExpr(ctx, `${f}.runbook.queries[${j}].expr`, q.expr, recorded);
    return { title: q.title, expr: ruleExpr(ctx, q.expr) };
  });
  const tests = (a.tests ?? []).map((t, j) => ({ t, c: testCase(ctx, `${f}.tests[${j}]`, t) }));
  return {
    alert: a.alert,
    group: a.group ?? 'glassbox-custom',
    expr: ruleExpr(ctx, a.expr),
    for: a.for ?? '0s',
    severity: a.severity ?? 'warning',
    team: a.team ?? ctx.config.team,
    ...(a.labels === undefined ? {} : { labels: { ...a.labels } }),
    summary: renameTemplate(ctx, a.summary),
    description: renameTemplate(ctx, a.description ?? a.summary),
    runbook: {
      meaning: a.runbook?.meaning ?? renameTemplate(ctx, a.description ?? a.summary),
      queries,
      causes: [...(a.runbook?.causes ?? [])],
      actions: [...(a.runbook?.actions ?? [])],
    },
    fire: tests.filter((x) => x.t.fires).map((x) => x.c),
    silent: tests.filter((x) => !x.t.fires).map(({ c: { labels: _, ...c } }) => c),
    separateTests: true,
  };
}

/** The team alerts. */
export function customAlerts(ctx: Ctx, recorded: ReadonlySet<string>): AlertSpec[] {
  return ctx.config.custom.alerts.map((a, i) => customAlert(ctx, a, i, recorded));
}

/** The team recording rules (one group), or none. */
export function customRecording(ctx: Ctx, recorded: ReadonlySet<string>): RecordingGroup[] {
  const list = ctx.config.custom.recording;
  if (list.length === 0) return [];
  const known = new Set([...recorded, ...list.map((r) => r.record)]);
  const rules = list.map((r, i) => {
    checkExpr(ctx, `custom.recording[${i}].expr`, r.expr, known);
    return {
      record: r.record,
      expr: ruleExpr(ctx, r.expr),
      ...(r.labels === undefined ? {} : { labels: { ...r.labels } }),
    };
  });
  return [{ name: 'glassbox-custom-recording', rules }];
}

function customPanel(ctx: Ctx, p: CustomPanel, f: string, recorded: ReadonlySet<string>) {
  return {
    title: p.title,
    kind: p.kind ?? 'timeseries',
    unit: p.unit ?? 'none',
    ...(p.description === undefined ? {} : { description: p.description }),
    ...(p.threshold === undefined ? {} : { threshold: p.threshold }),
    queries: p.queries.map((q, j) => {
      checkExpr(ctx, `${f}.queries[${j}].expr`, q.expr, recorded);
      return { expr: panelExpr(ctx, q.expr), legend: renameTemplate(ctx, q.legend ?? '') };
    }),
  };
}

/** The team dashboards. */
export function customDashboardSpecs(ctx: Ctx, recorded: ReadonlySet<string>): DashboardSpec[] {
  return ctx.config.custom.dashboards.map((d, i) => ({
    key: d.key,
    title: d.title,
    description: d.description ?? '',
    variables: [],
    rows: d.rows.map((row, j) => ({
      title: row.title,
      panels: row.panels.map((p, k) =>
        customPanel(ctx, p, `custom.dashboards[${i}].rows[${j}].panels[${k}]`, recorded),
      ),
    })),
  }));
}
