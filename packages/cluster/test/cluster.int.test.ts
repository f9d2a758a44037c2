/**
 * A real node:cluster: a primary process (test/fixtures/primary.mjs) with four Glassbox
 * workers serving HTTP on one shared port (node:http with core's recorder, Express with
 * @glassbox/express, Fastify with @glassbox/fastify, Nest with @glassbox/nest), scraped
 * through the primary's exporter. The
 * fixtures run under plain Node, in processes vitest does not reach, so beforeAll bundles
 * them with esbuild from the sources of @glassbox/core, exporter and cluster (what this
 * test must check is the current source, and other packages' dist folders may be mid-
 * rebuild); prom-client stays external, resolved from this package's node_modules.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFixtures } from './bundle-fixtures.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 1500;
const N = 60;
const TOKEN = 's3cret';
const REQUESTS = 'http_requests_total{method="GET",route="/work",status_code="200"}';
const DURATION = 'http_request_duration_seconds';

interface Get {
  status: number;
  body: string;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Get> {
  return new Promise((resolve, reject) => {
    // agent: false → a new connection per request, so the cluster spreads them round-robin
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

const auth = { authorization: `Bearer ${TOKEN}` };
const lines = (text: string) => text.trimEnd().split('\n');
/** The value of the one sample line that starts with `series ` (exactly one must exist). */
function sample(text: string, series: string): number {
  const found = lines(text).filter((l) => l.startsWith(`${series} `));
  expect(found, series).toHaveLength(1);
  return Number((found[0] as string).slice(series.length + 1));
}

interface Ready {
  appPort: number;
  metricsUrl: string;
  strictUrl: string;
  pid: number;
}
interface WorkerReady {
  id: number;
  pid: number;
  kind: string;
}

let primary: ChildProcess;
let ready: Ready;
const workerEvents: WorkerReady[] = [];
const waiters: Array<{ kind: string; resolve: (w: WorkerReady) => void }> = [];
let exitCode: number | null | undefined;

const seen = new Set<number>();
/** The next worker of this kind that reported ready (each is handed out once). */
function nextWorker(kind: string): Promise<WorkerReady> {
  const already = workerEvents.find((w) => w.kind === kind && !seen.has(w.pid));
  if (already) {
    seen.add(already.pid);
    return Promise.resolve(already);
  }
  return new Promise((resolve) => waiters.push({ kind, resolve }));
}
function workerReady(w: WorkerReady): void {
  workerEvents.push(w);
  const i = waiters.findIndex((x) => x.kind === w.kind);
  if (i < 0) return;
  const [waiter] = waiters.splice(i, 1);
  seen.add(w.pid);
  waiter?.resolve(w);
}

beforeAll(async () => {
  const primaryScript = `${await bundleFixtures(['primary', 'worker'], 'glassbox-cluster-fixtures')}/primary.mjs`;
  primary = fork(primaryScript, [], {
    cwd: pkgDir,
    env: {
      ...process.env,
      GLASSBOX_TEST_CONFIG: JSON.stringify({ timeoutMs: TIMEOUT_MS, slowMs: 60_000 }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  primary.on('exit', (code) => {
    exitCode = code;
  });
  ready = await new Promise<Ready>((resolve, reject) => {
    primary.on('error', reject);
    primary.on('exit', (code) => reject(new Error(`the primary exited early (${code})`)));
    const giveUp = setTimeout(
      () => reject(new Error('the cluster did not become ready within 60 s')),
      60_000,
    );
    primary.on(
      'message',
      (msg: { event: string; code?: number; initial?: boolean } & Ready & WorkerReady) => {
        if (msg.event === 'worker-exit' && msg.initial) {
          clearTimeout(giveUp);
          reject(new Error(`a Glassbox worker exited during start-up (code ${msg.code})`));
        }
        if (msg.event === 'worker-ready') workerReady(msg);
        if (msg.event === 'ready') {
          clearTimeout(giveUp);
          resolve(msg);
        }
      },
    );
  });
});

afterAll(async () => {
  if (primary && primary.exitCode === null) {
    const gone = new Promise((resolve) => primary.once('exit', resolve));
    primary.kill('SIGTERM');
    await gone;
  }
});

describe('a real node:cluster (primary + 4 workers: core recorder, Express, Fastify and Nest adapters)', () => {
  let first = '';
  /** GET /work requests served so far (the first test's N, then the exemplar test's). */
  let served = N;

  it(`drives ${N} requests across the workers and finds exactly ${N} in one scrape`, async () => {
    const servedBy = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const res = await get(`http://127.0.0.1:${ready.appPort}/work`);
      expect(res.status).toBe(200);
      servedBy.set(res.body, (servedBy.get(res.body) ?? 0) + 1);
    }
    // every worker (so every adapter) took part: no single registry has the total
    expect([...servedBy.keys()].sort()).toEqual(['1', '2', '3', '4']);
    expect(Math.max(...servedBy.values())).toBeLessThan(N);

    expect((await get(ready.metricsUrl)).status).toBe(401); // served by the exporter: auth applies
    const res = await get(ready.metricsUrl, auth);
    expect(res.status).toBe(200);
    first = res.body;
    expect(sample(first, REQUESTS)).toBe(N);
    const labels = 'method="GET",route="/work",status_code="200"';
    expect(sample(first, `${DURATION}_count{${labels}}`)).toBe(N);
    const buckets = lines(first)
      .filter((l) => l.startsWith(`${DURATION}_bucket{${labels},le=`))
      .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    expect(buckets.length).toBeGreaterThan(5);
    expect(buckets[buckets.length - 1]).toBe(N);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1] as number);
    // the four recorders label the route alike, so their series merge into one
    expect(lines(first).filter((l) => l.startsWith('http_requests_total{'))).toHaveLength(1);
  });

  it('aggregates gauges by their declared rule', () => {
    expect(lines(first)).toEqual(
      expect.arrayContaining([
        'http_requests_in_flight{method="GET"} 0',
        'batch_job_last_success_timestamp_seconds{job_name="nightly"} 1700000004',
        'app_queue_depth 11',
        'app_heap_used_bytes{worker="1"} 100',
        'app_heap_used_bytes{worker="2"} 200',
        'app_heap_used_bytes{worker="3"} 300',
        'app_heap_used_bytes{worker="4"} 400',
        'glassbox_cluster_workers 4',
        'glassbox_cluster_workers_answered 4',
        'glassbox_cluster_worker_scrape_failures_total{reason="timeout"} 0',
        'glassbox_cluster_worker_scrape_failures_total{reason="exited"} 0',
        'glassbox_cluster_worker_scrape_failures_total{reason="no_glassbox"} 0',
      ]),
    );
  });

  it('the aggregated exposition passes promtool check metrics', () => {
    // promtool comes from Debian's prometheus package; a missing binary fails this test.
    const out = execFileSync(process.env.PROMTOOL ?? 'promtool', ['check', 'metrics'], {
      input: first,
      encoding: 'utf8',
    });
    expect(out).toBe('');
  });

  it('OpenMetrics: counter families drop _total, samples keep it, one # EOF added by the exporter', async () => {
    const res = await get(ready.metricsUrl, { ...auth, accept: 'application/openmetrics-text' });
    expect(res.status).toBe(200);
    const om = lines(res.body);
    expect(om).toContain('# TYPE http_requests counter');
    expect(sample(res.body, REQUESTS)).toBe(N);
    expect(om.filter((l) => l === '# EOF')).toHaveLength(1);
    expect(om[om.length - 1]).toBe('# EOF');
  });

  it('a scrape that reaches a worker asks the primary and sees the whole cluster', async () => {
    const res = await get(`http://127.0.0.1:${ready.appPort}/metrics`, auth);
    expect(res.status).toBe(200);
    expect(sample(res.body, REQUESTS)).toBe(N);
  });

  it('OpenMetrics carries the workers’ exemplars: the latest trace per bucket, also when a worker answers', async () => {
    const sent: string[] = [];
    const servedBy = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const traceId = randomBytes(16).toString('hex');
      const res = await get(`http://127.0.0.1:${ready.appPort}/work`, {
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      });
      expect(res.status).toBe(200);
      servedBy.add(res.body);
      sent.push(traceId);
      served++;
      // exemplar timestamps have millisecond precision: keep the requests' order in them
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(servedBy.size).toBeGreaterThan(1);
    const traceIds = (text: string) =>
      lines(text)
        .filter(
          (l) => l.startsWith(`${DURATION}_bucket{`) && l.includes('route="/work"') && l.includes(' # {'),
        )
        .map((l) => /trace_id="([0-9a-f]{32})"/.exec(l)?.[1]);
    const om = await get(ready.metricsUrl, { ...auth, accept: 'application/openmetrics-text' });
    const ids = traceIds(om.body);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(sent).toContain(id);
    // the last request is the latest observation of all, so it holds its bucket
    expect(ids).toContain(sent.at(-1));
    const viaWorker = await get(`http://127.0.0.1:${ready.appPort}/metrics`, {
      ...auth,
      accept: 'application/openmetrics-text',
    });
    expect(traceIds(viaWorker.body)).toEqual(ids);
    // the text format has no exemplars
    expect((await get(ready.metricsUrl, auth)).body).not.toContain(' # {');
  });

  it('a worker killed mid-scrape and a worker without Glassbox: the scrape ends within its timeout, counted', async () => {
    primary.send({ cmd: 'fork', kind: 'plain' });
    primary.send({ cmd: 'fork', kind: 'slow' });
    const [plain, slow] = await Promise.all([nextWorker('plain'), nextWorker('slow')]);
    expect(plain.pid).toBeGreaterThan(0);

    const started = Date.now();
    const scrape = get(ready.metricsUrl, auth);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(slow.pid, 'SIGKILL'); // dies while the primary waits for its snapshot
    const res = await scrape;
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    // Not a speed assertion: it proves the scrape did not wait past its timeout
    // (the slow worker would have answered after 60 s).
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 5000);
    expect(sample(res.body, REQUESTS)).toBe(served);
    expect(sample(res.body, 'glassbox_cluster_worker_scrape_failures_total{reason="exited"}')).toBe(1);
    expect(sample(res.body, 'glassbox_cluster_worker_scrape_failures_total{reason="no_glassbox"}')).toBe(1);
    expect(sample(res.body, 'glassbox_cluster_workers')).toBe(6);
    expect(sample(res.body, 'glassbox_cluster_workers_answered')).toBe(4);
    expect(exitCode).toBeUndefined(); // the primary is still up

    const again = await get(ready.metricsUrl, auth);
    expect(again.status).toBe(200);
    expect(sample(again.body, REQUESTS)).toBe(served);
    expect(sample(again.body, 'glassbox_cluster_worker_scrape_failures_total{reason="exited"}')).toBe(1);
    expect(sample(again.body, 'glassbox_cluster_worker_scrape_failures_total{reason="no_glassbox"}')).toBe(2);
    expect(sample(again.body, 'glassbox_cluster_workers')).toBe(5);
  });

  it('a stuck worker that stays alive: the scrape answers at its timeout without it (timeout)', async () => {
    primary.send({ cmd: 'fork', kind: 'slow' });
    await nextWorker('slow');
    const started = Date.now();
    const res = await get(ready.metricsUrl, auth);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50); // it did wait for an announced worker
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 5000);
    expect(sample(res.body, REQUESTS)).toBe(served);
    expect(sample(res.body, 'glassbox_cluster_worker_scrape_failures_total{reason="timeout"}')).toBe(1);
    expect(exitCode).toBeUndefined();
  });

  it("onWorkerFailure: 'fail' answers 500 while a worker is missing", async () => {
    const res = await get(ready.strictUrl);
    expect(res.status).toBe(500);
    expect(exitCode).toBeUndefined();
  });
});
