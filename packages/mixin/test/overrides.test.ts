/**
 * Per-metric naming overrides and legacy names in the generated assets: seed 001's
 * `outcome → tier` on the model metric only, seed 002's 0.2 s bucket for its 200 ms SLO,
 * seed 004's `batch_review_progress_percent`; and every bad override failing generation
 * with an error naming the metric.
 */
import { MetricDefinitionError, type NamingOptions } from '@glassbox/core';
import { describe, expect, it } from 'vitest';
import { generateMixin, type MixinConfig } from '../src/index.js';
import { SEED_001, SEED_002, SEED_004 } from './overrides-fixtures.js';

/** Every PromQL expression of the generated rules and dashboards. */
function exprs(config: MixinConfig): string[] {
  return generateMixin(config).expressions.map((e) => e.expr);
}

describe('per-metric overrides in the generated assets', () => {
  it('seed 001: rules and panels on ml_predictions_total use tier; RabbitMQ and batch keep outcome', () => {
    const all = exprs(SEED_001);
    const model = all.filter((e) => e.includes('ml_predictions_total'));
    expect(model.length).toBeGreaterThan(0);
    for (const e of model) {
      expect(e, e).not.toMatch(/\boutcome\b/);
    }
    expect(model.some((e) => /\btier\b/.test(e))).toBe(true);
    const consumer = all.filter((e) => e.includes('rabbitmq_messages_consumed_total'));
    expect(consumer.some((e) => /\boutcome\b/.test(e))).toBe(true);
    for (const e of consumer) expect(e, e).not.toMatch(/\btier\b/);
    const batch = all.filter((e) => e.includes('batch_job_items_processed_total'));
    expect(batch.some((e) => /\boutcome\b/.test(e))).toBe(true);
    // The ML dashboard's panel over the recorded prediction rate groups by tier too.
    const panel = generateMixin(SEED_001).expressions.find(
      (e) => e.source === 'dashboard:glassbox-ml/Predictions by model and outcome',
    );
    expect(panel?.expr).toMatch(/^sum by \(model, tier\) \(job_service_model_tier:ml_predictions:rate5m\{/);
  });

  it('seed 001: the imbalance alert and its promtool tests carry tier', () => {
    const out = generateMixin(SEED_001);
    const imbalance = out.alerts.find((a) => a.alert === 'UnbalancedPredictions');
    expect(imbalance).toBeDefined();
    expect(imbalance?.expr).toMatch(/tier=~/);
    expect(out.files['prometheus/tests/glassbox-alerts.test.yml'] ?? '').toMatch(
      /ml_predictions_total\{[^}]*tier="A"/,
    );
  });

  it('seed 002: a latency SLO at 200 ms is refused on the catalog buckets and measured on the override', () => {
    const { naming: _, ...withoutOverride } = SEED_002;
    expect(() => generateMixin(withoutOverride)).toThrow(
      /0\.2 s is not a bucket boundary of http_request_duration_seconds.*naming\.overrides\.http_request_duration_seconds\.buckets/,
    );
    const out = generateMixin(SEED_002);
    const slo = out.expressions.map((e) => e.expr).filter((e) => e.includes('le="0.2"'));
    expect(slo.length).toBeGreaterThan(0);
    // Recording rules and panels compute quantiles over the overridden bucket set.
    expect(out.files['prometheus/tests/glassbox-alerts.test.yml']).toMatch(/le="0\.2"/);
  });

  it('the generated index documents the metrics with their overrides', () => {
    const index = generateMixin({
      ...SEED_004,
      groups: ['http', 'model', 'llm'],
      naming: {
        ...SEED_001.naming,
        overrides: { ...SEED_001.naming?.overrides, ...SEED_002.naming?.overrides },
      },
    }).files['README.md'] as string;
    expect(index).toMatch(
      /\| `http_request_duration_seconds` +\| histogram \| `method`, `route`, `status_code` +\| 0\.05, 0\.1, 0\.2, 0\.5, 1, 2 +\| Request latency/,
    );
    expect(index).toMatch(/\| `ml_predictions_total` +\| counter +\| `model`, `model_version`, `tier` /);
    expect(index).toMatch(/\| `batch_review_progress_percent` \(legacy name\) \| gauge/);
    // Groups the service does not record are not listed.
    expect(index).not.toContain('rabbitmq_messages_consumed_total');
  });

  it('an override bucket set missing the threshold an SLO uses fails, naming the metric', () => {
    expect(() =>
      generateMixin({
        ...SEED_002,
        naming: { overrides: { http_request_duration_seconds: { buckets: [0.1, 0.25, 0.5] } } },
      }),
    ).toThrow(
      /0\.2 s is not a bucket boundary of http_request_duration_seconds \(buckets: 0\.1, 0\.25, 0\.5\)/,
    );
  });

  it('seed 004: a team metric declared legacy is accepted and its team alert generated', () => {
    const out = generateMixin(SEED_004);
    const alert = out.alerts.find((a) => a.alert === 'BatchReviewStalled');
    expect(alert?.expr).toContain('batch_review_progress_percent{job="glassbox"}');
    expect(() =>
      generateMixin({
        custom: {
          metrics: [
            { kind: 'gauge', name: 'batch_review_progress_percent', help: 'x', labelNames: ['batch_id'] },
          ],
        },
      }),
    ).toThrow(/base units \(ratio\)/);
    expect(() =>
      generateMixin({
        custom: {
          metrics: [{ kind: 'gauge', name: 'batch_review_progress_percent', help: 'x', legacy: true }],
        },
      }),
    ).not.toThrow();
  });

  it('a legacy name that breaks the lint is reported once in the warnings (printed by the CLI)', () => {
    const warnings = generateMixin(SEED_004).warnings;
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"batch_review_progress_percent".*legacy name.*base units \(ratio\)/);
    expect(generateMixin(SEED_001).warnings).toEqual([]);
  });

  it('legacyNames for a renamed catalog metric; the rules query the legacy name', () => {
    const out = generateMixin({
      naming: {
        rename: { llm_generation_cost_dollars_total: 'llm_cost_usd_total' },
        legacyNames: ['llm_cost_usd_total'],
      },
    });
    expect(out.expressions.some((e) => e.expr.includes('llm_cost_usd_total'))).toBe(true);
  });

  it('overrides a team metric of custom.metrics', () => {
    const out = generateMixin({
      ...SEED_004,
      naming: { overrides: { batch_review_progress_percent: { labelRename: { batch_id: 'batch' } } } },
    });
    const alert = out.alerts.find((a) => a.alert === 'BatchReviewStalled');
    expect(alert?.expr).toMatch(/max by \(job, batch\)/);
  });
});

describe('bad overrides fail generation naming the metric', () => {
  const cases: [string, NamingOptions, RegExp][] = [
    [
      'unknown metric',
      { overrides: { ml_prediction_total: { help: 'x' } } },
      /ml_prediction_total.*did you mean "ml_predictions_total"/,
    ],
    ['buckets on a counter', { overrides: { ml_predictions_total: { buckets: [1] } } }, /histograms only/],
    [
      'buckets not increasing',
      { overrides: { http_request_duration_seconds: { buckets: [1, 0.5] } } },
      /http_request_duration_seconds.*strictly increasing/,
    ],
    [
      'a rename colliding with another label',
      { overrides: { ml_predictions_total: { labelRename: { outcome: 'model' } } } },
      /ml_predictions_total.*label "model" appears twice/,
    ],
    [
      'a rename colliding with a constant label',
      {
        constLabels: { tier: 'x' },
        overrides: { ml_predictions_total: { labelRename: { outcome: 'tier' } } },
      },
      /ml_predictions_total.*label "tier" appears twice/,
    ],
    [
      'a rename to a reserved label',
      { overrides: { http_request_duration_seconds: { labelRename: { route: 'le' } } } },
      /http_request_duration_seconds.*reserved/,
    ],
    [
      'an unused legacy name',
      { legacyNames: ['batch_review_progress_percent'] },
      /batch_review_progress_percent.*not the final name of any metric/,
    ],
  ];
  it.each(cases)('%s', (_, naming, pattern) => {
    let error: unknown;
    try {
      generateMixin({ naming });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MetricDefinitionError);
    expect((error as Error).message).toMatch(pattern);
  });

  it('an unknown override key', () => {
    expect(() =>
      generateMixin({ naming: { overrides: { http_request_duration_seconds: { bucket: [0.2] } as never } } }),
    ).toThrow(/unknown option "naming\.overrides\.http_request_duration_seconds\.bucket"/);
  });

  it('an unknown naming key is still refused', () => {
    expect(() => generateMixin({ naming: { override: {} } as never })).toThrow(/naming.*override/);
  });
});
