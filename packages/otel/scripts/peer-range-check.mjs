// Records the catalog through the built @glassbox/otel on both backends and checks,
// against whatever OpenTelemetry versions are installed next to it: served-text parity
// with prom-client (removed gauge series included), OpenMetrics rendering, OTLP push to a
// local receiver flushed by shutdown(), bucket boundaries, and the cardinality limit.
// Run by ./peer-range-check.sh; exits non-zero on any mismatch.
import { createServer } from 'node:http';
import { catalog, catalogDefinitions, createGlassbox, promClientBackend } from '@glassbox/core';
import { otelBackend } from '@glassbox/otel';
import { createOtlpMeterProvider } from '@glassbox/otel/otlp';
import { createPrometheusReader, otelSource } from '@glassbox/otel/prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import * as client from 'prom-client';

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

function record(gb) {
  for (const def of catalogDefinitions()) {
    const labels = Object.fromEntries(def.labelNames.map((l) => [l, `${l}-v`]));
    if (def.kind === 'counter') gb.counter(def).inc(labels, 2.5);
    else if (def.kind === 'gauge') {
      gb.gauge(def).set(labels, 3);
      gb.gauge(def).dec(labels, 1);
      const gone = Object.fromEntries(def.labelNames.map((l) => [l, `${l}-gone`]));
      gb.gauge(def).set(gone, 9);
    } else for (const b of def.buckets) gb.histogram(def).observe(labels, b);
  }
  const c = gb.counter(catalog.http.requestsTotal);
  for (let i = 0; i < 9; i++) c.inc({ method: 'GET', route: `/x${i}`, status_code: '200' });
}
function removeGone(gb) {
  for (const def of catalogDefinitions())
    if (def.kind === 'gauge')
      gb.gauge(def).remove(Object.fromEntries(def.labelNames.map((l) => [l, `${l}-gone`])));
}
const sortLabels = (line) =>
  line.replace(
    /\{(.*)\}/,
    (_, inner) =>
      `{${inner
        .match(/[a-z_]+="(?:[^"\\]|\\.)*"/g)
        .sort()
        .join(',')}}`,
  );
const samples = (text) =>
  text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map(sortLabels)
    .sort()
    .join('\n');

const registry = new client.Registry();
const prom = createGlassbox({
  backend: promClientBackend({ client, registry }),
  logger: null,
  seriesLimit: 5,
});
const reader = createPrometheusReader({ seriesLimit: 5 });
const meterProvider = new MeterProvider({ readers: [reader] });
const backend = otelBackend({ meterProvider });
const otel = createGlassbox({ backend, logger: null, seriesLimit: 5 });
record(prom);
record(otel);
const source = otelSource({ reader, backend });
await source.collect('prometheus'); // the SDK has seen the series that are removed next
removeGone(prom);
removeGone(otel);
const expected = samples(await registry.metrics());
const text = await source.collect('prometheus');
check(samples(text) === expected, `Prometheus text parity (${expected.split('\n').length} samples)`);
check(!/otel_scope|target_info|otel_metric_overflow/.test(text), 'no OTel-only labels or series');
const om = await source.collect('openmetrics');
check(om.includes('# TYPE http_requests counter\n'), 'OpenMetrics counter family without _total');
await meterProvider.shutdown();

const bodies = [];
const server = createServer((req, res) => {
  let s = '';
  req.on('data', (c) => {
    s += c;
  });
  req.on('end', () => {
    bodies.push(JSON.parse(s));
    res.end('{}');
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const otlp = createOtlpMeterProvider({
  url: `http://127.0.0.1:${server.address().port}/v1/metrics`,
  exportIntervalMillis: 3_600_000,
  seriesLimit: 5,
});
record(
  createGlassbox({
    backend: otelBackend({ meterProvider: otlp.meterProvider }),
    logger: null,
    seriesLimit: 5,
  }),
);
await otlp.shutdown();
server.close();
check(bodies.length === 1, 'OTLP: shutdown() flushed one request');
const metrics = bodies[0]?.resourceMetrics[0]?.scopeMetrics[0]?.metrics ?? [];
const histogram = metrics.find((m) => m.name === 'http_request_duration_seconds');
check(
  JSON.stringify(histogram?.histogram?.dataPoints[0]?.explicitBounds) ===
    JSON.stringify(catalog.http.requestDuration.buckets),
  'OTLP: catalog bucket boundaries',
);
check(histogram?.unit === 's', 'OTLP: unit s');
check(
  !JSON.stringify(bodies).includes('otel.metric.overflow'),
  'OTLP: no SDK overflow under the Glassbox cap',
);
if (failures.length > 0) process.exit(1);
