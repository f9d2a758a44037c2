/**
 * Recording rules for the expensive dashboard queries: per-route and per-model
 * quantiles and rates, named `level:metric:operations` from the exposed (renamed)
 * names, so a rename changes the recorded names too. Each rule is a row of
 * {@link RECORDING_ROWS}.
 */
import type { AlertNeeds } from './alert-kit.js';
import type { Ctx } from './context.js';
import type { RecordingGroup, RecordingSpec } from './rules-model.js';

/** Names of the recorded series the dashboards read, by purpose. */
export interface RecordedNames {
  httpRate: string;
  httpP95: string;
  httpP99: string;
  predictionRate: string;
  predictionP95: string;
  predictionP99: string;
  consumerRate: string;
  consumerP95: string;
  llmCostRate1h: string;
  batchP99: string;
}

/** One recording rule: a rate (`sum by`) or a quantile of a catalog metric, over a window, kept by labels. */
export interface RecordingRow {
  readonly key: keyof RecordedNames;
  readonly needs: AlertNeeds;
  readonly metric: string;
  /** Catalog labels kept besides the scope labels. */
  readonly labels: readonly string[];
  readonly window: string;
  /** `rate`, or the quantile (0.95, 0.99) of a histogram. */
  readonly op: 'rate' | number;
}

/** The recording table, in rule-file order. */
export const RECORDING_ROWS: readonly RecordingRow[] = Object.freeze([
  {
    key: 'httpRate',
    needs: 'http',
    metric: 'http_requests_total',
    labels: ['route', 'status_code'],
    window: '5m',
    op: 'rate',
  },
  {
    key: 'httpP95',
    needs: 'http',
    metric: 'http_request_duration_seconds',
    labels: ['route'],
    window: '5m',
    op: 0.95,
  },
  {
    key: 'httpP99',
    needs: 'http',
    metric: 'http_request_duration_seconds',
    labels: ['route'],
    window: '5m',
    op: 0.99,
  },
  {
    key: 'predictionRate',
    needs: 'model',
    metric: 'ml_predictions_total',
    labels: ['model', 'outcome'],
    window: '5m',
    op: 'rate',
  },
  {
    key: 'predictionP95',
    needs: 'model',
    metric: 'ml_prediction_duration_seconds',
    labels: ['model'],
    window: '5m',
    op: 0.95,
  },
  {
    key: 'predictionP99',
    needs: 'model',
    metric: 'ml_prediction_duration_seconds',
    labels: ['model'],
    window: '5m',
    op: 0.99,
  },
  {
    key: 'consumerRate',
    needs: 'consumer',
    metric: 'rabbitmq_messages_consumed_total',
    labels: ['queue', 'outcome'],
    window: '5m',
    op: 'rate',
  },
  {
    key: 'consumerP95',
    needs: 'consumer',
    metric: 'rabbitmq_message_processing_duration_seconds',
    labels: ['queue'],
    window: '5m',
    op: 0.95,
  },
  {
    key: 'llmCostRate1h',
    needs: 'llm',
    metric: 'llm_generation_cost_dollars_total',
    labels: ['provider', 'model'],
    window: '1h',
    op: 'rate',
  },
  {
    key: 'batchP99',
    needs: 'batch',
    metric: 'batch_job_duration_seconds',
    labels: ['job_name'],
    window: '1h',
    op: 0.99,
  },
] satisfies RecordingRow[]);

const stem = (name: string) => name.replace(/_total$/, '');

/** `level:metric:operations` of a row under this config. */
function recordName(base: Ctx, row: RecordingRow): string {
  const ctx = base.on(row.metric);
  const level = [...ctx.scope, ...row.labels.map((l) => ctx.l(l))].join('_');
  const ops = row.op === 'rate' ? `rate${row.window}` : `p${Math.round(row.op * 100)}_rate${row.window}`;
  return `${level}:${stem(ctx.m(row.metric))}:${ops}`;
}

/** The expression of a row under this config. */
function recordExpr(base: Ctx, row: RecordingRow): string {
  const ctx = base.on(row.metric);
  const by = ctx.by(...row.labels);
  if (row.op === 'rate') return `sum by (${by}) (rate(${ctx.sel(row.metric)}[${row.window}]))`;
  return `histogram_quantile(${row.op}, sum by (${by}, le) (rate(${ctx.sel(row.metric, '_bucket')}[${row.window}])))`;
}

/** The recorded names under this config. */
export function recordedNames(ctx: Ctx): RecordedNames {
  const out = {} as RecordedNames;
  for (const row of RECORDING_ROWS) out[row.key] = recordName(ctx, row);
  return out;
}

/** The dashboard recording rules. */
export function buildRecordingRules(ctx: Ctx): RecordingGroup[] {
  const rules: RecordingSpec[] = RECORDING_ROWS.filter((row) => ctx.has(row.needs)).map((row) => ({
    record: recordName(ctx, row),
    expr: recordExpr(ctx, row),
  }));
  return [{ name: 'glassbox-recording', rules }];
}
