/**
 * The alert catalog. Thresholds and `for:` defaults come from the users' runbooks:
 * HighLatency p95 > 500 ms for 2m (warning), CriticalLatency p95 > 1 s for 1m
 * (critical), HighErrorRate 5xx > 5 % for 3m (critical), ServiceDown for 1m,
 * HighActiveRequests > 100 for 2m, ModelPredictionErrors > 0.01/s, UnbalancedPredictions
 * > 50 % of one tier for 10m, prediction p95 SLO 500 ms, LLM cost > $10/hour for 15m.
 */
import { type AlertRow, alertKit } from './alert-kit.js';
import { batchJobFailed, batchJobStale } from './alert-rows/batch.js';
import { featureDriftDetected, modelDriftDetected } from './alert-rows/drift.js';
import {
  criticalLatency,
  highActiveRequests,
  highErrorRate,
  highLatency,
  serviceDown,
} from './alert-rows/http.js';
import {
  modelPerformanceDegraded,
  modelPredictionErrors,
  predictionScoreCollapse,
  slowModelPredictions,
  unbalancedPredictions,
} from './alert-rows/model.js';
import { batchJobNotPushed, pushgatewayDown } from './alert-rows/pushgateway.js';
import {
  consumerHighErrorRatio,
  consumerStalled,
  instrumentationErrors,
  llmCostOverBudget,
} from './alert-rows/runtime.js';
import { type AlertName, MixinConfigError, type Severity } from './config.js';
import type { Ctx } from './context.js';
import type { AlertSpec } from './rules-model.js';

/** Default threshold, `for:` and severity of each alert. */
export const ALERT_DEFAULTS: Readonly<
  Record<AlertName, { threshold: number | null; for: string; severity: Severity }>
> = Object.freeze({
  ServiceDown: { threshold: null, for: '1m', severity: 'critical' },
  HighErrorRate: { threshold: 0.05, for: '3m', severity: 'critical' },
  HighLatency: { threshold: 0.5, for: '2m', severity: 'warning' },
  CriticalLatency: { threshold: 1, for: '1m', severity: 'critical' },
  HighActiveRequests: { threshold: 100, for: '2m', severity: 'warning' },
  ModelPredictionErrors: { threshold: 0.01, for: '2m', severity: 'critical' },
  SlowModelPredictions: { threshold: 0.5, for: '3m', severity: 'warning' },
  PredictionScoreCollapse: { threshold: 0.9, for: '15m', severity: 'warning' },
  UnbalancedPredictions: { threshold: 0.5, for: '10m', severity: 'warning' },
  ModelDriftDetected: { threshold: null, for: '0s', severity: 'warning' },
  FeatureDriftDetected: { threshold: null, for: '5m', severity: 'warning' },
  ModelPerformanceDegraded: { threshold: null, for: '0s', severity: 'warning' },
  BatchJobFailed: { threshold: null, for: '0s', severity: 'warning' },
  BatchJobStale: { threshold: 93_600, for: '10m', severity: 'warning' },
  BatchJobNotPushed: { threshold: 93_600, for: '10m', severity: 'warning' },
  PushgatewayDown: { threshold: null, for: '5m', severity: 'warning' },
  ConsumerHighErrorRatio: { threshold: 0.05, for: '5m', severity: 'warning' },
  ConsumerStalled: { threshold: null, for: '10m', severity: 'critical' },
  LLMCostOverBudget: { threshold: 10, for: '15m', severity: 'warning' },
  InstrumentationErrors: { threshold: null, for: '0s', severity: 'info' },
});

/** The alert table, in rule-file order. */
export const ALERT_ROWS: readonly AlertRow[] = Object.freeze([
  serviceDown,
  highErrorRate,
  highLatency,
  criticalLatency,
  highActiveRequests,
  modelPredictionErrors,
  slowModelPredictions,
  predictionScoreCollapse,
  unbalancedPredictions,
  modelDriftDetected,
  featureDriftDetected,
  modelPerformanceDegraded,
  batchJobFailed,
  batchJobStale,
  batchJobNotPushed,
  pushgatewayDown,
  consumerHighErrorRatio,
  consumerStalled,
  llmCostOverBudget,
  instrumentationErrors,
]);

/** Builds one row under the config's overrides; undefined when the alert is disabled. */
function buildAlert(ctx: Ctx, row: AlertRow): AlertSpec | undefined {
  const cfg = ctx.config;
  const o = cfg.alerts[row.name] ?? {};
  if (o.enabled === false) return undefined;
  const def = ALERT_DEFAULTS[row.name];
  if (o.threshold !== undefined && def.threshold === null)
    throw new MixinConfigError(
      `alerts.${row.name}.threshold`,
      `${row.name} has no threshold (see its runbook)`,
    );
  const t = o.threshold ?? def.threshold ?? 0;
  const k = alertKit(ctx.on(row.metric));
  return {
    alert: o.name ?? row.name,
    group: row.group,
    expr: row.expr(k, t),
    for: o.for ?? def.for,
    severity: o.severity ?? def.severity,
    team: o.team ?? cfg.team,
    summary: row.summary(k),
    description: row.description(k, t),
    ...(def.threshold === null ? {} : { threshold: t }),
    runbook: row.runbook(k, t),
    fire: row.fire(k, t),
    silent: row.silent(k, t),
  };
}

/** Builds every enabled alert under the config. */
export function buildAlerts(ctx: Ctx): AlertSpec[] {
  const out: AlertSpec[] = [];
  for (const row of ALERT_ROWS) {
    if (!ctx.has(row.needs)) continue;
    const spec = buildAlert(ctx, row);
    if (spec !== undefined) out.push(spec);
  }
  return out;
}
