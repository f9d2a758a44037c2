// The demo's live summary (scripts/demo.mjs): computed by PromQL from the demo's
// Prometheus once it has scraped every service, from the services' /metrics before that
// (or without Prometheus), and rendered as a terminal table.

/** Parses the Prometheus text format into [{ name, labels, value }]. */
function parseExposition(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

const sumWhere = (samples, name, pred = () => true) =>
  samples.filter((s) => s.name === name && pred(s.labels)).reduce((a, s) => a + s.value, 0);
function sumBy(samples, name, label, into = {}) {
  for (const s of samples)
    if (s.name === name && s.labels[label] !== undefined)
      into[s.labels[label]] = (into[s.labels[label]] ?? 0) + s.value;
  return into;
}

/** histogram_quantile over cumulative buckets { le: count }. */
function quantile(q, buckets) {
  const les = Object.keys(buckets)
    .map((le) => [le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), buckets[le]])
    .sort((a, b) => a[0] - b[0]);
  const total = les.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of les) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(count - prevCount, 1e-9);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

export function emptySummary(source) {
  return {
    source,
    services: {},
    models: {},
    batch: { runs: {}, triggers: 0 },
    consumer: {},
    content: { jobs: {}, costDollars: 0 },
  };
}
function model$(summary, model) {
  summary.models[model] ??= { predictions: 0, psi: undefined, detections: 0 };
  return summary.models[model];
}

/**
 * `running`: the started services (`{ name, metricsPort }`); `token`: the metrics bearer
 * token; `prometheusUrl`: the demo's Prometheus, or undefined.
 * Returns `summarise()`, which resolves to the current summary.
 */
export function createSummaries({ running, token, prometheusUrl }) {
  const previous = new Map();
  // Set once Prometheus has a rate for every service: from then on the summary is PromQL.
  let prometheusReady = false;

  /** The summary from each service's /metrics (rates over the last refresh interval). */
  async function summaryFromScrape() {
    const now = Date.now();
    const summary = emptySummary('scrape');
    await Promise.all(
      running.map(async (s) => {
        let samples;
        try {
          const res = await fetch(`http://127.0.0.1:${s.metricsPort}/metrics`, {
            headers: { authorization: `Bearer ${token}` },
          });
          if (!res.ok) return;
          samples = parseExposition(await res.text());
        } catch {
          return;
        }
        const requests = sumWhere(samples, 'http_requests_total');
        const errors = sumWhere(samples, 'http_requests_total', (l) => l.status_code?.startsWith('5'));
        const consumed = sumWhere(samples, 'rabbitmq_messages_consumed_total');
        const buckets = sumBy(samples, 'http_request_duration_seconds_bucket', 'le');
        const prev = previous.get(s.name);
        previous.set(s.name, { at: now, requests, errors, buckets });
        const dt = prev ? (now - prev.at) / 1000 : 0;
        const dReq = prev ? requests - prev.requests : requests;
        const window = {};
        for (const [le, c] of Object.entries(buckets)) window[le] = c - (prev?.buckets[le] ?? 0);
        const p95 = quantile(0.95, dReq > 0 ? window : buckets);
        summary.services[s.name] = {
          traffic: requests + consumed,
          requests,
          consumed,
          rps: dt > 0 ? dReq / dt : 0,
          errorPct:
            dReq > 0
              ? (100 * (errors - (prev?.errors ?? 0))) / dReq
              : requests > 0
                ? (100 * errors) / requests
                : 0,
          p95Ms: p95 === undefined ? undefined : p95 * 1000,
        };
        for (const [model, n] of Object.entries(sumBy(samples, 'ml_predictions_total', 'model')))
          model$(summary, model).predictions += n;
        for (const x of samples.filter((x) => x.name === 'ml_drift_score' && x.labels.method === 'psi'))
          model$(summary, x.labels.model).psi = Math.max(model$(summary, x.labels.model).psi ?? 0, x.value);
        for (const [model, n] of Object.entries(sumBy(samples, 'ml_drift_detections_total', 'model')))
          model$(summary, model).detections += n;
        sumBy(samples, 'batch_job_runs_total', 'status', summary.batch.runs);
        summary.batch.triggers += sumWhere(samples, 'batch_job_triggers_total');
        sumBy(samples, 'rabbitmq_messages_consumed_total', 'outcome', summary.consumer);
        sumBy(samples, 'jobs_completed_total', 'status', summary.content.jobs);
        summary.content.costDollars += sumWhere(samples, 'llm_generation_cost_dollars_total');
      }),
    );
    return summary;
  }

  async function promql(query) {
    const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
    const body = await res.json();
    if (body.status !== 'success') throw new Error(body.error ?? `query failed: ${query}`);
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  }

  /** The same summary, computed by Prometheus from what it scraped (PromQL over its HTTP API). */
  async function summaryFromPrometheus() {
    const summary = emptySummary('prometheus');
    const w = '[10s]';
    const [
      reqs,
      consumedBySvc,
      rps,
      errs,
      p95,
      preds,
      psi,
      detections,
      runs,
      triggers,
      consumed,
      jobs,
      cost,
    ] = await Promise.all([
      promql('sum by (service) (http_requests_total)'),
      promql('sum by (service) (rabbitmq_messages_consumed_total)'),
      promql(`sum by (service) (rate(http_requests_total${w}))`),
      promql(
        `100 * sum by (service) (rate(http_requests_total{status_code=~"5.."}${w})) / sum by (service) (rate(http_requests_total${w}))`,
      ),
      promql(
        `histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket${w})))`,
      ),
      promql('sum by (model) (ml_predictions_total)'),
      promql('max by (model) (ml_drift_score{method="psi"})'),
      promql('sum by (model) (ml_drift_detections_total)'),
      promql('sum by (status) (batch_job_runs_total)'),
      promql('sum (batch_job_triggers_total)'),
      promql('sum by (outcome) (rabbitmq_messages_consumed_total)'),
      promql('sum by (status) (jobs_completed_total)'),
      promql('sum (llm_generation_cost_dollars_total)'),
    ]);
    const by = (rows, label) => Object.fromEntries(rows.map((r) => [r.labels[label], r.value]));
    const [reqMap, consMap, rpsMap, errMap, p95Map] = [reqs, consumedBySvc, rps, errs, p95].map((r) =>
      by(r, 'service'),
    );
    for (const s of running) {
      const requests = reqMap[s.name] ?? 0;
      const consumedN = consMap[s.name] ?? 0;
      const p = p95Map[s.name];
      summary.services[s.name] = {
        traffic: requests + consumedN,
        requests,
        consumed: consumedN,
        rps: rpsMap[s.name] ?? 0,
        errorPct: Number.isFinite(errMap[s.name]) ? errMap[s.name] : 0,
        p95Ms: Number.isFinite(p) ? p * 1000 : undefined,
      };
    }
    for (const r of preds) model$(summary, r.labels.model).predictions = r.value;
    for (const r of psi) model$(summary, r.labels.model).psi = r.value;
    for (const r of detections) model$(summary, r.labels.model).detections = r.value;
    Object.assign(summary.batch.runs, by(runs, 'status'));
    summary.batch.triggers = triggers[0]?.value ?? 0;
    Object.assign(summary.consumer, by(consumed, 'outcome'));
    Object.assign(summary.content.jobs, by(jobs, 'status'));
    summary.content.costDollars = cost[0]?.value ?? 0;
    return summary;
  }

  /** True once Prometheus has a rate for every running service (two scrapes of each). */
  async function prometheusHasEveryService() {
    const rows = await promql(
      'sum by (service) (rate(http_requests_total[10s])) or sum by (service) (rate(rabbitmq_messages_consumed_total[10s]))',
    );
    const seen = new Set(rows.map((r) => r.labels.service));
    return running.every((s) => seen.has(s.name));
  }

  async function summarise() {
    if (prometheusUrl !== undefined) {
      try {
        // Until Prometheus has scraped every service twice (so that rates exist), a PromQL
        // frame would show services at 0: show what the services say instead.
        prometheusReady ||= await prometheusHasEveryService();
        if (prometheusReady) return await summaryFromPrometheus();
      } catch {
        // Prometheus went away: fall back to the services themselves.
      }
    }
    return summaryFromScrape();
  }

  return { summarise };
}

const fmt = (n, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const list = (obj) =>
  Object.entries(obj)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join(' · ') || '-';

/**
 * The terminal table. `view`: `{ running, byName, skipped, seconds, duration, prometheusUrl, final }`
 * (`seconds`: time since the traffic started; `duration`: Infinity without --duration).
 */
export function render(summary, view) {
  const { running, byName, skipped, duration, prometheusUrl } = view;
  const t = Math.floor(view.final ? view.seconds : Math.min(view.seconds, duration));
  const clock = `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
  const lines = [
    `Glassbox demo · ${
      view.final
        ? `final, after ${t} s`
        : `${clock}${Number.isFinite(duration) ? ` of ${fmt(duration)}s` : ' · Ctrl-C stops'}`
    } · ${
      prometheusUrl
        ? summary.source === 'prometheus'
          ? `PromQL from Prometheus at ${prometheusUrl}`
          : `from /metrics until Prometheus (${prometheusUrl}) has scraped`
        : 'from /metrics'
    }${skipped.length ? ` · skipped (no RabbitMQ): ${skipped.join(', ')}` : ''}`,
    `${pad('service', 23)}${lpad('req/s', 8)}${lpad('err %', 8)}${lpad('p95', 9)}${lpad('requests', 10)}${lpad('consumed', 10)}`,
  ];
  for (const s of running) {
    const x = summary.services[s.name] ?? {};
    lines.push(
      `${pad(s.name, 23)}${lpad(x.requests ? fmt(x.rps, 1) : '-', 8)}${lpad(x.requests ? `${fmt(x.errorPct, 1)}%` : '-', 8)}${lpad(
        x.p95Ms === undefined ? '-' : `${fmt(x.p95Ms)}ms`,
        9,
      )}${lpad(fmt(x.requests), 10)}${lpad(x.consumed ? fmt(x.consumed) : '-', 10)}`,
    );
  }
  const models = Object.entries(summary.models);
  if (models.length > 0) {
    lines.push(
      `${pad('model', 23)}${lpad('predictions', 12)}${lpad('drift psi', 11)}${lpad('detections', 12)}`,
    );
    for (const [model, m] of models)
      lines.push(
        `${pad(model, 23)}${lpad(fmt(m.predictions), 12)}${lpad(fmt(m.psi, 2), 11)}${lpad(fmt(m.detections), 12)}${
          m.psi !== undefined && m.psi >= 0.2 ? '  DRIFT' : ''
        }`,
      );
  }
  if (byName['batch-worker'] || byName['workflow-orchestrator'])
    lines.push(
      `batch runs: ${list(summary.batch.runs)} (triggers ${fmt(summary.batch.triggers)}) · consumed: ${list(summary.consumer)}`,
    );
  if (byName['content-pipeline'])
    lines.push(
      `content jobs: ${list(summary.content.jobs)} · LLM cost $${fmt(summary.content.costDollars, 4)}`,
    );
  return lines.join('\n');
}
