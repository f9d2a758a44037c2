#!/usr/bin/env node
// The demo: starts an instrumented service, drives traffic, and prints a live summary
// scraped from its /metrics. Usage: node scripts/demo.mjs [--duration <seconds>]
import { createServer, request } from 'node:http';
import { createGlassbox, createHttpRecorder, promClientBackend } from '@glassbox/core';
import { createMetricsServer } from '@glassbox/exporter';
import * as client from 'prom-client';

const args = process.argv.slice(2);
const durationArg = args.indexOf('--duration');
const duration = durationArg >= 0 ? Number(args[durationArg + 1]) : Number.POSITIVE_INFINITY;
if (!(duration > 0)) {
  console.error('usage: demo [--duration <seconds>]');
  process.exit(2);
}

const registry = new client.Registry();
const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }) });
const http = createHttpRecorder(glassbox);
const app = createServer((req, res) => {
  const start = http.begin(req.method ?? 'GET');
  const match = /^\/api\/v1\/risk\/deals\/[^/]+$/.test(req.url ?? '')
    ? '/api/v1/risk/deals/:dealId'
    : undefined;
  const delay = Math.random() < 0.1 ? 300 : 5;
  setTimeout(() => {
    const status = match === undefined ? 404 : Math.random() < 0.05 ? 500 : 200;
    res.writeHead(status).end();
    http.end(req.method ?? 'GET', match, status, start);
  }, delay);
});
const token = 'demo-token';
const metrics = createMetricsServer({
  registry,
  glassbox,
  port: 0,
  host: '127.0.0.1',
  auth: { tokens: token },
});

await new Promise((resolve) => app.listen(0, '127.0.0.1', resolve));
const { url } = await metrics.start();
const base = `http://127.0.0.1:${app.address().port}`;
console.log(`demo service on ${base}, metrics on ${url} (Bearer ${token})`);

let stopped = false;
const load = async () => {
  while (!stopped) {
    const path =
      Math.random() < 0.1
        ? `/scan/${Math.random()}`
        : `/api/v1/risk/deals/${Math.floor(Math.random() * 1000)}`;
    await new Promise((resolve) =>
      request(`${base}${path}`, (res) => res.resume().on('end', resolve))
        .on('error', resolve)
        .end(),
    );
  }
};
const workers = Array.from({ length: 4 }, load);

async function summary() {
  const text = await registry.metrics();
  let total = 0;
  let errors = 0;
  for (const line of text.split('\n')) {
    const m = /^http_requests_total\{.*status_code="(\d+)"\} (\d+)/.exec(line);
    if (m) {
      total += Number(m[2]);
      if (m[1].startsWith('5')) errors += Number(m[2]);
    }
  }
  console.log(`requests ${total}  errors ${(total ? (100 * errors) / total : 0).toFixed(1)}%`);
}
const timer = setInterval(summary, 2000);
const stop = async () => {
  stopped = true;
  clearInterval(timer);
  await Promise.all(workers);
  await summary();
  app.close();
  await metrics.close();
};
process.once('SIGINT', () => stop().then(() => process.exit(0)));
if (Number.isFinite(duration)) setTimeout(() => stop().then(() => process.exit(0)), duration * 1000);
