/** Validation of the `custom` section: the team's metrics, alerts, recording rules and dashboards. */
import { defineCounter, defineGauge, defineHistogram, type MetricDefinition } from '@glassbox/core';
import { ALERT_NAMES, MixinConfigError } from './config-types.js';
import type {
  CustomAlert,
  CustomAlertTest,
  CustomDashboard,
  CustomMetric,
  CustomPanel,
  CustomRecording,
  ResolvedCustomConfig,
} from './custom-types.js';
import { catalogForMixin } from './definitions.js';
import { checkKeys, duration, isObject, labelRecord, str, stringList } from './validate.js';

const METRIC_KEYS = ['kind', 'name', 'help', 'unit', 'labelNames', 'buckets', 'aggregate', 'group', 'legacy'];
const ALERT_KEYS = [
  'alert',
  'expr',
  'for',
  'severity',
  'team',
  'labels',
  'summary',
  'description',
  'group',
  'runbook',
  'tests',
];
const DASHBOARD_KEYS = ['key', 'title', 'description', 'rows'];
const PANEL_KEYS = ['title', 'kind', 'unit', 'description', 'threshold', 'queries'];
/** Keys of the built-in dashboards, which a team dashboard cannot take. */
export const BUILTIN_DASHBOARD_KEYS = ['service-overview', 'ml', 'drift', 'batch', 'consumers', 'llm'];

function list<T>(field: string, value: unknown): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new MixinConfigError(field, 'must be a list');
  return value as T[];
}

function text(field: string, value: unknown, pattern?: RegExp, hint?: string): string {
  if (value === undefined) throw new MixinConfigError(field, 'is required');
  return str(field, value, '', pattern, hint);
}

function resolveMetric(m: CustomMetric | MetricDefinition, i: number, taken: Set<string>): MetricDefinition {
  const f = `custom.metrics[${i}]`;
  checkKeys(f, m, METRIC_KEYS);
  const { kind } = m;
  if (kind !== 'counter' && kind !== 'gauge' && kind !== 'histogram')
    throw new MixinConfigError(`${f}.kind`, "must be 'counter', 'gauge' or 'histogram'");
  let def: MetricDefinition;
  try {
    if (kind === 'histogram') def = defineHistogram({ ...m, buckets: (m as CustomMetric).buckets ?? [] });
    else if (kind === 'gauge') def = defineGauge(m as CustomMetric & { kind: 'gauge' });
    else def = defineCounter(m);
  } catch (error) {
    throw new MixinConfigError(f, (error as Error).message);
  }
  if (taken.has(def.name)) throw new MixinConfigError(`${f}.name`, `"${def.name}" is already defined`);
  taken.add(def.name);
  return def;
}

function checkTest(t: CustomAlertTest, f: string): void {
  checkKeys(f, t, ['name', 'series', 'fires', 'labels', 'evalTime']);
  text(`${f}.name`, t.name);
  if (typeof t.fires !== 'boolean') throw new MixinConfigError(`${f}.fires`, 'must be true or false');
  const series = list<{ series: string; values: string }>(`${f}.series`, t.series);
  if (series.length === 0) throw new MixinConfigError(`${f}.series`, 'needs at least one series');
  series.forEach((s, j) => {
    checkKeys(`${f}.series[${j}]`, s, ['series', 'values']);
    text(`${f}.series[${j}].series`, s.series, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$/, 'must be name{labels}');
    text(`${f}.series[${j}].values`, s.values);
  });
  if (t.labels !== undefined) labelRecord(`${f}.labels`, t.labels);
  if (t.evalTime !== undefined) duration(`${f}.evalTime`, t.evalTime, '30m');
}

function checkRunbook(r: NonNullable<CustomAlert['runbook']>, f: string): void {
  checkKeys(f, r, ['meaning', 'queries', 'causes', 'actions']);
  if (r.meaning !== undefined) text(`${f}.meaning`, r.meaning);
  list<{ title: string; expr: string }>(`${f}.queries`, r.queries).forEach((q, j) => {
    checkKeys(`${f}.queries[${j}]`, q, ['title', 'expr']);
    text(`${f}.queries[${j}].title`, q.title);
    text(`${f}.queries[${j}].expr`, q.expr);
  });
  for (const key of ['causes', 'actions'] as const) stringList(`${f}.${key}`, r[key], []);
}

function checkAlert(a: CustomAlert, i: number, taken: Set<string>): void {
  const f = `custom.alerts[${i}]`;
  checkKeys(f, a, ALERT_KEYS);
  text(`${f}.alert`, a.alert, /^[A-Za-z][A-Za-z0-9_]*$/, 'must be an alert name ([A-Za-z][A-Za-z0-9_]*)');
  if ((ALERT_NAMES as readonly string[]).includes(a.alert) || a.alert.startsWith('SLOErrorBudget'))
    throw new MixinConfigError(
      `${f}.alert`,
      `"${a.alert}" is a built-in alert (configure it under alerts.${a.alert})`,
    );
  if (taken.has(a.alert)) throw new MixinConfigError(`${f}.alert`, `"${a.alert}" is declared twice`);
  taken.add(a.alert);
  text(`${f}.expr`, a.expr);
  text(`${f}.summary`, a.summary);
  if (a.description !== undefined) text(`${f}.description`, a.description);
  if (a.for !== undefined) duration(`${f}.for`, a.for, '0s');
  if (a.severity !== undefined && !['critical', 'warning', 'info'].includes(a.severity))
    throw new MixinConfigError(`${f}.severity`, "must be 'critical', 'warning' or 'info'");
  if (a.team !== undefined) text(`${f}.team`, a.team);
  if (a.group !== undefined) text(`${f}.group`, a.group);
  if (a.labels !== undefined) {
    const labels = labelRecord(`${f}.labels`, a.labels);
    for (const k of ['severity', 'team'])
      if (k in labels) throw new MixinConfigError(`${f}.labels.${k}`, `set it with ${f}.${k}`);
  }
  if (a.runbook !== undefined) checkRunbook(a.runbook, `${f}.runbook`);
  list<CustomAlertTest>(`${f}.tests`, a.tests).forEach((t, j) => {
    checkTest(t, `${f}.tests[${j}]`);
  });
}

function checkRecording(r: CustomRecording, i: number): void {
  const f = `custom.recording[${i}]`;
  checkKeys(f, r, ['record', 'expr', 'labels']);
  text(
    `${f}.record`,
    r.record,
    /^[a-zA-Z_:][a-zA-Z0-9_:]*$/,
    'must be a metric name (level:metric:operations)',
  );
  text(`${f}.expr`, r.expr);
  if (r.labels !== undefined) labelRecord(`${f}.labels`, r.labels);
}

function checkPanel(p: CustomPanel, f: string): void {
  checkKeys(f, p, PANEL_KEYS);
  text(`${f}.title`, p.title);
  if (p.kind !== undefined && !['timeseries', 'stat', 'bargauge', 'statetimeline'].includes(p.kind))
    throw new MixinConfigError(`${f}.kind`, "must be 'timeseries', 'stat', 'bargauge' or 'statetimeline'");
  if (p.unit !== undefined) text(`${f}.unit`, p.unit);
  if (p.threshold !== undefined && (typeof p.threshold !== 'number' || !Number.isFinite(p.threshold)))
    throw new MixinConfigError(`${f}.threshold`, 'must be a finite number');
  const queries = list<{ expr: string; legend?: string }>(`${f}.queries`, p.queries);
  if (queries.length === 0) throw new MixinConfigError(`${f}.queries`, 'needs at least one query');
  queries.forEach((q, j) => {
    checkKeys(`${f}.queries[${j}]`, q, ['expr', 'legend']);
    text(`${f}.queries[${j}].expr`, q.expr);
    if (q.legend !== undefined && typeof q.legend !== 'string')
      throw new MixinConfigError(`${f}.queries[${j}].legend`, 'must be a string');
  });
}

function checkDashboard(d: CustomDashboard, i: number, taken: Set<string>): void {
  const f = `custom.dashboards[${i}]`;
  checkKeys(f, d, DASHBOARD_KEYS);
  text(`${f}.key`, d.key, /^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and -');
  if (taken.has(d.key)) throw new MixinConfigError(`${f}.key`, `"${d.key}" is already a dashboard`);
  taken.add(d.key);
  text(`${f}.title`, d.title);
  if (d.description !== undefined && typeof d.description !== 'string')
    throw new MixinConfigError(`${f}.description`, 'must be a string');
  list<CustomDashboard['rows'][number]>(`${f}.rows`, d.rows).forEach((row, j) => {
    checkKeys(`${f}.rows[${j}]`, row, ['title', 'panels']);
    text(`${f}.rows[${j}].title`, row.title);
    list<CustomPanel>(`${f}.rows[${j}].panels`, row.panels).forEach((p, k) => {
      checkPanel(p, `${f}.rows[${j}].panels[${k}]`);
    });
  });
}

/** Validates `custom` (shapes and names; expressions are checked at generation). */
export function resolveCustom(value: unknown): ResolvedCustomConfig {
  if (value !== undefined && !isObject(value)) throw new MixinConfigError('custom', 'must be an object');
  const c = (value ?? {}) as Record<string, unknown>;
  checkKeys('custom', c, ['metrics', 'alerts', 'recording', 'dashboards']);
  const names = new Set(catalogForMixin().map((d) => d.name));
  const metrics = list<CustomMetric>('custom.metrics', c.metrics).map((m, i) => resolveMetric(m, i, names));
  const alerts = list<CustomAlert>('custom.alerts', c.alerts);
  const alertNames = new Set<string>();
  alerts.forEach((a, i) => {
    checkAlert(a, i, alertNames);
  });
  const recording = list<CustomRecording>('custom.recording', c.recording);
  recording.forEach(checkRecording);
  const dashboards = list<CustomDashboard>('custom.dashboards', c.dashboards);
  const keys = new Set(BUILTIN_DASHBOARD_KEYS);
  dashboards.forEach((d, i) => {
    checkDashboard(d, i, keys);
  });
  return { metrics, alerts, recording, dashboards };
}
