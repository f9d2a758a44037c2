/**
 * Naming options: a prefix, per-metric renames, label renames and constant labels.
 * They apply to every output (recording, OpenTelemetry, rules, dashboards, docs), so a
 * team that keeps `api_requests_total` gets rules and dashboards that query it.
 */

import {
  type GaugeAggregation,
  type MetricDefinition,
  MetricDefinitionError,
  type MetricKind,
  validateLabelName,
  validateMetricName,
} from './definitions.js';
import { validateOptions } from './options.js';

/** Naming options. Every field is optional; the defaults keep the catalog's names. */
export interface NamingOptions {
  /**
   * Prefix prepended to every metric name that is not renamed explicitly
   * (`myapp_` → `myapp_http_requests_total`).
   * @default ''
   */
  readonly prefix?: string;
  /**
   * Per-metric renames, keyed by the catalog (or definition) name; the value is the
   * final name, used as is (the prefix does not apply to it).
   * Example: `{ http_requests_total: 'api_requests_total' }`.
   * @default {}
   */
  readonly rename?: Readonly<Record<string, string>>;
  /**
   * Label renames applied to every metric, keyed by the definition's label name.
   * Example: `{ status_code: 'status' }`.
   * @default {}
   */
  readonly labelRename?: Readonly<Record<string, string>>;
  /**
   * Constant labels added to every series (`{ service: 'risk-analytics', env: 'prod' }`).
   * @default {}
   */
  readonly constLabels?: Readonly<Record<string, string>>;
}

/** A definition after the naming options were applied: what a backend creates. */
export interface ResolvedDefinition {
  readonly kind: MetricKind;
  /** The exposed name. */
  readonly name: string;
  readonly help: string;
  readonly unit: string | undefined;
  /** Exposed label names: the definition's (renamed), then the constant labels. */
  readonly labelNames: readonly string[];
  /** Number of leading label names that come from the definition (the rest are constant). */
  readonly variableLabelCount: number;
  /** Values of the constant labels, in order, after the variable ones. */
  readonly constLabelValues: readonly string[];
  readonly buckets: readonly number[] | undefined;
  readonly aggregate: GaugeAggregation | undefined;
  /** The definition this was resolved from. */
  readonly definition: MetricDefinition;
}

/** Applies naming options to a name, for rules and dashboards that refer to a metric by its catalog name. */
export function resolveMetricName(name: string, naming: NamingOptions = {}): string {
  const renamed = naming.rename?.[name];
  if (renamed !== undefined) return renamed;
  return `${naming.prefix ?? ''}${name}`;
}

/** Applies the label renames to a label name. */
export function resolveLabelName(label: string, naming: NamingOptions = {}): string {
  return naming.labelRename?.[label] ?? label;
}

/**
 * Validates the naming options themselves: throws {@link MetricDefinitionError} for a
 * prefix, rename or label that would produce invalid names.
 */
export function validateNaming(naming: NamingOptions): void {
  validateOptions(
    'Glassbox',
    naming,
    { prefix: 'string', rename: 'object', labelRename: 'object', constLabels: 'object' },
    'naming',
  );
  const prefix = naming.prefix ?? '';
  if (typeof prefix !== 'string' || (prefix !== '' && !/^[a-z_][a-z0-9_]*$/.test(prefix)))
    throw new MetricDefinitionError(`${String(prefix)}*`, 'prefix must be snake_case ([a-z_][a-z0-9_]*)');
  for (const [from, to] of Object.entries(naming.labelRename ?? {})) {
    validateLabelName(`(label rename ${from})`, to);
  }
  for (const [label, value] of Object.entries(naming.constLabels ?? {})) {
    validateLabelName('(constant labels)', label);
    if (typeof value !== 'string')
      throw new MetricDefinitionError('(constant labels)', `constant label "${label}" must be a string`);
  }
}

/** Resolves a definition under naming options; throws when the result is invalid or labels collide. */
export function resolveDefinition(def: MetricDefinition, naming: NamingOptions = {}): ResolvedDefinition {
  const name = resolveMetricName(def.name, naming);
  if (name !== def.name) validateMetricName(name, def.kind, def.unit);
  const constLabels = naming.constLabels ?? {};
  const labelNames = def.labelNames.map((l) => resolveLabelName(l, naming));
  const constNames = Object.keys(constLabels);
  const all = [...labelNames, ...constNames];
  const seen = new Set<string>();
  for (const label of all) {
    if (seen.has(label))
      throw new MetricDefinitionError(
        name,
        `label "${label}" appears twice after renames and constant labels`,
      );
    seen.add(label);
  }
  return Object.freeze({
    kind: def.kind,
    name,
    help: def.help,
    unit: def.unit,
    labelNames: Object.freeze(all),
    variableLabelCount: labelNames.length,
    constLabelValues: Object.freeze(constNames.map((k) => constLabels[k] as string)),
    buckets: def.kind === 'histogram' ? def.buckets : undefined,
    aggregate: def.kind === 'gauge' ? def.aggregate : undefined,
    definition: def,
  });
}
