// HTTP: server CPU time per request, Glassbox and the peers against the bare framework
// in the same round. Each server is its own process pinned to core 0 (taskset); the
// load generator (autocannon) is another process pinned to core 1. Rounds are
// interleaved (A B C … A B C …); each server is warmed up once before the first round.
//
// Cross-check ("paired with bare"): after the interleaved rounds, each server is put under
// load at the same moment as the bare one (each pair by two autocannon instances in the
// load process, both servers on the server core), so the two share whatever else the
// machine is doing in that moment; the ratio is taken within the pair. On a shared
// machine this cancels most of the noise that makes single interleaved rounds swing by
// ±20 %. (Putting a whole group under load at once skews with more than a few servers:
// one load process cannot drive them evenly.) The targets are judged on the interleaved
// rounds, as specified; the cross-check is printed beside them.

import { median, spawnNode } from '../lib/proc.mjs';
import { fmt, table } from '../lib/report.mjs';

export const GROUPS = [
  {
    key: 'express',
    title: 'Express 5',
    target: 1.1,
    variants: [
      ['express', 'bare', 'bare'],
      ['express', 'glassbox', 'Glassbox (native backend, `gb.instrument(app)`)'],
      ['express', 'glassbox-middleware', 'Glassbox (native backend, `app.use(gb.middleware)`)'],
      ['express', 'glassbox-prom', 'Glassbox (prom-client backend, `gb.instrument(app)`)'],
      ['express', 'reference-handwritten', 'reference: minimal hand-written prom-client middleware'],
      ['express', 'prom-bundle', 'express-prom-bundle 8'],
      ['express', 'promster', '@promster/express 14'],
      ['otel-express', 'otel', 'OpenTelemetry (sdk-metrics + instrumentation-http)'],
    ],
  },
  {
    key: 'fastify',
    title: 'Fastify 5',
    target: 1.15,
    variants: [
      ['fastify', 'bare', 'bare'],
      ['fastify', 'glassbox', 'Glassbox (native backend)'],
      ['fastify', 'glassbox-prom', 'Glassbox (prom-client backend)'],
      ['fastify', 'fastify-metrics', 'fastify-metrics 14'],
      ['fastify', 'promster', '@promster/fastify 15'],
    ],
  },
  {
    key: 'express-ab',
    title: 'Express 5, route accessor and /metrics route A/B (diagnostic)',
    target: 1.1,
    optional: true,
    variants: [
      ['express', 'bare', 'bare'],
      ['express', 'glassbox-middleware', 'Glassbox middleware (native backend, metricsRoute)'],
      ['express', 'glassbox-no-route-accessor', 'Glassbox without the route accessor'],
      ['express', 'glassbox-metrics-route', 'Glassbox, /metrics route before the app routes'],
    ],
  },
  {
    key: 'express-diag',
    title: 'Express 5, where the overhead goes (diagnostic)',
    target: 1.1,
    optional: true,
    variants: [
      ['express', 'bare', 'bare'],
      ['express', 'bare-noop-middleware', 'bare + an empty middleware'],
      ['express', 'bare-close-listener', "bare + a middleware adding a 'close' listener"],
      ['express', 'bare-extra-route', 'bare + a /metrics route before the app routes'],
      ['express', 'glassbox', 'Glassbox, `gb.instrument(app)`, /metrics answered by it (no router layer)'],
      ['express', 'glassbox-middleware', 'Glassbox, /metrics answered by the middleware (metricsRoute)'],
      ['express', 'glassbox-metrics-route', 'Glassbox, /metrics route before the app routes'],
      ['express', 'glassbox-metrics-last', 'Glassbox, /metrics route after the app routes'],
    ],
  },
  {
    key: 'nest-express',
    title: 'Nest 12 on platform-express',
    target: 1.1,
    variants: [
      ['nest', 'express-bare', 'bare'],
      ['nest', 'express-glassbox', 'Glassbox (native backend)'],
    ],
  },
  {
    key: 'nest-fastify',
    title: 'Nest 12 on platform-fastify',
    target: 1.1,
    variants: [
      ['nest', 'fastify-bare', 'bare'],
      ['nest', 'fastify-glassbox', 'Glassbox (native backend)'],
    ],
  },
];

/** The row a group's target is judged on: the variant named `glassbox` (else the first Glassbox row). */
function glassboxRow(servers) {
  return (
    servers.find((s) => s.variant.endsWith('glassbox')) ?? servers.find((s) => s.variant.includes('glassbox'))
  );
}

/** Connections per server in the paired cross-check (the pair shares the load of one measurement). */
const pairedConnections = (connections) => Math.max(10, Math.round(connections / 2));

/** A CPU/request measurement in two halves (snapshot, then delta), so several servers can be measured at once. */
function measureStart(server) {
  return server.call({ cmd: 'snap' });
}

async function measureEnd(server, a) {
  const b = await server.call({ cmd: 'snap' });
  return (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / (b.requests - a.requests);
}

async function measure(server, loader, url, duration, connections) {
  const a = await measureStart(server);
  const { result } = await loader.call({ cmd: 'run', url, duration, connections });
  return {
    cpuPerReq: await measureEnd(server, a),
    rps: result.rps,
    p99: result.p99,
    errors: result.errors + result.non2xx,
  };
}

/** Runs one server under load with the V8 profiler on (after a warm-up) and returns the top self-time frames. */
export async function profile(moduleName, variant, loader, { duration, connections }) {
  const server = spawnNode('lib/server-main.mjs', [moduleName, variant], { core: 0 });
  try {
    const { port } = await server.ready;
    const url = `http://127.0.0.1:${port}`;
    await loader.call({ cmd: 'run', url, duration: 2, connections });
    await server.call({ cmd: 'profStart' });
    await loader.call({ cmd: 'run', url, duration, connections });
    const { profile: prof } = await server.call({ cmd: 'profStop' });
    return summariseProfile(prof);
  } finally {
    await server.stop();
  }
}

/** Self time per function and per package from a .cpuprofile. */
export function summariseProfile(prof) {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = prof.timeDeltas;
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
  }
  let total = 0;
  const frames = new Map();
  const packages = new Map();
  for (const [id, us] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    if (cf.url === 'node:inspector' || cf.url.startsWith('node:internal/inspector')) continue; // the profiler itself
    total += us;
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') {
      // keep them out of the percentages of work
    }
    const url = cf.url
      .replace(/^file:\/\//, '')
      .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
      .replace(/.*\/packages\//, 'packages/');
    const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`;
    frames.set(key, (frames.get(key) ?? 0) + us);
    let pkg = '(native / V8 / GC)';
    if (url.startsWith('packages/')) pkg = `@glassbox/${url.split('/')[1]}`;
    else if (url.startsWith('node:')) pkg = 'node core';
    else if (url.includes('/'))
      pkg = url.startsWith('@') ? url.split('/').slice(0, 2).join('/') : url.split('/')[0];
    if (cf.functionName === '(idle)') pkg = '(idle)';
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const idle = packages.get('(idle)') ?? 0;
  const busy = total - idle;
  const top = [...frames]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([k, us]) => ({ frame: k, pct: (100 * us) / busy }));
  const pkgs = [...packages]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([k, us]) => ({ pkg: k, pct: (100 * us) / busy }));
  return { top, pkgs, busyMs: busy / 1000 };
}

export async function run(opts, report) {
  const { rounds, duration, connections } = opts;
  const loader = spawnNode('lib/loader.mjs', [], { core: 1 });
  await loader.ready;
  const groups = GROUPS.filter((g) =>
    opts.groups === undefined ? !g.optional : opts.groups.includes(g.key),
  );
  const out = [];
  try {
    for (const group of groups) {
      const servers = [];
      for (const [moduleName, variant, label] of group.variants) {
        const s = spawnNode('lib/server-main.mjs', [moduleName, variant], { core: 0 });
        try {
          const { port } = await s.ready;
          const url = `http://127.0.0.1:${port}`;
          await loader.call({ cmd: 'run', url, duration: opts.warmup, connections }); // warm-up
          // the instrumented servers really record: /metrics has the route's series
          let verified = true;
          if (!variant.endsWith('bare')) {
            const text = await fetch(`${url}/metrics`)
              .then((r) => r.text())
              .catch(() => '');
            verified =
              variant === 'otel' ? text.includes('http_server_request_duration') : /users/.test(text);
            if (!verified) console.warn(`${group.title} ${label}: /metrics does not show the recorded route`);
          }
          servers.push({ moduleName, variant, label, s, url, runs: [], verified });
        } catch (error) {
          console.error(`${group.title} ${label}: failed to start: ${error.message.split('\n')[0]}`);
          servers.push({ moduleName, variant, label, failed: error.message.split('\n')[0], runs: [] });
        }
      }
      for (let r = 0; r < rounds; r++) {
        for (const srv of servers) {
          if (srv.failed) continue;
          const m = await measure(srv.s, loader, srv.url, duration, connections);
          srv.runs.push(m);
        }
        const bare = servers[0].runs[r];
        console.log(
          `${group.title} round ${r + 1}/${rounds}: ` +
            servers
              .filter((x) => !x.failed)
              .map(
                (x) =>
                  `${x.variant} ${fmt.num(x.runs[r].cpuPerReq)} µs (${fmt.pct(x.runs[r].cpuPerReq / bare.cpuPerReq)})`,
              )
              .join(', '),
        );
      }
      // cross-check: each server under load at the same moment as bare (a pair), ratio within the pair
      const live = servers.filter((x) => !x.failed);
      const perServer = pairedConnections(connections);
      for (let r = 0; r < (opts.pairedRounds ?? 0) && live.length > 1 && live[0] === servers[0]; r++) {
        const parts = [];
        for (const x of live.slice(1)) {
          const pair = [live[0], x];
          const ms = await Promise.all(pair.map((p) => measureStart(p.s)));
          // Which of the two gets its load started first alternates between rounds.
          const order = r % 2 === 0 ? pair : [x, live[0]];
          await Promise.all(
            order.map((p) => loader.call({ cmd: 'run', url: p.url, duration, connections: perServer })),
          );
          const [bareCpu, cpu] = await Promise.all(pair.map((p, i) => measureEnd(p.s, ms[i])));
          x.paired = x.paired ?? [];
          x.paired.push(cpu / bareCpu);
          parts.push(`${x.variant} ${fmt.num(cpu)} µs vs ${fmt.num(bareCpu)} (${fmt.pct(cpu / bareCpu)})`);
        }
        console.log(`${group.title} paired ${r + 1}/${opts.pairedRounds}: ${parts.join(', ')}`);
      }
      for (const srv of servers) if (!srv.failed) await srv.s.stop();
      // ratios to bare, per round
      const bare = servers[0];
      for (const srv of servers) {
        if (srv.failed || bare.failed) continue;
        srv.ratios = srv.runs.map((m, i) => m.cpuPerReq / bare.runs[i].cpuPerReq);
        srv.ratio = median(srv.ratios);
      }
      out.push({ group, servers });
    }

    // profiles of any Glassbox row that misses its target
    if (opts.profile !== false) {
      for (const { group, servers } of out) {
        const gb = glassboxRow(servers);
        if (gb?.ratio !== undefined && gb.ratio > group.target) {
          console.log(`profiling ${group.title} ${gb.variant} (target missed)`);
          for (const srv of [gb, servers[0]]) {
            try {
              srv.profile = await profile(srv.moduleName, srv.variant, loader, {
                duration: Math.max(3, duration),
                connections,
              });
            } catch (error) {
              console.error(
                `profiling ${group.title} ${srv.variant} failed: ${error.message.split('\n')[0]}`,
              );
            }
          }
        }
      }
    }
  } finally {
    await loader.stop();
  }

  let body = `Server CPU time per request (\`process.cpuUsage()\` delta in the server ÷ requests it served), as a ratio to the bare framework in the same round: median and min–max over ${rounds} interleaved rounds of ${duration} s each (autocannon, ${connections} connections, \`GET /users/:id\` with random ids, after one ${opts.warmup} s warm-up per server). Throughput and p99 latency are autocannon's (medians over the rounds); on 2 cores the server is CPU-bound, so throughput moves with CPU per request.${opts.pairedRounds > 0 ? ` *Paired with bare*: the cross-check, ${opts.pairedRounds} rounds in which each server is put under load at the same moment as the bare one (${pairedConnections(connections)} connections each, both on the server core), ratio to bare within the pair: median and min–max.` : ''}\n`;
  for (const { group, servers } of out) {
    const paired = servers.some((s) => s.paired !== undefined);
    const rows = servers.map((s) => {
      if (s.failed) return [s.label, 'failed to start', '', '', '', '', ''];
      return [
        s.verified ? s.label : `${s.label} (⚠ /metrics showed no recorded route)`,
        fmt.num(median(s.runs.map((m) => m.cpuPerReq))),
        s.ratio === undefined ? 'n/a' : fmt.pct(s.ratio),
        s.ratios ? `${fmt.pct(Math.min(...s.ratios))} … ${fmt.pct(Math.max(...s.ratios))}` : '',
        fmt.int(median(s.runs.map((m) => m.rps))),
        fmt.num(median(s.runs.map((m) => m.p99)), 0),
        String(s.runs.reduce((a, m) => a + m.errors, 0)),
        ...(paired
          ? [
              s === servers[0] ? '' : s.paired ? fmt.pct(median(s.paired)) : 'n/a',
              s.paired ? `${fmt.pct(Math.min(...s.paired))} … ${fmt.pct(Math.max(...s.paired))}` : '',
            ]
          : []),
      ];
    });
    const head = ['server', 'CPU µs/req', 'vs bare (median)', 'min … max', 'req/s', 'p99 ms', 'errors'];
    if (paired) head.push('paired with bare (median)', 'min … max');
    body += `\n### ${group.title}\n\n${table(head, rows)}\n`;
    for (const s of servers) {
      if (s.profile === undefined) continue;
      body += `\nCPU profile of *${group.title} – ${s.label}* under the same load (self time, % of busy time, ${fmt.num(s.profile.busyMs, 0)} ms busy):\n\n`;
      body += `${table(
        ['package', 'self %'],
        s.profile.pkgs.map((p) => [p.pkg, fmt.num(p.pct)]),
      )}\n\n`;
      body += `${table(
        ['frame', 'self %'],
        s.profile.top.map((p) => [`\`${p.frame}\``, fmt.num(p.pct)]),
      )}\n`;
    }
    const gb = glassboxRow(servers);
    // References (the hand-written middleware) are shown, not counted as peers.
    const peers = servers.filter(
      (s) => s !== servers[0] && !s.variant.includes('glassbox') && !s.variant.startsWith('reference'),
    );
    if (gb?.ratio !== undefined) {
      report.target(
        `${group.title}: Glassbox CPU/request ≤ ${fmt.pct(group.target)} vs bare`,
        gb.ratio <= group.target,
        `${fmt.pct(gb.ratio)} (median; rounds ${gb.ratios.map((x) => fmt.pct(x)).join(', ')})${gb.paired ? `; paired with bare ${fmt.pct(median(gb.paired))} (${fmt.pct(Math.min(...gb.paired))} … ${fmt.pct(Math.max(...gb.paired))})` : ''}`,
      );
      if (peers.length > 0) {
        const slower = peers.filter((p) => p.ratio !== undefined && p.ratio > gb.ratio);
        report.target(
          `${group.title}: every peer slower than Glassbox`,
          slower.length === peers.length,
          peers.map((p) => `${p.label} ${p.ratio === undefined ? 'failed' : fmt.pct(p.ratio)}`).join('; '),
        );
      }
    } else report.target(`${group.title}: Glassbox CPU/request`, undefined, 'Glassbox server failed');
  }
  report.section('HTTP overhead', body);
  return out;
}
