/**
 * The generation context: catalog lookups under the naming options. Every metric or
 * label name that reaches a rule, dashboard or runbook goes through {@link Ctx.m} or
 * {@link Ctx.l}, so renames apply everywhere and an unknown name fails generation.
 */
import {
  catalogDefinitions,
  type MetricDefinition,
  resolveDefinition,
  resolveLabelName,
  resolveMetricName,
} from '@glassbox/core';
import type { ResolvedMixinConfig } from './config.js';

/** Histogram series suffixes. */
export type SeriesSuffix = '' | '_bucket' | '_count' | '_sum';

/** Catalog lookups and PromQL builders under one config. */
export class Ctx {
  readonly defs = new Map<string, MetricDefinition>();
  /** Exposed (renamed) name → catalog name, for the reference checks. */
  readonly exposed = new Map<string, string>();

  constructor(readonly config: ResolvedMixinConfig) {
    for (const def of catalogDefinitions()) {
      // Throws at generation time when a rename produces an invalid name.
      const resolved = resolveDefinition(def, config.naming);
      this.defs.set(def.name, def);
      this.exposed.set(resolved.name, def.name);
    }
  }

  /** The definition of a catalog metric; throws for a name the catalog does not have. */
  def(name: string): MetricDefinition {
    const def = this.defs.get(name);
    if (def === undefined) throw new Error(`Glassbox mixin: "${name}" is not in the metric catalog`);
    return def;
  }

  /** Exposed name of a catalog metric, plus a histogram series suffix. */
  m(name: string, suffix: SeriesSuffix = ''): string {
    const def = this.def(name);
    if (suffix !== '' && def.kind !== 'histogram')
      throw new Error(`Glassbox mixin: "${name}" is a ${def.kind}, it has no ${suffix} series`);
    return `${resolveMetricName(name, this.config.naming)}${suffix}`;
  }

  /** Exposed label name (after label renames). */
  l(label: string): string {
    return resolveLabelName(label, this.config.naming);
  }

  /** Labels alerts and recording rules keep: `job` and the service label. */
  get scope(): string[] {
    return ['job', this.config.serviceLabel];
  }

  /** `by (...)` list: the scope labels plus catalog labels (renamed). */
  by(...labels: string[]): string {
    return [...this.scope, ...labels.map((l) => this.l(l))].join(', ');
  }

  /** A rule selector: `name{<config.selector>, extra...}`. */
  sel(name: string, suffix: SeriesSuffix = '', ...matchers: string[]): string {
    const all = [this.config.selector, ...matchers].filter((x) => x.trim() !== '');
    return `${this.m(name, suffix)}${all.length > 0 ? `{${all.join(', ')}}` : ''}`;
  }

  /** A dashboard selector: `name{job=~"$job", service=~"$service", extra...}`. */
  dsel(name: string, suffix: SeriesSuffix = '', ...matchers: string[]): string {
    const all = [`job=~"$job"`, `${this.config.serviceLabel}=~"$service"`, ...matchers];
    return `${this.m(name, suffix)}{${all.join(', ')}}`;
  }

  /** `label="value"` with the label renamed. */
  eq(label: string, value: string, op: '=' | '=~' | '!=' | '!~' = '='): string {
    return `${this.l(label)}${op}"${value}"`;
  }

  /** Buckets of a catalog histogram. */
  buckets(name: string): readonly number[] {
    const def = this.def(name);
    if (def.kind !== 'histogram') throw new Error(`Glassbox mixin: "${name}" is not a histogram`);
    return def.buckets;
  }
}

/** The `le` label value Prometheus client libraries write for a bucket bound. */
export function leValue(bound: number): string {
  return String(bound);
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
