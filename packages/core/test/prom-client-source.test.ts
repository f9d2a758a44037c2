// familiesFromPromJson: prom-client's JSON view into metric families. prom-client lists a
// histogram series' buckets, _sum and _count one after another; the conversion relies on
// that for speed but must group correctly whatever the order.
import { describe, expect, it } from 'vitest';
import { familiesFromPromJson, type PromMetricJson } from '../src/index.js';

const bucket = (labels: Record<string, string | number>, le: string, value: number) => ({
  labels: { ...labels, le },
  value,
  metricName: 'd_seconds_bucket',
});
const sum = (labels: Record<string, string | number>, value: number) => ({
  labels,
  value,
  metricName: 'd_seconds_sum',
});
const count = (labels: Record<string, string | number>, value: number) => ({
  labels,
  value,
  metricName: 'd_seconds_count',
});

function histogram(values: PromMetricJson['values']): PromMetricJson {
  return { name: 'd_seconds', help: 'D.', type: 'histogram', values };
}

describe('familiesFromPromJson', () => {
  const a = { route: '/a', code: 200 };
  const b = { route: '/b', code: 200 };
  const expected = [
    {
      labelValues: ['/a', '200'],
      labelNames: ['route', 'code'],
      value: 3,
      sum: 1.5,
      bucketCounts: [1, 1, 1],
    },
    {
      labelValues: ['/b', '200'],
      labelNames: ['route', 'code'],
      value: 2,
      sum: 0.2,
      bucketCounts: [2, 0, 0],
    },
  ];

  it('groups consecutive bucket, _sum and _count entries per series (numeric label values as strings)', () => {
    const [family] = familiesFromPromJson([
      histogram([
        bucket(a, '0.1', 1),
        bucket(a, '1', 2),
        bucket(a, '+Inf', 3),
        sum(a, 1.5),
        count(a, 3),
        bucket(b, '0.1', 2),
        bucket(b, '1', 2),
        bucket(b, '+Inf', 2),
        sum(b, 0.2),
        count(b, 2),
      ]),
    ]);
    expect(family?.bounds).toEqual([0.1, 1]);
    expect(family?.points).toMatchObject(expected);
    // one label-name array per label shape, shared by the series
    const points = [...(family?.points ?? [])];
    expect(points[0]?.labelNames).toBe(points[1]?.labelNames);
  });

  it('groups interleaved entries the same way', () => {
    const [family] = familiesFromPromJson([
      histogram([
        bucket(a, '0.1', 1),
        bucket(b, '0.1', 2),
        bucket(a, '1', 2),
        bucket(b, '1', 2),
        bucket(b, '+Inf', 2),
        bucket(a, '+Inf', 3),
        sum(b, 0.2),
        sum(a, 1.5),
        count(a, 3),
        count(b, 2),
      ]),
    ]);
    expect(family?.points).toMatchObject(expected);
  });

  it('keeps series apart whose labels differ only in order or in one value', () => {
    const swapped = { code: 200, route: '/a' };
    const [family] = familiesFromPromJson([
      histogram([bucket(a, '+Inf', 1), bucket(swapped, '+Inf', 4), sum(a, 1), count(a, 1)]),
    ]);
    expect([...(family?.points ?? [])].map((p) => p.labelNames)).toEqual([
      ['route', 'code'],
      ['code', 'route'],
    ]);
  });
});
