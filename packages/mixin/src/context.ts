/**
 * The generation context: definition lookups under the naming options. Every metric or
 * label name that reaches a rule, dashboard or runbook goes through {@link Ctx.m} or
 * {@link Ctx.l}, so renames apply everywhere and an unknown name fails generation. The
 * names, label names and buckets come from the definitions resolved by core's
 * `resolveDefinition`, so whatever core's resolution applies flows into every asset.
 */
import {
  type MetricDefinition,
  type ResolvedDefinition,
  resolveDefinition,
  resolveLabelName,
} from '@glassbox/core';
import type { ResolvedMixinConfig } from './config.js';
import { catalogForMixin } from './definitions.js';

/** Histogram series suffixes. */
export type SeriesSuffix = '' | '_bucket' | '_count' | '_sum';

/** Definition lookups and PromQL builders under one config. */
export class Ctx {
  /** Definitions by definition name: the catalog's, then the team's (`custom.metrics`). */
  readonly defs = new Map<string, MetricDefinition>();
  /** The same, resolved under the naming options. */
  readonly resolved = new Map<string, ResolvedDefinition>();
  /** Exposed (renamed) name → definition name, for the reference checks. */
  readonly exposed = new Map<string, string>();

  constructor(readonly config: ResolvedMixinConfig) {
    for (const def of [...catalogForMixin(), ...config.custom.metrics]) {
      // Throws at generation time when a rename produces an invalid name.
      const resolved = resolveDefinition(def, config.naming);
      this.defs.set(def.name, def);
      this.resolved.set(def.name, resolved);
      this.exposed.set(resolved.name, def.name);
    }
  }

  /** The definition of a metric; throws for a name neither the catalog nor the config defines. */
  def(name: string): MetricDefinition {
    const def = this.defs.get(name);
    if (def === undefined) throw new Error(`Glassbox mixin: "${name}" is not in the metric catalog`);
    return def;
  }

  /** The resolved definition of a metric. */
  res(name: string): ResolvedDefinition {
    this.def(name);
    return this.resolved.get(name) as ResolvedDefinition;
  }

  /** True when the config selects the catalog group (`sdk` and team metrics always are; `pushgateway` when configured). */
  has(group: string): boolean {
    if (group === 'pushgateway') return this.config.pushgateway !== null;
    return group === 'always' || group === 'sdk' || this.config.groups.includes(group);
  }

  /** Exposed name of a metric, plus a histogram series suffix. */
  m(name: string, suffix: SeriesSuffix = ''): string {
    const def = this.def(name);
    if (suffix !== '' && def.kind !== 'histogram')
      throw new Error(`Glassbox mixin: "${name}" is a ${def.kind}, it has no ${suffix} series`);
    return `${this.res(name).name}${suffix}`;
  }

  /**
   * Exposed label name: as `metric`'s resolved definition exposes it (default: the
   * metric this context is bound to, see {@link Ctx.on}). For a label the metric does not
   * have, the one name every definition with that label exposes it as; when definitions
   * disagree (a per-metric label rename), the one name the definitions of this context's
   * catalog group (see {@link Ctx.inGroup}) agree on; otherwise the label needs its
   * metric and this throws.
   */
  l(label: string, metric: string | undefined = this.primary): string {
    if (metric !== undefined && this.defs.has(metric)) {
      const r = this.res(metric);
      const i = r.definition.labelNames.indexOf(label);
      if (i >= 0) return r.labelNames[i] as string;
    }
    let { names, owners } = this.exposedAs(label);
    if (names.size > 1 && this.group !== undefined) {
      const inGroup = this.exposedAs(label, this.group);
      if (inGroup.names.size === 1) ({ names, owners } = inGroup);
    }
    if (names.size > 1)
      throw new Error(
        `Glassbox mixin: label "${label}" is exposed as ${[...names].join(', ')} by different metrics (${owners.join(', ')}); ` +
          'a rule or panel using it must name its metric',
      );
    return [...names][0] ?? resolveLabelName(label, this.config.naming);
  }

  /** The names `label` is exposed as by the definitions (of `group`, when given) that have it. */
  private exposedAs(label: string, group?: string): { names: Set<string>; owners: string[] } {
    const names = new Set<string>();
    const owners: string[] = [];
    for (const r of this.resolved.values()) {
      const i = r.definition.labelNames.indexOf(label);
      if (i < 0 || (group !== undefined && r.definition.group !== group)) continue;
      names.add(r.labelNames[i] as string);
      owners.push(r.definition.name);
    }
    return { names, owners };
  }

  /** The metric {@link Ctx.l} resolves labels through by default (see {@link Ctx.on}). */
  primary: string | undefined = undefined;

  /** The catalog group whose definitions settle a label renamed per metric (see {@link Ctx.inGroup}). */
  group: string | undefined = undefined;

  /**
   * This context with labels that different metrics expose differently resolved through
   * the definitions of `group` (a dashboard's or panel's catalog group): seed 001's
   * `outcome → tier` on `ml_predictions_total` makes `outcome` read `tier` on the ML
   * dashboard and stay `outcome` on the consumer one.
   */
  inGroup(group: string): Ctx {
    const view = Object.create(this) as Ctx;
    view.group = group;
    return view;
  }

  /** This context with labels resolved through `metric`'s definition by default. */
  on(metric: string | undefined): Ctx {
    const view = Object.create(this) as Ctx;
    view.primary = metric;
    return view;
  }

  /** The constant labels of the naming options (on every series the services emit). */
  get constLabels(): Readonly<Record<string, string>> {
    return this.config.naming.constLabels ?? {};
  }

  /** Labels alerts and recording rules keep: `job`, the service label and the constant labels. */
  get scope(): string[] {
    const out = ['job', this.config.serviceLabel];
    for (const k of Object.keys(this.constLabels)) if (!out.includes(k)) out.push(k);
    return out;
  }

  /** `by (...)` list: the scope labels plus catalog labels (renamed). */
  by(...labels: string[]): string {
    return [...this.scope, ...labels.map((l) => this.l(l))].join(', ');
  }

  /** Equality matchers for the constant labels. */
  constMatchers(): string[] {
    return Object.entries(this.constLabels).map(([k, v]) => `${k}="${escapeValue(v)}"`);
  }

  /** A rule selector: `name{<config.selector>, <constant labels>, extra...}`. */
  sel(name: string, suffix: SeriesSuffix = '', ...matchers: string[]): string {
    const all = [this.config.selector, ...this.constMatchers(), ...matchers].filter((x) => x.trim() !== '');
    return `${this.m(name, suffix)}${all.length > 0 ? `{${all.join(', ')}}` : ''}`;
  }

  /** Dashboard matchers: `job`, service and one variable per constant label. */
  dashboardMatchers(): string[] {
    const out = [`job=~"$job"`, `${this.config.serviceLabel}=~"$service"`];
    for (const k of this.scope.slice(2)) out.push(`${k}=~"$${k}"`);
    return out;
  }

  /** A dashboard selector: `name{job=~"$job", service=~"$service", <const>=~"$<const>", extra...}`. */
  dsel(name: string, suffix: SeriesSuffix = '', ...matchers: string[]): string {
    return `${this.m(name, suffix)}{${[...this.dashboardMatchers(), ...matchers].join(', ')}}`;
  }

  /** `label="value"` with the label renamed. */
  eq(label: string, value: string, op: '=' | '=~' | '!=' | '!~' = '='): string {
    return `${this.l(label)}${op}"${value}"`;
  }

  /** Buckets of a histogram, as its resolved definition has them. */
  buckets(name: string): readonly number[] {
    const r = this.res(name);
    if (r.kind !== 'histogram' || r.buckets === undefined)
      throw new Error(`Glassbox mixin: "${name}" is not a histogram`);
    return r.buckets;
  }
}

/** Escapes a PromQL string value. */
export function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** The `le` label value Prometheus client libraries write for a bucket bound. */
export function leValue(bound: number): string {
  return String(bound);
}

/**
 * A matcher for one bucket: `le="0.5"`, and for whole numbers `le=~"1(\\.0)?"`, since
 * Prometheus 3 normalises `le="1"` to `le="1.0"` at ingestion while 2.x keeps it as exposed.
 */
export function leMatcher(bound: number | '+Inf'): string {
  if (bound === '+Inf') return 'le="+Inf"';
  return Number.isInteger(bound) ? `le=~"${leValue(bound)}(\\\\.0)?"` : `le="${leValue(bound)}"`;
}

/** `HighErrorRate` → `high-error-rate`. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Formats a number for PromQL and text: no exponent, no trailing noise. */
export function num(n: number): string {
  return String(Number(n.toPrecision(12)));
}
