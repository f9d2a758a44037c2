/**
 * Recording rules for the expensive dashboard queries: per-route and per-model
 * quantiles and rates, named `level:metric:operations` from the exposed (renamed)
 * names, so a rename changes the recorded names too.
 */
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

const stem = (name: string) => name.replace(/_total$/, '');

/** The recorded names under this config. */
export function recordedNames(ctx: Ctx): RecordedNames {
  const level = (...labels: string[]) => [...ctx.scope, ...labels.map((l) => ctx.l(l))].join('_');
  const m = (n: string) => stem(ctx.m(n));
  return {
    httpRate: `${level('route', 'status_code')}:${m('http_requests_total')}:rate5m`,
    httpP95: `${level('route')}:${m('http_request_duration_seconds')}:p95_rate5m`,
    httpP99: `${level('route')}:${m('http_request_duration_seconds')}:p99_rate5m`,
    predictionRate: `${level('model', 'outcome')}:${m('ml_predictions_total')}:rate5m`,
    predictionP95: `${level('model')}:${m('ml_prediction_duration_seconds')}:p95_rate5m`,
    predictionP99: `${level('model')}:${m('ml_prediction_duration_seconds')}:p99_rate5m`,
    consumerRate: `${level('queue', 'outcome')}:${m('rabbitmq_messages_consumed_total')}:rate5m`,
    consumerP95: `${level('queue')}:${m('rabbitmq_message_processing_duration_seconds')}:p95_rate5m`,
    llmCostRate1h: `${level('provider', 'model')}:${m('llm_generation_cost_dollars_total')}:rate1h`,
    batchP99: `${level('job_name')}:${m('batch_job_duration_seconds')}:p99_rate1h`,
  };
}

/** The dashboard recording rules. */
export function buildRecordingRules(ctx: Ctx): RecordingGroup[] {
  const n = recordedNames(ctx);
  const q = (p: number, metric: string, window: string, ...labels: string[]) =>
    `histogram_quantile(${p}, sum by (${ctx.by(...labels)}, le) (rate(${ctx.sel(metric, '_bucket')}[${window}])))`;
  const rate = (metric: string, window: string, ...labels: string[]) =>
    `sum by (${ctx.by(...labels)}) (rate(${ctx.sel(metric)}[${window}]))`;
  const rules: RecordingSpec[] = [
    { record: n.httpRate, expr: rate('http_requests_total', '5m', 'route', 'status_code') },
    { record: n.httpP95, expr: q(0.95, 'http_request_duration_seconds', '5m', 'route') },
    { record: n.httpP99, expr: q(0.99, 'http_request_duration_seconds', '5m', 'route') },
    { record: n.predictionRate, expr: rate('ml_predictions_total', '5m', 'model', 'outcome') },
    { record: n.predictionP95, expr: q(0.95, 'ml_prediction_duration_seconds', '5m', 'model') },
    { record: n.predictionP99, expr: q(0.99, 'ml_prediction_duration_seconds', '5m', 'model') },
    { record: n.consumerRate, expr: rate('rabbitmq_messages_consumed_total', '5m', 'queue', 'outcome') },
    { record: n.consumerP95, expr: q(0.95, 'rabbitmq_message_processing_duration_seconds', '5m', 'queue') },
    { record: n.llmCostRate1h, expr: rate('llm_generation_cost_dollars_total', '1h', 'provider', 'model') },
    { record: n.batchP99, expr: q(0.99, 'batch_job_duration_seconds', '1h', 'job_name') },
  ];
  return [{ name: 'glassbox-recording', rules }];
}
