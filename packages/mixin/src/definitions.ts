/**
 * The metric definitions the mixin generates for: core's catalog and the team's own
 * definitions (`custom.metrics`). Each is resolved through core's `resolveDefinition`
 * under the naming options, so names, label names and buckets come from the resolved
 * definition, never from constants here.
 */
import { catalogDefinitions, type MetricDefinition } from '@glassbox/core';

/** Core's catalog, in catalog order. */
export function catalogForMixin(): MetricDefinition[] {
  return catalogDefinitions();
}
