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
import { type Ctx, num } from './context.js';
import { recordedNames } from './recording.js';

/** One query of a panel. */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
  /** Render as a heatmap-style bucket series (`format: heatmap`). @default false */
  readonly heatmap?: boolean;
}

/** A panel description, turned into SDK builders by {@link buildDashboards}. */
export interface PanelSpec {
  readonly title: string;
  readonly kind: 'timeseries' | 'stat' | 'bargauge' | 'statetimeline';
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  readonly description?: string;
  /** Draws a red threshold line (an SLO or alert threshold). */
  readonly threshold?: number;
}

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

/** The dashboard specs (queries included) under this config. */
export function dashboardSpecs(ctx: Ctx): DashboardSpec[] {
  const r = recordedNames(ctx);
  const l = (x: string) => ctx.l(x);
  const scopeSel = ctx.dashboardMatchers().join(', ');
  const rec = (name: string, ...m: string[]) => `${name}{${[scopeSel, ...m].join(', ')}}`;
  const d = (name: string, suffix: '' | '_bucket' | '_count' | '_sum' = '', ...m: string[]) =>
    ctx.dsel(name, suffix, ...m);
  const rate = (sel: string, w = '$__rate_interval') => `rate(${sel}[${w}])`;
  const q = (p: number, by: string, sel: string) =>
    `histogram_quantile(${p}, sum by (${by}, le) (${rate(sel)}))`;
  const alerts = ctx.config.alerts;
  const sloLatency = alerts.SlowModelPredictions?.threshold ?? 0.5;
  const model = l('model');
  const modelSel = `${model}=~"$model"`;
  const ts = (
    title: string,
    unit: string,
    queries: PanelQuery[],
    extra: Partial<PanelSpec> = {},
  ): PanelSpec => ({
    title,
    kind: 'timeseries',
    unit,
    queries,
    ...extra,
  });

  const overview: DashboardSpec = {
    key: 'service-overview',
    title: 'Service overview (RED)',
    description: 'Rate, errors and duration of HTTP traffic, in-flight requests and instrumentation health.',
    variables: [],
    rows: [
      {
        title: 'Health',
        panels: [
          {
            title: 'Targets up',
            kind: 'stat',
            unit: 'none',
            queries: [{ expr: `sum(up{job=~"$job", ${ctx.config.serviceLabel}=~"$service"})`, legend: 'up' }],
          },
          {
            title: 'Request rate',
            kind: 'stat',
            unit: 'reqps',
            queries: [{ expr: `sum(${rec(r.httpRate)})`, legend: 'req/s' }],
          },
          {
            title: '5xx ratio',
            kind: 'stat',
            unit: 'percentunit',
            threshold: alerts.HighErrorRate?.threshold ?? 0.05,
            queries: [
              {
                expr: `sum(${rec(r.httpRate, ctx.eq('status_code', '5..', '=~'))}) / sum(${rec(r.httpRate)})`,
                legend: '5xx',
              },
            ],
          },
          {
            title: 'Instrumentation errors (1h)',
            kind: 'stat',
            unit: 'none',
            queries: [
              { expr: `sum(increase(${d('glassbox_instrumentation_errors_total')}[1h]))`, legend: 'errors' },
            ],
          },
        ],
      },
      {
        title: 'Rate and errors',
        panels: [
          ts('Requests by route', 'reqps', [
            { expr: `sum by (${l('route')}) (${rec(r.httpRate)})`, legend: `{{${l('route')}}}` },
          ]),
          ts('Requests by status code', 'reqps', [
            { expr: `sum by (${l('status_code')}) (${rec(r.httpRate)})`, legend: `{{${l('status_code')}}}` },
          ]),
          ts(
            '5xx ratio by route',
            'percentunit',
            [
              {
                expr: `sum by (${l('route')}) (${rec(r.httpRate, ctx.eq('status_code', '5..', '=~'))}) / sum by (${l('route')}) (${rec(r.httpRate)})`,
                legend: `{{${l('route')}}}`,
              },
            ],
            { threshold: alerts.HighErrorRate?.threshold ?? 0.05 },
          ),
          ts('In-flight requests', 'none', [
            {
              expr: `sum by (${l('method')}) (${d('http_requests_in_flight')})`,
              legend: `{{${l('method')}}}`,
            },
          ]),
        ],
      },
      {
        title: 'Duration',
        panels: [
          ts(
            'p95 latency by route',
            's',
            [{ expr: `max by (${l('route')}) (${rec(r.httpP95)})`, legend: `{{${l('route')}}}` }],
            { threshold: alerts.HighLatency?.threshold ?? 0.5 },
          ),
          ts('p99 latency by route', 's', [
            { expr: `max by (${l('route')}) (${rec(r.httpP99)})`, legend: `{{${l('route')}}}` },
          ]),
          ts('Request size p95', 'bytes', [
            {
              expr: q(0.95, l('route'), d('http_request_size_bytes', '_bucket')),
              legend: `{{${l('route')}}}`,
            },
          ]),
          ts('Response size p95', 'bytes', [
            {
              expr: q(0.95, l('route'), d('http_response_size_bytes', '_bucket')),
              legend: `{{${l('route')}}}`,
            },
          ]),
        ],
      },
      {
        title: 'Outbound HTTP (dependencies)',
        panels: [
          ts('Outbound requests by host and status', 'reqps', [
            {
              expr: `sum by (${l('host')}, ${l('status_code')}) (${rate(d('http_client_requests_total'))})`,
              legend: `{{${l('host')}}} {{${l('status_code')}}}`,
            },
          ]),
          ts('Outbound p95 latency by host', 's', [
            {
              expr: q(0.95, l('host'), d('http_client_request_duration_seconds', '_bucket')),
              legend: `{{${l('host')}}}`,
            },
          ]),
        ],
      },
      {
        title: 'Instrumentation',
        panels: [
          ts('Instrumentation errors by component', 'none', [
            {
              expr: `sum by (${l('component')}) (${rate(d('glassbox_instrumentation_errors_total'))})`,
              legend: `{{${l('component')}}}`,
            },
          ]),
        ],
      },
    ],
  };

  const ml: DashboardSpec = {
    key: 'ml',
    title: 'ML service',
    description:
      'Prediction rate, latency against the SLO, score distribution, errors, quality and rollouts per model.',
    variables: [{ name: 'model', label: model, metric: ctx.m('ml_predictions_total') }],
    annotations: [
      {
        name: 'Model rollouts',
        expr: `${d('ml_model_info', '', modelSel)} unless ${d('ml_model_info', '', modelSel)} offset 10m`,
        title: `{{${model}}} → {{${l('model_version')}}}`,
      },
    ],
    rows: [
      {
        title: 'Traffic',
        panels: [
          ts('Predictions by model and outcome', 'ops', [
            {
              expr: `sum by (${model}, ${l('outcome')}) (${rec(r.predictionRate, modelSel)})`,
              legend: `{{${model}}} {{${l('outcome')}}}`,
            },
          ]),
          ts('Prediction errors by type', 'ops', [
            {
              expr: `sum by (${model}, ${l('error_type')}) (${rate(d('ml_prediction_errors_total', '', modelSel))})`,
              legend: `{{${model}}} {{${l('error_type')}}}`,
            },
          ]),
          ts('Batch size p95', 'none', [
            {
              expr: q(0.95, model, d('ml_prediction_batch_size', '_bucket', modelSel)),
              legend: `{{${model}}}`,
            },
          ]),
        ],
      },
      {
        title: 'Latency',
        panels: [
          ts(
            'Prediction p95 vs SLO',
            's',
            [{ expr: `max by (${model}) (${rec(r.predictionP95, modelSel)})`, legend: `{{${model}}} p95` }],
            { threshold: sloLatency, description: `SLO: p95 under ${num(sloLatency * 1000)} ms` },
          ),
          ts(
            'Prediction p99',
            's',
            [{ expr: `max by (${model}) (${rec(r.predictionP99, modelSel)})`, legend: `{{${model}}} p99` }],
            { threshold: sloLatency },
          ),
        ],
      },
      {
        title: 'Scores and quality',
        panels: [
          {
            title: 'Score distribution',
            kind: 'bargauge',
            unit: 'percentunit',
            description:
              'Share of predictions per score bucket (cumulative buckets by upper bound); a single full bar means the model predicts the same score for everyone.',
            queries: [
              {
                expr: `sum by (le) (increase(${d('ml_prediction_score', '_bucket', modelSel)}[$__range])) / ignoring (le) group_left sum(increase(${d('ml_prediction_score', '_count', modelSel)}[$__range]))`,
                legend: '≤ {{le}}',
                heatmap: true,
              },
            ],
          },
          ts('Model quality', 'none', [
            {
              expr: `max by (${model}, ${l('metric')}) (${d('ml_model_quality', '', modelSel)})`,
              legend: `{{${model}}} {{${l('metric')}}}`,
            },
          ]),
          ts('Performance degradations (1h)', 'none', [
            {
              expr: `sum by (${model}, ${l('metric')}) (increase(${d('ml_performance_degraded_total', '', modelSel)}[1h]))`,
              legend: `{{${model}}} {{${l('metric')}}}`,
            },
          ]),
          {
            title: 'Live model versions',
            kind: 'statetimeline',
            unit: 'none',
            queries: [
              {
                expr: `max by (${model}, ${l('model_version')}) (${d('ml_model_info', '', modelSel)})`,
                legend: `{{${model}}} {{${l('model_version')}}}`,
              },
            ],
          },
        ],
      },
    ],
  };

  const drift: DashboardSpec = {
    key: 'drift',
    title: 'Drift',
    description: 'Drift scores against their thresholds per model and feature, checks and detections.',
    variables: [{ name: 'model', label: model, metric: ctx.m('ml_drift_score') }],
    rows: [
      {
        title: 'Scores',
        panels: [
          ts('Drift score vs threshold', 'none', [
            {
              expr: `max by (${model}, ${l('feature')}, ${l('method')}) (${d('ml_drift_score', '', modelSel)})`,
              legend: `{{${l('feature')}}} {{${l('method')}}}`,
            },
            {
              expr: `max by (${model}, ${l('feature')}, ${l('method')}) (${d('ml_drift_threshold', '', modelSel)})`,
              legend: `threshold {{${l('feature')}}} {{${l('method')}}}`,
            },
          ]),
          ts(
            'Score / threshold',
            'percentunit',
            [
              {
                expr: `max by (${model}, ${l('feature')}, ${l('method')}) (${d('ml_drift_score', '', modelSel)}) / max by (${model}, ${l('feature')}, ${l('method')}) (${d('ml_drift_threshold', '', modelSel)})`,
                legend: `{{${l('feature')}}} {{${l('method')}}}`,
              },
            ],
            { threshold: 1 },
          ),
        ],
      },
      {
        title: 'Checks',
        panels: [
          ts('Drift checks (1h)', 'none', [
            {
              expr: `sum by (${model}) (increase(${d('ml_drift_checks_total', '', modelSel)}[1h]))`,
              legend: `{{${model}}}`,
            },
          ]),
          ts('Drift detections (1h)', 'none', [
            {
              expr: `sum by (${model}) (increase(${d('ml_drift_detections_total', '', modelSel)}[1h]))`,
              legend: `{{${model}}}`,
            },
          ]),
        ],
      },
    ],
  };

  const jobName = l('job_name');
  const jobSel = `${jobName}=~"$job_name"`;
  const batch: DashboardSpec = {
    key: 'batch',
    title: 'Batch jobs',
    description:
      'Duration p99, runs by status, time since last success, triggers and progress per batch job.',
    variables: [{ name: 'job_name', label: jobName, metric: ctx.m('batch_job_runs_total') }],
    rows: [
      {
        title: 'Runs',
        panels: [
          ts('Duration p99', 's', [
            { expr: `max by (${jobName}) (${rec(r.batchP99, jobSel)})`, legend: `{{${jobName}}}` },
          ]),
          ts('Runs by status (1h)', 'none', [
            {
              expr: `sum by (${jobName}, ${l('status')}) (increase(${d('batch_job_runs_total', '', jobSel)}[1h]))`,
              legend: `{{${jobName}}} {{${l('status')}}}`,
            },
          ]),
          ts(
            'Time since last success',
            's',
            [
              {
                expr: `time() - max by (${jobName}) (${d('batch_job_last_success_timestamp_seconds', '', jobSel)})`,
                legend: `{{${jobName}}}`,
              },
            ],
            { threshold: alerts.BatchJobStale?.threshold ?? 93_600 },
          ),
          ts('Triggers (1h)', 'none', [
            {
              expr: `sum by (${l('batch_job')}) (increase(${d('batch_job_triggers_total')}[1h]))`,
              legend: `{{${l('batch_job')}}}`,
            },
          ]),
        ],
      },
      {
        title: 'Progress',
        panels: [
          ts('In progress', 'none', [
            {
              expr: `sum by (${jobName}) (${d('batch_job_in_progress', '', jobSel)})`,
              legend: `{{${jobName}}}`,
            },
          ]),
          ts('Progress', 'percentunit', [
            {
              expr: `max by (${jobName}) (${d('batch_job_progress_ratio', '', jobSel)})`,
              legend: `{{${jobName}}}`,
            },
          ]),
          ts('Items processed', 'ops', [
            {
              expr: `sum by (${jobName}, ${l('outcome')}) (${rate(d('batch_job_items_processed_total', '', jobSel))})`,
              legend: `{{${jobName}}} {{${l('outcome')}}}`,
            },
          ]),
        ],
      },
    ],
  };

  const queue = l('queue');
  const queueSel = `${queue}=~"$queue"`;
  const consumers: DashboardSpec = {
    key: 'consumers',
    title: 'Message consumers',
    description:
      'Consume rate by queue and outcome, processing p95, in-flight messages, message age and publishing.',
    variables: [{ name: 'queue', label: queue, metric: ctx.m('rabbitmq_messages_consumed_total') }],
    rows: [
      {
        title: 'Consumers',
        panels: [
          ts('Messages by queue and outcome', 'ops', [
            {
              expr: `sum by (${queue}, ${l('outcome')}) (${rec(r.consumerRate, queueSel)})`,
              legend: `{{${queue}}} {{${l('outcome')}}}`,
            },
          ]),
          ts('Processing p95', 's', [
            { expr: `max by (${queue}) (${rec(r.consumerP95, queueSel)})`, legend: `{{${queue}}}` },
          ]),
          ts('In flight', 'none', [
            {
              expr: `sum by (${queue}) (${d('rabbitmq_messages_in_flight', '', queueSel)})`,
              legend: `{{${queue}}}`,
            },
          ]),
          ts('Message age p95', 's', [
            {
              expr: q(0.95, queue, d('rabbitmq_message_age_seconds', '_bucket', queueSel)),
              legend: `{{${queue}}}`,
            },
          ]),
          ts('Redeliveries', 'ops', [
            {
              expr: `sum by (${queue}) (${rate(d('rabbitmq_messages_redelivered_total', '', queueSel))})`,
              legend: `{{${queue}}}`,
            },
          ]),
          ts('Published by exchange and outcome', 'ops', [
            {
              expr: `sum by (${l('exchange')}, ${l('outcome')}) (${rate(d('rabbitmq_messages_published_total'))})`,
              legend: `{{${l('exchange')}}} {{${l('outcome')}}}`,
            },
          ]),
        ],
      },
    ],
  };

  const provider = l('provider');
  const llm: DashboardSpec = {
    key: 'llm',
    title: 'LLM',
    description: 'LLM cost per hour against the budget, tokens and generation latency by provider and model.',
    variables: [{ name: 'provider', label: provider, metric: ctx.m('llm_tokens_total') }],
    rows: [
      {
        title: 'Cost and usage',
        panels: [
          ts(
            'Cost per hour',
            'currencyUSD',
            [
              {
                expr: `sum by (${provider}, ${model}) (${rec(r.llmCostRate1h, `${provider}=~"$provider"`)}) * 3600`,
                legend: `{{${provider}}} {{${model}}}`,
              },
            ],
            { threshold: alerts.LLMCostOverBudget?.threshold ?? 10 },
          ),
          ts('Tokens by type', 'short', [
            {
              expr: `sum by (${provider}, ${model}, ${l('type')}) (${rate(d('llm_tokens_total', '', `${provider}=~"$provider"`))})`,
              legend: `{{${provider}}} {{${model}}} {{${l('type')}}}`,
            },
          ]),
          ts('Generation p95', 's', [
            {
              expr: `histogram_quantile(0.95, sum by (${provider}, ${model}, le) (${rate(d('llm_generation_duration_seconds', '_bucket', `${provider}=~"$provider"`))}))`,
              legend: `{{${provider}}} {{${model}}}`,
            },
          ]),
        ],
      },
    ],
  };
  return [overview, ml, drift, batch, consumers, llm];
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
  return t;
}

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
      if (p.threshold !== undefined) {
        b.thresholds(thresholds(p.threshold)).thresholdsStyle(
          new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
        );
      }
      return b;
    }
  }
}

/** Builds the dashboards as Grafana JSON models, keyed by file name. */
export function buildDashboards(ctx: Ctx): Record<string, dashboard.Dashboard> {
  const cfg = ctx.config.dashboards;
  const out: Record<string, dashboard.Dashboard> = {};
  for (const spec of dashboardSpecs(ctx)) {
    const b = new dashboard.DashboardBuilder(`${cfg.titlePrefix} / ${spec.title}`)
      .uid(`${cfg.uidPrefix}-${spec.key}`)
      .description(spec.description)
      .tags([...cfg.tags])
      .refresh(cfg.refresh)
      .time({ from: 'now-6h', to: 'now' })
      .tooltip(dashboard.DashboardCursorSync.Crosshair)
      .withVariable(
        new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
      )
      .withVariable(
        new dashboard.QueryVariableBuilder('job')
          .label('job')
          .datasource(DS)
          .query('label_values(up, job)')
          .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
          .sort(dashboard.VariableSort.AlphabeticalAsc)
          .multi(true)
          .includeAll(true)
          .allValue('.*'),
      )
      .withVariable(
        new dashboard.QueryVariableBuilder('service')
          .label(ctx.config.serviceLabel)
          .datasource(DS)
          .query(`label_values(up{job=~"$job"}, ${ctx.config.serviceLabel})`)
          .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
          .sort(dashboard.VariableSort.AlphabeticalAsc)
          .multi(true)
          .includeAll(true)
          .allValue('.*'),
      );
    // One variable per constant label of the naming options (env, region, ...).
    const primary = spec.variables[0]?.metric ?? ctx.m('http_requests_total');
    for (const k of ctx.scope.slice(2)) {
      b.withVariable(
        new dashboard.QueryVariableBuilder(k)
          .label(k)
          .datasource(DS)
          .query(`label_values(${primary}{job=~"$job"}, ${k})`)
          .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
          .sort(dashboard.VariableSort.AlphabeticalAsc)
          .multi(true)
          .includeAll(true)
          .allValue('.*'),
      );
    }
    for (const v of spec.variables) {
      b.withVariable(
        new dashboard.QueryVariableBuilder(v.name)
          .label(v.label)
          .datasource(DS)
          .query(`label_values(${v.metric}{job=~"$job"}, ${v.label})`)
          .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
          .sort(dashboard.VariableSort.AlphabeticalAsc)
          .multi(true)
          .includeAll(true)
          .allValue('.*'),
      );
    }
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
    out[`${spec.key}.json`] = b.build();
  }
  return out;
}
