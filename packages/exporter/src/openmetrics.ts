/**
 * Renders prom-client's JSON view of a registry (`registry.getMetricsAsJSON()`) as
 * OpenMetrics 1.0.0 text (without the final `# EOF`). prom-client's own OpenMetrics
 * mode renames counters in place (it strips `_total` from the shared metric objects),
 * so one registry could not serve both formats through it.
 */

/** One metric as `registry.getMetricsAsJSON()` returns it. */
export interface PromMetricJson {
  name: string;
  help: string;
  type: string;
  values: ReadonlyArray<{
    value: number;
    labels: Readonly<Record<string, string | number>>;
    metricName?: string;
  }>;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Formats a sample value as the exposition formats want it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string | number>>): string {
  let out = '';
  for (const key in labels) {
    const raw = labels[key];
    if (raw === undefined) continue;
    const v = key === 'le' && typeof raw === 'number' ? formatValue(raw) : String(raw);
    out += `${out === '' ? '' : ','}${key}="${escapeLabel(v)}"`;
  }
  return out === '' ? '' : `{${out}}`;
}

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'info', 'stateset', 'gaugehistogram']);

/** Renders metrics in OpenMetrics text, without `# EOF`. */
export function renderOpenMetrics(metrics: readonly PromMetricJson[]): string {
  let out = '';
  for (const m of metrics) {
    const type = TYPES.has(m.type) ? m.type : 'unknown';
    const family =
      type === 'counter' && m.name.endsWith('_total') ? m.name.slice(0, -'_total'.length) : m.name;
    out += `# TYPE ${family} ${type}\n# HELP ${family} ${escapeHelp(m.help)}\n`;
    for (const v of m.values) {
      const name = type === 'counter' ? `${family}_total` : (v.metricName ?? m.name);
      out += `${name}${formatLabels(v.labels)} ${formatValue(v.value)}\n`;
    }
  }
  return out;
}
