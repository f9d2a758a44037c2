/**
 * The mixin configuration: naming options (the same ones the services record with),
 * scrape targets, alert thresholds, SLOs and dashboard settings. Defaults live in
 * {@link MIXIN_DEFAULTS}; {@link resolveConfig} validates a config and fills them in,
 * throwing a {@link MixinConfigError} that names the offending field.
 */
import type { NamingOptions } from '@glassbox/core';
import type { CustomConfig, ResolvedCustomConfig } from './custom-types.js';

/** Catalog groups a config can select. */
export type CatalogGroupName = 'http' | 'http_client' | 'model' | 'drift' | 'batch' | 'consumer' | 'llm';

/** Alert severities, routed by Alertmanager. */
export type Severity = 'critical' | 'warning' | 'info';

/** Names of the generated alerts (SLO burn-rate alerts are configured through {@link SloConfig}). */
export type AlertName =
  | 'ServiceDown'
  | 'HighErrorRate'
  | 'HighLatency'
  | 'CriticalLatency'
  | 'HighActiveRequests'
  | 'ModelPredictionErrors'
  | 'SlowModelPredictions'
  | 'PredictionScoreCollapse'
  | 'UnbalancedPredictions'
  | 'ModelDriftDetected'
  | 'FeatureDriftDetected'
  | 'ModelPerformanceDegraded'
  | 'BatchJobFailed'
  | 'BatchJobStale'
  | 'BatchJobNotPushed'
  | 'PushgatewayDown'
  | 'ConsumerHighErrorRatio'
  | 'ConsumerStalled'
  | 'LLMCostOverBudget'
  | 'InstrumentationErrors';

/** Overrides for one alert. Every field falls back to the alert's default. */
export interface AlertOverride {
  /** Generate this alert. @default true */
  readonly enabled?: boolean;
  /** The alert's threshold, in the unit its runbook states (ratio, seconds, count, dollars/hour). @default the alert's own */
  readonly threshold?: number;
  /** How long the condition must hold (`for:`), a Prometheus duration; `0s` fires at once. @default the alert's own */
  readonly for?: string;
  /** The `severity` label. @default the alert's own */
  readonly severity?: Severity;
  /** The `team` label; overrides {@link MixinConfig.team} for this alert. @default config.team */
  readonly team?: string;
  /**
   * The alert's name in the generated rules, tests, runbooks and Alertmanager config:
   * the name your routes and silences already match (seed 004's `HighAPIErrorRate` for
   * `HighErrorRate`). Letters, digits and `_`, not starting with a digit; unique among
   * the alerts. @default the built-in name
   */
  readonly name?: string;
}

/** A service-level objective, turned into multi-window multi-burn-rate alerts. */
export interface SloConfig {
  /** Name, snake_case or kebab-case; becomes the `slo` label. */
  readonly name: string;
  /**
   * `availability`: the share of HTTP requests that are not 5xx;
   * `latency`: the share of observations of {@link SloConfig.metric} at or under {@link SloConfig.threshold}.
   */
  readonly type: 'availability' | 'latency';
  /** Objective as a ratio (0.999 = 99.9 %), strictly between 0 and 1. */
  readonly objective: number;
  /**
   * Catalog histogram a latency SLO is measured on (catalog name, before renames).
   * @default 'http_request_duration_seconds'
   */
  readonly metric?: string;
  /** Latency threshold in seconds; must be a bucket boundary of the histogram. Required for latency SLOs. */
  readonly threshold?: number;
  /** Extra PromQL label matchers for this SLO's series, e.g. `route!="/health"`. @default '' */
  readonly matchers?: string;
  /** `team` label of its alerts. @default config.team */
  readonly team?: string;
  /** Human description used in annotations and the runbook. @default generated */
  readonly description?: string;
}

/** A group of static targets sharing labels (a `static_configs` entry). */
export interface StaticTargetGroup {
  /** `host:port` targets. */
  readonly targets: readonly string[];
  /** Labels of these targets. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Kubernetes service discovery for the scrape config. */
export interface KubernetesScrapeConfig {
  /** Discover pods or endpoints (behind Services). @default 'pod' */
  readonly role?: 'pod' | 'endpoints';
  /** Namespaces to watch; empty watches all. @default [] */
  readonly namespaces?: readonly string[];
  /**
   * Kubernetes labels a pod (role pod) or Service (role endpoints) must carry to be
   * scraped. @default { 'app.kubernetes.io/part-of': 'glassbox' }
   */
  readonly selector?: Readonly<Record<string, string>>;
  /** Name of the container port (pod) or Service port (endpoints) that serves metrics. @default 'metrics' */
  readonly port?: string;
  /** Kubernetes label copied into the {@link MixinConfig.serviceLabel} target label. @default 'app.kubernetes.io/name' */
  readonly serviceFrom?: string;
}

/** Prometheus Operator ServiceMonitor/PodMonitor settings. */
export interface OperatorConfig {
  /** Namespace of the generated ServiceMonitor/PodMonitor. @default 'monitoring' */
  readonly namespace?: string;
  /** Labels the Prometheus resource selects monitors by. @default { release: 'prometheus' } */
  readonly labels?: Readonly<Record<string, string>>;
  /** Secret holding the bearer token. @default { name: 'glassbox-metrics-token', key: 'token' } */
  readonly tokenSecret?: { readonly name: string; readonly key: string };
}

/** Scrape configuration. */
export interface ScrapeConfig {
  /** `job_name`, and the `job` label every variant sets. @default 'glassbox' */
  readonly jobName?: string;
  /** Path of the metrics endpoint. @default '/metrics' */
  readonly metricsPath?: string;
  /** `http` or `https`. @default 'http' */
  readonly scheme?: 'http' | 'https';
  /** Scrape interval. @default '15s' */
  readonly interval?: string;
  /** Scrape timeout (at most the interval). @default '10s' */
  readonly timeout?: string;
  /**
   * File holding the bearer token, sent as `authorization: { type: Bearer, credentials_file }`;
   * `null` scrapes without auth.
   * @default '/etc/prometheus/secrets/metrics-token'
   */
  readonly credentialsFile?: string | null;
  /** Static targets (`host:port`); an empty list means no static job. @default ['localhost:9464'] (the exporter's standalone port) */
  readonly targets?: readonly string[];
  /** Labels attached to the static targets (e.g. `{ service: 'risk-analytics' }`). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * More static target groups, each with its own labels (one per service:
   * `[{ targets: ['risk:8000'], labels: { service: 'risk-analytics' } }]`), after {@link ScrapeConfig.targets}.
   * @default []
   */
  readonly staticConfigs?: readonly StaticTargetGroup[];
  /** Kubernetes service discovery job; `null` for none. @default {} (pods by label) */
  readonly kubernetes?: KubernetesScrapeConfig | null;
  /** Prometheus Operator monitors. @default {} */
  readonly operator?: OperatorConfig;
}

/**
 * The Pushgateway that batch jobs which exit push to (`createPushgateway` in
 * `@glassbox/exporter`): its scrape job (`honor_labels: true`, so pushed series keep the
 * `job` and `instance` they were pushed with), a ServiceMonitor for the Prometheus
 * Operator doing the same, the `BatchJobNotPushed` alert on `push_time_seconds`
 * (threshold: `alerts.BatchJobNotPushed.threshold`, seconds) and `PushgatewayDown`. The
 * alert uses the rule {@link MixinConfig.selector}: push with `job` set to the job label
 * it selects (`scrape.jobName` by default). Needs the `batch` group.
 */
export interface PushgatewayScrapeConfig {
  /** Gateway addresses (`host:port`). */
  readonly targets: readonly string[];
  /** `job_name` of the gateway's scrape job (its own metrics carry it as `job`). @default 'pushgateway' */
  readonly jobName?: string;
  /** `http` or `https`. @default 'http' */
  readonly scheme?: 'http' | 'https';
  /**
   * Labels of the gateway's Kubernetes Service, for the generated
   * `kubernetes/pushgateway-servicemonitor.yaml` (the prometheus-community Helm chart's).
   * @default { 'app.kubernetes.io/name': 'prometheus-pushgateway' }
   */
  readonly serviceSelector?: Readonly<Record<string, string>>;
  /** Name of the gateway Service's port, for the ServiceMonitor. @default 'http' */
  readonly servicePort?: string;
}

/** Dashboard settings. */
export interface DashboardsConfig {
  /** Prefix of every dashboard UID (UIDs are stable: prefix + dashboard key). @default 'glassbox' */
  readonly uidPrefix?: string;
  /** Prefix of every dashboard title. @default 'Glassbox' */
  readonly titlePrefix?: string;
  /** Tags on every dashboard. @default ['glassbox'] */
  readonly tags?: readonly string[];
  /** Auto-refresh interval. @default '30s' */
  readonly refresh?: string;
}

/** Alertmanager example settings. */
export interface AlertmanagerConfig {
  /** Teams that get their own receivers (config.team is always included). @default [] */
  readonly teams?: readonly string[];
  /** Webhook URL placeholder used by every receiver. @default 'http://alert-receiver.example:9095/hook' */
  readonly webhookUrl?: string;
}

/** The mixin configuration (JSON, YAML or the default export of a .mjs file). */
export interface MixinConfig {
  /** Naming options, exactly as passed to `createGlassbox({ naming })`. @default {} */
  readonly naming?: NamingOptions;
  /** The `team` label of every alert, used for routing. @default 'platform' */
  readonly team?: string;
  /**
   * Where the runbook pages are published; `runbook_url` is `<base>/<alert-kebab>.md`. An
   * absolute `http(s)` URL, or a path relative to the output directory (the default points
   * at the `runbooks/` folder the mixin writes next to the rules). Set it to where you
   * publish that folder (e.g. `https://git.example.com/team/ops/blob/main/runbooks`) so the
   * links in notifications resolve.
   * @default 'runbooks'
   */
  readonly runbookBaseUrl?: string;
  /**
   * PromQL label matchers added to every selector in rules (not dashboards, which use
   * their `job`/`service` variables). @default 'job="<scrape.jobName>"'
   */
  readonly selector?: string;
  /** Target label naming the service (set by static labels or Kubernetes discovery). @default 'service' */
  readonly serviceLabel?: string;
  /** Scrape configuration. @default {} */
  readonly scrape?: ScrapeConfig;
  /** Per-alert overrides. @default {} */
  readonly alerts?: Readonly<Partial<Record<AlertName, AlertOverride>>>;
  /** Expected interval (seconds) between successful runs, per batch job, for `BatchJobStale`. @default {} */
  readonly batchJobIntervals?: Readonly<Record<string, number>>;
  /** Outcomes (regex) watched by `UnbalancedPredictions`. @default '.+' */
  readonly imbalanceOutcomes?: string;
  /**
   * The Pushgateway the service's batch jobs push to; `null` (the default) when none
   * push: no gateway scrape job, no `BatchJobNotPushed`.
   * @default null
   */
  readonly pushgateway?: PushgatewayScrapeConfig | null;
  /**
   * Catalog groups the service records (`http`, `model`, `drift`, `batch`, `consumer`,
   * `llm`): alerts, recording rules, SLOs and dashboards of the other groups are not
   * generated. `ServiceDown` and the SDK's own alert are always generated.
   * @default every group
   */
  readonly groups?: readonly CatalogGroupName[];
  /** The team's own metrics, alerts, recording rules and dashboards. @default {} */
  readonly custom?: CustomConfig;
  /** Service-level objectives. @default the two in {@link MIXIN_DEFAULTS} */
  readonly slos?: readonly SloConfig[];
  /** Rule evaluation interval written to prometheus.yml and to each rule group. @default '30s' */
  readonly evaluationInterval?: string;
  /** Dashboard settings. @default {} */
  readonly dashboards?: DashboardsConfig;
  /** Alertmanager example settings. @default {} */
  readonly alertmanager?: AlertmanagerConfig;
}

/** Defaults of {@link MixinConfig}. */
export const MIXIN_DEFAULTS = Object.freeze({
  team: 'platform',
  runbookBaseUrl: 'runbooks',
  serviceLabel: 'service',
  imbalanceOutcomes: '.+',
  groups: Object.freeze([
    'http',
    'http_client',
    'model',
    'drift',
    'batch',
    'consumer',
    'llm',
  ] as CatalogGroupName[]),
  evaluationInterval: '30s',
  scrape: Object.freeze({
    jobName: 'glassbox',
    metricsPath: '/metrics',
    scheme: 'http' as const,
    interval: '15s',
    timeout: '10s',
    credentialsFile: '/etc/prometheus/secrets/metrics-token',
    targets: Object.freeze(['localhost:9464'] as string[]),
    labels: Object.freeze({} as Record<string, string>),
  }),
  pushgateway: Object.freeze({
    jobName: 'pushgateway',
    scheme: 'http' as const,
    serviceSelector: Object.freeze({ 'app.kubernetes.io/name': 'prometheus-pushgateway' } as Record<
      string,
      string
    >),
    servicePort: 'http',
  }),
  kubernetes: Object.freeze({
    role: 'pod' as const,
    namespaces: Object.freeze([] as string[]),
    selector: Object.freeze({ 'app.kubernetes.io/part-of': 'glassbox' } as Record<string, string>),
    port: 'metrics',
    serviceFrom: 'app.kubernetes.io/name',
  }),
  operator: Object.freeze({
    namespace: 'monitoring',
    labels: Object.freeze({ release: 'prometheus' } as Record<string, string>),
    tokenSecret: Object.freeze({ name: 'glassbox-metrics-token', key: 'token' }),
  }),
  dashboards: Object.freeze({
    uidPrefix: 'glassbox',
    titlePrefix: 'Glassbox',
    tags: Object.freeze(['glassbox']),
    refresh: '30s',
  }),
  alertmanager: Object.freeze({
    teams: Object.freeze([] as string[]),
    webhookUrl: 'http://alert-receiver.example:9095/hook',
  }),
  /** The SLOs from the users' documents: 99.9 % available HTTP, prediction p95 under 500 ms. */
  slos: Object.freeze([
    Object.freeze({ name: 'http-availability', type: 'availability' as const, objective: 0.999 }),
    Object.freeze({
      name: 'prediction-latency',
      type: 'latency' as const,
      objective: 0.95,
      metric: 'ml_prediction_duration_seconds',
      threshold: 0.5,
    }),
  ]),
});

/** Thrown for an invalid mixin configuration; the message names the field. */
export class MixinConfigError extends Error {
  override readonly name = 'MixinConfigError';
  constructor(
    /** Path of the offending field (`scrape.interval`, `slos[1].threshold`). */
    readonly field: string,
    reason: string,
  ) {
    super(`Glassbox mixin: invalid config at "${field}": ${reason}`);
  }
}

/** A {@link MixinConfig} with every default filled in. */
export interface ResolvedMixinConfig {
  readonly naming: NamingOptions;
  readonly team: string;
  readonly runbookBaseUrl: string;
  readonly selector: string;
  readonly serviceLabel: string;
  readonly scrape: {
    readonly jobName: string;
    readonly metricsPath: string;
    readonly scheme: 'http' | 'https';
    readonly interval: string;
    readonly timeout: string;
    readonly credentialsFile: string | null;
    readonly targets: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
    readonly staticConfigs: readonly StaticTargetGroup[];
    readonly kubernetes: Required<KubernetesScrapeConfig> | null;
    readonly operator: Required<OperatorConfig>;
  };
  readonly alerts: Readonly<Partial<Record<AlertName, AlertOverride>>>;
  readonly batchJobIntervals: Readonly<Record<string, number>>;
  readonly imbalanceOutcomes: string;
  readonly pushgateway: Required<PushgatewayScrapeConfig> | null;
  readonly groups: readonly string[];
  readonly custom: ResolvedCustomConfig;
  readonly slos: readonly SloConfig[];
  readonly evaluationInterval: string;
  readonly dashboards: Required<DashboardsConfig>;
  readonly alertmanager: Required<AlertmanagerConfig>;
}

const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

/** The alerts {@link AlertOverride} may name. */
export const ALERT_NAMES: readonly AlertName[] = Object.freeze([
  'ServiceDown',
  'HighErrorRate',
  'HighLatency',
  'CriticalLatency',
  'HighActiveRequests',
  'ModelPredictionErrors',
  'SlowModelPredictions',
  'PredictionScoreCollapse',
  'UnbalancedPredictions',
  'ModelDriftDetected',
  'FeatureDriftDetected',
  'ModelPerformanceDegraded',
  'BatchJobFailed',
  'BatchJobStale',
  'BatchJobNotPushed',
  'PushgatewayDown',
  'ConsumerHighErrorRatio',
  'ConsumerStalled',
  'LLMCostOverBudget',
  'InstrumentationErrors',
]);

/** Parses a Prometheus duration (`1h30m`, `15s`) into seconds; throws on a bad one. */
export function durationSeconds(value: string, field = 'duration'): number {
  if (typeof value !== 'string' || !DURATION.test(value))
    throw new MixinConfigError(field, `"${String(value)}" is not a Prometheus duration (e.g. 30s, 5m, 1h)`);
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  let total = 0;
  for (const [, n, unit] of value.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g))
    total += Number(n) * (units[unit as string] ?? 0);
  return total;
}
