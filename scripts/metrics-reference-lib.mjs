// Renders the metrics reference (docs/metrics.md) from the catalog definitions.
const RECORDED_BY = {
  http: '`createHttpRecorder` in @glassbox/core, through @glassbox/express, @glassbox/fastify, @glassbox/nest',
  model: 'the model instrument (`@glassbox/core`)',
  drift: 'the drift monitor (`@glassbox/core`)',
  batch: 'the batch job runner and trigger counter (`@glassbox/core`)',
  consumer: '@glassbox/amqplib (consumer and publisher)',
  llm: 'the LLM generation wrapper (`@glassbox/core`)',
  httpClient:
    '`instrumentHttpClient` in @glassbox/core, from the diagnostics channels of `fetch`/undici and node:http/https ([guide](instruments/http-client.md))',
  sdk: 'every component, for errors it caught instead of throwing',
};

const GROUP_TITLES = {
  http: 'HTTP (RED)',
  model: 'ML model',
  drift: 'Drift',
  batch: 'Batch jobs',
  consumer: 'Message consumers (RabbitMQ)',
  llm: 'LLM',
  httpClient: 'Outbound HTTP (client)',
  sdk: 'SDK',
};

function example(def) {
  const by = def.labelNames
    .filter((l) => !['le'].includes(l))
    .slice(0, 2)
    .join(', ');
  if (def.kind === 'counter') return `sum by (${by || 'job'}) (rate(${def.name}[5m]))`;
  if (def.kind === 'histogram')
    return `histogram_quantile(0.95, sum by (le${by ? `, ${by}` : ''}) (rate(${def.name}_bucket[5m])))`;
  if (def.name.endsWith('_timestamp_seconds')) return `time() - max by (${by || 'job'}) (${def.name})`;
  return `${def.aggregate === 'sum' ? 'sum' : 'max'} by (${by || 'job'}) (${def.name})`;
}

export async function renderMetricsReference() {
  const { catalog } = await import('../packages/core/dist/index.js');
  let out = `# Metrics reference\n\nGenerated from the catalog in \`@glassbox/core\` by \`node scripts/metrics-reference.mjs\`; a test fails when this file is stale. Names, labels, buckets and help are the defaults: the naming options (prefix, \`rename\`, \`labelRename\`, \`constLabels\`, and per metric \`overrides\` of \`buckets\`, \`labelRename\` and \`help\`; \`legacyNames\` for kept names that break the lint) change them in every output alike — see [migrating](migrating.md#your-buckets-labels-and-help-on-one-metric).\n\nHistogram buckets are upper bounds in the metric's unit; \`+Inf\` is implicit.\n\nExemplars (OpenMetrics only, on by default): \`http_request_duration_seconds\`, \`ml_prediction_duration_seconds\` and \`rabbitmq_message_processing_duration_seconds\` keep the trace id and span id of the latest traced observation on each bucket; see [exemplars](exemplars.md).\n`;
  for (const [group, defs] of Object.entries(catalog)) {
    out += `\n## ${GROUP_TITLES[group] ?? group}\n\nRecorded by ${RECORDED_BY[group] ?? group}.\n\n`;
    out +=
      '| name | kind | labels | buckets | help | example PromQL |\n| --- | --- | --- | --- | --- | --- |\n';
    for (const def of Object.values(defs)) {
      const buckets = def.kind === 'histogram' ? def.buckets.join(', ') : '';
      const labels = def.labelNames.map((l) => `\`${l}\``).join(', ');
      const agg = def.kind === 'gauge' ? ` (across processes: ${def.aggregate})` : '';
      out += `| \`${def.name}\` | ${def.kind}${agg} | ${labels} | ${buckets} | ${def.help.replace(/\|/g, '\\|')} | \`${example(def)}\` |\n`;
    }
  }
  out +=
    "\n## Process metrics\n\nprom-client's default metrics (`process_*`, `nodejs_*`) when enabled in the adapter (see each adapter's options).\n\n" +
    'They keep prom-client\'s own names, so existing dashboards keep working. Three of them are gauges whose names end in `_total` (`nodejs_active_handles_total`, `nodejs_active_requests_total`, `nodejs_active_resources_total`), which `promtool check metrics` reports (`non-counter metrics should not have "_total" suffix`). That is the one known exception: every Glassbox metric passes promtool and the strict OpenMetrics parser with no finding, and the examples\' tests allow exactly these three findings. Turn the process metrics off (`defaultMetrics: false`) for a promtool-clean endpoint.\n';
  return out;
}
