/**
 * The `promtool test rules` file: every alert fires on its synthetic series and stays
 * silent on the healthy ones. The scenarios of one alert share a test group, kept apart
 * by a distinct service label (alerts keep it), which halves promtool's per-group
 * start-up cost; when the rule selector pins the service label, each scenario gets its
 * own group.
 */
import { durationSeconds } from './config.js';
import type { Ctx } from './context.js';
import { type AlertSpec, selectorLabels } from './rules-model.js';
import { runbookUrl } from './runbooks.js';

/** Fills `{{ $labels.x }}` placeholders with the expected labels. */
export function renderAnnotations(text: string, labels: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{ \$labels\.([a-zA-Z0-9_]+) \}\}/g, (_, l: string) => labels[l] ?? '');
}

const seconds = (d: string | undefined) => durationSeconds(d ?? '30m');

function ruleLabels(a: AlertSpec): Record<string, string> {
  return { severity: a.severity, team: a.team, ...(a.labels ?? {}) };
}

function title(a: AlertSpec): string {
  return `${a.alert}${a.labels?.slo ? ` (${a.labels.slo})` : ''}`;
}

/** An expected alert: its labels and its annotations rendered with them. */
export function expectedAlert(
  a: AlertSpec,
  base: string,
  labels: Record<string, string>,
): Record<string, unknown> {
  return {
    exp_labels: labels,
    exp_annotations: {
      summary: renderAnnotations(a.summary, labels),
      description: renderAnnotations(a.description, labels),
      runbook_url: runbookUrl(base, a.alert),
    },
  };
}

/** One test group with every scenario of an alert, told apart by the service label. */
function mergedTest(a: AlertSpec, base: string, svc: string): Record<string, unknown> {
  const withLabel = (series: string, value: string) => series.replace('{', `{${svc}="${value}", `);
  const evalTime = [...a.fire, ...a.silent].reduce(
    (m, c) => (seconds(c.evalTime) > seconds(m) ? (c.evalTime ?? m) : m),
    '30m',
  );
  const series: { series: string; values: string }[] = [];
  const exp: unknown[] = [];
  a.fire.forEach((f, i) => {
    series.push(...f.series.map((x) => ({ series: withLabel(x.series, `fire-${i + 1}`), values: x.values })));
    exp.push(expectedAlert(a, base, { ...f.labels, [svc]: `fire-${i + 1}`, ...ruleLabels(a) }));
  });
  a.silent.forEach((c, i) => {
    series.push(
      ...c.series.map((x) => ({ series: withLabel(x.series, `silent-${i + 1}`), values: x.values })),
    );
  });
  return {
    name: `${title(a)}: fires for ${a.fire.map((f, i) => `fire-${i + 1} (${f.name})`).join(', ')}; silent for ${a.silent.map((c, i) => `silent-${i + 1} (${c.name})`).join(', ')}`,
    interval: '1m',
    input_series: series,
    alert_rule_test: [{ eval_time: evalTime, alertname: a.alert, exp_alerts: exp }],
  };
}

/** One test group per scenario. */
function separateTests(a: AlertSpec, base: string): Record<string, unknown>[] {
  const tests: Record<string, unknown>[] = [];
  for (const f of a.fire) {
    tests.push({
      name: `${title(a)} fires: ${f.name}`,
      interval: '1m',
      input_series: f.series.map((x) => ({ series: x.series, values: x.values })),
      alert_rule_test: [
        {
          eval_time: f.evalTime ?? '30m',
          alertname: a.alert,
          exp_alerts: [expectedAlert(a, base, { ...f.labels, ...ruleLabels(a) })],
        },
      ],
    });
  }
  for (const c of a.silent) {
    tests.push({
      name: `${title(a)} stays silent: ${c.name}`,
      interval: '1m',
      input_series: c.series.map((x) => ({ series: x.series, values: x.values })),
      alert_rule_test: [{ eval_time: c.evalTime ?? '30m', alertname: a.alert, exp_alerts: [] }],
    });
  }
  return tests;
}

/** The test groups of every alert. */
export function ruleTests(ctx: Ctx, alerts: readonly AlertSpec[], base: string): Record<string, unknown>[] {
  const svc = ctx.config.serviceLabel;
  const canMerge = selectorLabels(ctx)[svc] === undefined;
  return alerts.flatMap((a) =>
    canMerge && a.separateTests !== true ? [mergedTest(a, base, svc)] : separateTests(a, base),
  );
}
