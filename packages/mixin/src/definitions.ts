/**
 * The metric definitions the mixin generates for: core's catalog, the catalog entries
 * the mixin reads that this version of core does not define yet, and the team's own
 * definitions (`custom.metrics`). Each is resolved through core's `resolveDefinition`
 * under the naming options, so names, label names and buckets come from the resolved
 * definition, never from constants here.
 */
import { catalogDefinitions, defineGauge, type MetricDefinition } from '@glassbox/core';

/**
 * `ml_drift_detected{model, feature, method}`: 1 when the latest drift check decided the
 * feature drifted, 0 when it did not. The drift alert reads this decision, so it does not
 * need to know whether a method's score drifts upwards (PSI, JS, Wasserstein) or
 * downwards (the p-values of KS and chi-squared). Used only while core's catalog has no
 * entry of this name; core's own definition wins as soon as it has one.
 */
export const DRIFT_DETECTED_DEFINITION: MetricDefinition = defineGauge({
  group: 'drift',
  name: 'ml_drift_detected',
  help: 'Drift decision of the latest check per model, feature and method: 1 = drifted, 0 = not.',
  labelNames: ['model', 'feature', 'method'],
  aggregate: 'max',
});

/** Catalog entries the mixin reads, for a core whose catalog does not have them yet. */
const PENDING_CATALOG: readonly MetricDefinition[] = [DRIFT_DETECTED_DEFINITION];

/** Core's catalog plus the pending entries it does not define (in catalog order, pending last). */
export function catalogForMixin(): MetricDefinition[] {
  const defs = catalogDefinitions();
  const names = new Set(defs.map((d) => d.name));
  return [...defs, ...PENDING_CATALOG.filter((d) => !names.has(d.name))];
}
