// Where the native backend's scrape blocks the event loop: renders N histogram series
// (default 10k) from core's nativeBackend() with the exporter's renderer and reports the longest
// synchronous segment between two yields, the last one (after the final yield: the
// join of all chunks), and Buffer.from of the body (what the exporter handler does next).
//
//   node bench/tools/render-segments.mjs 10000
import { histogramFixture } from './histogram-fixture.mjs';

const n = Number(process.argv[2] ?? 10000);
const { render, mutate } = histogramFixture(n);
mutate();
const cpu = () => {
  const u = process.threadCpuUsage?.() ?? process.cpuUsage();
  return (u.user + u.system) / 1000;
};
// measure the synchronous segments between the renderer's setImmediate yields
const orig = setImmediate;
let last = cpu();
let segments = [];
globalThis.setImmediate = (fn, ...args) => {
  segments.push(cpu() - last);
  return orig(() => {
    last = cpu();
    fn(...args);
  });
};
for (const changed of [true, false, true, false]) {
  if (changed) mutate();
  segments = [];
  last = cpu();
  const t0 = cpu();
  const text = await render();
  const t1 = cpu();
  segments.push(t1 - last);
  const buf = Buffer.from(text, 'utf8');
  const t2 = cpu();
  console.log(
    `${changed ? 'every series changed' : 'unchanged           '}: render ${(t1 - t0).toFixed(1)} ms CPU in ${segments.length} segments, longest chunk ${Math.max(...segments.slice(0, -1)).toFixed(1)} ms, last (join) ${segments.at(-1).toFixed(1)} ms; Buffer.from ${(t2 - t1).toFixed(1)} ms; ${(buf.length / 1e6).toFixed(1)} MB`,
  );
}
globalThis.setImmediate = orig;
