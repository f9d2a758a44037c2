#!/usr/bin/env node
// Outbound HTTP client overhead: the same client with and without `instrumentHttpClient`,
// in one process, in interleaved rounds (order alternating), against a local server in
// a child process (pinned to core 0 with taskset when present; run this script pinned
// to another core, e.g. `taskset -c 1 node bench/http-client.mjs`).
//
//   --rounds 41        interleaved rounds per client (short rounds: both variants see the same noise)
//   --requests 500     requests per round and variant
//   --concurrency 8    requests in flight per client
//   --micro 300000     synthetic channel messages for the recorder-only figure (0: off)
//
// Prints, per client (fetch, node:http with a keep-alive agent): the client process's CPU
// time per request (user + system, from process.cpuUsage: the overhead the instrument
// adds to the service) and the wall time per request, for three variants: bare, no-op
// subscribers on the same channels (the cost of Node/undici publishing to anyone) and
// instrumented; each with its difference to bare and the median of the per-round ratios
// to bare [min–max]; then the
// recorder's own cost per request (ns) from synthetic channel messages, where the
// network's noise does not hide it. Needs a build of @glassbox/core (`pnpm build`).
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createGlassbox, instrumentHttpClient, nativeBackend } from '@glassbox/core';
import { median, serveIpc, spawnNode } from './lib/proc.mjs';

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '41' },
    requests: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    micro: { type: 'string', default: '300000' },
  },
});

if (values.server) {
  // The local server: a fixed small JSON body, keep-alive.
  const body = JSON.stringify({ ok: true, score: 0.42 });
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    serveIpc({});
    process.send({ type: 'ready', port: server.address().port });
  });
} else {
  await main();
}

async function main() {
  const rounds = Number(values.rounds);
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const micro = Number(values.micro);
  const srv = spawnNode('http-client.mjs', ['--server'], { core: 0, node: process.execPath });
  const { port } = await srv.ready;
  const url = `http://127.0.0.1:${port}/score`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const clients = {
    fetch: async () => {
      const res = await fetch(url);
      await res.arrayBuffer();
    },
    'node:http (keep-alive agent)': () =>
      new Promise((resolve, reject) => {
        const req = http.get(url, { agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
      }),
  };
  const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });
  const noop = () => {};
  const CHANNELS = {
    fetch: ['undici:request:create', 'undici:request:headers', 'undici:request:error'],
    'node:http (keep-alive agent)': [
      'http.client.request.start',
      'http.client.response.finish',
      'http.client.request.error',
    ],
  };
  // bare: nothing subscribed; no-op: empty subscribers on the same channels (what Node and
  // undici spend publishing to anyone); instrumented: instrumentHttpClient.
  const VARIANTS = {
    bare: () => () => {},
    'no-op subscribers': (name) => {
      for (const c of CHANNELS[name]) subscribe(c, noop);
      return () => {
        for (const c of CHANNELS[name]) unsubscribe(c, noop);
      };
    },
    instrumented: () => {
      const handle = instrumentHttpClient(glassbox, { hosts: ['127.0.0.1'] });
      return () => handle.stop();
    },
  };

  async function timeRound(call) {
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const worker = async () => {
      while (next++ < requests) await call();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const wall = ((performance.now() - t0) * 1000) / requests; // µs per request
    const { user, system } = process.cpuUsage(cpu0);
    return { wall, cpu: (user + system) / requests };
  }

  async function variant(name, call, kind) {
    const undo = VARIANTS[kind](name);
    try {
      return await timeRound(call);
    } finally {
      undo();
    }
  }

  console.log(
    `Node ${process.version}; ${rounds} interleaved rounds × ${requests} requests per variant, ${concurrency} in flight; server in a child process; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const rows = [];
  const kinds = Object.keys(VARIANTS);
  for (const [name, call] of Object.entries(clients)) {
    for (const kind of kinds) await variant(name, call, kind); // warm-up, every path
    const t = Object.fromEntries(kinds.map((k) => [k, { cpu: [], wall: [] }]));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? kinds : [...kinds].reverse();
      for (const kind of order) {
        const m = await variant(name, call, kind);
        t[kind].cpu.push(m.cpu);
        t[kind].wall.push(m.wall);
      }
    }
    for (const what of ['cpu', 'wall']) {
      const b = median(t.bare[what]);
      const row = {
        client: name,
        measure: what === 'cpu' ? 'client CPU µs/req' : 'wall µs/req',
        bare: b.toFixed(1),
      };
      for (const kind of kinds.slice(1)) {
        const v = median(t[kind][what]);
        const ratios = t[kind][what].map((x, k) => x / t.bare[what][k]);
        row[kind] = `${v.toFixed(1)} (${v - b >= 0 ? '+' : ''}${(v - b).toFixed(1)})`;
        row[`${kind} ratio`] =
          `${median(ratios).toFixed(3)} [${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}]`;
      }
      rows.push(row);
    }
  }
  console.table(rows);
  const counted = glassbox.counter((await import('@glassbox/core')).catalog.httpClient.requestsTotal);
  console.log(`series recorded: ${counted.seriesCount()} (requests counted by the instrumented rounds only)`);
  if (micro > 0) microBench(micro);
  agent.destroy();
  await srv.stop();
}

/** The recorder alone: synthetic channel messages shaped like undici's and node:http's. */
function microBench(n) {
  const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });
  const handle = instrumentHttpClient(glassbox, { hosts: ['127.0.0.1'] });
  const create = channel('undici:request:create');
  const headers = channel('undici:request:headers');
  const start = channel('http.client.request.start');
  const finish = channel('http.client.response.finish');
  const response = { statusCode: 200 };
  const undiciRound = () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const request = { origin: 'http://127.0.0.1:8080', method: 'GET', path: '/score' };
      create.publish({ request });
      headers.publish({ request, response });
    }
    return ((performance.now() - t0) * 1e6) / n;
  };
  const httpRound = () => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const request = new EventEmitter();
      request.method = 'GET';
      request.host = '127.0.0.1';
      request.protocol = 'http:';
      request.getHeader = () => '127.0.0.1:8080';
      start.publish({ request });
      finish.publish({ request, response });
    }
    return ((performance.now() - t0) * 1e6) / n;
  };
  const emptyHttpRound = () => {
    // The same allocations without the instrument: what the synthetic loop costs by itself.
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const request = new EventEmitter();
      request.method = 'GET';
      request.host = '127.0.0.1';
      request.protocol = 'http:';
      request.getHeader = () => '127.0.0.1:8080';
    }
    return ((performance.now() - t0) * 1e6) / n;
  };
  const u = [];
  const h = [];
  const e = [];
  for (let r = 0; r < 7; r++) {
    u.push(undiciRound());
    h.push(httpRound());
    e.push(emptyHttpRound());
  }
  handle.stop();
  console.log(
    `recorder only (synthetic messages, ${n} per round, median of 7): undici create+headers ${median(u).toFixed(0)} ns/request; node:http start+finish ${(median(h) - median(e)).toFixed(0)} ns/request (loop without the instrument: ${median(e).toFixed(0)} ns, subtracted)`,
  );
}
