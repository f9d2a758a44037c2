/**
 * The shape of one adoption: a team's existing monitoring (its metric and label names,
 * its PromQL, its alerts) expressed as Glassbox naming options, team metric definitions
 * and a mixin config, with the team's own queries and alerts kept as data so they can be
 * evaluated against a real Prometheus (see test/adoption.test.ts).
 */
import type { MetricDefinition, NamingOptions } from '@glassbox/core';
import type { MixinConfig } from '@glassbox/mixin';

/** A PromQL query taken from the team's documentation. */
export interface SeedQuery {
  /** Where it comes from in the team's text (section, panel, table row). */
  readonly title: string;
  /** The query as evaluated. Equal to the team's text unless {@link SeedQuery.correction} says why not. */
  readonly expr: string;
  /** The team's text, when {@link SeedQuery.expr} had to differ from it. */
  readonly original?: string;
  /** Why the team's text was corrected (or, for a query the text only describes, how it was written). */
  readonly correction?: string;
  /**
   * When the query must return data: `always` (healthy traffic already produces it) or
   * `provoked` (it selects errors, slow requests, ..., which only the provoked condition produces).
   */
  readonly data: 'always' | 'provoked';
}

/** An alert from the team's documentation. */
export interface SeedAlert {
  /** The team's alert name. */
  readonly alert: string;
  /** Its condition as PromQL over the team's own names (from the rule file, or written from the table row). */
  readonly expr: string;
  /** `for:` in the team's text. */
  readonly for: string;
  /** The team's text (rule expression or table row). */
  readonly original: string;
  /** Why {@link SeedAlert.expr} differs from a rule expression in the text, or how a table row became PromQL. */
  readonly correction?: string;
  /**
   * The generated alerts (built-in or `custom.alerts`) that implement it: they must be
   * pending or firing under the provoked condition and absent before it.
   */
  readonly generated: readonly string[];
  /** What makes it fire: the service's `provoked` phase, or the service going down. */
  readonly provokedBy: 'provoked' | 'down';
}

/** Something the team's text names that this adoption does not reproduce, and why. */
export interface SeedGap {
  readonly what: string;
  readonly why: string;
}

/** One team's adoption. */
export interface Adoption {
  /** Seed number, `000` … `004`. */
  readonly seed: string;
  /** The team's service, as its document names it. */
  readonly title: string;
  /** The naming options the service records with (and the mixin generates with). */
  readonly naming: NamingOptions;
  /** The team's own metrics (not in the catalog), recorded by the service and read by its alerts and panels. */
  readonly metrics: readonly MetricDefinition[];
  /**
   * The mixin config: groups, alert overrides, SLOs, the team's alerts and panels
   * (`custom`), scrape job and labels. The test adds the scrape targets.
   */
  readonly mixin: MixinConfig;
  /** The team's queries, from its text. */
  readonly queries: readonly SeedQuery[];
  /** The team's alerts, from its text. */
  readonly alerts: readonly SeedAlert[];
  /**
   * Generated panel expressions that are empty by design with this service, by source
   * (`dashboard:<uid>/<panel title>`), with the reason.
   */
  readonly emptyPanels?: Readonly<Record<string, string>>;
  /** What the text names that is not reproduced. */
  readonly gaps?: readonly SeedGap[];
}

/** A small running service of an adoption. */
export interface SeedService {
  /** Port serving the API and `/metrics`. */
  readonly port: number;
  /** Switches the traffic the service generates (and how it answers): healthy, or the provoked condition. */
  phase(phase: 'healthy' | 'provoked'): void;
  /** Stops traffic, servers and connections. */
  close(): Promise<void>;
}

/** How the test starts a service: the bearer token `/metrics` requires. */
export interface ServiceOptions {
  readonly token: string;
}
