/**
 * Grafana dashboards, built with the typed builders of `@grafana/grafana-foundation-sdk`
 * (Grafana's own code-generated SDK): a `datasource` variable, `job` and `service`
 * variables, stable UIDs (`<uidPrefix>-<key>`), and every query built from the
 * catalog under the naming options.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Ctx } from './context.js';
import { customDashboardSpecs, knownRecorded } from './custom.js';
import {
  type DashboardRow,
  type DashKit,
  dashKit,
  type PanelQuery,
  type PanelSpec,
} from './dashboard-kit.js';
import { batchDashboard, consumersDashboard, llmDashboard } from './dashboard-rows/jobs.js';
import { driftDashboard, mlDashboard } from './dashboard-rows/model.js';
import { serviceOverviewDashboard } from './dashboard-rows/overview.js';

export type { PanelQuery, PanelSpec } from './dashboard-kit.js';

/** A row of panels. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** A dashboard description. */
export interface DashboardSpec {
  /** Stable key: the UID is `<uidPrefix>-<key>` and the file `<key>.json`. */
  readonly key: string;
  readonly title: string;
  readonly description: string;
  /** Extra variables: name → label whose values it lists (from `metric`). */
  readonly variables: readonly { name: string; label: string; metric: string }[];
  readonly rows: readonly RowSpec[];
  /** Annotation queries (rollout markers). */
  readonly annotations?: readonly { name: string; expr: string; title: string }[];
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax, not a JS template.
const DS = { type: 'prometheus', uid: '${datasource}' };

/** The dashboard table, in file order. */
export const DASHBOARD_ROWS: readonly DashboardRow[] = Object.freeze([
  serviceOverviewDashboard,
  mlDashboard,
  driftDashboard,
  batchDashboard,
  consumersDashboard,
  llmDashboard,
]);

/** The dashboard specs (queries included) under this config: the selected groups' panels, then the team's dashboards. */
export function dashboardSpecs(ctx: Ctx): DashboardSpec[] {
  // One kit per catalog group: a label renamed for one metric only resolves through the
  // group the panel reads (see Ctx.inGroup).
  const kits = new Map<string, DashKit>();
  const kitOf = (group: string): DashKit => {
    const kit = kits.get(group) ?? dashKit(ctx.inGroup(group));
    kits.set(group, kit);
    return kit;
  };
  const out: DashboardSpec[] = [];
  for (const d of DASHBOARD_ROWS) {
    if (!ctx.has(d.needs)) continue;
    const k = kitOf(d.needs);
    const rows = d.rows
      .map((row) => ({
        title: row.title,
        panels: row.panels
          .filter((p) => ctx.has(p.needs ?? d.needs))
          .map((p) => p.build(kitOf(p.needs ?? d.needs))),
      }))
      .filter((row) => row.panels.length > 0);
    out.push({
      key: d.key,
      title: d.title,
      description: d.description,
      variables: d.variables(k),
      ...(d.annotations === undefined ? {} : { annotations: d.annotations(k) }),
      rows,
    });
  }
  return [...out, ...customDashboardSpecs(ctx, knownRecorded(ctx))];
}

function thresholds(value: number): cog.Builder<dashboard.ThresholdsConfig> {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value, color: 'red' },
  ]);
}

function target(qy: PanelQuery, i: number): prometheus.DataqueryBuilder {
  const t = new prometheus.DataqueryBuilder()
    .expr(qy.expr)
    .legendFormat(qy.legend)
    .refId(String.fromCharCode(65 + i))
    .datasource(DS);
  if (qy.heatmap === true) t.format(prometheus.PromQueryFormat.Heatmap).instant();
  if (qy.exemplarsOnly === true) t.exemplar(true);
  return t;
}

/** The series of exemplar-only queries, hidden (their exemplars are drawn as points). */
const HIDDEN_SERIES: dashboard.DynamicConfigValue[] = [
  { id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: true } },
];

function panel(
  p: PanelSpec,
  id: number,
  x: number,
  y: number,
  w: number,
  h: number,
): cog.Builder<dashboard.Panel> {
  const pos = { x, y, w, h };
  const targets = p.queries.map(target);
  switch (p.kind) {
    case 'stat': {
      const b = new stat.PanelBuilder()
        .id(id)
        .title(p.title)
        .datasource(DS)
        .unit(p.unit)
        .gridPos(pos)
        .targets(targets);
      if (p.threshold !== undefined) b.thresholds(thresholds(p.threshold));
      return b;
    }
    case 'bargauge': {
      const b = new bargauge.PanelBuilder()
        .id(id)
        .title(p.title)
        .datasource(DS)
        .unit(p.unit)
        .min(0)
        .max(1)
        .gridPos(pos)
        .orientation(common.VizOrientation.Vertical)
        .targets(targets);
      if (p.description !== undefined) b.description(p.description);
      return b;
    }
    case 'statetimeline':
      return new statetimeline.PanelBuilder()
        .id(id)
        .title(p.title)
        .datasource(DS)
        .gridPos(pos)
        .targets(targets);
    default: {
      const b = new timeseries.PanelBuilder()
        .id(id)
        .title(p.title)
        .datasource(DS)
        .unit(p.unit)
        .gridPos(pos)
        .fillOpacity(10)
        .legend(
          new common.VizLegendOptionsBuilder()
            .showLegend(true)
            .displayMode(common.LegendDisplayMode.List)
            .placement(common.LegendPlacement.Bottom),
        )
        .targets(targets);
      if (p.description !== undefined) b.description(p.description);
      p.queries.forEach((qy, i) => {
        if (qy.exemplarsOnly === true) b.overrideByQuery(String.fromCharCode(65 + i), HIDDEN_SERIES);
      });
      if (p.threshold !== undefined) {
        b.thresholds(thresholds(p.threshold)).thresholdsStyle(
          new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
        );
      }
      return b;
    }
  }
}

/** A multi-value query variable listing the values of `query`. */
function queryVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DS)
    .query(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

/** A metric every service of the config records, for label values: HTTP requests, else the first of a selected group. */
function primaryMetric(ctx: Ctx): string {
  if (ctx.has('http')) return ctx.m('http_requests_total');
  const def = [...ctx.defs.values()].find((d) => ctx.config.groups.includes(d.group));
  return ctx.m(def?.name ?? 'glassbox_instrumentation_errors_total');
}

/** Datasource, job and service variables, one per constant label, then the dashboard's own. */
function addVariables(b: dashboard.DashboardBuilder, ctx: Ctx, spec: DashboardSpec): void {
  const svc = ctx.config.serviceLabel;
  b.withVariable(
    new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
  )
    .withVariable(queryVariable('job', 'job', 'label_values(up, job)'))
    .withVariable(queryVariable('service', svc, `label_values(up{job=~"$job"}, ${svc})`));
  // One variable per constant label of the naming options (env, region, ...).
  const primary = spec.variables[0]?.metric ?? primaryMetric(ctx);
  for (const k of ctx.scope.slice(2)) {
    b.withVariable(queryVariable(k, k, `label_values(${primary}{job=~"$job"}, ${k})`));
  }
  for (const v of spec.variables) {
    b.withVariable(queryVariable(v.name, v.label, `label_values(${v.metric}{job=~"$job"}, ${v.label})`));
  }
}

/** Rows of panels laid out on Grafana's 24-column grid: stat rows 4 wide, others 2 wide. */
function addPanels(b: dashboard.DashboardBuilder, spec: DashboardSpec): void {
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    b.withRow(new dashboard.RowBuilder(row.title).id(id++).gridPos({ x: 0, y, w: 24, h: 1 }));
    y += 1;
    const small = row.panels.every((p) => p.kind === 'stat');
    const w = small ? 6 : 12;
    const h = small ? 4 : 8;
    row.panels.forEach((p, i) => {
      const x = (i * w) % 24;
      if (i > 0 && x === 0) y += h;
      b.withPanel(panel(p, id++, x, y, w, h));
    });
    y += h;
  }
}

/** One dashboard as a Grafana JSON model. */
function buildDashboard(ctx: Ctx, spec: DashboardSpec): dashboard.Dashboard {
  const cfg = ctx.config.dashboards;
  const b = new dashboard.DashboardBuilder(`${cfg.titlePrefix} / ${spec.title}`)
    .uid(`${cfg.uidPrefix}-${spec.key}`)
    .description(spec.description)
    .tags([...cfg.tags])
    .refresh(cfg.refresh)
    .time({ from: 'now-6h', to: 'now' })
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
  addVariables(b, ctx, spec);
  for (const a of spec.annotations ?? []) {
    b.annotation(
      new dashboard.AnnotationQueryBuilder()
        .name(a.name)
        .datasource(DS)
        .enable(true)
        .iconColor('blue')
        .expr(a.expr)
        .titleFormat(a.title)
        .step('60s'),
    );
  }
  addPanels(b, spec);
  return b.build();
}

/** Builds the dashboards as Grafana JSON models, keyed by file name. */
export function buildDashboards(ctx: Ctx): Record<string, dashboard.Dashboard> {
  const out: Record<string, dashboard.Dashboard> = {};
  for (const spec of dashboardSpecs(ctx)) out[`${spec.key}.json`] = buildDashboard(ctx, spec);
  return out;
}
