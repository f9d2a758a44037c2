#!/usr/bin/env node
// Glassbox benchmark suite. `pnpm bench` (builds first) or `node bench/run.mjs`:
//
//   --suite http,record,scrape,memory,consumer,cluster   suites to run (default: all)
//   --rounds 11       interleaved HTTP rounds (median and min–max over them)
//   --paired-rounds 9   cross-check rounds, each server under load at the same moment as bare (0: off)
//   --duration 2      seconds of load per HTTP measurement
//   --warmup 4        seconds of warm-up load per server before the first round
//   --connections 50  autocannon connections
//   --groups express,fastify,nest-express,nest-fastify   HTTP groups (express-ab: a
//                     diagnostic A/B of the Express adapter's route accessor and /metrics
//                     route; express-diag: where the Express overhead goes; not in the default)
//   --quick           fewer iterations/repetitions everywhere (a smoke run)
//   --flood-bare      also flood the bare servers (memory suite)
//   --no-profile      do not profile a Glassbox server that misses its HTTP target
//   --write / --no-write   write docs/benchmarks.md (default: only when every suite ran)
//
// Servers and the load generator are separate processes pinned with taskset (server on
// core 0, autocannon on core 1); they run on Node 24 from .cache/node24 when present.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hasTaskset, repoDir, serverNode } from './lib/proc.mjs';
import { createReport, table } from './lib/report.mjs';

const ALL = ['http', 'record', 'scrape', 'memory', 'consumer', 'cluster'];
const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: ALL.join(',') },
    rounds: { type: 'string', default: '11' },
    'paired-rounds': { type: 'string', default: '9' },
    duration: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
    groups: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'flood-bare': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
    write: { type: 'boolean' },
    'no-write': { type: 'boolean', default: false },
  },
});

const suites = values.suite
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const s of suites)
  if (!ALL.includes(s)) throw new Error(`unknown suite "${s}" (one of ${ALL.join(', ')})`);
const opts = {
  rounds: Number(values.rounds),
  pairedRounds: Number(values['paired-rounds']),
  duration: Number(values.duration),
  warmup: Number(values.warmup),
  connections: Number(values.connections),
  groups: values.groups?.split(','),
  quick: values.quick,
  floodBare: values['flood-bare'],
  profile: !values['no-profile'],
};
if (!(opts.rounds >= 1) || !(opts.duration > 0)) throw new Error('--rounds and --duration must be positive');
if (!Number.isInteger(opts.pairedRounds) || opts.pairedRounds < 0)
  throw new Error('--paired-rounds must be a whole number (0: no cross-check)');

const nodeVersion = execFileSync(serverNode(), ['-v']).toString().trim();
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoDir }).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const started = new Date();
const command = `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim();
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Linux ${release()}`;
const load0 = loadavg()[0];
const header = [
  `- Date: ${started.toISOString().replace('T', ' ').slice(0, 16)} UTC, commit ${commit}`,
  `- Machine: ${machine} (nproc ${cpus().length}); shared with other jobs while it ran, so single rounds are noisy — read the medians and the ranges`,
  `- Node: ${nodeVersion} for every server, child and the load generator${serverNode() === process.execPath ? '' : ` (orchestrator on ${process.version})`}`,
  `- Pinning: ${hasTaskset ? 'taskset -c 0 (servers and measured processes), -c 1 (autocannon)' : 'none (taskset not found)'}`,
  `- Command: \`${command}\``,
];
console.log(`# Glassbox benchmarks\n${header.join('\n')}`);

const report = createReport();
const t0 = performance.now();
for (const name of suites) {
  const ts = performance.now();
  console.log(`\n=== suite ${name} ===`);
  try {
    const mod = await import(`./suites/${name}.mjs`);
    await mod.run(opts, report);
  } catch (error) {
    console.error(`suite ${name} failed: ${error.stack}`);
    report.section(name, `Failed: ${String(error.message).split('\n')[0]}`);
  }
  console.log(`=== ${name}: ${((performance.now() - ts) / 1000).toFixed(0)} s ===`);
}
const total = (performance.now() - t0) / 1000;

const targetRows = report.targets.map((t) => [
  t.name,
  t.met === undefined ? 'not measured' : t.met ? '**met**' : '**not met**',
  t.detail,
]);
const results = [
  '<!-- results:start (generated by bench/run.mjs; everything up to results:end is replaced on each run) -->',
  '## Latest run',
  '',
  ...header,
  `- Wall time: ${(total / 60).toFixed(1)} min; load average (1 min) ${load0.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end (2 cores: anything above 2 means other jobs competed for the CPU)`,
  '',
  '### Targets',
  '',
  table(['target', 'result', 'numbers'], targetRows),
  '',
  ...report.sections.map((s) => `## ${s.title}\n\n${s.body}\n`),
  '<!-- results:end -->',
].join('\n');
console.log(
  `\n${table(['target', 'result', 'numbers'], targetRows)}\n\ntotal ${(total / 60).toFixed(1)} min`,
);

const write = values['no-write'] ? false : (values.write ?? suites.length === ALL.length);
if (write) {
  const file = join(repoDir, 'docs/benchmarks.md');
  let doc = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\n<!-- results:start -->\n<!-- results:end -->\n';
  const a = doc.indexOf('<!-- results:start');
  const b = doc.indexOf('<!-- results:end -->');
  doc =
    a >= 0 && b > a
      ? doc.slice(0, a) + results + doc.slice(b + '<!-- results:end -->'.length)
      : `${doc.trimEnd()}\n\n${results}\n`;
  writeFileSync(file, doc);
  console.log(`wrote ${file}`);
}
