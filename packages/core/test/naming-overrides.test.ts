/**
 * Per-metric naming overrides (buckets, label renames, help) and declared legacy names,
 * as the seed teams need them: 001 renames `outcome` to `tier` on the model metric only,
 * 002 needs a 0.2 s bucket for its 200 ms SLO, 004 keeps `batch_review_progress_percent`.
 */
import { describe, expect, it } from 'vitest';
import {
  catalog,
  createGlassbox,
  defineCounter,
  defineGauge,
  defineHistogram,
  type Logger,
  lintMetricName,
  MetricDefinitionError,
  type NamingOptions,
  nativeBackend,
  resolveDefinition,
  validateNaming,
} from '../src/index.js';

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(m) };
}

function glassboxWith(naming: NamingOptions, extra: Record<string, unknown> = {}) {
  return createGlassbox({ backend: nativeBackend(), naming, logger: null, ...extra });
}

/** The error `fn` throws (it must throw a MetricDefinitionError). */
function errorOf(fn: () => unknown): MetricDefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MetricDefinitionError);
    return error as MetricDefinitionError;
  }
  throw new Error('expected a MetricDefinitionError');
}

const SEED_002_BUCKETS = [0.05, 0.1, 0.2, 0.5, 1, 2];

describe('per-metric overrides', () => {
  it('seed 002: a 0.2 s bucket and help text on the request-duration histogram only', () => {
    const naming: NamingOptions = {
      overrides: {
        http_request_duration_seconds: { buckets: SEED_002_BUCKETS, help: 'Request latency' },
      },
    };
    const glassbox = glassboxWith(naming);
    const duration = glassbox.histogram(catalog.http.requestDuration);
    expect(duration.resolved.buckets).toEqual(SEED_002_BUCKETS);
    expect(duration.resolved.help).toBe('Request latency');
    // Other histograms keep the catalog's buckets and help.
    const consumer = glassbox.histogram(catalog.consumer.processingDuration);
    expect(consumer.resolved.buckets).toEqual(catalog.consumer.processingDuration.buckets);
    expect(consumer.resolved.help).toBe(catalog.consumer.processingDuration.help);
  });

  it('seed 001: outcome → tier on the model metric only; RabbitMQ and batch keep outcome', () => {
    const naming: NamingOptions = {
      overrides: { ml_predictions_total: { labelRename: { outcome: 'tier' } } },
    };
    const model = resolveDefinition(catalog.model.predictionsTotal, naming);
    expect(model.labelNames).toEqual(['model', 'model_version', 'tier']);
    expect(resolveDefinition(catalog.consumer.consumedTotal, naming).labelNames).toEqual([
      'queue',
      'outcome',
    ]);
    expect(resolveDefinition(catalog.batch.itemsProcessedTotal, naming).labelNames).toEqual([
      'job_name',
      'outcome',
    ]);
    // The global labelRename renames it everywhere (what seed 001 could not use).
    const global = { labelRename: { outcome: 'tier' } };
    expect(resolveDefinition(catalog.consumer.consumedTotal, global).labelNames).toEqual(['queue', 'tier']);
  });

  it('a per-metric label rename wins over the global one; callers still pass the definition label', () => {
    const naming: NamingOptions = {
      labelRename: { outcome: 'result', status_code: 'code' },
      overrides: { ml_predictions_total: { labelRename: { outcome: 'tier' } } },
    };
    const glassbox = createGlassbox({ backend: nativeBackend(), naming, logger: null });
    const predictions = glassbox.counter(catalog.model.predictionsTotal);
    expect(predictions.resolved.labelNames).toEqual(['model', 'model_version', 'tier']);
    expect(glassbox.counter(catalog.batch.itemsProcessedTotal).resolved.labelNames).toEqual([
      'job_name',
      'result',
    ]);
    predictions.inc({ model: 'lead', model_version: '1', outcome: 'A' });
    expect(predictions.seriesCount()).toBe(1);
  });

  it('overrides a team definition passed in createGlassbox({ definitions })', () => {
    const qc = defineHistogram({ name: 'qc_score', help: 'QC score.', buckets: [50, 90] });
    const glassbox = glassboxWith(
      { overrides: { qc_score: { buckets: [50, 80, 90, 95] } } },
      { definitions: [qc] },
    );
    expect(glassbox.histogram(qc).resolved.buckets).toEqual([50, 80, 90, 95]);
  });
});

describe('override errors name the metric at start-up', () => {
  it('an unknown metric, with the nearest known name', () => {
    const e = errorOf(() =>
      glassboxWith({ overrides: { http_request_duration_second: { buckets: [0.2] } } }),
    );
    expect(e.metric).toBe('http_request_duration_second');
    expect(e.message).toMatch(/did you mean "http_request_duration_seconds"\?/);
  });

  it('a team metric not passed in definitions', () => {
    const e = errorOf(() => glassboxWith({ overrides: { qc_score: { help: 'x' } } }));
    expect(e.message).toMatch(/qc_score.*definitions/);
  });

  it('buckets on a non-histogram', () => {
    const e = errorOf(() => glassboxWith({ overrides: { http_requests_total: { buckets: [1] } } }));
    expect(e.metric).toBe('http_requests_total');
    expect(e.message).toMatch(/histograms only.*counter/);
  });

  it.each([
    ['not strictly increasing', [0.1, 0.5, 0.2], /strictly increasing/],
    ['a duplicate bound', [0.1, 0.1], /strictly increasing/],
    ['+Inf', [0.1, Number.POSITIVE_INFINITY], /finite/],
    ['NaN', [Number.NaN], /finite/],
    ['empty', [], /at least one bucket/],
  ])('an invalid bucket set: %s', (_, buckets, pattern) => {
    const e = errorOf(() => glassboxWith({ overrides: { http_request_duration_seconds: { buckets } } }));
    expect(e.metric).toBe('http_request_duration_seconds');
    expect(e.message).toMatch(pattern);
  });

  it('a label rename that collides with another label of the metric', () => {
    const e = errorOf(() =>
      glassboxWith({ overrides: { http_requests_total: { labelRename: { status_code: 'route' } } } }),
    );
    expect(e.metric).toBe('http_requests_total');
    expect(e.message).toMatch(/label "route" appears twice/);
  });

  it('a label rename that collides with a constant label', () => {
    const e = errorOf(() =>
      glassboxWith({
        constLabels: { tier: 'gold' },
        overrides: { ml_predictions_total: { labelRename: { outcome: 'tier' } } },
      }),
    );
    expect(e.metric).toBe('ml_predictions_total');
    expect(e.message).toMatch(/label "tier" appears twice/);
  });

  it.each(['le', 'quantile', '__name'])('a label rename to the reserved label %s', (reserved) => {
    const e = errorOf(() =>
      glassboxWith({
        overrides: { http_request_duration_seconds: { labelRename: { status_code: reserved } } },
      }),
    );
    expect(e.metric).toBe('http_request_duration_seconds');
    expect(e.message).toMatch(/reserved/);
  });

  it('a label rename of a label the metric does not have', () => {
    const e = errorOf(() =>
      glassboxWith({ overrides: { ml_predictions_total: { labelRename: { outcomes: 'tier' } } } }),
    );
    expect(e.metric).toBe('ml_predictions_total');
    expect(e.message).toMatch(/"outcomes" is not a label of this metric \(did you mean "outcome"\?\)/);
  });

  it('an unknown override key, with a suggestion', () => {
    const e = errorOf(() =>
      glassboxWith({ overrides: { http_request_duration_seconds: { bucket: [0.2] } as never } }),
    );
    expect(e.metric).toBe('http_request_duration_seconds');
    expect(e.message).toMatch(
      /unknown option "naming.overrides.http_request_duration_seconds.bucket" \(did you mean .*buckets"\?\)/,
    );
  });

  it('an empty help text', () => {
    const e = errorOf(() => glassboxWith({ overrides: { http_requests_total: { help: ' ' } } }));
    expect(e.metric).toBe('http_requests_total');
  });

  it('validateNaming checks against the definitions it is given', () => {
    const team = defineCounter({ name: 'jobs_completed_total', help: 'Jobs.', labelNames: ['status'] });
    const naming = { overrides: { jobs_completed_total: { labelRename: { status: 'state' } } } };
    expect(() => validateNaming(naming)).toThrow(MetricDefinitionError);
    expect(() => validateNaming(naming, [team])).not.toThrow();
  });
});

describe('declared legacy names', () => {
  const progress = {
    name: 'batch_review_progress_percent',
    help: 'Batch processing progress per batch_id.',
    labelNames: ['batch_id'],
  } as const;

  it('the lint still rejects a non-base unit by default', () => {
    const e = errorOf(() => defineGauge(progress));
    expect(e.message).toMatch(/base units \(ratio\).*legacy/);
  });

  it('seed 004: a team definition with legacy: true is accepted and warned once at start-up', () => {
    const def = defineGauge({ ...progress, legacy: true });
    expect(def.legacy).toBe(true);
    const logger = memoryLogger();
    const glassbox = createGlassbox({ backend: nativeBackend(), logger });
    const gauge = glassbox.gauge(def);
    glassbox.gauge(def);
    gauge.set({ batch_id: 'batch_abc123' }, 75);
    expect(gauge.resolved.legacy).toBe(true);
    const warnings = logger.lines.filter((l) => l.includes('batch_review_progress_percent'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/legacy name.*base units \(ratio\)/);
  });

  it('a rename to a legacy name is accepted when declared in naming.legacyNames, and warned once', () => {
    const rename = { batch_job_progress_ratio: 'batch_review_progress_percent' };
    expect(() => glassboxWith({ rename })).toThrow(/base units/);
    const logger = memoryLogger();
    const glassbox = createGlassbox({
      backend: nativeBackend(),
      naming: { rename, legacyNames: ['batch_review_progress_percent'] },
      logger,
    });
    expect(logger.lines).toHaveLength(1);
    const gauge = glassbox.gauge(catalog.batch.progress);
    expect(gauge.resolved.name).toBe('batch_review_progress_percent');
    // The name does not carry the unit any more, so none is exposed (OpenMetrics' UNIT is a suffix).
    expect(gauge.resolved.unit).toBeUndefined();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(/"batch_review_progress_percent".*legacy/);
  });

  it('a legacy name no metric ends up with is an error, with the nearest final name', () => {
    const e = errorOf(() =>
      glassboxWith({
        rename: { batch_job_progress_ratio: 'batch_review_progress_percent' },
        legacyNames: ['batch_review_progres_percent'],
      }),
    );
    expect(e.message).toMatch(
      /not the final name of any metric.*did you mean "batch_review_progress_percent"/,
    );
  });

  it('legacy names still follow the Prometheus format rules', () => {
    expect(() => defineGauge({ ...progress, name: 'batch:progress_percent', legacy: true })).toThrow(
      /colons/,
    );
    expect(() => defineGauge({ ...progress, name: 'batch-progress', legacy: true })).toThrow(/must match/);
    expect(() => defineGauge({ ...progress, name: 'progress_total', legacy: true })).toThrow(/_total/);
    expect(() => defineCounter({ ...progress, name: 'llm_cost_dollars', legacy: true })).toThrow(/_total/);
    expect(() => defineGauge({ ...progress, name: 'progress_bucket', legacy: true })).toThrow(/reserved/);
    expect(() =>
      glassboxWith({
        rename: { batch_job_progress_ratio: 'batch:review_percent' },
        legacyNames: ['batch:review_percent'],
      }),
    ).toThrow(/colons/);
  });

  it('lintMetricName reports the problem a legacy name keeps', () => {
    expect(lintMetricName('batch_review_progress_percent', 'gauge')).toMatch(/ratio/);
    expect(lintMetricName('batch_job_progress_ratio', 'gauge', 'ratio')).toBeUndefined();
  });
});
