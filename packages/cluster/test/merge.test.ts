import {
  catalog,
  createGlassbox,
  createHttpRecorder,
  defineGauge,
  defineHistogram,
  nativeBackend,
  promClientBackend,
} from '@glassbox/core';
import { renderFamilies } from '@glassbox/exporter';
import * as client from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  mergeSnapshots,
  type Participant,
  remapCounts,
  type ScalarSeries,
  type SnapshotMetric,
  snapshotFromPromJson,
  snapshotRegistry,
  snapshotSource,
} from '../src/index.js';
import { snapshotOfMerged } from '../src/snapshot.js';

// prom-client's declared types are stricter than what core's PromClientLike describes.
const promClient = client;

/** The merged families, rendered by the exporter, as lines. */
async function render(
  parts: Participant[],
  format: 'prometheus' | 'openmetrics' = 'prometheus',
): Promise<string[]> {
  return (await renderFamilies(mergeSnapshots(parts), format)).trimEnd().split('\n');
}

/** A worker: a prom-client registry with Glassbox on it. */
function worker() {
  const registry = new client.Registry();
  const glassbox = createGlassbox({
    backend: promClientBackend({ client: promClient, registry }),
    logger: null,
  });
  return { registry, glassbox };
}

describe('mergeSnapshots: counters', () => {
  it('sums series with the same labels, whatever their label order, and keeps series only one worker has', async () => {
    const a: SnapshotMetric = {
      n: 'jobs_total',
      h: 'Jobs.',
      t: 'counter',
      k: ['queue', 'outcome'],
      s: [
        [['q1', 'ack'], 2],
        [['q2', 'ack'], 1],
      ],
    };
    const b: SnapshotMetric = {
      n: 'jobs_total',
      h: 'Jobs.',
      t: 'counter',
      k: ['outcome', 'queue'],
      s: [
        [['ack', 'q1'], 5],
        [['nack', 'q1'], 7],
      ],
    };
    expect(
      await render([
        { worker: '1', metrics: [a] },
        { worker: '2', metrics: [b] },
      ]),
    ).toEqual([
      '# HELP jobs_total Jobs.',
      '# TYPE jobs_total counter',
      'jobs_total{queue="q1",outcome="ack"} 7',
      'jobs_total{queue="q2",outcome="ack"} 1',
      'jobs_total{outcome="nack",queue="q1"} 7',
    ]);
  });

  it('treats an absent label (null) as a different series from a present one', async () => {
    const a: SnapshotMetric = { n: 'x_total', h: 'X.', t: 'counter', k: ['a', 'b'], s: [[['1', null], 1]] };
    const b: SnapshotMetric = {
      n: 'x_total',
      h: 'X.',
      t: 'counter',
      k: ['a', 'b'],
      s: [
        [['1', null], 2],
        [['1', '2'], 3],
      ],
    };
    expect(
      await render([
        { worker: '1', metrics: [a] },
        { worker: '2', metrics: [b] },
      ]),
    ).toEqual(['# HELP x_total X.', '# TYPE x_total counter', 'x_total{a="1"} 3', 'x_total{a="1",b="2"} 3']);
  });

  it('renders counters the OpenMetrics way: family without _total, samples with it', async () => {
    const a: SnapshotMetric = { n: 'jobs_total', h: 'Say "hi"\\n', t: 'counter', k: [], s: [[[], 4]] };
    // the exporter writes # TYPE before # HELP in OpenMetrics
    expect(await render([{ worker: '1', metrics: [a] }], 'openmetrics')).toEqual([
      '# TYPE jobs counter',
      '# HELP jobs Say \\"hi\\"\\\\n',
      'jobs_total 4',
    ]);
  });

  it('escapes label values and renders special values', async () => {
    const a: SnapshotMetric = {
      n: 'g',
      h: 'G.',
      t: 'gauge',
      k: ['path'],
      s: [
        [['a"b\\c\nd'], 'NaN'],
        [['inf'], '+Inf'],
      ],
    };
    expect(await render([{ worker: '1', metrics: [a] }])).toEqual([
      '# HELP g G.',
      '# TYPE g gauge',
      'g{path="a\\"b\\\\c\\nd"} NaN',
      'g{path="inf"} +Inf',
    ]);
  });
});

describe('mergeSnapshots: gauges by declared rule', () => {
  const gauge = (a: SnapshotMetric['a'], values: number[]): Participant[] =>
    values.map((v, i) => ({
      worker: String(i + 1),
      metrics: [
        { n: 'g', h: 'G.', t: 'gauge', ...(a === undefined ? {} : { a }), k: ['job'], s: [[['j'], v]] },
      ],
    }));

  it.each([
    ['sum', 12],
    ['max', 7],
    ['min', 1],
    ['first', 4],
    ['average', 4],
    [undefined, 12],
  ] as const)('%s', async (rule, expected) => {
    expect(await render(gauge(rule, [4, 7, 1]))).toEqual([
      '# HELP g G.',
      '# TYPE g gauge',
      `g{job="j"} ${expected}`,
    ]);
  });

  it('worker: one series per worker with a worker label', async () => {
    expect(await render(gauge('worker', [4, 7, 1]))).toEqual([
      '# HELP g G.',
      '# TYPE g gauge',
      'g{job="j",worker="1"} 4',
      'g{job="j",worker="2"} 7',
      'g{job="j",worker="3"} 1',
    ]);
  });

  it('worker: the label name is an option', async () => {
    const out = await renderFamilies(
      mergeSnapshots(gauge('worker', [4]), { workerLabel: 'pid_slot' }),
      'prometheus',
    );
    expect(out).toContain('g{job="j",pid_slot="1"} 4\n');
  });

  it('worker: a metric with a label of that name is reported, once', () => {
    const conflicts: string[] = [];
    const parts: Participant[] = [1, 2].map((i) => ({
      worker: String(i),
      metrics: [{ n: 'g', h: 'G.', t: 'gauge', a: 'worker', k: ['worker'], s: [[['etl'], i]] }],
    }));
    mergeSnapshots(parts, { onConflict: (metric, problem) => conflicts.push(`${metric}: ${problem}`) });
    expect(conflicts).toEqual([
      'g: has a "worker" label of its own, which the per-worker value replaces (choose another workerLabel, or rename the metric\'s label)',
    ]);
    mergeSnapshots(gauge('worker', [1, 2]), { onConflict: (metric) => conflicts.push(metric) });
    expect(conflicts).toHaveLength(1);
  });

  it('omit: the metric is left out', async () => {
    expect(await renderFamilies(mergeSnapshots(gauge('omit', [1, 2])), 'prometheus')).toBe('');
  });
});

describe('mergeSnapshots: histograms and summaries', () => {
  it('sums bucket by bucket, sums and counts', async () => {
    const h = (counts: number[], sum: number, route: string): SnapshotMetric => ({
      n: 'd_seconds',
      h: 'D.',
      t: 'histogram',
      k: ['route'],
      b: [0.1, 1],
      s: [[[route], sum, counts]],
    });
    expect(
      await render([
        { worker: '1', metrics: [h([1, 2, 3], 1.5, '/a')] },
        { worker: '2', metrics: [h([0, 4, 4], 2, '/a')] },
        { worker: '3', metrics: [h([1, 1, 1], 0.05, '/b')] },
      ]),
    ).toEqual([
      '# HELP d_seconds D.',
      '# TYPE d_seconds histogram',
      'd_seconds_bucket{route="/a",le="0.1"} 1',
      'd_seconds_bucket{route="/a",le="1"} 6',
      'd_seconds_bucket{route="/a",le="+Inf"} 7',
      'd_seconds_sum{route="/a"} 3.5',
      'd_seconds_count{route="/a"} 7',
      'd_seconds_bucket{route="/b",le="0.1"} 1',
      'd_seconds_bucket{route="/b",le="1"} 1',
      'd_seconds_bucket{route="/b",le="+Inf"} 1',
      'd_seconds_sum{route="/b"} 0.05',
      'd_seconds_count{route="/b"} 1',
    ]);
  });

  it('merges differing bucket bounds on their union, never losing the total', async () => {
    const conflicts: string[] = [];
    const families = mergeSnapshots(
      [
        {
          worker: '1',
          metrics: [{ n: 'h', h: 'H.', t: 'histogram', k: [], b: [1, 5], s: [[[], 10, [2, 3, 4]]] }],
        },
        {
          worker: '2',
          metrics: [{ n: 'h', h: 'H.', t: 'histogram', k: [], b: [2, 5], s: [[[], 1, [1, 1, 1]]] }],
        },
      ],
      { onConflict: (m, p) => conflicts.push(`${m}: ${p}`) },
    );
    expect((await renderFamilies(families, 'prometheus')).trimEnd().split('\n')).toEqual([
      '# HELP h H.',
      '# TYPE h histogram',
      'h_bucket{le="1"} 2',
      'h_bucket{le="2"} 3',
      'h_bucket{le="5"} 4',
      'h_bucket{le="+Inf"} 5',
      'h_sum 11',
      'h_count 5',
    ]);
    expect(conflicts).toEqual(['h: bucket bounds differ across workers; merged on the union of bounds']);
  });

  it('remapCounts keeps cumulative counts monotonic', () => {
    expect(remapCounts([2, 3, 4], [1, 5], [0.5, 1, 2, 5, 10])).toEqual([0, 2, 2, 3, 3, 4]);
  });

  it('summaries: sums and counts add up; quantiles (not aggregatable) are dropped', async () => {
    const regs = [new client.Registry(), new client.Registry()];
    regs.forEach((registry, i) => {
      const s = new client.Summary({ name: 'rpc_seconds', help: 'RPC.', registers: [registry] });
      s.observe(i + 1);
      s.observe(i + 2);
    });
    const parts = await Promise.all(
      regs.map(async (r, i) => ({
        worker: String(i + 1),
        metrics: snapshotFromPromJson(await r.getMetricsAsJSON()),
      })),
    );
    expect(await render(parts)).toEqual([
      '# HELP rpc_seconds RPC.',
      '# TYPE rpc_seconds summary',
      'rpc_seconds_sum 8',
      'rpc_seconds_count 4',
    ]);
  });
});

describe('mergeSnapshots: conflicts', () => {
  it('drops the series of a worker whose type differs and reports it once', async () => {
    const conflicts: string[] = [];
    const out = await renderFamilies(
      mergeSnapshots(
        [
          { worker: '1', metrics: [{ n: 'm', h: 'M.', t: 'gauge', k: [], s: [[[], 1]] }] },
          { worker: '2', metrics: [{ n: 'm', h: 'M.', t: 'counter', k: [], s: [[[], 5]] }] },
          { worker: '3', metrics: [{ n: 'm', h: 'M.', t: 'counter', k: [], s: [[[], 5]] }] },
        ],
        { onConflict: (m, p) => conflicts.push(`${m}: ${p}`) },
      ),
      'prometheus',
    );
    // the exporter ends each family with a blank line in the text format
    expect(out).toBe('# HELP m M.\n# TYPE m gauge\nm 1\n\n');
    expect(conflicts).toHaveLength(2);
  });
});

describe('snapshots of real registries', () => {
  it('Glassbox workers: RED metrics sum, gauges follow the catalog rules, under naming options', async () => {
    const naming = { prefix: 'acme_', rename: { http_requests_total: 'api_requests_total' } };
    const workers = [1, 2, 3].map((id) => {
      const registry = new client.Registry();
      const glassbox = createGlassbox({
        backend: promClientBackend({ client: promClient, registry }),
        naming,
        logger: null,
      });
      const http = createHttpRecorder(glassbox);
      for (let i = 0; i < id; i++) http.end('GET', '/users/:id', 200, http.begin('GET'));
      http.begin('POST'); // one in flight per worker
      glassbox.gauge(catalog.batch.lastSuccess).set({ job_name: 'nightly' }, 1000 + id);
      return { id, registry, glassbox };
    });
    const parts = await Promise.all(
      workers.map(async (w) => ({
        worker: String(w.id),
        metrics: await snapshotRegistry(w.registry, w.glassbox),
      })),
    );
    const lines = await render(parts);
    expect(lines).toContain('api_requests_total{method="GET",route="/users/:id",status_code="200"} 6');
    expect(lines).toContain(
      'acme_http_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 6',
    );
    expect(lines).toContain(
      'acme_http_request_duration_seconds_bucket{method="GET",route="/users/:id",status_code="200",le="+Inf"} 6',
    );
    expect(lines).toContain('acme_http_requests_in_flight{method="POST"} 3');
    expect(lines).toContain('acme_batch_job_last_success_timestamp_seconds{job_name="nightly"} 1003');
  });

  it('without the Glassbox instance, a Glassbox gauge falls back to prom-client (sum): the rule matters', async () => {
    const workers = [1, 2].map((id) => {
      const w = worker();
      w.glassbox.gauge(catalog.batch.lastSuccess).set({ job_name: 'nightly' }, 1000 + id);
      return w;
    });
    const withRules = await Promise.all(
      workers.map(async (w, i) => ({
        worker: String(i + 1),
        metrics: await snapshotRegistry(w.registry, w.glassbox),
      })),
    );
    const withoutRules = await Promise.all(
      workers.map(async (w, i) => ({ worker: String(i + 1), metrics: await snapshotRegistry(w.registry) })),
    );
    expect(await render(withRules)).toContain(
      'batch_job_last_success_timestamp_seconds{job_name="nightly"} 1002',
    );
    expect(await render(withoutRules)).toContain(
      'batch_job_last_success_timestamp_seconds{job_name="nightly"} 2003',
    );
  });

  it('metrics not created by Glassbox: prom-client aggregator field for gauges, sum for the rest', async () => {
    const parts = await Promise.all(
      [1, 2].map(async (id) => {
        const registry = new client.Registry();
        new client.Gauge({
          name: 'app_version_info',
          help: 'V.',
          aggregator: 'first',
          registers: [registry],
        }).set(id);
        new client.Gauge({
          name: 'app_start_time_seconds',
          help: 'S.',
          aggregator: 'omit',
          registers: [registry],
        }).set(id);
        new client.Gauge({
          name: 'app_lag_seconds',
          help: 'L.',
          aggregator: 'average',
          registers: [registry],
        }).set(id);
        new client.Counter({
          name: 'app_hits_total',
          help: 'H.',
          aggregator: 'first',
          registers: [registry],
        }).inc(id);
        const h = new client.Histogram({
          name: 'app_size_bytes',
          help: 'B.',
          buckets: [10],
          registers: [registry],
        });
        h.observe(id * 5);
        return { worker: String(id), metrics: snapshotFromPromJson(await registry.getMetricsAsJSON()) };
      }),
    );
    const lines = await render(parts);
    expect(lines).toContain('app_version_info 1');
    expect(lines.some((l) => l.startsWith('app_start_time_seconds'))).toBe(false);
    expect(lines).toContain('app_lag_seconds 1.5');
    expect(lines).toContain('app_hits_total 3');
    expect(lines).toContain('app_size_bytes_bucket{le="10"} 2');
    expect(lines).toContain('app_size_bytes_bucket{le="+Inf"} 2');
    expect(lines).toContain('app_size_bytes_sum 15');
  });

  it('label values given as numbers and default labels come through as strings', async () => {
    const registry = new client.Registry();
    registry.setDefaultLabels({ service: 'risk' });
    new client.Counter({ name: 'codes_total', help: 'C.', labelNames: ['code'], registers: [registry] }).inc({
      code: 404,
    });
    const lines = await render([
      { worker: '1', metrics: snapshotFromPromJson(await registry.getMetricsAsJSON()) },
    ]);
    expect(lines).toContain('codes_total{code="404",service="risk"} 1');
  });

  it('native backend workers merge with prom-client workers, rules from the definitions', async () => {
    const native = nativeBackend();
    const g1 = createGlassbox({ backend: native, logger: null });
    const promWorker = worker();
    const qc = defineHistogram({ name: 'qc_score', help: 'QC.', buckets: [0.5, 0.9] });
    const active = defineGauge({ name: 'jobs_active', help: 'Active.', aggregate: 'worker' });
    g1.histogram(qc).observe(undefined, 0.7);
    g1.gauge(active).set(undefined, 2);
    promWorker.glassbox.histogram(qc).observe(undefined, 0.95);
    promWorker.glassbox.gauge(active).set(undefined, 5);
    const lines = await render([
      { worker: '1', metrics: await snapshotSource(native) },
      { worker: '2', metrics: await snapshotRegistry(promWorker.registry, promWorker.glassbox) },
    ]);
    expect(lines).toEqual(
      expect.arrayContaining([
        'qc_score_bucket{le="0.5"} 0',
        'qc_score_bucket{le="0.9"} 1',
        'qc_score_bucket{le="+Inf"} 2',
        'qc_score_sum 1.65',
        'qc_score_count 2',
        'jobs_active{worker="1"} 2',
        'jobs_active{worker="2"} 5',
      ]),
    );
  });

  it('the snapshot survives a JSON round trip (the IPC channel) unchanged', async () => {
    const w = worker();
    w.glassbox.gauge(defineGauge({ name: 'odd_value', help: 'O.' })).set(undefined, 1);
    (w.registry.getSingleMetric('odd_value') as client.Gauge).set(Number.NaN);
    const snap = await snapshotRegistry(w.registry, w.glassbox);
    const again = JSON.parse(JSON.stringify(snap)) as SnapshotMetric[];
    expect(await render([{ worker: '1', metrics: again }])).toEqual(
      await render([{ worker: '1', metrics: snap }]),
    );
    expect(await render([{ worker: '1', metrics: again }])).toContain('odd_value NaN');
  });
});

describe('mergeSnapshots: exemplars', () => {
  const trace = (id: string) => ({
    trace_id: id.repeat(32).slice(0, 32),
    span_id: id.repeat(16).slice(0, 16),
  });
  const latency = (s: SnapshotMetric['s'], b = [0.1, 0.5]): SnapshotMetric => ({
    n: 'latency_seconds',
    h: 'Latency.',
    t: 'histogram',
    k: ['route'],
    b,
    s,
  });
  const exemplarLines = (lines: string[]) => lines.filter((l) => l.includes(' # {'));

  it('keeps the latest exemplar per bucket across processes, in OpenMetrics only', async () => {
    const parts: Participant[] = [
      {
        worker: '1',
        metrics: [
          latency([[['/a'], 0.35, [1, 2, 2], [[trace('a'), 0.05, 1000], [trace('b'), 0.3, 2000], null]]]),
        ],
      },
      // worker 2: a later one in the 0.5 bucket, an older one in the 0.1 bucket, one in +Inf
      {
        worker: '2',
        metrics: [
          latency([
            [
              ['/a'],
              1.5,
              [1, 2, 3],
              [
                [trace('c'), 0.07, 900],
                [trace('d'), 0.4, 3000],
                [trace('e'), 1, 10],
              ],
            ],
          ]),
        ],
      },
    ];
    const om = await render(parts, 'openmetrics');
    const t = (id: string) => `trace_id="${trace(id).trace_id}",span_id="${trace(id).span_id}"`;
    expect(exemplarLines(om)).toEqual([
      `latency_seconds_bucket{route="/a",le="0.1"} 2 # {${t('a')}} 0.05 1000`,
      `latency_seconds_bucket{route="/a",le="0.5"} 4 # {${t('d')}} 0.4 3000`,
      `latency_seconds_bucket{route="/a",le="+Inf"} 5 # {${t('e')}} 1 10`,
    ]);
    expect(exemplarLines(await render(parts))).toEqual([]);
  });

  it('places exemplars by value when the processes bucket differently (union of bounds)', async () => {
    const lines = await render(
      [
        { worker: '1', metrics: [latency([[['/a'], 0.3, [0, 1, 1], [null, [trace('a'), 0.3, 5], null]]])] },
        { worker: '2', metrics: [latency([[['/a'], 0.2, [1, 1], [[trace('b'), 0.2, 6], null]]], [0.25])] },
      ],
      'openmetrics',
    );
    expect(exemplarLines(lines).map((l) => l.replace(/ # \{.*?\}/, ' #'))).toEqual([
      'latency_seconds_bucket{route="/a",le="0.25"} 1 # 0.2 6',
      'latency_seconds_bucket{route="/a",le="0.5"} 2 # 0.3 5',
    ]);
  });

  it('counters: the latest exemplar of the series; one without a timestamp is the oldest', async () => {
    const jobs = (x: ScalarSeries[2]): SnapshotMetric => ({
      n: 'jobs_total',
      h: 'Jobs.',
      t: 'counter',
      k: [],
      s: [x === undefined ? [[], 1] : [[], 1, x]],
    });
    const lines = await render(
      [
        { worker: '1', metrics: [jobs([{ job: 'a' }, 1, 20])] },
        { worker: '2', metrics: [jobs([{ job: 'b' }, 1, null])] },
        { worker: '3', metrics: [jobs(undefined)] },
      ],
      'openmetrics',
    );
    expect(exemplarLines(lines)).toEqual(['jobs_total 3 # {job="a"} 1 20']);
  });

  it('real workers: native and prom-client exemplars come through the snapshot, JSON and a second merge', async () => {
    const native = nativeBackend();
    const g1 = createGlassbox({ backend: native, logger: null });
    const promWorker = worker();
    const def = defineHistogram({ name: 'qc_score', help: 'QC.', buckets: [0.5, 0.9] });
    const id = (c: string) => ({ traceId: c.repeat(32), spanId: c.repeat(16) });
    g1.histogram(def).observe(undefined, 0.7, id('1'));
    promWorker.glassbox.histogram(def).observe(undefined, 0.2, id('2'));
    const parts = JSON.parse(
      JSON.stringify([
        { worker: '1', metrics: await snapshotSource(native) },
        { worker: '2', metrics: await snapshotRegistry(promWorker.registry, promWorker.glassbox) },
      ]),
    ) as Participant[];
    const merged = mergeSnapshots(parts);
    const lines = exemplarLines((await renderFamilies(merged, 'openmetrics')).split('\n'));
    expect(lines.map((l) => l.slice(0, l.indexOf(' # {')))).toEqual([
      'qc_score_bucket{le="0.5"} 1',
      'qc_score_bucket{le="0.9"} 2',
    ]);
    expect(lines[0]).toContain(`trace_id="${'2'.repeat(32)}"`);
    expect(lines[1]).toContain(`trace_id="${'1'.repeat(32)}"`);
    // a scrape answered by a worker merges the primary's merged snapshot again: same exemplars
    const again = mergeSnapshots([{ worker: 'primary', metrics: snapshotOfMerged(merged) }]);
    expect(await renderFamilies(again, 'openmetrics')).toBe(await renderFamilies(merged, 'openmetrics'));
  });
});
