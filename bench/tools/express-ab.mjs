// A/B of the Express 5 servers' CPU time per request between two checkouts of this
// repository (each tree's own bench/servers/express.mjs and built packages), on the Node
// that runs this script, interleaved in one run so both see the same machine:
//
//   node bench/tools/express-ab.mjs <tree A> <tree B> [rounds=7] [variant=glassbox]
//
// e.g. `git worktree add --detach ../before <commit>` (install + build there), then
// `node bench/tools/express-ab.mjs ../before .`, and the same with a Node 22 or 24
// binary (`.cache/node24/node_modules/node/bin/node bench/tools/express-ab.mjs ...`).
// Each tree runs its `bare` server and the variant, each in its own process pinned to
// core 0 (autocannon on core 1, when taskset exists). Per round every server gets a 1 s
// warm-up and 2 s of load; the server's own process.cpuUsage() over the load, divided
// by the requests it served, is its CPU time per request. Prints the medians, each
// variant against its own tree's bare, and B/A of the variant's overhead.
import { fork, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from '../lib/proc.mjs';

if (process.argv[2] === '--child') {
  const [, , , tree, variant] = process.argv;
  const { variants } = await import(pathToFileURL(resolve(tree, 'bench/servers/express.mjs')).href);
  const app = await variants[variant]();
  let served = 0;
  let t0 = process.cpuUsage();
  const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  server.on('request', () => {
    served++;
  });
  process.on('message', (m) => {
    if (m === 'start') {
      t0 = process.cpuUsage();
      served = 0;
      process.send('started');
    } else if (m === 'stop') {
      const c = process.cpuUsage(t0);
      process.send({ us: (c.user + c.system) / served });
    } else process.exit(0);
  });
} else {
  const [a, b, roundsArg = '7', variant = 'glassbox'] = process.argv.slice(2);
  if (!a || !b) {
    console.error('usage: node bench/tools/express-ab.mjs <tree A> <tree B> [rounds] [variant]');
    process.exit(2);
  }
  const taskset = spawnSync('taskset', ['-V']).status === 0;
  const autocannon = resolve('bench/node_modules/.bin/autocannon');
  const load = (port, seconds, connections) => {
    const args = ['-c', String(connections), '-d', String(seconds), `http://127.0.0.1:${port}/users/1`];
    spawnSync(taskset ? 'taskset' : autocannon, taskset ? ['-c', '1', autocannon, ...args] : args);
  };
  const ask = (child, msg) =>
    new Promise((done) => {
      child.once('message', done);
      child.send(msg);
    });
  const servers = [];
  for (const tree of [a, b])
    for (const name of ['bare', variant]) {
      const child = fork(new URL(import.meta.url).pathname, ['--child', resolve(tree), name], {
        execArgv: [],
      });
      if (taskset) spawnSync('taskset', ['-p', '-c', '0', String(child.pid)]);
      const { port } = await new Promise((done) => child.once('message', done));
      servers.push({ tree, name, child, port, us: [] });
    }
  try {
    for (let round = 0; round < Number(roundsArg); round++) {
      for (const s of round % 2 === 0 ? servers : [...servers].reverse()) {
        load(s.port, 1, 20);
        await ask(s.child, 'start');
        load(s.port, 2, 50);
        s.us.push((await ask(s.child, 'stop')).us);
      }
    }
  } finally {
    for (const s of servers) s.child.send('exit');
  }
  console.log(`Node ${process.version}, ${roundsArg} rounds, CPU µs per request (median)`);
  const overhead = [];
  for (const tree of [a, b]) {
    const [bare, v] = servers.filter((s) => s.tree === tree).map((s) => median(s.us));
    overhead.push(v / bare - 1);
    console.log(
      `${tree}: bare ${bare.toFixed(1)}, ${variant} ${v.toFixed(1)} (${((v / bare - 1) * 100).toFixed(1)} % over bare)`,
    );
  }
  console.log(`${variant} over bare, B − A: ${((overhead[1] - overhead[0]) * 100).toFixed(1)} points`);
}
