/**
 * Generation: config → every asset, as a map of relative paths to file contents, plus
 * the structured rules and dashboards for callers that want them. Generation checks
 * that every metric name any rule or panel references is a catalog metric (under the
 * naming options), a recorded series, or `up`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { legacyNameWarnings, type MetricDefinition } from '@glassbox/core';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { stringify } from 'yaml';
import { alertmanagerConfig } from './alertmanager.js';
import { buildAlerts } from './alerts.js';
import { type MixinConfig, type ResolvedMixinConfig, resolveConfig } from './config.js';
import { Ctx } from './context.js';
import { customAlerts, customRecording, knownRecorded } from './custom.js';
import { buildDashboards } from './dashboards.js';
import { HEADER, hasStatic, renderIndex } from './index-page.js';
import { OUTPUT_PATHS } from './paths.js';
import { metricNamesIn } from './promql.js';
import { buildRecordingRules } from './recording.js';
import { ruleTests } from './rule-tests.js';
import type { AlertSpec, RecordingGroup } from './rules-model.js';
import { renderRunbook, runbookFile, runbookUrl } from './runbooks.js';
import { podMonitor, prometheusConfig, pushgatewayServiceMonitor, serviceMonitor } from './scrape.js';
import { buildSlos } from './slo.js';

export { OUTPUT_PATHS } from './paths.js';

/** A referenced expression and where it comes from. */
export interface ExpressionRef {
  /** `rule:<group>/<name>`, `dashboard:<uid>/<panel>`, `annotation:...`, `variable:...`. */
  readonly source: string;
  readonly expr: string;
}

/** Everything {@link generateMixin} produces. */
export interface MixinOutput {
  readonly config: ResolvedMixinConfig;
  /** Alerting rules (SLO burn-rate alerts included), with tests and runbooks. */
  readonly alerts: readonly AlertSpec[];
  /** Recording rule groups: dashboards first, then one per SLO. */
  readonly recording: readonly RecordingGroup[];
  /** Grafana dashboards by file name. */
  readonly dashboards: Readonly<Record<string, Dashboard>>;
  /** File contents by path relative to the output directory. */
  readonly files: Readonly<Record<string, string>>;
  /** Every PromQL expression in rules and dashboards. */
  readonly expressions: readonly ExpressionRef[];
  /** Names of the recorded series. */
  readonly recordedNames: readonly string[];
  /**
   * The definitions the assets read (catalog, pending catalog entries such as
   * `ml_drift_detected`, `custom.metrics`), before the naming options: record these.
   */
  readonly definitions: readonly MetricDefinition[];
  /**
   * Warnings about the config that do not stop generation: one per declared legacy
   * name that breaks the naming lint (the CLI prints them on stderr).
   */
  readonly warnings: readonly string[];
}

const yaml = (value: unknown, header?: string) =>
  `${header === undefined ? '' : `# ${header}\n`}${stringify(value, { lineWidth: 0, aliasDuplicateObjects: false })}`;

function alertRule(a: AlertSpec, base: string): Record<string, unknown> {
  return {
    alert: a.alert,
    expr: a.expr,
    ...(a.for === '0s' ? {} : { for: a.for }),
    labels: { severity: a.severity, team: a.team, ...(a.labels ?? {}) },
    annotations: { summary: a.summary, description: a.description, runbook_url: runbookUrl(base, a.alert) },
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
}

/** The expressions of a Grafana dashboard: panel targets, annotations and variable selectors. */
export function dashboardExpressions(d: Dashboard): ExpressionRef[] {
  const out: ExpressionRef[] = [];
  const uid = d.uid ?? '?';
  for (const p of (d.panels ?? []) as Array<{ title?: string; targets?: Array<{ expr?: string }> }>) {
    for (const t of p.targets ?? []) {
      if (typeof t.expr === 'string')
        out.push({ source: `dashboard:${uid}/${p.title ?? '?'}`, expr: t.expr });
    }
  }
  for (const a of d.annotations?.list ?? []) {
    if (typeof a.expr === 'string') out.push({ source: `annotation:${uid}/${a.name}`, expr: a.expr });
  }
  for (const v of (d.templating?.list ?? []) as Array<{ name: string; type: string; query?: unknown }>) {
    if (v.type !== 'query' || typeof v.query !== 'string') continue;
    const m = /^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(v.query);
    if (m !== null) out.push({ source: `variable:${uid}/${v.name}`, expr: m[1] as string });
  }
  return out;
}

const recordingGroupYaml = (g: RecordingGroup) => ({
  name: g.name,
  rules: g.rules.map((r) => ({ record: r.record, expr: r.expr, ...(r.labels ? { labels: r.labels } : {}) })),
});

/** The three rule files: alerts, dashboard recordings, SLO recordings and alerts. */
function ruleFiles(
  ctx: Ctx,
  alerts: readonly AlertSpec[],
  recording: readonly RecordingGroup[],
  slo: ReturnType<typeof buildSlos>,
) {
  const base = ctx.config.runbookBaseUrl;
  const alertGroups = groupBy(
    alerts.filter((a) => !a.group.startsWith('glassbox-slo-')),
    (a) => a.group,
  );
  const alertRules = {
    groups: [...alertGroups].map(([name, list]) => ({ name, rules: list.map((a) => alertRule(a, base)) })),
  };
  const recordingRules = { groups: recording.map(recordingGroupYaml) };
  const sloAlertGroups = groupBy(slo.alerts, (a) => a.group);
  const sloRules = {
    groups: [
      ...slo.recording.map(recordingGroupYaml),
      ...[...sloAlertGroups].map(([name, list]) => ({ name, rules: list.map((a) => alertRule(a, base)) })),
    ],
  };
  return { alertRules, recordingRules, sloRules };
}

/** Every file, by path. */
function renderFiles(
  ctx: Ctx,
  alerts: readonly AlertSpec[],
  recording: readonly RecordingGroup[],
  slo: ReturnType<typeof buildSlos>,
  dashboards: Readonly<Record<string, Dashboard>>,
): Record<string, string> {
  const config = ctx.config;
  const P = OUTPUT_PATHS;
  const { alertRules, recordingRules, sloRules } = ruleFiles(ctx, alerts, recording, slo);
  const ruleFileNames = [P.alertRules, P.recordingRules, P.sloRules].map((p) =>
    p.replace(/^prometheus\//, ''),
  );
  const files: Record<string, string> = {};
  if (hasStatic(config))
    files[P.prometheusConfig] = yaml(prometheusConfig(config, ruleFileNames, 'static'), HEADER);
  if (config.scrape.kubernetes !== null)
    files[P.prometheusKubernetesConfig] = yaml(prometheusConfig(config, ruleFileNames, 'kubernetes'), HEADER);
  files[P.alertRules] = yaml(alertRules, HEADER);
  files[P.recordingRules] = yaml(recordingRules, HEADER);
  files[P.sloRules] = yaml(sloRules, HEADER);
  const tests = ruleTests(ctx, alerts, config.runbookBaseUrl);
  files[P.ruleTests] = yaml(
    { rule_files: ruleFileNames.map((f) => `../${f}`), evaluation_interval: '1m', tests },
    HEADER,
  );
  files[P.serviceMonitor] = yaml(serviceMonitor(config), HEADER);
  files[P.podMonitor] = yaml(podMonitor(config), HEADER);
  const gatewayMonitor = pushgatewayServiceMonitor(config);
  if (gatewayMonitor !== undefined) files[P.pushgatewayServiceMonitor] = yaml(gatewayMonitor, HEADER);
  const { namespace, labels } = config.scrape.operator;
  files[P.prometheusRule] = yaml(
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: config.scrape.jobName, namespace, labels: { ...labels } },
      spec: { groups: [...recordingRules.groups, ...alertRules.groups, ...sloRules.groups] },
    },
    HEADER,
  );
  files[P.alertmanager] = yaml(alertmanagerConfig(config, alerts), HEADER);
  for (const [name, d] of Object.entries(dashboards))
    files[`${P.dashboards}/${name}`] = `${JSON.stringify(d, null, 2)}\n`;
  for (const [alert, specs] of groupBy(alerts, (a) => a.alert)) {
    files[`${P.runbooks}/${runbookFile(alert)}`] = renderRunbook(specs);
  }
  return files;
}

/**
 * Every referenced name must be defined: a catalog metric (exposed name, histogram
 * series included), a recorded series, Prometheus' own `up`, or (with a Pushgateway) its
 * `push_time_seconds`.
 */
function checkReferences(
  ctx: Ctx,
  expressions: readonly ExpressionRef[],
  recordedNames: readonly string[],
): void {
  const known = new Set<string>(['up', ...recordedNames]);
  if (ctx.config.pushgateway !== null) known.add('push_time_seconds');
  for (const [exposedName, catalogName] of ctx.exposed) {
    known.add(exposedName);
    if (ctx.def(catalogName).kind === 'histogram') {
      for (const s of ['_bucket', '_count', '_sum']) known.add(`${exposedName}${s}`);
    }
  }
  for (const e of expressions) {
    for (const name of metricNamesIn(e.expr)) {
      if (!known.has(name))
        throw new Error(`Glassbox mixin: ${e.source} references "${name}", which is not defined`);
    }
  }
}

/**
 * Generates every asset for a config. Throws `MixinConfigError` for a bad config (a
 * latency SLO off the histogram's buckets included) and an Error when a rule or panel
 * would reference a metric that is not defined.
 */
export function generateMixin(input: MixinConfig = {}): MixinOutput {
  const config = resolveConfig(input);
  const ctx = new Ctx(config);
  const slo = buildSlos(ctx);
  const recorded = knownRecorded(ctx);
  const alerts = [...buildAlerts(ctx), ...customAlerts(ctx, recorded), ...slo.alerts];
  const dashboardRecording = [...buildRecordingRules(ctx), ...customRecording(ctx, recorded)];
  const recording = [...dashboardRecording, ...slo.recording];
  const dashboards = buildDashboards(ctx);
  const files = renderFiles(ctx, alerts, dashboardRecording, slo, dashboards);
  const expressions: ExpressionRef[] = [
    ...alerts.map((a) => ({ source: `rule:${a.group}/${a.alert}`, expr: a.expr })),
    ...recording.flatMap((g) => g.rules.map((r) => ({ source: `rule:${g.name}/${r.record}`, expr: r.expr }))),
    ...Object.values(dashboards).flatMap(dashboardExpressions),
  ];
  const recordedNames = [...new Set(recording.flatMap((g) => g.rules.map((r) => r.record)))];
  checkReferences(ctx, expressions, recordedNames);
  const custom = new Set(config.custom.metrics.map((d) => d.name));
  const metrics = [...ctx.resolved.values()].filter(
    (r) => custom.has(r.definition.name) || ctx.has(r.definition.group),
  );
  files[OUTPUT_PATHS.index] = renderIndex(config, alerts, dashboards, metrics);
  const definitions = [...ctx.defs.values()];
  const warnings = legacyNameWarnings(metrics);
  return { config, alerts, recording, dashboards, files, expressions, recordedNames, definitions, warnings };
}

/** Writes every generated file under `outDir` (created when missing); returns the written paths. */
export async function writeMixin(output: MixinOutput, outDir: string): Promise<string[]> {
  const root = resolve(outDir);
  const written: string[] = [];
  for (const [path, content] of Object.entries(output.files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content, 'utf8');
    written.push(full);
  }
  return written;
}
