// A/B of `npm run test:unit` between two checkouts of this repository, interleaved in
// one run so both see the same machine:
//
//   node bench/tools/unit-suite-ab.mjs <tree A> <tree B> [rounds=2] [busy=0]
//
// e.g. `git worktree add --detach ../before <commit>` (then `node scripts/pnpm.mjs
// install --frozen-lockfile` there), and `node bench/tools/unit-suite-ab.mjs ../before .`.
// `busy` starts that many busy-looping processes for the whole run, to see both trees on
// a machine that other work shares. Each round runs both trees, the order alternating;
// it prints each run's wall time and test count, then per tree the median and the B/A
// ratio of the medians. A run that fails is reported and left out of the medians.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { median } from '../lib/proc.mjs';

const [a, b, roundsArg = '2', busyArg = '0'] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node bench/tools/unit-suite-ab.mjs <tree A> <tree B> [rounds] [busy]');
  process.exit(2);
}
const rounds = Number(roundsArg);
const busy = Number(busyArg);

/** Runs `npm run test:unit` in `tree`; resolves { seconds, passed, ok }. */
function runUnit(tree) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn('npm', ['run', 'test:unit'], {
      cwd: tree,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.resume();
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes
      const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
      const passed = /Tests\s+(?:\d+ failed \| )?(\d+) passed/.exec(plain)?.[1] ?? '?';
      done({ seconds, passed, ok: code === 0 });
    });
  });
}

const hogs = Array.from({ length: busy }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const trees = [a, b].map((tree) => ({ tree: resolve(tree), times: [] }));
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? trees : [...trees].reverse();
    for (const subject of order) {
      const run = await runUnit(subject.tree);
      console.log(
        `round ${round + 1} ${subject.tree}: ${run.seconds.toFixed(1)} s, ${run.passed} passed${run.ok ? '' : ' (FAILED)'}`,
      );
      if (run.ok) subject.times.push(run.seconds);
    }
  }
} finally {
  for (const hog of hogs) hog.kill();
}
const [ma, mb] = trees.map((t) => median(t.times));
console.log(`busy processes: ${busy}`);
console.log(`A ${trees[0].tree}: median ${ma?.toFixed(1)} s over ${trees[0].times.length} runs`);
console.log(`B ${trees[1].tree}: median ${mb?.toFixed(1)} s over ${trees[1].times.length} runs`);
if (ma && mb) console.log(`B/A: ${(mb / ma).toFixed(2)}`);
