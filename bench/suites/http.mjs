// HTTP: server CPU time per request, Glassbox and the peers against the bare framework
// in the same round. Each server is its own process pinned to core 0 (taskset); the
// load generator (autocannon) is another process pinned to core 1. Rounds are
// interleaved (A B C … A B C …); each server is warmed up once before the first round.
//
// Cross-check ("all at once"): after the interleaved rounds, every server of a group is
// put under load at the same time (each by its own autocannon instance in the load
// process), so all of them share whatever else the machine is doing in that round; the
// ratio to bare is then taken within the round. On a shared machine this cancels most of
// the noise that makes single interleaved rounds swing by ±20 %. The targets are judged
// on the interleaved rounds, as specified; the cross-check is printed beside them.

import { median, spawnNode } from '../lib/proc.mjs';
import { fmt, table } from '../lib/report.mjs';

export const GROUPS = [
  {
    key: 'express',
    title: 'Express 5',
    target: 1.1,
    variants: [
      ['express', 'bare', 'bare'],
      ['express', 'glassbox', 'Glassbox (native backend)'],
      ['express', 'glassbox-prom', 'Glassbox (prom-client backend)'],
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
      ['express', 'glassbox', 'Glassbox (native backend, metricsRoute)'],
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
      ['express', 'glassbox', 'Glassbox, /metrics answered by the middleware (metricsRoute)'],
      ['express', 'glassbox-metrics-route', 'Glassbox, /metrics route before the app routes'],
      ['express', 'glassbox-metrics-last', 'Glassbox, /metrics route after the app routes'],
    ],
  },
  {
    key: 'nest-express',
    title: 'Nest 11 on platform-express',
    target: 1.1,
    variants: [
      ['nest', 'express-bare', 'bare'],
      ['nest', 'express-glassbox', 'Glassbox (native backend)'],
    ],
  },
  {
    key: 'nest-fastify',
    title: 'Nest 11 on platform-fastify',
    target: 1.1,
    variants: [
      ['nest', 'fastify-bare', 'bare'],
      ['nest', 'fastify-glassbox', 'Glassbox (native backend)'],
    ],
  },
];

/** Connections per server in the all-at-once cross-check. */
const togetherConnections = (connections) => Math.max(10, Math.round(connections / 2));

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
      // cross-check: all servers of the group under load at once
      const live = servers.filter((x) => !x.failed);
      const perServer = togetherConnections(connections);
      for (let r = 0; r < (opts.concurrentRounds ?? 0) && live.length > 1 && live[0] === servers[0]; r++) {
        const ms = await Promise.all(live.map((x) => measureStart(x.s)));
        await Promise.all(
          live.map((x) => loader.call({ cmd: 'run', url: x.url, duration, connections: perServer })),
        );
        const per = await Promise.all(live.map((x, i) => measureEnd(x.s, ms[i])));
        live.forEach((x, i) => {
          x.together = x.together ?? [];
          x.together.push(per[i] / per[0]);
        });
        console.log(
          `${group.title} all at once ${r + 1}/${opts.concurrentRounds}: ` +
            live.map((x, i) => `${x.variant} ${fmt.num(per[i])} µs (${fmt.pct(per[i] / per[0])})`).join(', '),
        );
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
        const gb = servers.find((s) => s.variant.endsWith('glassbox'));
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

  let body = `Server CPU time per request (\`process.cpuUsage()\` delta in the server ÷ requests it served), as a ratio to the bare framework in the same round: median and min–max over ${rounds} interleaved rounds of ${duration} s each (autocannon, ${connections} connections, \`GET /users/:id\` with random ids, after one ${opts.warmup} s warm-up per server). Throughput and p99 latency are autocannon's (medians over the rounds); on 2 cores the server is CPU-bound, so throughput moves with CPU per request.${opts.concurrentRounds > 0 ? ` *All at once*: the cross-check, ${opts.concurrentRounds} rounds in which every server of the group is under load at the same time (${togetherConnections(connections)} connections each), ratio to bare within each round: median and min–max.` : ''}\n`;
  for (const { group, servers } of out) {
    const together = servers.some((s) => s.together !== undefined);
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
        ...(together
          ? [
              s.together ? fmt.pct(median(s.together)) : 'n/a',
              s.together ? `${fmt.pct(Math.min(...s.together))} … ${fmt.pct(Math.max(...s.together))}` : '',
            ]
          : []),
      ];
    });
    const head = ['server', 'CPU µs/req', 'vs bare (median)', 'min … max', 'req/s', 'p99 ms', 'errors'];
    if (together) head.push('all at once (median)', 'min … max');
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
    const gb = servers.find((s) => s.variant.endsWith('glassbox'));
    const peers = servers.filter((s) => s !== servers[0] && !s.variant.includes('glassbox'));
    if (gb?.ratio !== undefined) {
      report.target(
        `${group.title}: Glassbox CPU/request ≤ ${fmt.pct(group.target)} vs bare`,
        gb.ratio <= group.target,
        `${fmt.pct(gb.ratio)} (median; rounds ${gb.ratios.map((x) => fmt.pct(x)).join(', ')})${gb.together ? `; all at once ${fmt.pct(median(gb.together))} (${fmt.pct(Math.min(...gb.together))} … ${fmt.pct(Math.max(...gb.together))})` : ''}`,
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
