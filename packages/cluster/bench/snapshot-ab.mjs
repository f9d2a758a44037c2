// A worker's snapshot of a prom-client registry (getMetricsAsJSON + conversion), this
// checkout against another one, interleaved in one process on the same registry:
//
//   node packages/cluster/bench/snapshot-ab.mjs <other tree> [rounds=15]
//
// The other tree must be built (`pnpm --filter @glassbox/cluster... build` there). The
// registry is aggregate.mjs's worker: 4,000 counter, 4,000 gauge and 2,000 histogram
// series (15 buckets) on Glassbox's prom-client backend.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { snapshotRegistry } from '@glassbox/cluster';
import {
  catalog,
  createGlassbox,
  defineCounter,
  defineGauge,
  defineHistogram,
  promClientBackend,
} from '@glassbox/core';
import * as client from 'prom-client';

const [other, roundsArg = '15'] = process.argv.slice(2);
if (!other) {
  console.error('usage: node packages/cluster/bench/snapshot-ab.mjs <other tree> [rounds]');
  process.exit(2);
}
const theirs = await import(pathToFileURL(resolve(other, 'packages/cluster/dist/index.js')).href);

const registry = new client.Registry();
const glassbox = createGlassbox({
  backend: promClientBackend({ client, registry }),
  seriesLimit: 100_000,
  logger: null,
});
const labelNames = ['method', 'route', 'status_code'];
const requests = glassbox.counter(
  defineCounter({ name: 'bench_requests_total', help: 'Requests.', labelNames }),
);
const seen = glassbox.gauge(
  defineGauge({ name: 'bench_last_seen_seconds', help: 'Last seen.', labelNames, aggregate: 'max' }),
);
const duration = glassbox.histogram(
  defineHistogram({
    name: 'bench_duration_seconds',
    help: 'Duration.',
    labelNames,
    buckets: catalog.http.requestDuration.buckets,
  }),
);
const labels = (i) => [['GET', 'POST', 'PUT', 'DELETE'][i % 4], `/route/${Math.floor(i / 4)}`, '200'];
for (let i = 0; i < 4000; i++) requests.bindValues(labels(i)).inc(i + 1);
for (let i = 0; i < 4000; i++) seen.bindValues(labels(i)).set(i);
for (let i = 0; i < 2000; i++) {
  const h = duration.bindValues(labels(i));
  for (let k = 0; k < 3; k++) h.observe(((i + k) % 100) / 37);
}

const subjects = [
  ['this tree', snapshotRegistry],
  [other, theirs.snapshotRegistry],
];
const times = subjects.map(() => []);
for (let round = 0; round < Number(roundsArg); round++)
  for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
    const t0 = performance.now();
    await subjects[i][1](registry, glassbox);
    times[i].push(performance.now() - t0);
  }
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
// the same content (key order aside: older versions wrote `b` after `s`)
const canon = (v) =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );
const same =
  canon(await snapshotRegistry(registry, glassbox)) ===
  canon(await theirs.snapshotRegistry(registry, glassbox));
for (const [i, [name]] of subjects.entries())
  console.log(`${name.padEnd(20)} ${median(times[i]).toFixed(1)} ms`);
console.log(`this/other ${(median(times[0]) / median(times[1])).toFixed(2)}; same snapshot: ${same}`);
