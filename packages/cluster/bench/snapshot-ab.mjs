// A worker's snapshot of a prom-client registry (getMetricsAsJSON + conversion) and the
// primary's merge of four such snapshots, this checkout against another one, interleaved
// in one process on the same data:
//
//   node packages/cluster/bench/snapshot-ab.mjs <other tree> [rounds=15]
//
// The other tree must be built (`pnpm --filter @glassbox/cluster... build` there). The
// registry is one of aggregate.mjs's workers (./fixture.mjs).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mergeSnapshots, snapshotRegistry } from '@glassbox/cluster';
import { populate } from './fixture.mjs';

const [other, roundsArg = '15'] = process.argv.slice(2);
if (!other) {
  console.error('usage: node packages/cluster/bench/snapshot-ab.mjs <other tree> [rounds]');
  process.exit(2);
}
const theirs = await import(pathToFileURL(resolve(other, 'packages/cluster/dist/index.js')).href);

const { registry, glassbox } = populate(1);

// Four workers' snapshots (the fixture with seeds 1-4), merged by each tree's mergeSnapshots.
const parts = [];
for (let seed = 1; seed <= 4; seed++) {
  const w = populate(seed);
  parts.push({ worker: String(seed), metrics: await snapshotRegistry(w.registry, w.glassbox) });
}

const subjects = [
  ['this tree', { snapshotRegistry, mergeSnapshots }],
  [other, theirs],
];
const steps = {
  snapshot: (impl) => impl.snapshotRegistry(registry, glassbox),
  merge: (impl) => impl.mergeSnapshots(parts),
};
const times = Object.fromEntries(Object.keys(steps).map((step) => [step, subjects.map(() => [])]));
for (let round = 0; round < Number(roundsArg); round++)
  for (const i of round % 2 === 0 ? [0, 1] : [1, 0])
    for (const [step, run] of Object.entries(steps)) {
      const t0 = performance.now();
      await run(subjects[i][1]);
      times[step][i].push(performance.now() - t0);
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
for (const step of Object.keys(steps)) {
  for (const [i, [name]] of subjects.entries())
    console.log(`${step.padEnd(9)} ${name.padEnd(20)} ${median(times[step][i]).toFixed(1)} ms`);
  console.log(`${step.padEnd(9)} this/other ${(median(times[step][0]) / median(times[step][1])).toFixed(2)}`);
}
console.log(`same snapshot: ${same}`);
