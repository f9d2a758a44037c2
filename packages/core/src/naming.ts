/**
 * Naming options: a prefix, per-metric renames, label renames, constant labels,
 * per-metric overrides (buckets, label renames, help) and declared legacy names.
 * They apply to every output (recording, OpenTelemetry, rules, dashboards, docs), so a
 * team that keeps `api_requests_total` gets rules and dashboards that query it.
 * Everything resolves through {@link resolveDefinition}.
 */

import { catalogDefinitions } from './catalog.js';
import {
  type GaugeAggregation,
  lintMetricName,
  type MetricDefinition,
  MetricDefinitionError,
  type MetricKind,
  nameCarriesUnit,
  validateBuckets,
  validateLabelName,
  validateMetricName,
} from './definitions.js';
import { nearestKey, validateOptions } from './options.js';

/** What {@link NamingOptions.overrides} may change on one metric. */
export interface MetricOverride {
  /**
   * Histogram buckets replacing the definition's (histograms only): finite, strictly
   * increasing, `+Inf` implicit. Example: `[0.05, 0.1, 0.2, 0.5, 1, 2]` for an SLO at 200 ms.
   * @default the definition's buckets
   */
  readonly buckets?: readonly number[];
  /**
   * Label renames of this metric only, keyed by the definition's label name; they win
   * over the global {@link NamingOptions.labelRename}. Example: `{ outcome: 'tier' }`.
   * @default {}
   */
  readonly labelRename?: Readonly<Record<string, string>>;
  /** Help text (`# HELP`, the OpenTelemetry description). @default the definition's help */
  readonly help?: string;
}

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
   * Example: `{ status_code: 'status' }`. For one metric only, use
   * {@link MetricOverride.labelRename} in {@link NamingOptions.overrides}.
   * @default {}
   */
  readonly labelRename?: Readonly<Record<string, string>>;
  /**
   * Constant labels added to every series (`{ service: 'risk-analytics', env: 'prod' }`).
   * @default {}
   */
  readonly constLabels?: Readonly<Record<string, string>>;
  /**
   * Per-metric overrides, keyed by the catalog (or definition) name: buckets, label
   * renames of that metric only, help text. An unknown metric, buckets on a
   * non-histogram, an invalid bucket set, a label rename that collides or an unknown
   * key fail at start-up with a {@link MetricDefinitionError} naming the metric.
   * Example: `{ http_request_duration_seconds: { buckets: [0.05, 0.1, 0.2, 0.5, 1, 2] } }`.
   * @default {}
   */
  readonly overrides?: Readonly<Record<string, MetricOverride>>;
  /**
   * Final (exposed) names kept although they break the naming lint (a non-base unit
   * such as `_percent`, capitals): accepted, and warned once at start-up. Each must be
   * the final name of some metric and still a valid Prometheus name. A team's own
   * definition declares this with `legacy: true` instead.
   * @default []
   */
  readonly legacyNames?: readonly string[];
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
  /** True when the exposed name is a declared legacy name (`legacy: true` or `naming.legacyNames`). */
  readonly legacy: boolean;
  /** The definition this was resolved from. */
  readonly definition: MetricDefinition;
}

/** Applies naming options to a name, for rules and dashboards that refer to a metric by its catalog name. */
export function resolveMetricName(name: string, naming: NamingOptions = {}): string {
  const renamed = naming.rename?.[name];
  if (renamed !== undefined) return renamed;
  return `${naming.prefix ?? ''}${name}`;
}

/**
 * Applies the label renames to a label name: the override of `metric` (a definition
 * name) first, then the global {@link NamingOptions.labelRename}.
 */
export function resolveLabelName(label: string, naming: NamingOptions = {}, metric?: string): string {
  const own = metric === undefined ? undefined : naming.overrides?.[metric]?.labelRename?.[label];
  return own ?? naming.labelRename?.[label] ?? label;
}

const NAMING_SPEC = {
  prefix: 'string',
  rename: 'object',
  labelRename: 'object',
  constLabels: 'object',
  overrides: 'object',
  legacyNames: 'array',
} as const;

const OVERRIDE_SPEC = { buckets: 'array', labelRename: 'object', help: 'string' } as const;

/** The valid keys of {@link NamingOptions}, for configs that nest them (the mixin's). */
export const NAMING_KEYS: readonly string[] = Object.freeze(Object.keys(NAMING_SPEC));

function validateRenames(naming: NamingOptions): void {
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

/** The known definition named `name`, or an error naming it with the nearest known name. */
function knownDefinition(
  name: string,
  byName: ReadonlyMap<string, MetricDefinition>,
  what: string,
): MetricDefinition {
  const def = byName.get(name);
  if (def !== undefined) return def;
  const near = nearestKey(name, [...byName.keys()]);
  throw new MetricDefinitionError(
    name,
    `${what} names a metric that is neither in the catalog nor a known definition` +
      (near === undefined ? '' : ` (did you mean "${near}"?)`) +
      "; a team definition must be passed to createGlassbox({ definitions }) (or the mixin config's custom.metrics) to be overridden",
  );
}

function validateOverrides(naming: NamingOptions, byName: ReadonlyMap<string, MetricDefinition>): void {
  for (const [name, override] of Object.entries(naming.overrides ?? {})) {
    const def = knownDefinition(name, byName, `naming.overrides["${name}"]`);
    try {
      validateOptions('Glassbox', override, OVERRIDE_SPEC, `naming.overrides.${name}`);
    } catch (error) {
      throw new MetricDefinitionError(name, (error as Error).message.replace(/^Glassbox: /, ''));
    }
    // Resolving runs every per-metric check (buckets, label renames, collisions).
    resolveDefinition(def, naming);
  }
}

function validateLegacyNames(naming: NamingOptions, known: readonly MetricDefinition[]): void {
  const legacy = naming.legacyNames ?? [];
  const finals = new Map<string, MetricDefinition>();
  for (const def of known) finals.set(resolveMetricName(def.name, naming), def);
  for (const [i, name] of legacy.entries()) {
    if (typeof name !== 'string')
      throw new MetricDefinitionError(String(name), `naming.legacyNames[${i}] must be a string`);
    const def = finals.get(name);
    if (def === undefined) {
      const near = nearestKey(name, [...finals.keys()]);
      throw new MetricDefinitionError(
        name,
        `naming.legacyNames[${i}] is not the final name of any metric (rename a metric to it with naming.rename` +
          (near === undefined ? ')' : `; did you mean "${near}"?)`),
      );
    }
    validateMetricName(name, def.kind, undefined, true);
  }
}

/**
 * Validates the naming options themselves: throws {@link MetricDefinitionError} for a
 * prefix, rename or label that would produce invalid names, an override of an unknown
 * metric (with the nearest known name) or an invalid one, and a legacy name that is not
 * the final name of any metric.
 *
 * @param known the definitions overrides and legacy names may refer to.
 *   @default the catalog's
 */
export function validateNaming(
  naming: NamingOptions,
  known: readonly MetricDefinition[] = catalogDefinitions(),
): void {
  validateOptions('Glassbox', naming, NAMING_SPEC, 'naming');
  validateRenames(naming);
  const byName = new Map<string, MetricDefinition>();
  for (const def of known) byName.set(def.name, def);
  validateLegacyNames(naming, known);
  // A known metric's rename is checked now, not when the metric is first created.
  for (const from of Object.keys(naming.rename ?? {})) {
    const def = byName.get(from);
    if (def !== undefined) resolveDefinition(def, naming);
  }
  validateOverrides(naming, byName);
}

/**
 * The lint problems of declared legacy names among `resolved` (what is warned once at
 * start-up), one message per metric; empty when none breaks the lint.
 */
export function legacyNameWarnings(resolved: Iterable<ResolvedDefinition>): string[] {
  const out: string[] = [];
  for (const r of resolved) {
    if (!r.legacy) continue;
    const problem = lintMetricName(r.name, r.kind, r.definition.unit);
    if (problem === undefined) continue;
    out.push(
      `Glassbox: "${r.name}" is kept as a declared legacy name although it breaks the naming lint (${problem})`,
    );
  }
  return out;
}

/** The buckets of `def` under its override, validated. */
function resolveBuckets(
  def: MetricDefinition,
  override: MetricOverride | undefined,
): readonly number[] | undefined {
  if (override?.buckets === undefined) return def.kind === 'histogram' ? def.buckets : undefined;
  if (def.kind !== 'histogram')
    throw new MetricDefinitionError(
      def.name,
      `naming.overrides: buckets apply to histograms only; "${def.name}" is a ${def.kind}`,
    );
  validateBuckets(def.name, override.buckets);
  return Object.freeze([...override.buckets]);
}

/** The exposed label names of `def`: per-metric renames, then global ones, checked. */
function resolveLabels(def: MetricDefinition, naming: NamingOptions, name: string): string[] {
  const own = naming.overrides?.[def.name]?.labelRename ?? {};
  for (const [from, to] of Object.entries(own)) {
    if (!def.labelNames.includes(from)) {
      const near = nearestKey(from, def.labelNames);
      throw new MetricDefinitionError(
        def.name,
        `naming.overrides.${def.name}.labelRename: "${from}" is not a label of this metric` +
          (near === undefined ? '' : ` (did you mean "${near}"?)`) +
          `; its labels: ${def.labelNames.join(', ') || 'none'}`,
      );
    }
    if (typeof to !== 'string')
      throw new MetricDefinitionError(
        def.name,
        `naming.overrides.${def.name}.labelRename.${from} must be a string`,
      );
    validateLabelName(name, to);
  }
  return def.labelNames.map((l) => resolveLabelName(l, naming, def.name));
}

function checkDistinct(def: MetricDefinition, name: string, labels: readonly string[]): void {
  const seen = new Set<string>();
  for (const label of labels) {
    if (seen.has(label))
      throw new MetricDefinitionError(
        name,
        `label "${label}" appears twice after renames and constant labels` +
          (name === def.name ? '' : ` (definition "${def.name}")`),
      );
    seen.add(label);
  }
}

/** The exposed name of `def`, validated; legacy when the definition or `legacyNames` declares it. */
function resolveName(def: MetricDefinition, naming: NamingOptions): { name: string; legacy: boolean } {
  const name = resolveMetricName(def.name, naming);
  const legacy = def.legacy === true || (naming.legacyNames ?? []).includes(name);
  if (name !== def.name) validateMetricName(name, def.kind, def.unit, legacy);
  return { name, legacy };
}

/** Resolves a definition under naming options; throws when the result is invalid or labels collide. */
export function resolveDefinition(def: MetricDefinition, naming: NamingOptions = {}): ResolvedDefinition {
  const { name, legacy } = resolveName(def, naming);
  const override = naming.overrides?.[def.name];
  const help = override?.help ?? def.help;
  if (typeof help !== 'string' || help.trim() === '')
    throw new MetricDefinitionError(def.name, `naming.overrides.${def.name}.help must be a non-empty string`);
  const buckets = resolveBuckets(def, override);
  const constLabels = naming.constLabels ?? {};
  const labelNames = resolveLabels(def, naming, name);
  const constNames = Object.keys(constLabels);
  const all = [...labelNames, ...constNames];
  checkDistinct(def, name, all);
  // A legacy name without its unit exposes none (OpenMetrics' UNIT must be a suffix).
  const unit = def.unit !== undefined && nameCarriesUnit(name, def.kind, def.unit) ? def.unit : undefined;
  return Object.freeze({
    kind: def.kind,
    name,
    help,
    unit,
    labelNames: Object.freeze(all),
    variableLabelCount: labelNames.length,
    constLabelValues: Object.freeze(constNames.map((k) => constLabels[k] as string)),
    buckets,
    aggregate: def.kind === 'gauge' ? def.aggregate : undefined,
    legacy,
    definition: def,
  });
}
