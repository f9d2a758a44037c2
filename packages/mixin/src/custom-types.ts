/**
 * The team's own part of the mixin config (`custom`): metric definitions made with
 * core's typed definitions, and alerts, recording rules and dashboards over them (and
 * over the catalog). Expressions name metrics and labels by their definition names; the
 * mixin resolves them through the naming options and adds the rule selector (rules) or
 * the dashboard variables (panels) to every selector of a defined metric, as it does
 * for its own rules.
 */
import type { MetricDefinition } from '@glassbox/core';
import type { Severity } from './config-types.js';

/**
 * A metric definition: the result of core's `defineCounter`/`defineGauge`/`defineHistogram`
 * (in a `.mjs` config), or the same fields as plain data (JSON/YAML), validated by them.
 */
export interface CustomMetric {
  /** `counter`, `gauge` or `histogram`. */
  readonly kind: 'counter' | 'gauge' | 'histogram';
  /** Metric name (before the naming options). */
  readonly name: string;
  /** Help text. */
  readonly help: string;
  /** Base unit carried by the name (`seconds`, `bytes`, `ratio`, ...). @default none */
  readonly unit?: string | undefined;
  /** Label names. @default [] */
  readonly labelNames?: readonly string[];
  /** Histogram buckets (histograms only). */
  readonly buckets?: readonly number[];
  /** Gauge cross-process aggregation (gauges only). @default 'sum' */
  readonly aggregate?: 'sum' | 'max' | 'min' | 'worker';
  /** Group, free text. @default 'custom' */
  readonly group?: string;
  /**
   * An existing name the team keeps although it breaks the naming lint
   * (`batch_review_progress_percent`), as core's `legacy: true`. @default false
   */
  readonly legacy?: boolean;
}

/** A `promtool test rules` case of a team alert. */
export interface CustomAlertTest {
  /** What the case shows. */
  readonly name: string;
  /**
   * Input series in promtool's notation, with definition names (`jobs_active{queue="a"}`);
   * the mixin renames them and adds the rule selector's labels (`job="<scrape.jobName>"`)
   * and the constant labels.
   */
  readonly series: readonly { readonly series: string; readonly values: string }[];
  /** `true`: the alert must fire (with {@link CustomAlertTest.labels}); `false`: it must stay silent. */
  readonly fires: boolean;
  /**
   * Labels the alert fires with, besides severity, team and the alert's own labels, by
   * definition label name (`job` as the selector sets it). @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** When to evaluate (Prometheus duration from the start of the series). @default '30m' */
  readonly evalTime?: string;
}

/** A team alert. */
export interface CustomAlert {
  /** Alert name (`HighQCBlockRate`); must not be one of the built-in alerts. */
  readonly alert: string;
  /** PromQL over definition names, e.g. `sum(rate(qc_blocks_total[30m])) / sum(rate(qc_checks_total[30m])) > 0.15`. */
  readonly expr: string;
  /** `for:` duration. @default '0s' */
  readonly for?: string;
  /** @default 'warning' */
  readonly severity?: Severity;
  /** The `team` label. @default config.team */
  readonly team?: string;
  /** More static labels. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Summary annotation (may use `{{ $labels.x }}` with definition label names). */
  readonly summary: string;
  /** Description annotation. @default the summary */
  readonly description?: string;
  /** Rule group. @default 'glassbox-custom' */
  readonly group?: string;
  /** Runbook page content. @default a page with the rule only */
  readonly runbook?: {
    readonly meaning?: string;
    readonly queries?: readonly { readonly title: string; readonly expr: string }[];
    readonly causes?: readonly string[];
    readonly actions?: readonly string[];
  };
  /** `promtool test rules` cases. @default [] */
  readonly tests?: readonly CustomAlertTest[];
}

/** A team recording rule. */
export interface CustomRecording {
  /** Recorded name, `level:metric:operations`. */
  readonly record: string;
  /** PromQL over definition names. */
  readonly expr: string;
  /** Static labels. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A panel of a team dashboard. */
export interface CustomPanel {
  readonly title: string;
  /** @default 'timeseries' */
  readonly kind?: 'timeseries' | 'stat' | 'bargauge' | 'statetimeline';
  /** Grafana unit. @default 'none' */
  readonly unit?: string;
  readonly description?: string;
  /** A red threshold line. */
  readonly threshold?: number;
  /** Queries over definition names (Grafana variables such as `$__rate_interval` allowed). */
  readonly queries: readonly { readonly expr: string; readonly legend?: string }[];
}

/** A team dashboard. */
export interface CustomDashboard {
  /** Stable key (UID `<uidPrefix>-<key>`, file `<key>.json`); not one of the built-in keys. */
  readonly key: string;
  readonly title: string;
  /** @default '' */
  readonly description?: string;
  readonly rows: readonly { readonly title: string; readonly panels: readonly CustomPanel[] }[];
}

/** The `custom` section. */
export interface CustomConfig {
  /** The team's metric definitions. @default [] */
  readonly metrics?: readonly (CustomMetric | MetricDefinition)[];
  /** Team alerts. @default [] */
  readonly alerts?: readonly CustomAlert[];
  /** Team recording rules, in group `glassbox-custom-recording`. @default [] */
  readonly recording?: readonly CustomRecording[];
  /** Team dashboards. @default [] */
  readonly dashboards?: readonly CustomDashboard[];
}

/** The `custom` section after validation. */
export interface ResolvedCustomConfig {
  readonly metrics: readonly MetricDefinition[];
  readonly alerts: readonly CustomAlert[];
  readonly recording: readonly CustomRecording[];
  readonly dashboards: readonly CustomDashboard[];
}
