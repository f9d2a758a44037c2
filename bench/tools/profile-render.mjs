// CPU profile of the exporter rendering the native backend's N histogram series (default 10k) with
// every series changed between renders (+ Buffer.from, as the exporter does); prints
// the top self-time frames.
//
//   node bench/tools/profile-render.mjs 10000
import { Session } from 'node:inspector/promises';
import { summariseProfile } from '../suites/http.mjs';
import { histogramFixture } from './histogram-fixture.mjs';

const n = Number(process.argv[2] ?? 10000);
const { render, mutate } = histogramFixture(n);
mutate();
await render();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
for (let i = 0; i < 8; i++) {
  mutate();
  Buffer.from(await render());
}
const { profile } = await session.post('Profiler.stop');
const r = summariseProfile(profile);
for (const f of r.top) console.log(`${f.pct.toFixed(1).padStart(5)} %  ${f.frame}`);
