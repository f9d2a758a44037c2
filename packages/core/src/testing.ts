/**
 * `@glassbox/core/testing`: assert on your own metrics in your tests. Reads any
 * metrics source back — the native backend, a prom-client registry through
 * `promClientSource(registry)`, the OpenTelemetry source — with absent distinguishable
 * from zero.
 *
 * @example
 * ```ts
 * import { createGlassbox, nativeBackend } from '@glassbox/core';
 * import { readMetrics } from '@glassbox/core/testing';
 *
 * const backend = nativeBackend();
 * const glassbox = createGlassbox({ backend });
 * // ... exercise the code under test ...
 * const metrics = await readMetrics(backend);
 * expect(metrics.value('ml_predictions_total', { model: 'churn' })).toBe(1);
 * ```
 */
export type { DistributionSnapshot, MetricsReadBack, SeriesSnapshot } from './read-back.js';
export { readBack, readMetrics } from './read-back.js';
