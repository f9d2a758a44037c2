// A/B of the scrape over a real socket between two checkouts of this repository (each
// tree's own bench/lib/scrape-child.mjs and packages), interleaved in one run so both
// see the same machine:
//
//   node bench/tools/scrape-ab.mjs <tree A> <tree B> [series=100000] [rounds=6]
//
// e.g. `git worktree add --detach ../before <commit>` (install + build there), then
// `node bench/tools/scrape-ab.mjs ../before .`. Each round scrapes both subjects, the
// order alternating, every series changed and unchanged; per subject it prints the
// medians of the child's CPU time during the scrape, the wall time and the longest CPU
// stall, and the B/A ratio of the CPU medians.
import http from 'node:http';
import { resolve } from 'node:path';
import { median, spawnNode } from '../lib/proc.mjs';

const [a, b, nArg = '100000', roundsArg = '6'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/tools/scrape-ab.mjs <tree A> <tree B> [series] [rounds]');
  process.exit(2);
}
const n = Number(nArg);
const rounds = Number(roundsArg);

function get(port) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (r) => {
        r.resume();
        r.on('end', () => res({ ms: performance.now() - t0, status: r.statusCode }));
      })
      .on('error', rej);
  });
}

const subjects = [a, b].map((tree) => ({
  tree,
  child: undefined,
  port: 0,
  runs: { changed: [], unchanged: [] },
}));
for (const s of subjects) {
  s.child = spawnNode('lib/scrape-child.mjs', ['glassbox', 'histogram', String(n)], {
    core: 0,
    cwd: resolve(s.tree, 'bench'),
    execArgv: ['--expose-gc', '--max-old-space-size=6144'],
  });
  s.port = (await s.child.ready).port;
  await s.child.call({ cmd: 'prepare', changed: false }); // fill the caches once
  await get(s.port);
  await s.child.call({ cmd: 'disarm' });
}
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    for (const changed of [true, false])
      for (const s of order) {
        await s.child.call({ cmd: 'prepare', changed });
        const r = await get(s.port);
        if (r.status !== 200) throw new Error(`${s.tree}: /metrics answered ${r.status}`);
        const probe = await s.child.call({ cmd: 'disarm' });
        s.runs[changed ? 'changed' : 'unchanged'].push({
          ms: r.ms,
          cpuMs: probe.cpuMs,
          stall: probe.maxCpuGap,
        });
      }
  }
  console.log(`${n} histogram series, ${rounds} interleaved rounds (medians)`);
  for (const mode of ['changed', 'unchanged']) {
    const m = subjects.map((s) => {
      const runs = s.runs[mode];
      return {
        cpu: median(runs.map((x) => x.cpuMs)),
        ms: median(runs.map((x) => x.ms)),
        stall: median(runs.map((x) => x.stall)),
      };
    });
    for (const [i, s] of subjects.entries())
      console.log(
        `${mode.padEnd(9)} ${s.tree.padEnd(16)} CPU ${m[i].cpu.toFixed(0).padStart(6)} ms  wall ${m[i].ms.toFixed(0).padStart(6)} ms  longest CPU stall ${m[i].stall.toFixed(1)} ms`,
      );
    console.log(`${mode.padEnd(9)} CPU B/A ${(m[1].cpu / m[0].cpu).toFixed(3)}`);
  }
} finally {
  for (const s of subjects) await s.child.stop();
}
