import { describe, expect, it } from 'vitest';
import {
  catalogDefinitions,
  defineCounter,
  defineGauge,
  defineHistogram,
  MetricDefinitionError,
  resolveDefinition,
} from '../src/index.js';

describe('metric definitions are validated when defined', () => {
  const bad: Array<[string, () => unknown, RegExp]> = [
    ['counter without _total', () => defineCounter({ name: 'requests', help: 'h' }), /must end in "_total"/],
    [
      'gauge ending in _total',
      () => defineGauge({ name: 'things_total', help: 'h' }),
      /must not end in "_total"/,
    ],
    ['camelCase name', () => defineCounter({ name: 'httpRequests_total', help: 'h' }), /snake_case/],
    ['reserved __ prefix', () => defineCounter({ name: '__x_total', help: 'h' }), /reserved/],
    ['invalid characters', () => defineCounter({ name: 'a-b_total', help: 'h' }), /must match/],
    ['colon (recording rules only)', () => defineCounter({ name: 'a:b_total', help: 'h' }), /colons/],
    [
      'milliseconds',
      () => defineHistogram({ name: 'x_duration_milliseconds', help: 'h', buckets: [1] }),
      /base units/,
    ],
    ['ms suffix', () => defineHistogram({ name: 'x_latency_ms', help: 'h', buckets: [1] }), /base units/],
    ['kilobytes', () => defineGauge({ name: 'x_size_kilobytes', help: 'h' }), /base units/],
    ['percent', () => defineGauge({ name: 'cpu_percent', help: 'h' }), /base units \(ratio\)/],
    [
      'unit not in name',
      () => defineHistogram({ name: 'x_duration', unit: 'seconds', help: 'h', buckets: [1] }),
      /unit "seconds"/,
    ],
    ['reserved suffix', () => defineGauge({ name: 'x_bucket', help: 'h' }), /reserved for histogram/],
    ['empty help', () => defineCounter({ name: 'x_total', help: ' ' }), /help text/],
    [
      'label le',
      () => defineHistogram({ name: 'x_seconds', help: 'h', labelNames: ['le'], buckets: [1] }),
      /"le" is reserved/,
    ],
    [
      'label quantile',
      () => defineCounter({ name: 'x_total', help: 'h', labelNames: ['quantile'] }),
      /"quantile" is reserved/,
    ],
    ['label __x', () => defineCounter({ name: 'x_total', help: 'h', labelNames: ['__x'] }), /reserved/],
    [
      'camelCase label',
      () => defineCounter({ name: 'x_total', help: 'h', labelNames: ['statusCode'] }),
      /snake_case/,
    ],
    ['duplicate label', () => defineCounter({ name: 'x_total', help: 'h', labelNames: ['a', 'a'] }), /twice/],
    [
      'no buckets',
      () => defineHistogram({ name: 'x_seconds', help: 'h', buckets: [] }),
      /at least one bucket/,
    ],
    [
      'unsorted buckets',
      () => defineHistogram({ name: 'x_seconds', help: 'h', buckets: [1, 0.5] }),
      /strictly increasing/,
    ],
    [
      'infinite bucket',
      () => defineHistogram({ name: 'x_seconds', help: 'h', buckets: [1, Infinity] }),
      /finite/,
    ],
  ];
  it.each(bad)('rejects %s with an error naming the metric', (_, define, message) => {
    expect(define).toThrow(MetricDefinitionError);
    expect(define).toThrow(message);
    expect(define).toThrow(/Glassbox: invalid metric "/);
  });

  it('accepts a good definition and freezes it', () => {
    const def = defineHistogram({
      name: 'job_duration_seconds',
      unit: 'seconds',
      help: 'Job duration.',
      labelNames: ['job'],
      buckets: [0.1, 1],
    });
    expect(def).toMatchObject({ kind: 'histogram', labelNames: ['job'], buckets: [0.1, 1], group: 'custom' });
    expect(Object.isFrozen(def)).toBe(true);
  });

  it('every catalog definition is valid and every catalog latency histogram has the SLO thresholds as buckets', () => {
    const defs = catalogDefinitions();
    expect(defs.length).toBe(37);
    expect(new Set(defs.map((d) => d.name)).size).toBe(defs.length);
    for (const d of [
      'http_request_duration_seconds',
      'ml_prediction_duration_seconds',
      'http_client_request_duration_seconds',
    ]) {
      const def = defs.find((x) => x.name === d);
      for (const t of [0.1, 0.5, 1, 2, 5]) expect(def?.kind === 'histogram' && def.buckets).toContain(t);
    }
  });
});

describe('naming options', () => {
  const def = defineCounter({
    name: 'http_requests_total',
    help: 'h',
    labelNames: ['method', 'status_code'],
  });
  it('renames a metric, leaving the prefix off renamed ones', () => {
    const r = resolveDefinition(def, {
      prefix: 'shop_',
      rename: { http_requests_total: 'api_requests_total' },
    });
    expect(r.name).toBe('api_requests_total');
    expect(resolveDefinition(def, { prefix: 'shop_' }).name).toBe('shop_http_requests_total');
  });
  it('renames labels and appends constant labels', () => {
    const r = resolveDefinition(def, {
      labelRename: { status_code: 'code' },
      constLabels: { service: 'risk' },
    });
    expect(r.labelNames).toEqual(['method', 'code', 'service']);
    expect(r.constLabelValues).toEqual(['risk']);
    expect(r.variableLabelCount).toBe(2);
  });
  it('refuses a rename that breaks the rules, and label collisions', () => {
    expect(() => resolveDefinition(def, { rename: { http_requests_total: 'api_requests' } })).toThrow(
      /_total/,
    );
    expect(() => resolveDefinition(def, { constLabels: { method: 'x' } })).toThrow(/appears twice/);
    expect(() => resolveDefinition(def, { labelRename: { status_code: 'method' } })).toThrow(/appears twice/);
  });
});
