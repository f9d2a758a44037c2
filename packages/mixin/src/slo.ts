/**
 * SLOs as multi-window, multi-burn-rate alerts (Google SRE workbook, ch. 5; the same
 * windows Sloth generates): page when 2 % of a 30-day budget burns in 1 h (14.4x, 1h
 * and 5m windows) or 5 % in 6 h (6x, 6h and 30m); ticket when 10 % burns in 1 d (3x,
 * 1d and 2h) or in 3 d (1x, 3d and 6h). Each window's error ratio is a recording rule.
 */
import { MixinConfigError, type SloConfig } from './config.js';
import { type Ctx, leMatcher, num } from './context.js';
import {
  type AlertSpec,
  allIn,
  histogramSeries,
  type RecordingGroup,
  type RecordingSpec,
  scopeLabels,
  series,
  type TestSeries,
} from './rules-model.js';

/** The burn-rate windows: [long, short, factor] per severity. */
export const BURN_RATE_WINDOWS = Object.freeze({
  page: Object.freeze([
    Object.freeze({ long: '1h', short: '5m', factor: 14.4 }),
    Object.freeze({ long: '6h', short: '30m', factor: 6 }),
  ]),
  ticket: Object.freeze([
    Object.freeze({ long: '1d', short: '2h', factor: 3 }),
    Object.freeze({ long: '3d', short: '6h', factor: 1 }),
  ]),
});

/** Every window a recording rule is written for. */
export const SLO_WINDOWS: readonly string[] = Object.freeze(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);

/** Name of the recorded error ratio for a window. */
export function sloRecordName(window: string): string {
  return `slo:sli_error:ratio_rate${window}`;
}

/** The histogram a latency SLO uses, checked to have a bucket exactly at the threshold. */
export function checkLatencySlo(ctx: Ctx, slo: SloConfig, index: number): string {
  const metric = slo.metric ?? 'http_request_duration_seconds';
  const def = ctx.resolved.get(metric);
  if (def === undefined)
    throw new MixinConfigError(`slos[${index}].metric`, `"${metric}" is not a metric of the catalog`);
  if (def.kind !== 'histogram')
    throw new MixinConfigError(
      `slos[${index}].metric`,
      `"${metric}" is a ${def.kind}; a latency SLO needs a histogram`,
    );
  const threshold = slo.threshold as number;
  const buckets = def.buckets ?? [];
  if (!buckets.some((b) => Math.abs(b - threshold) < 1e-12))
    throw new MixinConfigError(
      `slos[${index}].threshold`,
      `SLO "${slo.name}": ${num(threshold)} s is not a bucket boundary of ${metric} (buckets: ${buckets.map(num).join(', ')}); ` +
        `the share of requests under the threshold cannot be computed from its histogram. Use one of these bounds or add ${num(threshold)} to the buckets (naming.overrides.${metric}.buckets).`,
    );
  return metric;
}

function errorRatio(base: Ctx, slo: SloConfig, index: number, window: string): string {
  const ctx = base.on(
    slo.type === 'availability' ? 'http_requests_total' : (slo.metric ?? 'http_request_duration_seconds'),
  );
  const by = ctx.by();
  const extra = slo.matchers ?? '';
  if (slo.type === 'availability') {
    const total = `sum by (${by}) (rate(${ctx.sel('http_requests_total', '', extra)}[${window}]))`;
    const errors = `sum by (${by}) (rate(${ctx.sel('http_requests_total', '', ctx.eq('status_code', '5..', '=~'), extra)}[${window}]))`;
    return `(${errors} or 0 * ${total})\n/\n${total}`;
  }
  const metric = checkLatencySlo(ctx, slo, index);
  const le = leMatcher(slo.threshold as number);
  return (
    `1 - (\n  sum by (${by}) (rate(${ctx.sel(metric, '_bucket', le, extra)}[${window}]))\n  /\n` +
    `  sum by (${by}) (rate(${ctx.sel(metric, '_count', extra)}[${window}]))\n)`
  );
}

/** Synthetic series for an SLO's tests: `burning` spends the budget, otherwise healthy. */
function sloSeries(ctx: Ctx, slo: SloConfig, burning: boolean): TestSeries[] {
  if (slo.type === 'availability') {
    const l = { method: 'GET', route: '/api' };
    return [
      series(ctx, 'http_requests_total', { ...l, status_code: '500' }, burning ? '0+12x130' : '0x130'),
      series(ctx, 'http_requests_total', { ...l, status_code: '200' }, burning ? '0+48x130' : '0+60x130'),
    ];
  }
  const metric = slo.metric ?? 'http_request_duration_seconds';
  const labels =
    slo.metric === 'ml_prediction_duration_seconds'
      ? { model: 'risk-scoring', model_version: '1' }
      : { method: 'GET', route: '/api', status_code: '200' };
  const value = burning ? (slo.threshold as number) * 1.5 + 1e-9 : (ctx.buckets(metric)[0] as number);
  return histogramSeries(ctx, metric, labels, allIn(ctx, metric, value), 130);
}

/** The runbook of an SLO alert. */
function sloRunbook(slo: SloConfig, kind: 'page' | 'ticket'): AlertSpec['runbook'] {
  return {
    meaning:
      kind === 'page'
        ? `The error budget of SLO "${slo.name}" burns fast enough to spend 2 % of a 30-day budget in 1 hour (14.4x) or 5 % in 6 hours (6x). Act now.`
        : `The error budget of SLO "${slo.name}" burns steadily: 10 % of a 30-day budget in 1 day (3x) or in 3 days (1x). Plan a fix.`,
    queries: SLO_WINDOWS.map((w) => ({
      title: `Error ratio over ${w}`,
      expr: `${sloRecordName(w)}{slo="${slo.name}"}`,
    })),
    causes: [
      slo.type === 'availability'
        ? 'Requests fail with 5xx (see HighErrorRate).'
        : 'Requests or predictions got slower than the SLO threshold (see the latency alerts).',
      'A deploy, a dependency or load; compare the burn start with rollouts.',
    ],
    actions: [
      kind === 'page'
        ? 'Mitigate first (roll back, scale out), then investigate.'
        : 'Open a ticket; fix within days.',
    ],
  };
}

/** The page or ticket alert of an SLO. */
function sloAlert(ctx: Ctx, slo: SloConfig, kind: 'page' | 'ticket'): AlertSpec {
  const budget = 1 - slo.objective;
  const what =
    slo.description ??
    (slo.type === 'availability'
      ? `${num(slo.objective * 100)} % of HTTP requests answer without a 5xx`
      : `${num(slo.objective * 100)} % of ${ctx.m(slo.metric ?? 'http_request_duration_seconds')} observations complete within ${num(slo.threshold as number)} s`);
  const windows = BURN_RATE_WINDOWS[kind];
  const expr = windows
    .map(
      ({ long, short, factor }) =>
        `(\n  ${sloRecordName(long)}{slo="${slo.name}"} > ${num(factor * budget)}\n  and\n  ${sloRecordName(short)}{slo="${slo.name}"} > ${num(factor * budget)}\n)`,
    )
    .join('\nor\n');
  return {
    alert: kind === 'page' ? 'SLOErrorBudgetBurnFast' : 'SLOErrorBudgetBurnSlow',
    group: `glassbox-slo-${slo.name}-alerts`,
    expr,
    for: '0s',
    severity: kind === 'page' ? 'critical' : 'warning',
    team: slo.team ?? ctx.config.team,
    labels: { slo: slo.name },
    summary: `${'{{ $labels.job }}'}: SLO ${slo.name} burns its error budget ${kind === 'page' ? 'fast' : 'steadily'}`,
    description: `SLO ${slo.name} (${what}) is burning its error budget at ${windows.map((w) => `${w.factor}x over ${w.long}/${w.short}`).join(' or ')}.`,
    runbook: sloRunbook(slo, kind),
    fire: [
      {
        name:
          slo.type === 'availability' ? '20 % errors for 2 hours' : 'every observation over the threshold',
        series: sloSeries(ctx, slo, true),
        evalTime: '2h',
        labels: { ...scopeLabels(ctx), slo: slo.name },
      },
    ],
    silent: [{ name: 'no errors', series: sloSeries(ctx, slo, false), evalTime: '2h' }],
  };
}

/** Recording rules (one group per SLO) and the page/ticket alerts. */
export function buildSlos(ctx: Ctx): { recording: RecordingGroup[]; alerts: AlertSpec[] } {
  const recording: RecordingGroup[] = [];
  const alerts: AlertSpec[] = [];
  ctx.config.slos.forEach((slo, index) => {
    const rules: RecordingSpec[] = SLO_WINDOWS.map((w) => ({
      record: sloRecordName(w),
      expr: errorRatio(ctx, slo, index, w),
      labels: { slo: slo.name },
    }));
    recording.push({ name: `glassbox-slo-${slo.name}`, rules });
    for (const kind of ['page', 'ticket'] as const) alerts.push(sloAlert(ctx, slo, kind));
  });
  return { recording, alerts };
}
