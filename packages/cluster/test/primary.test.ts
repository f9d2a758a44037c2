import {
  catalog,
  createGlassbox,
  createHttpRecorder,
  defineCounter,
  type Logger,
  nativeBackend,
  promClientBackend,
} from '@glassbox/core';
import { readMetrics } from '@glassbox/core/testing';
import {
  createMetricsServer,
  type ExpositionFormat,
  type MetricsServer,
  renderFamilies,
} from '@glassbox/exporter';
import * as client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ClusterPrimary,
  type ClusterPrimaryOptions,
  ClusterScrapeError,
  type ClusterWorker,
  isClusterMessage,
  MESSAGE_KEY,
  PROTOCOL_VERSION,
  setupClusterPrimary,
  setupClusterWorker,
} from '../src/index.js';
import { FakeCluster, type FakeWorker, tick } from './fake-cluster.js';

const promClient = client;
const cleanup: Array<() => unknown> = [];
const sources: ClusterWorker[] = [];
afterEach(async () => {
  sources.length = 0;
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/**
 * Lets the IPC handshake finish: waits until every worker source of this test was
 * welcomed by a primary (at most 1 s: some tests have none), then one more round of timers.
 */
async function settled(): Promise<void> {
  const until = Date.now() + 1000;
  while (Date.now() < until && !sources.every((s) => s.connected)) await tick(2);
  await tick(5);
}

/** A Glassbox worker on the fake cluster that served `requests` GET /work requests. */
function glassboxWorker(cluster: FakeCluster, requests: number, existing?: FakeWorker) {
  const w = existing ?? cluster.fork();
  const registry = new client.Registry();
  const glassbox = createGlassbox({
    backend: promClientBackend({ client: promClient, registry }),
    logger: null,
  });
  const http = createHttpRecorder(glassbox);
  for (let i = 0; i < requests; i++) http.end('GET', '/work', 200, http.begin('GET'));
  glassbox.gauge(catalog.batch.lastSuccess).set({ job_name: 'nightly' }, 1000 + w.id);
  const source = setupClusterWorker({ registry, glassbox, process: w.process, timeoutMs: 2000 });
  cleanup.push(() => source.close());
  sources.push(source);
  return { worker: w, registry, glassbox, source };
}

function primaryOf(cluster: FakeCluster, options: Partial<ClusterPrimaryOptions> = {}): ClusterPrimary {
  const primary = setupClusterPrimary({ cluster, logger: null, ...options });
  cleanup.push(() => primary.close());
  return primary;
}

const lines = (text: string) => text.trimEnd().split('\n');
/** Collects a cluster source and renders it with the exporter's renderer, as a scrape does. */
async function scrape(
  source: ClusterPrimary | ClusterWorker,
  format: ExpositionFormat = 'prometheus',
): Promise<string> {
  return renderFamilies(await source.collect(), format);
}
const REQUESTS = 'http_requests_total{method="GET",route="/work",status_code="200"}';

describe('setupClusterPrimary: healthy cluster', () => {
  it('sums every worker and exposes the cluster metrics', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    for (const n of [3, 4, 5]) glassboxWorker(cluster, n);
    await settled();
    const out = lines(await scrape(primary));
    expect(out).toContain(`${REQUESTS} 12`);
    expect(out).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/work",status_code="200",le="+Inf"} 12',
    );
    expect(out).toContain('batch_job_last_success_timestamp_seconds{job_name="nightly"} 1003');
    expect(out).toContain('glassbox_cluster_workers 3');
    expect(out).toContain('glassbox_cluster_workers_answered 3');
    for (const reason of ['timeout', 'exited', 'no_glassbox', 'error'])
      expect(out).toContain(`glassbox_cluster_worker_scrape_failures_total{reason="${reason}"} 0`);
    expect(primary.lastScrape()).toMatchObject({ asked: 3, answered: [1, 2, 3], failures: [] });
  });

  it('concurrent scrapes share one round of requests and count its failures once', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    const a = glassboxWorker(cluster, 2);
    const b = glassboxWorker(cluster, 3);
    cluster.fork(); // no Glassbox
    await settled();
    const texts = await Promise.all([scrape(primary), scrape(primary, 'openmetrics'), scrape(a.source)]);
    for (const t of texts) expect(lines(t)).toContain(`${REQUESTS} 5`);
    expect(lines(texts[0])).toContain(
      'glassbox_cluster_worker_scrape_failures_total{reason="no_glassbox"} 1',
    );
    expect([a.worker.collectRequests, b.worker.collectRequests]).toEqual([1, 1]);
    // the next scrape is a new round
    await scrape(primary);
    expect([a.worker.collectRequests, b.worker.collectRequests]).toEqual([2, 2]);
  });

  it('renders OpenMetrics', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    glassboxWorker(cluster, 2);
    await settled();
    const out = lines(await scrape(primary, 'openmetrics'));
    expect(out).toContain('# TYPE http_requests counter');
    expect(out).toContain(`${REQUESTS} 2`);
    expect(out.some((l) => l.startsWith('# EOF'))).toBe(false);
  });

  it('merges the primary registry in, so families both have appear once', async () => {
    const cluster = new FakeCluster();
    const registry = new client.Registry();
    const glassbox = createGlassbox({
      backend: promClientBackend({ client: promClient, registry }),
      logger: null,
    });
    glassbox.reportError('primary-thing', 'broke');
    const primary = primaryOf(cluster, { registry, glassbox });
    const w = glassboxWorker(cluster, 1);
    w.glassbox.reportError('http', 'broke');
    await settled();
    const text = await scrape(primary);
    expect(text.match(/# TYPE glassbox_instrumentation_errors_total counter/g)).toHaveLength(1);
    expect(lines(text)).toContain('glassbox_instrumentation_errors_total{component="primary-thing"} 1');
    expect(lines(text)).toContain('glassbox_instrumentation_errors_total{component="http"} 1');
    expect(lines(text)).toContain('glassbox_cluster_workers_answered 1');
  });

  it('a worker on the native backend is snapshotted from its families (gauge rule from the family)', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    glassboxWorker(cluster, 2); // prom-client, last success 1001
    const w = cluster.fork();
    const backend = nativeBackend();
    const glassbox = createGlassbox({ backend, logger: null });
    const http = createHttpRecorder(glassbox);
    for (let i = 0; i < 4; i++) http.end('GET', '/work', 200, http.begin('GET'));
    glassbox.gauge(catalog.batch.lastSuccess).set({ job_name: 'nightly' }, 5000);
    // no `glassbox` option: the rule comes from the family's `aggregate` (max), not the default sum
    const source = setupClusterWorker({ backend, process: w.process });
    cleanup.push(() => source.close());
    sources.push(source);
    await settled();
    const out = lines(await scrape(primary));
    expect(out).toContain(`${REQUESTS} 6`);
    expect(out).toContain(
      'http_request_duration_seconds_bucket{method="GET",route="/work",status_code="200",le="+Inf"} 6',
    );
    expect(out).toContain('batch_job_last_success_timestamp_seconds{job_name="nightly"} 5000');
  });

  it('reads back through @glassbox/core/testing: merged values, absent is undefined', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    glassboxWorker(cluster, 2);
    glassboxWorker(cluster, 3);
    await settled();
    const metrics = await readMetrics(primary);
    const labels = { method: 'GET', route: '/work', status_code: '200' };
    expect(metrics.value('http_requests_total', labels)).toBe(5);
    expect(metrics.distribution('http_request_duration_seconds', labels)?.count).toBe(5);
    expect(metrics.value('glassbox_cluster_workers_answered')).toBe(2);
    expect(metrics.value('http_requests_total', { ...labels, route: '/nowhere' })).toBeUndefined();
  });

  it('serves through the exporter (auth, status) as a MetricsSource', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    glassboxWorker(cluster, 2);
    await settled();
    const server: MetricsServer = createMetricsServer({
      sources: [primary],
      port: 0,
      host: '127.0.0.1',
      auth: { tokens: ['t0ken'] },
      logger: null,
    });
    cleanup.push(() => server.close());
    const { url } = await server.start();
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: 'Bearer t0ken' } });
    expect(res.status).toBe(200);
    expect(lines(await res.text())).toContain(`${REQUESTS} 2`);
  });
});

describe('setupClusterPrimary: worker failures', () => {
  it('a worker that announced itself and hangs: the scrape ends at the timeout without it (timeout)', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster, { timeoutMs: 500 });
    glassboxWorker(cluster, 2);
    const slow = glassboxWorker(cluster, 50);
    await settled();
    slow.worker.hang = true;
    const out = lines(await scrape(primary));
    expect(out).toContain(`${REQUESTS} 2`);
    expect(out).toContain('glassbox_cluster_worker_scrape_failures_total{reason="timeout"} 1');
    expect(out).toContain('glassbox_cluster_workers 2');
    expect(out).toContain('glassbox_cluster_workers_answered 1');
    expect(primary.lastScrape()?.failures).toEqual([{ worker: 2, reason: 'timeout' }]);
  });

  it('a worker without Glassbox is not waited for, and is counted (no_glassbox)', async () => {
    const cluster = new FakeCluster();
    // A timeout longer than the test's own: waiting for the plain worker would fail the test.
    const primary = primaryOf(cluster, { timeoutMs: 600_000 });
    glassboxWorker(cluster, 3);
    cluster.fork(); // no setupClusterWorker: never announces, never answers
    await settled();
    const out = lines(await scrape(primary));
    expect(out).toContain(`${REQUESTS} 3`);
    expect(out).toContain('glassbox_cluster_worker_scrape_failures_total{reason="no_glassbox"} 1');
    expect(primary.lastScrape()?.failures).toEqual([{ worker: 2, reason: 'no_glassbox' }]);
  });

  it('a worker that exits mid-scrape ends its wait at once (exited), and the primary carries on', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster, { timeoutMs: 600_000 });
    glassboxWorker(cluster, 1);
    const doomed = glassboxWorker(cluster, 10);
    await settled();
    doomed.worker.hang = true;
    const inProgress = scrape(primary);
    await tick(10);
    doomed.worker.exit();
    const out = lines(await inProgress);
    expect(out).toContain(`${REQUESTS} 1`);
    expect(out).toContain('glassbox_cluster_worker_scrape_failures_total{reason="exited"} 1');
    // next scrape: the dead worker is gone from cluster.workers, nothing more is counted
    const again = lines(await scrape(primary));
    expect(again).toContain('glassbox_cluster_worker_scrape_failures_total{reason="exited"} 1');
    expect(again).toContain('glassbox_cluster_workers 1');
  });

  it('a dead or disconnected worker still listed, and a failed send, count as exited', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster, { timeoutMs: 600_000 });
    glassboxWorker(cluster, 1);
    const a = glassboxWorker(cluster, 1);
    const b = glassboxWorker(cluster, 1);
    await settled();
    a.worker.connected = false;
    b.worker.failSend = true;
    const out = lines(await scrape(primary));
    expect(out).toContain(`${REQUESTS} 1`);
    expect(out).toContain('glassbox_cluster_worker_scrape_failures_total{reason="exited"} 2');
    // still listed (node:cluster removes a worker after both exit and disconnect): each is
    // counted once, and no longer asked
    const again = lines(await scrape(primary));
    expect(again).toContain('glassbox_cluster_worker_scrape_failures_total{reason="exited"} 2');
    expect(again).toContain('glassbox_cluster_workers 1');
  });

  it('a worker that exited mid-scrape and is still listed at the next scrape is counted once', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster, { timeoutMs: 600_000 });
    glassboxWorker(cluster, 1);
    const doomed = glassboxWorker(cluster, 1);
    await settled();
    doomed.worker.hang = true;
    const inProgress = scrape(primary);
    await tick(10);
    // disconnect seen, exit not yet: node:cluster keeps it in `workers` for now
    doomed.worker.connected = false;
    cluster.emit('disconnect', doomed.worker);
    await inProgress;
    const again = lines(await scrape(primary));
    expect(again).toContain('glassbox_cluster_worker_scrape_failures_total{reason="exited"} 1');
    expect(again).toContain('glassbox_cluster_workers 1');
  });

  it('a worker whose registry throws answers with an error (error), without crashing anyone', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    glassboxWorker(cluster, 1);
    const w = cluster.fork();
    const source = setupClusterWorker({
      registry: {
        getMetricsAsJSON: () => {
          throw new Error('collect callback failed');
        },
      },
      process: w.process,
    });
    cleanup.push(() => source.close());
    await settled();
    const out = lines(await scrape(primary));
    expect(out).toContain(`${REQUESTS} 1`);
    expect(out).toContain('glassbox_cluster_worker_scrape_failures_total{reason="error"} 1');
  });

  it('a late answer from a previous scrape is ignored and counted, never added to the next scrape', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster, { timeoutMs: 500 });
    glassboxWorker(cluster, 1);
    const late = glassboxWorker(cluster, 7);
    await settled();
    late.worker.hold(); // its answer to the first scrape arrives after that scrape timed out
    const first = lines(await scrape(primary));
    expect(first).toContain(`${REQUESTS} 1`);
    late.worker.release();
    await settled();
    const second = lines(await scrape(primary));
    expect(second).toContain(`${REQUESTS} 8`);
    expect(second).toContain('glassbox_cluster_late_answers_total 1');
    expect(second).toContain('glassbox_cluster_worker_scrape_failures_total{reason="timeout"} 1');
  });

  it("onWorkerFailure: 'fail' rejects the collect, and the exporter answers 500", async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster, { timeoutMs: 500, onWorkerFailure: 'fail' });
    glassboxWorker(cluster, 1);
    const slow = glassboxWorker(cluster, 1);
    await settled();
    slow.worker.hang = true;
    await expect(scrape(primary)).rejects.toBeInstanceOf(ClusterScrapeError);
    await expect(scrape(primary)).rejects.toThrow(/1 of 2 workers missing .*worker 2: timeout/);
    const server = createMetricsServer({ sources: [primary], port: 0, host: '127.0.0.1', logger: null });
    cleanup.push(() => server.close());
    const { url } = await server.start();
    expect((await fetch(url)).status).toBe(500);
    slow.worker.hang = false;
    expect((await fetch(url)).status).toBe(200);
  });
});

describe('setupClusterPrimary: protocol', () => {
  it("ignores the application's own messages in both directions", async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    const w = glassboxWorker(cluster, 2);
    await settled();
    for (const msg of [
      'hello',
      null,
      42,
      { type: 'collect', id: 'x' },
      { type: 'prom-client:getMetricsRes' },
    ]) {
      cluster.emit('message', w.worker, msg);
      w.worker.process.emit('message', msg);
    }
    cluster.emit('message', w.worker, {
      [MESSAGE_KEY]: PROTOCOL_VERSION,
      type: 'snapshot',
      id: 'someone-else.1',
      metrics: [],
    });
    const out = lines(await scrape(primary));
    expect(out).toContain(`${REQUESTS} 2`);
    expect(out).toContain('glassbox_cluster_late_answers_total 0');
    expect(isClusterMessage({ type: 'collect' })).toBe(false);
    expect(isClusterMessage({ [MESSAGE_KEY]: PROTOCOL_VERSION, type: 'collect', id: '1' })).toBe(true);
  });

  it('two primaries on one cluster never take each other’s answers', async () => {
    const cluster = new FakeCluster();
    const a = primaryOf(cluster);
    const b = primaryOf(cluster);
    glassboxWorker(cluster, 2);
    glassboxWorker(cluster, 3);
    await settled();
    const [ta, tb] = await Promise.all([scrape(a), scrape(b)]);
    for (const t of [ta, tb]) {
      expect(lines(t)).toContain(`${REQUESTS} 5`);
      expect(lines(t)).toContain('glassbox_cluster_late_answers_total 0');
    }
  });

  it('workers set up before the primary are probed, so a hang counts as timeout, not no_glassbox', async () => {
    const cluster = new FakeCluster();
    const early = glassboxWorker(cluster, 1);
    await settled(); // its hello went nowhere
    const primary = primaryOf(cluster, { timeoutMs: 500 });
    await settled();
    expect(early.source.connected).toBe(true);
    early.worker.hang = true;
    await scrape(primary);
    expect(primary.lastScrape()?.failures).toEqual([{ worker: 1, reason: 'timeout' }]);
  });

  it('a scrape that reaches a worker is answered with the whole cluster', async () => {
    const cluster = new FakeCluster();
    primaryOf(cluster);
    const a = glassboxWorker(cluster, 2);
    glassboxWorker(cluster, 3);
    await settled();
    expect(lines(await scrape(a.source))).toContain(`${REQUESTS} 5`);
    expect(lines(await scrape(a.source, 'openmetrics'))).toContain('# TYPE http_requests counter');
  });

  it('a scrape through a worker renders exactly what the primary renders (label order, series order)', async () => {
    const cluster = new FakeCluster();
    const primary = primaryOf(cluster);
    const a = glassboxWorker(cluster, 2);
    const b = glassboxWorker(cluster, 3);
    const mixed = (registry: client.Registry) =>
      new client.Counter({ name: 'mixed_total', help: 'M.', labelNames: ['x', 'y'], registers: [registry] });
    mixed(a.registry).inc({ x: '1', y: '2' });
    mixed(b.registry).inc({ y: '3', x: '4' }); // this worker's labels come in the other order
    await settled();
    const withoutDuration = (text: string) =>
      lines(text).filter((l) => !l.startsWith('glassbox_cluster_collect_duration_seconds '));
    const fromPrimary = withoutDuration(await scrape(primary));
    expect(fromPrimary).toEqual(
      expect.arrayContaining(['mixed_total{x="1",y="2"} 1', 'mixed_total{y="3",x="4"} 1']),
    );
    expect(withoutDuration(await scrape(a.source))).toEqual(fromPrimary);
    expect(withoutDuration(await scrape(a.source, 'openmetrics'))).toEqual(
      withoutDuration(await scrape(primary, 'openmetrics')),
    );
  });

  it("a worker's scrape fails with the primary's reason under onWorkerFailure: 'fail'", async () => {
    const cluster = new FakeCluster();
    primaryOf(cluster, { timeoutMs: 500, onWorkerFailure: 'fail' });
    const a = glassboxWorker(cluster, 2);
    const slow = glassboxWorker(cluster, 3);
    await settled();
    slow.worker.hang = true;
    await expect(scrape(a.source)).rejects.toThrow(/could not aggregate: .*worker 2: timeout/);
  });

  it('a worker with no Glassbox primary fails its scrape at once with a clear error', async () => {
    const cluster = new FakeCluster();
    const a: ClusterWorker = glassboxWorker(cluster, 1).source;
    await settled();
    expect(a.connected).toBe(false);
    await expect(scrape(a)).rejects.toThrow(/no Glassbox primary has answered/);
  });

  it('close(): scrapes in progress end at once, later ones reject', async () => {
    const cluster = new FakeCluster();
    const primary = setupClusterPrimary({ cluster, logger: null, timeoutMs: 600_000 });
    const w = glassboxWorker(cluster, 1);
    await settled();
    w.worker.hang = true;
    const pending = scrape(primary);
    await settled();
    primary.close();
    await expect(pending).resolves.toContain(
      'glassbox_cluster_worker_scrape_failures_total{reason="timeout"} 1',
    );
    await expect(scrape(primary)).rejects.toThrow(/closed/);
    expect(cluster.listenerCount('message')).toBe(0);
  });

  it('issue 16.9: an invalid worker snapshot is dropped where invalid, counted, and logged once', async () => {
    const cluster = new FakeCluster();
    const warnings: string[] = [];
    const primary = primaryOf(cluster, { logger: { warn: (m) => warnings.push(m) } });
    glassboxWorker(cluster, 2);
    // a worker that speaks the protocol by hand (another version, a bug)
    const bad = cluster.fork();
    const send = (body: object) => bad.process.send({ [MESSAGE_KEY]: PROTOCOL_VERSION, ...body });
    const metrics = [
      {
        n: 'http_requests_total',
        h: 'R.',
        t: 'counter',
        k: ['method', 'route', 'status_code'],
        s: [[['GET', '/work', '200'], 10]],
      },
      { n: 'bad-name_total', h: 'B.', t: 'counter', k: [], s: [[[], 1]] },
      { n: 'jobs_total', h: 'J.', t: 'counter', k: ['bad-label'], s: [[['x'], 1]] },
    ];
    bad.process.on('message', (msg: unknown) => {
      if (isClusterMessage(msg) && msg.type === 'collect') send({ type: 'snapshot', id: msg.id, metrics });
    });
    send({ type: 'hello' });
    await settled();
    const first = await scrape(primary);
    expect(lines(first)).toContain(`${REQUESTS} 12`);
    expect(first).not.toContain('bad-');
    expect(lines(first)).toContain('glassbox_instrumentation_errors_total{component="cluster"} 2');
    expect(primary.lastScrape()).toMatchObject({ answered: [1, 2], failures: [] });
    const again = await readMetrics(primary);
    expect(again.value('glassbox_instrumentation_errors_total', { component: 'cluster' })).toBe(4);
    expect(again.value('jobs_total')).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/invalid parts.*worker 2, metric "bad-name_total": invalid metric name/);
  });

  it('warns once per cause through the logger', async () => {
    const cluster = new FakeCluster();
    const warnings: string[] = [];
    const logger: Logger = { warn: (m) => warnings.push(m) };
    const primary = primaryOf(cluster, { logger, timeoutMs: 600_000 });
    cluster.fork();
    await scrape(primary);
    await scrape(primary);
    expect(warnings).toEqual([
      'Glassbox cluster: worker 1 missing from a scrape (no_glassbox); further occurrences are counted, not logged',
    ]);
  });
});

describe('options', () => {
  it('bad primary options throw at set-up', () => {
    const cluster = new FakeCluster();
    expect(() => setupClusterPrimary({ cluster, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => setupClusterPrimary({ cluster, timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
    expect(() => setupClusterPrimary({ cluster, onWorkerFailure: 'maybe' as 'fail' })).toThrow(
      /onWorkerFailure/,
    );
    expect(() => setupClusterPrimary({ cluster, workerLabel: 'bad-label' })).toThrow(/workerLabel/);
    expect(() => setupClusterPrimary({ cluster, registry: {} as never })).toThrow(/registry/);
    expect(() =>
      setupClusterPrimary({ cluster: Object.assign(new FakeCluster(), { isPrimary: false }) }),
    ).toThrow(/must run in the cluster primary/);
    expect(cluster.listenerCount('message')).toBe(0);
  });

  it('bad worker options throw at set-up', () => {
    const cluster = new FakeCluster();
    const w = cluster.fork();
    const registry = new client.Registry();
    expect(() => setupClusterWorker({ process: w.process } as never)).toThrow(/exactly one of/);
    expect(() => setupClusterWorker({ registry, timeoutMs: -1, process: w.process })).toThrow(/timeoutMs/);
    const noIpc = { on() {}, off() {} };
    expect(() => setupClusterWorker({ registry, process: noIpc })).toThrow(/IPC channel/);
  });

  it('the cluster metrics names are validated by core', () => {
    const glassbox = createGlassbox({
      backend: promClientBackend({ client: promClient, registry: new client.Registry() }),
      naming: { prefix: 'acme_' },
      logger: null,
    });
    const primary = setupClusterPrimary({ cluster: new FakeCluster(), glassbox, logger: null });
    cleanup.push(() => primary.close());
    expect(glassbox.definitions().map((d) => d.name)).toEqual(
      expect.arrayContaining([
        'acme_glassbox_cluster_worker_scrape_failures_total',
        'acme_glassbox_cluster_workers_answered',
      ]),
    );
    expect(() => defineCounter({ name: 'glassbox_cluster_worker_scrape_failures', help: 'x' })).toThrow(
      /_total/,
    );
  });
});
