// Memory: heap per series (after GC) for each library, and heap growth after a flood
// of 100k distinct unmatched paths through each adapter.

import { spawnNode } from '../lib/proc.mjs';
import { fmt, table } from '../lib/report.mjs';
import { GROUPS } from './http.mjs';

const SERIES_IMPLS = [
  ['glassbox', 'Glassbox native'],
  ['glassbox-prom', 'Glassbox on prom-client backend'],
  ['prom-client', 'prom-client'],
  ['otel', 'OpenTelemetry sdk-metrics'],
];

/** heapUsed after GC: before any series, with n series holding data, and after one scrape. */
async function heapOf(impl, kind, n) {
  const child = spawnNode('lib/scrape-child.mjs', [impl, kind, String(n)], {
    core: 0,
    execArgv: ['--expose-gc', '--max-old-space-size=4096'],
    env: { SCRAPE_DEFER: '1' },
  });
  try {
    await child.ready;
    const empty = (await child.call({ cmd: 'heap', scrape: false })).heap;
    await child.call({ cmd: 'build' });
    const full = (await child.call({ cmd: 'heap', scrape: false })).heap;
    const scraped = (await child.call({ cmd: 'heap', scrape: true })).heap;
    return { empty, full, scraped };
  } finally {
    await child.stop();
  }
}

async function perSeries(opts) {
  const n = opts.quick ? 10_000 : 20_000;
  const rows = [];
  const results = [];
  for (const kind of ['histogram', 'counter']) {
    for (const [impl, label] of SERIES_IMPLS) {
      try {
        const { empty, full, scraped } = await heapOf(impl, kind, n);
        const r = { kind, impl, label, bytes: (full - empty) / n, scraped: (scraped - empty) / n };
        results.push(r);
        rows.push([kind, label, fmt.int(r.bytes), fmt.int(r.scraped)]);
        console.log(
          `heap/series ${kind} ${impl}: ${fmt.int(r.bytes)} B (after a scrape ${fmt.int(r.scraped)} B)`,
        );
      } catch (error) {
        rows.push([kind, label, 'failed', '']);
        console.error(`heap/series ${kind} ${impl} failed: ${error.message.split('\n')[0]}`);
      }
    }
  }
  return {
    results,
    markdown: `Heap per series: \`heapUsed\` after a full GC (\`--expose-gc\`) in a process holding ${n.toLocaleString('en-US')} series with data (histograms: 11 buckets, labels \`route\`, \`method\`; counters: one label), minus the same process before it created them, ÷ ${n.toLocaleString('en-US')}; and the same after one scrape (the native backend then also holds each counter's and gauge's rendered line until its next write).\n\n${table(['kind', 'library', 'bytes / series', 'after a scrape'], rows)}`,
  };
}

async function flood(opts) {
  const amount = opts.floodAmount ?? 100_000;
  const loader = spawnNode('lib/loader.mjs', [], { core: 1 });
  await loader.ready;
  const rows = [];
  const results = [];
  try {
    for (const group of GROUPS.filter((g) => !g.optional)) {
      for (const [moduleName, variant, label] of group.variants) {
        if (variant.endsWith('glassbox-prom')) continue;
        if (variant.endsWith('bare') && !opts.floodBare) continue;
        const s = spawnNode('lib/server-main.mjs', [moduleName, variant], {
          core: 0,
          execArgv: ['--expose-gc'],
        });
        try {
          const { port } = await s.ready;
          const url = `http://127.0.0.1:${port}`;
          await loader.call({ cmd: 'run', url, duration: 1, connections: opts.connections });
          // one small flood first, so lazily created structures exist before the baseline
          await loader.call({
            cmd: 'flood',
            url,
            amount: 2000,
            connections: opts.connections,
            prefix: 'warm',
          });
          const before = (await s.call({ cmd: 'gc' })).heap;
          const t0 = performance.now();
          const { result } = await loader.call({
            cmd: 'flood',
            url,
            amount,
            connections: opts.connections,
            prefix: 'nope',
          });
          const secs = (performance.now() - t0) / 1000;
          const after = (await s.call({ cmd: 'gc' })).heap;
          const growth = after.heapUsed - before.heapUsed;
          results.push({ group: group.key, title: group.title, variant, label, growth, before, after });
          rows.push([
            group.title,
            label,
            fmt.mb(before.heapUsed),
            fmt.mb(after.heapUsed),
            fmt.mb(growth),
            fmt.mb(after.rss - before.rss),
            `${fmt.int(result.total)} in ${fmt.num(secs)} s`,
          ]);
          console.log(
            `flood ${group.title} ${label}: heap ${fmt.mb(before.heapUsed)} -> ${fmt.mb(after.heapUsed)} MB`,
          );
        } catch (error) {
          rows.push([group.title, label, 'failed', '', '', '', '']);
          console.error(`flood ${group.title} ${label} failed: ${error.message.split('\n')[0]}`);
        } finally {
          await s.stop();
        }
      }
    }
  } finally {
    await loader.stop();
  }
  return {
    results,
    markdown: `Path flood: ${amount.toLocaleString('en-US')} requests to distinct unmatched paths (\`/nope/<n>/x<random>\`, all 404) through each adapter, heap after a full GC before and after (a 2,000-path flood and a 1 s normal load run first, so lazily built structures exist before the baseline).\n\n${table(['framework', 'library', 'heap before MB', 'heap after MB', 'growth MB', 'RSS growth MB', 'requests'], rows)}`,
  };
}

export async function run(opts, report) {
  const a = await perSeries(opts);
  const b = await flood(opts);
  report.section('Memory', `${a.markdown}\n\n${b.markdown}`);
  const gb = b.results.filter((r) => r.variant.endsWith('glassbox'));
  if (gb.length > 0) {
    const worst = Math.max(...gb.map((r) => r.growth));
    report.target(
      'Path flood: heap growth < 5 MB for every adapter (Glassbox)',
      worst < 5 * 1024 * 1024,
      gb.map((r) => `${r.title} ${fmt.mb(r.growth)} MB`).join('; '),
    );
  }
  return { perSeries: a.results, flood: b.results };
}
