/**
 * Regression test for issue 16.9: one worker whose snapshot has invalid metric or label
 * names made the merged output unreadable for Prometheus. A real node:cluster (the
 * fixtures of cluster.int.test.ts): one Glassbox worker on core's recorder and one `bad`
 * worker that speaks the protocol by hand and answers with an invalid snapshot around
 * one valid series. The primary must drop exactly what is invalid, count it in
 * `glassbox_instrumentation_errors_total{component="cluster"}`, keep the rest, and serve
 * an exposition that `promtool check metrics` accepts.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFixtures } from './bundle-fixtures.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const AUTH = { authorization: 'Bearer s3cret' };
const REQUESTS = 'http_requests_total{method="GET",route="/work",status_code="200"}';
const ERRORS = 'glassbox_instrumentation_errors_total{component="cluster"}';
/** What the `bad` worker's snapshot has that must be dropped, per scrape (see fixtures/worker.mjs). */
const DROPS_PER_SCRAPE = 9;

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const lines = (text: string) => text.trimEnd().split('\n');
function sample(text: string, series: string): number | undefined {
  const found = lines(text).filter((l) => l.startsWith(`${series} `));
  expect(found.length, series).toBeLessThanOrEqual(1);
  return found[0] === undefined ? undefined : Number(found[0].slice(series.length + 1));
}

/** `promtool check metrics` on a body: its findings ('' when clean); a missing binary throws. */
function promtool(body: string): string {
  try {
    return execFileSync(process.env.PROMTOOL ?? 'promtool', ['check', 'metrics'], {
      input: body,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const e = error as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw error;
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || 'promtool failed';
  }
}

let primary: ChildProcess;
let ready: { appPort: number; metricsUrl: string };

beforeAll(async () => {
  const dir = await bundleFixtures(['primary', 'worker'], 'glassbox-cluster-invalid-fixtures');
  primary = fork(`${dir}/primary.mjs`, [], {
    cwd: pkgDir,
    env: {
      ...process.env,
      GLASSBOX_TEST_CONFIG: JSON.stringify({ kinds: ['core', 'bad'], timeoutMs: 3000 }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  ready = await new Promise((resolve, reject) => {
    const giveUp = setTimeout(
      () => reject(new Error('the cluster did not become ready within 60 s')),
      60_000,
    );
    primary.on('exit', (code) => reject(new Error(`the primary exited early (${code})`)));
    primary.on('message', (msg: { event: string; appPort: number; metricsUrl: string }) => {
      if (msg.event !== 'ready') return;
      clearTimeout(giveUp);
      resolve(msg);
    });
  });
});

afterAll(async () => {
  if (primary && primary.exitCode === null) {
    const gone = new Promise((resolve) => primary.once('exit', resolve));
    primary.kill('SIGTERM');
    await gone;
  }
});

describe('issue 16.9: a worker snapshot with invalid metric or label names', () => {
  it('is dropped where invalid and counted; the merged output stays readable (promtool) and keeps the valid rest', async () => {
    for (let i = 0; i < 3; i++)
      expect((await get(`http://127.0.0.1:${ready.appPort}/work`)).status).toBe(200);
    const res = await get(ready.metricsUrl, AUTH);
    expect(res.status).toBe(200);
    const body = res.body;

    expect(promtool(body)).toBe('');
    // nothing invalid reached the output
    for (const name of ['bad-name_total', 'app_dup', 'app_size_bytes', 'app_bogus', 'bad-label'])
      expect(body).not.toContain(name);
    expect(lines(body).filter((l) => l.startsWith('app_latency_seconds_bucket{le="x"'))).toEqual([]);
    // the valid parts of the bad worker are merged: its series, and the series without an invalid label
    expect(sample(body, REQUESTS)).toBe(1003);
    expect(sample(body, 'app_jobs_total{queue="q1"}')).toBe(2);
    expect(sample(body, 'app_latency_seconds_count')).toBe(1);
    expect(sample(body, 'app_wait_seconds_count{queue="c"}')).toBe(2);
    expect(sample(body, 'app_wait_seconds_count{queue="a"}')).toBeUndefined();
    expect(sample(body, 'app_negative_total')).toBeUndefined();
    // the worker is not a failure: it answered, and what it sent wrong is counted
    expect(sample(body, 'glassbox_cluster_workers_answered')).toBe(2);
    expect(sample(body, ERRORS)).toBe(DROPS_PER_SCRAPE);
  });

  it('every scrape counts again (one count per dropped metric or series) and stays readable in OpenMetrics too', async () => {
    const res = await get(ready.metricsUrl, { ...AUTH, accept: 'application/openmetrics-text' });
    expect(res.status).toBe(200);
    expect(sample(res.body, ERRORS)).toBe(2 * DROPS_PER_SCRAPE);
    expect(res.body).not.toContain('bad-name');
    expect(res.body.endsWith('# EOF\n')).toBe(true);
    // a scrape that reaches a worker is served from the same validated merge
    const viaWorker = await get(`http://127.0.0.1:${ready.appPort}/metrics`, AUTH);
    expect(viaWorker.status).toBe(200);
    expect(promtool(viaWorker.body)).toBe('');
    expect(sample(viaWorker.body, REQUESTS)).toBe(1003);
  });
});
