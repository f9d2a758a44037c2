// Record path: ns per recorded request / prediction, Glassbox vs raw prom-client.

import { median, spawnNode } from '../lib/proc.mjs';
import { fmt, table } from '../lib/report.mjs';

const ROWS = [
  ['http-glassbox-native', 'HTTP request', 'Glassbox `createHttpRecorder` begin/end, native backend'],
  ['http-glassbox-prom', 'HTTP request', 'Glassbox `createHttpRecorder` begin/end, prom-client backend'],
  ['http-prom-raw', 'HTTP request', 'prom-client raw: `labels().inc()` + `labels().observe()`'],
  [
    'http-prom-raw-full',
    'HTTP request',
    'prom-client raw, same work as the recorder (in-flight gauge inc/dec, 2× `performance.now()`, counter, histogram)',
  ],
  [
    'model-glassbox-native',
    'model prediction',
    'Glassbox `createModelInstrument` start/end (outcome + score), native backend',
  ],
  [
    'model-glassbox-prom',
    'model prediction',
    'Glassbox `createModelInstrument` start/end, prom-client backend',
  ],
  ['model-prom-raw', 'model prediction', 'prom-client raw: counter + duration histogram + score histogram'],
  [
    'http-native-exemplars-off',
    'HTTP request',
    'as an adapter records, native backend, `exemplars: false` (requests carry a `traceparent`)',
  ],
  [
    'http-native-exemplars-untraced',
    'HTTP request',
    'as an adapter records, native backend, exemplars on, no `traceparent` and no tracer',
  ],
  [
    'http-native-exemplars-traced',
    'HTTP request',
    'as an adapter records, native backend, exemplars on, every request with a sampled `traceparent`',
  ],
  [
    'http-prom-exemplars-off',
    'HTTP request',
    'as an adapter records, prom-client backend, `exemplars: false` (requests carry a `traceparent`)',
  ],
  [
    'http-prom-exemplars-traced',
    'HTTP request',
    'as an adapter records, prom-client backend, exemplars on, every request with a sampled `traceparent`',
  ],
  [
    'model-native-exemplars-off',
    'model prediction',
    'Glassbox `createModelInstrument` start/end, native backend, `exemplars: false` (the default reads the active span)',
  ],
];

export async function run(opts, report) {
  const iters = opts.quick ? 300_000 : 500_000;
  const reps = opts.quick ? 5 : 7;
  const results = {};
  for (const [name] of ROWS) {
    // a fresh process per case, so one case's JIT state never helps another
    const child = spawnNode('lib/record-child.mjs', [], { core: 0 });
    try {
      await child.ready;
      const { ns } = await child.call({ cmd: 'run', name, iters, reps });
      results[name] = { median: median(ns), min: Math.min(...ns), max: Math.max(...ns) };
      console.log(`record ${name}: ${fmt.num(results[name].median)} ns`);
    } catch (error) {
      results[name] = { failed: error.message.split('\n')[0] };
    } finally {
      await child.stop();
    }
  }
  const rows = ROWS.map(([name, what, label]) => {
    const r = results[name];
    if (r.failed) return [what, label, 'failed', '', ''];
    const base = what === 'HTTP request' ? results['http-prom-raw'] : results['model-prom-raw'];
    return [
      what,
      label,
      fmt.num(r.median),
      `${fmt.num(r.min)}–${fmt.num(r.max)}`,
      base?.median ? fmt.x(r.median / base.median) : 'n/a',
    ];
  });
  report.section(
    'Record path',
    `Nanoseconds (main-thread CPU time, \`process.threadCpuUsage\`) per recorded HTTP request / model prediction in a tight loop (8 routes × 3 methods × 5 status codes, 3 outcomes), ${iters.toLocaleString('en-US')} iterations after a warm-up, median of ${reps} repetitions, one process per case pinned to core 0. The ratio is against the raw prom-client row of the same group.\n\n` +
      table(['what', 'code', 'ns (median)', 'min–max', 'vs raw prom-client'], rows),
  );
  return results;
}
