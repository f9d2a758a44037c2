import { describe, expect, it } from 'vitest';
import {
  type SnapshotExemplar,
  type SnapshotMetric,
  type SnapshotProblem,
  validateSnapshot,
} from '../src/index.js';

function check(metrics: unknown): { kept: SnapshotMetric[]; problems: string[] } {
  const problems: string[] = [];
  const kept = validateSnapshot(metrics, (problem: SnapshotProblem, metric) =>
    problems.push(`${metric}: ${problem}`),
  );
  return { kept, problems };
}

const counter = (over: Partial<SnapshotMetric> = {}): SnapshotMetric => ({
  n: 'jobs_total',
  h: 'Jobs.',
  t: 'counter',
  k: ['queue'],
  s: [[['q'], 1]],
  ...over,
});
const histogram = (over: Partial<SnapshotMetric> = {}): SnapshotMetric => ({
  n: 'd_seconds',
  h: 'D.',
  t: 'histogram',
  k: ['route'],
  b: [0.1, 1],
  s: [[['/a'], 1.5, [1, 2, 3]]],
  ...over,
});

describe('validateSnapshot', () => {
  it('returns a valid snapshot itself, untouched, and reports nothing', () => {
    const metrics = [
      counter(),
      histogram(),
      { n: 'g', h: 'G.', t: 'gauge', a: 'max', k: ['a', 'b'], s: [[['1', null], 'NaN']] },
      { n: 'rpc_seconds', h: 'R.', t: 'summary', k: [], s: [[[], '+Inf', [4]]] },
    ] as SnapshotMetric[];
    const { kept, problems } = check(metrics);
    expect(kept).toBe(metrics);
    expect(problems).toEqual([]);
  });

  it.each([
    ['an invalid metric name', counter({ n: 'bad-name_total' }), 'bad-name_total: invalid metric name'],
    ['a metric name that is not a string', counter({ n: 42 as never }), '?: invalid metric name'],
    ['an unknown type', counter({ t: 'bogus' as never }), 'jobs_total: unknown metric type'],
    ['a help that is not a string', counter({ h: null as never }), 'jobs_total: not a metric'],
    ['series that are not an array', counter({ s: 'x' as never }), 'jobs_total: not a metric'],
    [
      'duplicate label names',
      counter({ k: ['a', 'a'], s: [[['1', null], 1]] }),
      'jobs_total: invalid label names',
    ],
    [
      'an unknown rule',
      counter({ t: 'gauge', a: 'median' as never }),
      'jobs_total: invalid aggregation rule',
    ],
    ['a rule on a counter', counter({ a: 'max' }), 'jobs_total: invalid aggregation rule'],
    [
      'bounds that do not ascend',
      histogram({ b: [1, 0.1] }),
      'd_seconds: histogram bounds must be finite and ascend',
    ],
    [
      'an infinite bound',
      histogram({ b: [0.1, Number.POSITIVE_INFINITY] }),
      'd_seconds: histogram bounds must be finite and ascend',
    ],
    [
      'no bounds',
      histogram({ b: undefined as never }),
      'd_seconds: histogram bounds must be finite and ascend',
    ],
  ])('drops a metric with %s', (_, metric, problem) => {
    const { kept, problems } = check([metric, counter({ n: 'other_total' })]);
    expect(kept.map((m) => m.n)).toEqual(['other_total']);
    expect(problems).toEqual([problem]);
  });

  it.each([
    [
      'an invalid label name it uses',
      counter({ k: ['queue', 'bad-label'], s: [[['q', 'x'], 1]] }),
      'series has an invalid label name',
    ],
    [
      'a reserved label name it uses',
      counter({ k: ['__name__'], s: [[['x'], 1]] }),
      'series has an invalid label name',
    ],
    [
      'le on a histogram',
      histogram({ k: ['le'], s: [[['x'], 1, [1, 1, 1]]] }),
      'series has an invalid label name',
    ],
    [
      'quantile on a summary',
      { n: 's', h: 'S.', t: 'summary', k: ['quantile'], s: [[['0.5'], 1, [1]]] },
      'series has an invalid label name',
    ],
    ['more values than label names', counter({ s: [[['q', 'extra'], 1]] }), 'series is malformed'],
    ['a label value that is not a string', counter({ s: [[[7 as never], 1]] }), 'series is malformed'],
    ['a negative counter', counter({ s: [[['q'], -1]] }), 'invalid sample value'],
    ['a NaN counter', counter({ s: [[['q'], 'NaN']] }), 'invalid sample value'],
    [
      'a gauge value that is not a number',
      counter({ t: 'gauge', s: [[['q'], 'lots']] }),
      'invalid sample value',
    ],
    [
      'a NaN count (null after JSON)',
      histogram({ s: [[['/a'], 1, [1, null as never, 3]]] }),
      'invalid bucket counts',
    ],
    ['counts that decrease', histogram({ s: [[['/a'], 1, [3, 2, 3]]] }), 'invalid bucket counts'],
    ['too few counts', histogram({ s: [[['/a'], 1, [1, 2]]] }), 'invalid bucket counts'],
    ['a negative count', histogram({ s: [[['/a'], 1, [-1, 0, 0]]] }), 'invalid bucket counts'],
    ['an invalid sum', histogram({ s: [[['/a'], 'many', [1, 2, 3]]] }), 'invalid sample value'],
  ])('drops a series with %s and keeps the others', (_, metric, problem) => {
    const t = (metric as SnapshotMetric).t;
    const good = t === 'histogram' ? [[null], 1, [0, 0, 1]] : t === 'summary' ? [[], 1, [1]] : [[], 1];
    const m = { ...metric, s: [...(metric as SnapshotMetric).s, good] } as SnapshotMetric;
    const { kept, problems } = check([m]);
    expect(kept).toHaveLength(1);
    expect(kept[0]?.s).toEqual([good]);
    expect(kept[0]).not.toBe(m);
    expect(problems).toEqual([`${m.n}: ${problem}`]);
  });

  it('a label slot that is invalid only drops the series that use it', () => {
    const m = counter({
      k: ['queue', 'bad-label'],
      s: [
        [['q1', null], 2],
        [['q1', 'x'], 3],
        [['q2'], 4],
      ],
    });
    const { kept, problems } = check([m]);
    expect(kept[0]?.s).toEqual([
      [['q1', null], 2],
      [['q2'], 4],
    ]);
    expect(problems).toEqual(['jobs_total: series has an invalid label name']);
  });

  it('something that is not an array is dropped whole', () => {
    expect(check({ n: 'x' })).toEqual({ kept: [], problems: ['?: not a metric'] });
    expect(check([null, 'x'])).toEqual({ kept: [], problems: ['?: not a metric', '?: not a metric'] });
  });

  it('exemplars: valid ones are kept; an invalid set costs the series its exemplars, not its samples', () => {
    const ok: SnapshotExemplar = [{ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) }, 0.05, 1700000000.5];
    const valid = [
      counter({ s: [[['q'], 1, [{ trace_id: 'x' }, 1, null]]] }),
      histogram({ s: [[['/a'], 1.5, [1, 2, 3], [ok, null, null]]] }),
    ];
    expect(check(valid)).toEqual({ kept: valid, problems: [] });
    const bad: unknown[] = [
      [{ 'bad-name': 'x' }, 1, null],
      [{ trace_id: 'x'.repeat(129) }, 1, null],
      [{ trace_id: 1 }, 1, null],
      [{ trace_id: 'x' }, 'NaN', null],
      [{ trace_id: 'x' }, Number.POSITIVE_INFINITY, null],
      [{ trace_id: 'x' }, 1, '2024'],
      [[], 1, null],
      [{ trace_id: 'x' }, 1],
    ];
    for (const x of bad) {
      const { kept, problems } = check([counter({ s: [[['q'], 1, x as SnapshotExemplar]] })]);
      expect(kept[0]?.s, JSON.stringify(x)).toEqual([[['q'], 1]]);
      expect(problems).toEqual(['jobs_total: invalid exemplar']);
    }
    // a histogram's exemplars: one slot per bucket, each null or valid
    for (const slots of [[ok, null], [ok, null, null, null], [ok, bad[0], null], 'x']) {
      const { kept, problems } = check([
        histogram({ s: [[['/a'], 1.5, [1, 2, 3], slots as Array<SnapshotExemplar | null>]] }),
      ]);
      expect(kept[0]?.s).toEqual([[['/a'], 1.5, [1, 2, 3]]]);
      expect(problems).toEqual(['d_seconds: invalid exemplar']);
    }
  });
});
