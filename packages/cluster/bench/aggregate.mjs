// Aggregation benchmark: 4 workers × 10k series (4,000 counter, 4,000 gauge and 2,000
// histogram series, 15 buckets each), the catalog's http label shape.
//
//   pnpm --filter @glassbox/cluster build && node packages/cluster/bench/aggregate.mjs
//
// Part 1 (in one process): the worker's snapshot, the IPC payload, the primary's
// validation, merge and render (the exporter's renderer), next to prom-client's
// AggregatorRegistry.aggregate() on the same data.
// Part 2 (a real node:cluster with 4 workers): a whole scrape through setupClusterPrimary
// (IPC included) rendered by the exporter, next to AggregatorRegistry.clusterMetrics()
// on the same cluster.
// Times are medians; compare them with the default scrape timeout (5,000 ms).
import cluster from 'node:cluster';
import { performance } from 'node:perf_hooks';
import {
  CLUSTER_PRIMARY_DEFAULTS,
  mergeSnapshots,
  setupClusterPrimary,
  setupClusterWorker,
  snapshotRegistry,
  validateSnapshot,
} from '@glassbox/cluster';
import { renderFamilies } from '@glassbox/exporter';
import * as client from 'prom-client';
import { COUNTER_SERIES, GAUGE_SERIES, HISTOGRAM_SERIES, populate } from './fixture.mjs';

const WORKERS = 4;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn) {
  const samples = [];
  let result;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await fn();
    samples.push(performance.now() - t0);
  }
  return { ms: median(samples), result };
}

const fmt = (ms) => `${ms.toFixed(1).padStart(8)} ms`;
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

async function inProcess() {
  const workers = Array.from({ length: WORKERS }, (_, i) => populate(i + 1));
  console.log(
    `\n# Part 1: in one process, ${WORKERS} workers × ${COUNTER_SERIES + GAUGE_SERIES + HISTOGRAM_SERIES} series`,
  );

  const snap = await time(() => snapshotRegistry(workers[0].registry, workers[0].glassbox));
  const ours = JSON.stringify(snap.result);
  const theirsJson = await workers[0].registry.getMetricsAsJSON();
  const theirs = JSON.stringify(theirsJson);
  console.log(`worker: getMetricsAsJSON + compact snapshot   ${fmt(snap.ms)} (each worker, in parallel)`);
  console.log(
    `IPC payload per worker: Glassbox ${mb(ours.length)}, prom-client AggregatorRegistry ${mb(theirs.length)}`,
  );

  const payloads = await Promise.all(
    workers.map(async (w) => JSON.stringify(await snapshotRegistry(w.registry, w.glassbox))),
  );
  const merge = await time(() => {
    const parts = payloads.map((p, i) => ({
      worker: String(i + 1),
      metrics: validateSnapshot(JSON.parse(p), () => {}),
    }));
    return renderFamilies(mergeSnapshots(parts), 'prometheus');
  });
  console.log(
    `primary: parse + validate + merge + render (Glassbox) ${fmt(merge.ms)}  → ${mb(merge.result.length)} of text`,
  );

  const promPayloads = await Promise.all(
    workers.map(async (w) => JSON.stringify(await w.registry.getMetricsAsJSON())),
  );
  const agg = await time(async () => {
    const arrays = promPayloads.map((p) => JSON.parse(p));
    return client.AggregatorRegistry.aggregate(arrays).metrics();
  });
  console.log(`primary: parse + aggregate + render (prom-client AggregatorRegistry) ${fmt(agg.ms)}`);

  // Same numbers, both ways
  const want = 'bench_requests_total{method="GET",route="/route/0",status_code="200"}';
  const pick = (text) => text.split('\n').find((l) => l.startsWith(`${want} `));
  console.log(`check: ${pick(merge.result)} | ${pick(agg.result)}`);
  return { snapshot: snap.ms, merge: merge.ms, aggregator: agg.ms };
}

async function realCluster() {
  console.log(`\n# Part 2: a real node:cluster, ${WORKERS} workers × 10k series, scrape through the primary`);
  const primary = setupClusterPrimary({ timeoutMs: 30_000, logger: null });
  const aggregator = new client.AggregatorRegistry();
  let ready = 0;
  await new Promise((resolve) => {
    for (let i = 0; i < WORKERS; i++) {
      cluster.fork().on('message', (m) => {
        if (m === 'bench-ready' && ++ready === WORKERS) resolve();
      });
    }
  });
  const ours = await time(async () => renderFamilies(await primary.collect(), 'prometheus'));
  const theirs = await time(() => aggregator.clusterMetrics());
  console.log(
    `setupClusterPrimary().collect() + render ${fmt(ours.ms)}  (${primary.lastScrape().answered.length} workers answered)`,
  );
  console.log(`AggregatorRegistry.clusterMetrics()      ${fmt(theirs.ms)}`);
  primary.close();
  for (const w of Object.values(cluster.workers)) w.kill();
  return { scrape: ours.ms, aggregatorScrape: theirs.ms };
}

if (cluster.isPrimary) {
  const a = await inProcess();
  const b = await realCluster();
  const timeout = CLUSTER_PRIMARY_DEFAULTS.timeoutMs;
  console.log(`\n# Summary (default scrape timeout ${timeout} ms)`);
  console.log(
    `whole scrape, real cluster: ${b.scrape.toFixed(1)} ms = ${((100 * b.scrape) / timeout).toFixed(1)}% of the timeout`,
  );
  console.log(
    `primary's merge+render: ${a.merge.toFixed(1)} ms vs AggregatorRegistry ${a.aggregator.toFixed(1)} ms`,
  );
  console.log(JSON.stringify({ ...a, ...b, timeoutMs: timeout }));
} else {
  const { registry, glassbox } = populate(cluster.worker.id);
  setupClusterWorker({ registry, glassbox });
  client.AggregatorRegistry.setRegistries(registry);
  new client.AggregatorRegistry(); // installs prom-client's worker listener, for the comparison
  process.send('bench-ready');
}
