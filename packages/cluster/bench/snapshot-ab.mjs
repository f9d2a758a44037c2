// A worker's snapshot of a prom-client registry (getMetricsAsJSON + conversion), this
// checkout against another one, interleaved in one process on the same registry:
//
//   node packages/cluster/bench/snapshot-ab.mjs <other tree> [rounds=15]
//
// The other tree must be built (`pnpm --filter @glassbox/cluster... build` there). The
// registry is one of aggregate.mjs's workers (./fixture.mjs).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { snapshotRegistry } from '@glassbox/cluster';
import { populate } from './fixture.mjs';

const [other, roundsArg = '15'] = process.argv.slice(2);
if (!other) {
  console.error('usage: node packages/cluster/bench/snapshot-ab.mjs <other tree> [rounds]');
  process.exit(2);
}
const theirs = await import(pathToFileURL(resolve(other, 'packages/cluster/dist/index.js')).href);

const { registry, glassbox } = populate(1);

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
