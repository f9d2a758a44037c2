// One scrape subject in its own process: `scrape-child.mjs <impl> <kind> <n>`.
// impl: glassbox (native backend + exporter handler), glassbox-prom (Glassbox on the
// prom-client backend + exporter handler), prom-client (registry.metrics()), otel
// (sdk-metrics + PrometheusExporter handler / PrometheusSerializer).
// kind: histogram (labels route, method; the HTTP latency buckets) or counter.
// Commands: prepare {changed} (mutate every series when asked, GC, arm the stall
// probes), disarm (probe results), render {changed} (time the render alone).
import { createServer } from 'node:http';
import { serveIpc } from './proc.mjs';
import { sleep, stallProbe } from './stall.mjs';

const [impl, kind, nArg] = process.argv.slice(2);
const n = Number(nArg);
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];
const NAME = kind === 'histogram' ? 'bench_request_duration_seconds' : 'bench_events_total';
const HELP = 'Benchmark metric.';
const labelsOf = (i) => (kind === 'histogram' ? [`/route/${i}`, 'GET'] : [`key-${i}`]);
const LABEL_NAMES = kind === 'histogram' ? ['route', 'method'] : ['key'];
let tick = 0;
const nextValue = () => ((tick++ % 97) + 1) / 200; // spread over the buckets

const series = []; // record(value) functions, one per series
let makeSeries; // (i) => record function of series i
let render; // () => Promise<string>
let handler; // (req, res)

if (impl === 'glassbox' || impl === 'glassbox-prom') {
  const core = await import('@glassbox/core');
  const exporter = await import('@glassbox/exporter');
  const { createMetricsHandler } = exporter;
  let backend;
  let source;
  let registry;
  if (impl === 'glassbox') {
    backend = core.nativeBackend();
    source = backend;
  } else {
    const client = (await import('prom-client')).default;
    registry = new client.Registry();
    backend = core.promClientBackend({ client, registry });
  }
  const gb = core.createGlassbox({ backend, seriesLimit: n + 10, logger: null });
  const metric =
    kind === 'histogram'
      ? gb.histogram(
          core.defineHistogram({ name: NAME, help: HELP, labelNames: LABEL_NAMES, buckets: BUCKETS }),
        )
      : gb.counter(core.defineCounter({ name: NAME, help: HELP, labelNames: LABEL_NAMES }));
  makeSeries = (i) => {
    const b = metric.bindValues(labelsOf(i));
    return kind === 'histogram' ? (v) => b.observe(v) : (v) => b.inc(v);
  };
  handler = createMetricsHandler(
    impl === 'glassbox'
      ? { sources: [source], logger: null, gzip: false, auth: false }
      : { registry, logger: null, gzip: false, auth: false },
  );
  // The render alone: the exporter's renderer (with its per-series caches, as the
  // handler keeps them) over the source's families. Older versions rendered in the
  // backend itself (`collect('prometheus')`), so the same script measures both.
  if (typeof exporter.createRenderer === 'function') {
    const renderer = exporter.createRenderer();
    const src = impl === 'glassbox' ? source : core.promClientSource(registry);
    render = async () => (await renderer.render(await src.collect(), 'prometheus')).join('');
  } else render = impl === 'glassbox' ? () => source.collect('prometheus') : () => registry.metrics();
} else if (impl === 'prom-client') {
  const client = (await import('prom-client')).default;
  const registry = new client.Registry();
  const metric =
    kind === 'histogram'
      ? new client.Histogram({
          name: NAME,
          help: HELP,
          labelNames: LABEL_NAMES,
          buckets: BUCKETS,
          registers: [registry],
        })
      : new client.Counter({ name: NAME, help: HELP, labelNames: LABEL_NAMES, registers: [registry] });
  makeSeries = (i) => {
    const child = metric.labels(...labelsOf(i));
    return kind === 'histogram' ? (v) => child.observe(v) : (v) => child.inc(v);
  };
  render = () => registry.metrics();
  handler = async (_req, res) => {
    const body = await registry.metrics();
    res.writeHead(200, { 'Content-Type': registry.contentType });
    res.end(body);
  };
} else if (impl === 'otel') {
  const { MeterProvider } = await import('@opentelemetry/sdk-metrics');
  const { PrometheusExporter, PrometheusSerializer } = await import('@opentelemetry/exporter-prometheus');
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    readers: [exporter],
    views: [{ instrumentName: NAME, aggregationCardinalityLimit: n + 10 }],
  });
  const meter = provider.getMeter('bench');
  const metric =
    kind === 'histogram'
      ? meter.createHistogram(NAME, { description: HELP, advice: { explicitBucketBoundaries: BUCKETS } })
      : meter.createCounter(NAME, { description: HELP });
  makeSeries = (i) => {
    const l = labelsOf(i);
    const attrs = kind === 'histogram' ? { route: l[0], method: l[1] } : { key: l[0] };
    return kind === 'histogram' ? (v) => metric.record(v, attrs) : (v) => metric.add(v, attrs);
  };
  const serializer = new PrometheusSerializer();
  render = async () => {
    const { resourceMetrics } = await exporter.collect();
    return serializer.serialize(resourceMetrics);
  };
  handler = (req, res) => exporter.getMetricsRequestHandler(req, res);
} else throw new Error(`unknown impl ${impl}`);

const mutate = () => {
  for (let i = 0; i < series.length; i++) series[i](kind === 'histogram' ? nextValue() : 1);
};
function build() {
  for (let i = 0; i < n; i++) series.push(makeSeries(i));
  mutate(); // every series has data
}
// SCRAPE_DEFER=1: create the series only on the `build` command (heap measurements)
if (process.env.SCRAPE_DEFER !== '1') build();

async function settle() {
  for (let i = 0; i < 2; i++) {
    globalThis.gc?.();
    await sleep(5);
  }
}

const probe = stallProbe();
const server = createServer((req, res) => handler(req, res));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const heap = () => process.memoryUsage().heapUsed;

serveIpc({
  prepare: async ({ changed }) => {
    if (changed) mutate();
    await settle();
    probe.arm();
    return {};
  },
  disarm: async () => {
    await sleep(3);
    return probe.disarm();
  },
  render: async ({ changed }) => {
    if (changed) mutate();
    await settle();
    probe.arm();
    const t0 = performance.now();
    const text = await render();
    const ms = performance.now() - t0;
    await sleep(3);
    return { ms, bytes: Buffer.byteLength(text), ...probe.disarm() };
  },
  build: async () => {
    build();
    return {};
  },
  heap: async ({ scrape }) => {
    if (scrape) await render();
    await settle();
    await settle();
    return { heap: heap() };
  },
});
process.send({ type: 'ready', port: server.address().port });
