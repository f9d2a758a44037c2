/**
 * Aligning the OTel SDK's cardinality limit with Glassbox's series cap.
 *
 * Glassbox caps each metric at `seriesLimit` label sets and sends every further label
 * set to one overflow series (`__overflow__`), so an OTel instrument sees at most
 * `seriesLimit + 1` attribute sets. The SDK (sdk-metrics 2.x and 3.x) keeps `limit - 1`
 * attribute sets and folds the rest into one `{otel.metric.overflow="true"}` series.
 * For the SDK never to fold what Glassbox already bounded, its limit must be at least
 * `seriesLimit + 2`.
 */
import { GLASSBOX_DEFAULTS } from '@glassbox/core';

/**
 * The OTel cardinality limit that lets every Glassbox series through: the largest
 * series cap in force (the global one and any per-metric ones) plus 2.
 */
export function cardinalityLimitFor(
  seriesLimit: number = GLASSBOX_DEFAULTS.seriesLimit,
  seriesLimits: Readonly<Record<string, number>> = {},
): number {
  let max = seriesLimit;
  for (const v of Object.values(seriesLimits)) if (v > max) max = v;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1)
    throw new RangeError(`Glassbox otel: series limits must be positive integers, got ${String(max)}`);
  return max + 2;
}

/** Validates an explicit cardinality limit option. */
export function checkCardinalityLimit(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 2)
    throw new RangeError(`Glassbox otel: cardinalityLimit must be an integer >= 2, got ${String(value)}`);
  return value;
}
