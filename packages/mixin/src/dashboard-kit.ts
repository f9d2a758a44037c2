/**
 * What a dashboard row is made of: panels are rows of a table, each with one small
 * builder of the kit below, so adding a panel is adding a row to a dashboard in
 * `dashboard-rows/`.
 */
import type { AlertNeeds } from './alert-kit.js';
import type { ResolvedMixinConfig } from './config.js';
import type { Ctx, SeriesSuffix } from './context.js';
import { type RecordedNames, recordedNames } from './recording.js';

/** One query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
  /** Render as a heatmap-style bucket series (`format: heatmap`). @default false */
  readonly heatmap?: boolean;
  /**
   * A query kept for its exemplars: Grafana asks Prometheus for the exemplars of the
   * series it selects (`"exemplar": true`) and draws them as points; its own series is
   * hidden from the graph, legend and tooltip. Recorded series carry no exemplars, so a
   * panel on a recording rule adds one such query on the raw histogram.
   * @default false
   */
  readonly exemplarsOnly?: boolean;
}

/** A panel description, turned into SDK builders by `buildDashboards`. */
export interface PanelSpec {
  readonly title: string;
  readonly kind: 'timeseries' | 'stat' | 'bargauge' | 'statetimeline';
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  readonly description?: string;
  /** Draws a red threshold line (an SLO or alert threshold). */
  readonly threshold?: number;
}

/** Helpers shared by the panel builders, under one config. */
export interface DashKit {
  readonly ctx: Ctx;
  /** The recorded series the dashboards read. */
  readonly r: RecordedNames;
  readonly alerts: ResolvedMixinConfig['alerts'];
  /** The prediction latency SLO line (SlowModelPredictions' threshold). */
  readonly sloLatency: number;
  readonly model: string;
  readonly modelSel: string;
  readonly jobName: string;
  readonly jobSel: string;
  readonly queue: string;
  readonly queueSel: string;
  readonly provider: string;
  /** Exposed label name. */
  l(label: string): string;
  /** A recorded series with the dashboard matchers. */
  rec(name: string, ...matchers: string[]): string;
  /** A catalog series with the dashboard matchers. */
  d(name: string, suffix?: SeriesSuffix, ...matchers: string[]): string;
  rate(sel: string, window?: string): string;
  /** `histogram_quantile(p, sum by (<by>, le) (rate(sel)))`. */
  q(p: number, by: string, sel: string): string;
  /** A time-series panel. */
  ts(title: string, unit: string, queries: PanelQuery[], extra?: Partial<PanelSpec>): PanelSpec;
  /**
   * The exemplars of a histogram on a latency panel: the p95 of its raw buckets by `by`,
   * with `"exemplar": true`, its line hidden (see {@link PanelQuery.exemplarsOnly}).
   */
  exemplars(metric: string, by: string, ...matchers: string[]): PanelQuery;
}

/** One panel row: the catalog group it reads (default: its dashboard's) and its builder. */
export interface PanelRow {
  readonly needs?: AlertNeeds;
  build(k: DashKit): PanelSpec;
}

/** One dashboard of the table. */
export interface DashboardRow {
  /** Stable key: the UID is `<uidPrefix>-<key>` and the file `<key>.json`. */
  readonly key: string;
  readonly title: string;
  readonly description: string;
  /** The catalog group the dashboard's panels read (`always` for the overview). */
  readonly needs: AlertNeeds;
  variables(k: DashKit): { name: string; label: string; metric: string }[];
  annotations?(k: DashKit): { name: string; expr: string; title: string }[];
  readonly rows: readonly { readonly title: string; readonly panels: readonly PanelRow[] }[];
}

/** The kit for a config. */
export function dashKit(ctx: Ctx): DashKit {
  const l = (x: string) => ctx.l(x);
  const scopeSel = ctx.dashboardMatchers().join(', ');
  const rate = (sel: string, w = '$__rate_interval') => `rate(${sel}[${w}])`;
  const alerts = ctx.config.alerts;
  const model = l('model');
  const jobName = l('job_name');
  const queue = l('queue');
  return {
    ctx,
    r: recordedNames(ctx),
    alerts,
    sloLatency: alerts.SlowModelPredictions?.threshold ?? 0.5,
    model,
    modelSel: `${model}=~"$model"`,
    jobName,
    jobSel: `${jobName}=~"$job_name"`,
    queue,
    queueSel: `${queue}=~"$queue"`,
    provider: l('provider'),
    l,
    rec: (name, ...m) => `${name}{${[scopeSel, ...m].join(', ')}}`,
    d: (name, suffix = '', ...m) => ctx.dsel(name, suffix, ...m),
    rate,
    q: (p, by, sel) => `histogram_quantile(${p}, sum by (${by}, le) (${rate(sel)}))`,
    ts: (title, unit, queries, extra = {}) => ({ title, kind: 'timeseries', unit, queries, ...extra }),
    exemplars: (metric, by, ...m) => ({
      expr: `histogram_quantile(0.95, sum by (${by}, le) (${rate(ctx.dsel(metric, '_bucket', ...m))}))`,
      legend: `{{${by}}} exemplars`,
      exemplarsOnly: true,
    }),
  };
}
