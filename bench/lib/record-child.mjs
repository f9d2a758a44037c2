// Record path micro-benchmarks, run in one process pinned to a core: ns per recorded
// HTTP request through core's RED recorder (begin/end) and per model prediction,
// against the same work written as raw prom-client calls. Each case: warm-up, then
// `reps` timed runs of `iters` iterations; the median is reported.
import * as core from '@glassbox/core';
import client from 'prom-client';
import { serveIpc } from './proc.mjs';

const ROUTES = Array.from({ length: 8 }, (_, i) => `/api/r${i}/:id`);
const STATUSES = [200, 200, 200, 404, 200, 201, 200, 500];
const METHODS = ['GET', 'GET', 'POST', 'GET'];
const OUTCOMES = ['low', 'medium', 'high'];
const BUCKETS = core.DEFAULT_LATENCY_BUCKETS;

function httpRecorderCase(backendKind) {
  let backend;
  if (backendKind === 'native') backend = core.nativeBackend();
  else backend = core.promClientBackend({ client, registry: new client.Registry() });
  const gb = core.createGlassbox({ backend, logger: null });
  const rec = core.createHttpRecorder(gb);
  return (i) => {
    const m = METHODS[i & 3];
    const t = rec.begin(m);
    rec.end(m, ROUTES[i & 7], STATUSES[(i >> 3) & 7], t);
  };
}

// As the adapters do it: read the request's trace only when exemplars are on, and pass
// an extras object only when there is a trace.
const TRACEPARENTS = ROUTES.map(
  (_, i) => `00-4bf92f3577b34da6a3ce929d0e0e47${String(10 + i)}-00f067aa0ba902b${i}-01`,
);

function httpExemplarCase(backendKind, exemplars, traced) {
  const backend =
    backendKind === 'native'
      ? core.nativeBackend()
      : core.promClientBackend({ client, registry: new client.Registry(), exemplars });
  const gb = core.createGlassbox({ backend, logger: null, exemplars });
  const rec = core.createHttpRecorder(gb);
  const headers = ROUTES.map((_, i) => (traced ? { traceparent: TRACEPARENTS[i] } : {}));
  return (i) => {
    const m = METHODS[i & 3];
    const t = rec.begin(m);
    const trace = gb.exemplars ? core.currentTraceContext(headers[i & 7].traceparent) : undefined;
    if (trace === undefined) rec.end(m, ROUTES[i & 7], STATUSES[(i >> 3) & 7], t);
    else rec.end(m, ROUTES[i & 7], STATUSES[(i >> 3) & 7], t, { trace });
  };
}

function promRawCase(full) {
  const registry = new client.Registry();
  const names = ['method', 'route', 'status_code'];
  const counter = new client.Counter({
    name: 'http_requests_total',
    help: 'h',
    labelNames: names,
    registers: [registry],
  });
  const hist = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'h',
    labelNames: names,
    buckets: BUCKETS,
    registers: [registry],
  });
  const gauge = new client.Gauge({
    name: 'http_requests_in_flight',
    help: 'h',
    labelNames: ['method'],
    registers: [registry],
  });
  if (!full)
    return (i) => {
      const m = METHODS[i & 3];
      const s = String(STATUSES[(i >> 3) & 7]);
      counter.labels(m, ROUTES[i & 7], s).inc();
      hist.labels(m, ROUTES[i & 7], s).observe(0.003);
    };
  return (i) => {
    const m = METHODS[i & 3];
    gauge.labels(m).inc();
    const t = performance.now();
    const s = String(STATUSES[(i >> 3) & 7]);
    gauge.labels(m).dec();
    counter.labels(m, ROUTES[i & 7], s).inc();
    hist.labels(m, ROUTES[i & 7], s).observe((performance.now() - t) / 1000);
  };
}

function modelCase(backendKind, exemplars = true) {
  const backend =
    backendKind === 'native'
      ? core.nativeBackend()
      : core.promClientBackend({ client, registry: new client.Registry() });
  const gb = core.createGlassbox({ backend, logger: null, exemplars });
  const model = core.createModelInstrument(gb, {
    name: 'lead-scoring',
    version: '1.4.0',
    outcomes: OUTCOMES,
  });
  return (i) => {
    const h = model.start();
    h.end({ outcome: OUTCOMES[i % 3], score: (i & 127) / 128 });
  };
}

function modelRawCase() {
  const registry = new client.Registry();
  const predictions = new client.Counter({
    name: 'ml_predictions_total',
    help: 'h',
    labelNames: ['model', 'model_version', 'outcome'],
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'ml_prediction_duration_seconds',
    help: 'h',
    labelNames: ['model', 'model_version'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const score = new client.Histogram({
    name: 'ml_prediction_score',
    help: 'h',
    labelNames: ['model'],
    buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
    registers: [registry],
  });
  return (i) => {
    const t = performance.now();
    duration.labels('lead-scoring', '1.4.0').observe((performance.now() - t) / 1000);
    predictions.labels('lead-scoring', '1.4.0', OUTCOMES[i % 3]).inc();
    score.labels('lead-scoring').observe((i & 127) / 128);
  };
}

const CASES = {
  'http-glassbox-native': () => httpRecorderCase('native'),
  'http-glassbox-prom': () => httpRecorderCase('prom'),
  'http-prom-raw': () => promRawCase(false),
  'http-prom-raw-full': () => promRawCase(true),
  'model-glassbox-native': () => modelCase('native'),
  'model-glassbox-prom': () => modelCase('prom'),
  'model-prom-raw': () => modelRawCase(),
  'http-native-exemplars-off': () => httpExemplarCase('native', false, true),
  'http-native-exemplars-untraced': () => httpExemplarCase('native', true, false),
  'http-native-exemplars-traced': () => httpExemplarCase('native', true, true),
  'http-prom-exemplars-off': () => httpExemplarCase('prom', false, true),
  'http-prom-exemplars-traced': () => httpExemplarCase('prom', true, true),
  'model-native-exemplars-off': () => modelCase('native', false),
};

// Main-thread CPU time (Node >= 23.9), so time the process waited for a core on a shared
// machine is not counted; wall time on older Node.
const cpuNs =
  typeof process.threadCpuUsage === 'function'
    ? () => {
        const u = process.threadCpuUsage();
        return (u.user + u.system) * 1000;
      }
    : () => Number(process.hrtime.bigint());

function time(fn, iters) {
  const t0 = cpuNs();
  for (let i = 0; i < iters; i++) fn(i);
  return (cpuNs() - t0) / iters;
}

serveIpc({
  run: ({ name, iters, reps }) => {
    const fn = CASES[name]();
    time(fn, Math.min(iters, 200_000)); // warm-up (JIT)
    const ns = [];
    for (let r = 0; r < reps; r++) ns.push(time(fn, iters));
    return { ns };
  },
});
process.send({ type: 'ready' });
