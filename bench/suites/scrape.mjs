// Scrape path: time to serve /metrics over a real socket (exporter handler or the
// library's own handler) and the render alone, with the longest event-loop stall,
// for 1k / 10k / 100k histogram series and 100k counter series; unchanged since the
// previous scrape and every series changed in between.
import http from 'node:http';
import { fmt, table } from '../lib/report.mjs';
import { median, spawnNode } from '../lib/proc.mjs';

const IMPLS = [
  ['glassbox', 'Glassbox native (exporter handler)'],
  ['glassbox-prom', 'Glassbox on prom-client backend'],
  ['prom-client', 'prom-client registry.metrics()'],
  ['otel', 'OpenTelemetry PrometheusExporter'],
];

function get(port) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c) => {
          bytes += c.length;
        });
        res.on('end', () => resolve({ ms: performance.now() - t0, bytes, status: res.statusCode }));
      })
      .on('error', reject);
  });
}

export async function run(opts, report) {
  const sets = opts.scrapeSets ?? [
    ['histogram', 1000],
    ['histogram', 10000],
    ['histogram', 100000],
    ['counter', 100000],
  ];
  const results = [];
  for (const [kind, n] of sets) {
    const reps = n >= 100000 ? 1 : opts.quick ? 2 : 3;
    for (const [impl, label] of IMPLS) {
      if (impl === 'glassbox-prom' && n > 10000) continue; // same renderer as prom-client
      const child = spawnNode('lib/scrape-child.mjs', [impl, kind, String(n)], {
        core: 0,
        execArgv: ['--expose-gc', '--max-old-space-size=6144'],
      });
      try {
        const { port } = await child.ready;
        const row = { kind, n, impl, label };
        for (const changed of [false, true]) {
          const sock = [];
          const rend = [];
          if (!changed) {
            // the first scrape after the data was written (fills the native text cache)
            await child.call({ cmd: 'prepare', changed: false });
            const r = await get(port);
            const s = await child.call({ cmd: 'disarm' });
            row.first = { ms: r.ms, stall: s.maxGap, eld: s.eldMax, bytes: r.bytes };
          }
          for (let i = 0; i < reps; i++) {
            await child.call({ cmd: 'prepare', changed });
            const r = await get(port);
            if (r.status !== 200) throw new Error(`${impl}: /metrics answered ${r.status}`);
            const s = await child.call({ cmd: 'disarm' });
            sock.push({ ms: r.ms, stall: s.maxGap, eld: s.eldMax });
            const rr = await child.call({ cmd: 'render', changed });
            rend.push({ ms: rr.ms, stall: rr.maxGap, eld: rr.eldMax });
          }
          row[changed ? 'changed' : 'unchanged'] = {
            ms: median(sock.map((x) => x.ms)),
            stall: Math.max(...sock.map((x) => x.stall)),
            eld: Math.max(...sock.map((x) => x.eld)),
            renderMs: median(rend.map((x) => x.ms)),
            renderStall: Math.max(...rend.map((x) => x.stall)),
          };
        }
        results.push(row);
        console.log(
          `scrape ${kind} ${n} ${impl}: changed ${fmt.ms(row.changed.ms)} ms (stall ${fmt.ms(row.changed.stall)}), unchanged ${fmt.ms(row.unchanged.ms)} ms (stall ${fmt.ms(row.unchanged.stall)})`,
        );
      } catch (error) {
        console.error(`scrape ${kind} ${n} ${impl} failed: ${error.message}`);
        results.push({ kind, n, impl, label, failed: error.message.split('\n')[0] });
      } finally {
        await child.stop();
      }
    }
  }

  const rows = [];
  for (const r of results) {
    const set = `${r.n / 1000}k ${r.kind}`;
    if (r.failed) {
      rows.push([set, r.label, 'failed', '', '', '', '', '', '']);
      continue;
    }
    const base = results.find((x) => x.kind === r.kind && x.n === r.n && x.impl === 'prom-client' && !x.failed);
    const sp = (mode) => (base ? fmt.x(base[mode].ms / r[mode].ms) : 'n/a');
    rows.push([
      set,
      r.label,
      fmt.ms(r.changed.ms),
      fmt.ms(r.changed.stall),
      fmt.ms(r.changed.renderMs),
      sp('changed'),
      fmt.ms(r.unchanged.ms),
      fmt.ms(r.unchanged.stall),
      fmt.ms(r.unchanged.renderMs),
      sp('unchanged'),
      fmt.mb(r.first.bytes),
    ]);
  }
  report.section(
    'Scrape path',
    `Time to serve \`GET /metrics\` over a real socket (median; Prometheus text, no gzip) and the render alone, with the longest event-loop stall while serving (largest gap of a \`setInterval(…, 1)\` probe, max over the repetitions; \`monitorEventLoopDelay\` agrees within noise). *every series changed*: one observation on every series between two scrapes; *unchanged*: nothing written since the previous scrape (the native backend serves its per-series text cache). Speed-up is against prom-client's \`registry.metrics()\` on the same data. Each subject runs in its own process pinned to core 0. 1k/10k: ${opts.quick ? 2 : 3} repetitions; 100k: 1.\n\n` +
      table(
        [
          'series',
          'library',
          'changed: ms',
          'stall ms',
          'render ms',
          'vs prom-client',
          'unchanged: ms',
          'stall ms',
          'render ms',
          'vs prom-client',
          'MB',
        ],
        rows,
      ),
  );

  const gb = results.find((r) => r.impl === 'glassbox' && r.kind === 'histogram' && r.n === 10000 && !r.failed);
  const pc = results.find((r) => r.impl === 'prom-client' && r.kind === 'histogram' && r.n === 10000 && !r.failed);
  if (gb && pc) {
    const spChanged = pc.changed.ms / gb.changed.ms;
    const spUnchanged = pc.unchanged.ms / gb.unchanged.ms;
    report.target(
      'Scrape 10k histogram series ≥ 3× faster than prom-client',
      spChanged >= 3 && spUnchanged >= 3,
      `every series changed: ${fmt.ms(gb.changed.ms)} ms vs ${fmt.ms(pc.changed.ms)} ms = ${fmt.x(spChanged)}; unchanged: ${fmt.ms(gb.unchanged.ms)} ms vs ${fmt.ms(pc.unchanged.ms)} ms = ${fmt.x(spUnchanged)}`,
    );
    const stall = Math.max(gb.changed.stall, gb.unchanged.stall, gb.first.stall);
    report.target(
      'No event-loop stall > 50 ms while serving 10k histogram series',
      stall <= 50,
      `longest stall ${fmt.ms(stall)} ms (changed ${fmt.ms(gb.changed.stall)}, unchanged ${fmt.ms(gb.unchanged.stall)}, first scrape ${fmt.ms(gb.first.stall)}); prom-client ${fmt.ms(pc.changed.stall)} ms`,
    );
  } else report.target('Scrape 10k histogram series ≥ 3× faster than prom-client', undefined, 'not measured');
  return results;
}
