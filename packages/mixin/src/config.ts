/**
 * Validation of the mixin configuration: {@link resolveConfig} checks a config and
 * fills in {@link MIXIN_DEFAULTS}, throwing a {@link MixinConfigError} that names the
 * offending field. The types and defaults live in `config-types.ts`.
 */
import { type MetricDefinition, NAMING_KEYS, type NamingOptions, validateNaming } from '@glassbox/core';
import { resolvePushgateway, resolveScrape } from './config-scrape.js';
import {
  ALERT_NAMES,
  type AlertmanagerConfig,
  type AlertName,
  type AlertOverride,
  type DashboardsConfig,
  MIXIN_DEFAULTS,
  type MixinConfig,
  MixinConfigError,
  type ResolvedMixinConfig,
  type SloConfig,
} from './config-types.js';
import { resolveCustom } from './custom-config.js';
import { catalogForMixin } from './definitions.js';
import { checkKeys, duration, isObject, LABEL, str, stringList, validRegex } from './validate.js';

export * from './config-types.js';

const SLO_NAME = /^[a-z0-9][a-z0-9_-]*$/;

const TOP_KEYS = [
  'naming',
  'team',
  'runbookBaseUrl',
  'selector',
  'serviceLabel',
  'scrape',
  'alerts',
  'batchJobIntervals',
  'imbalanceOutcomes',
  'pushgateway',
  'groups',
  'custom',
  'slos',
  'evaluationInterval',
  'dashboards',
  'alertmanager',
  '$schema',
];

const SLO_KEYS = ['name', 'type', 'objective', 'metric', 'threshold', 'matchers', 'team', 'description'];

function resolveSelector(value: unknown, jobName: string): string {
  const selector = value ?? `job="${jobName}"`;
  if (typeof selector !== 'string')
    throw new MixinConfigError('selector', 'must be a string of PromQL label matchers');
  if (selector !== '' && !/^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*"/.test(selector))
    throw new MixinConfigError('selector', 'must be PromQL label matchers without braces, e.g. job="api"');
  return selector;
}

function resolveAlertOverrides(value: unknown): Readonly<Partial<Record<AlertName, AlertOverride>>> {
  const alerts = (value ?? {}) as Readonly<Partial<Record<AlertName, AlertOverride>>>;
  if (isObject(alerts as unknown) && 'DriftScoreAboveThreshold' in alerts)
    throw new MixinConfigError(
      'alerts.DriftScoreAboveThreshold',
      'renamed to FeatureDriftDetected: the drift alert reads the drift decision (ml_drift_detected), whatever the direction of the method’s score',
    );
  checkKeys('alerts', alerts, ALERT_NAMES);
  for (const [name, o2] of Object.entries(alerts)) {
    const f = `alerts.${name}`;
    checkKeys(f, o2, ['enabled', 'threshold', 'for', 'severity', 'team']);
    const ov = o2 as AlertOverride;
    if (ov.enabled !== undefined && typeof ov.enabled !== 'boolean')
      throw new MixinConfigError(`${f}.enabled`, 'must be true or false');
    if (ov.threshold !== undefined && (typeof ov.threshold !== 'number' || !Number.isFinite(ov.threshold)))
      throw new MixinConfigError(`${f}.threshold`, 'must be a finite number');
    if (ov.for !== undefined) duration(`${f}.for`, ov.for, '0s');
    if (ov.severity !== undefined && !['critical', 'warning', 'info'].includes(ov.severity))
      throw new MixinConfigError(`${f}.severity`, "must be 'critical', 'warning' or 'info'");
    if (ov.team !== undefined) str(`${f}.team`, ov.team, '');
  }
  return alerts;
}

function resolveBatchJobIntervals(value: unknown): Readonly<Record<string, number>> {
  const intervals = (value ?? {}) as Readonly<Record<string, number>>;
  if (!isObject(intervals as unknown)) throw new MixinConfigError('batchJobIntervals', 'must be an object');
  for (const [job, secs] of Object.entries(intervals)) {
    if (typeof secs !== 'number' || !(secs > 0))
      throw new MixinConfigError(`batchJobIntervals.${job}`, 'must be a positive number of seconds');
  }
  return intervals;
}

function checkSlo(slo: SloConfig, i: number, seen: Set<string>): void {
  const f = `slos[${i}]`;
  checkKeys(f, slo, SLO_KEYS);
  str(`${f}.name`, slo.name, '', SLO_NAME, 'must be lower-case letters, digits, - and _');
  if (seen.has(slo.name)) throw new MixinConfigError(`${f}.name`, `"${slo.name}" is declared twice`);
  seen.add(slo.name);
  if (slo.type !== 'availability' && slo.type !== 'latency')
    throw new MixinConfigError(`${f}.type`, "must be 'availability' or 'latency'");
  if (typeof slo.objective !== 'number' || !(slo.objective > 0 && slo.objective < 1))
    throw new MixinConfigError(`${f}.objective`, 'must be a ratio strictly between 0 and 1 (0.999 = 99.9 %)');
  if (slo.type === 'latency' && (typeof slo.threshold !== 'number' || !(slo.threshold > 0)))
    throw new MixinConfigError(`${f}.threshold`, 'a latency SLO needs a threshold in seconds');
  if (slo.type === 'availability' && (slo.threshold !== undefined || slo.metric !== undefined))
    throw new MixinConfigError(f, 'an availability SLO takes no metric or threshold');
  if (slo.matchers !== undefined && typeof slo.matchers !== 'string')
    throw new MixinConfigError(`${f}.matchers`, 'must be a string of PromQL label matchers');
}

/** The catalog group an SLO reads (`custom` for a team histogram). */
function sloGroup(slo: SloConfig): string {
  if (slo.type === 'availability') return 'http';
  const metric = slo.metric ?? 'http_request_duration_seconds';
  return catalogForMixin().find((d) => d.name === metric)?.group ?? 'custom';
}

/** The SLOs: the defaults of the selected groups, or the given ones (each on a selected group). */
function resolveSlos(value: unknown, groups: readonly string[]): readonly SloConfig[] {
  const selected = (slo: SloConfig) => sloGroup(slo) === 'custom' || groups.includes(sloGroup(slo));
  if (value === undefined) return MIXIN_DEFAULTS.slos.filter(selected);
  const slos = value as readonly SloConfig[];
  if (!Array.isArray(slos)) throw new MixinConfigError('slos', 'must be a list');
  const seen = new Set<string>();
  slos.forEach((slo: SloConfig, i: number) => {
    checkSlo(slo, i, seen);
    if (!selected(slo))
      throw new MixinConfigError(
        `slos[${i}]`,
        `SLO "${slo.name}" reads the ${sloGroup(slo)} group, which is not in groups (${groups.join(', ')})`,
      );
  });
  return slos;
}

function resolveDashboards(value: DashboardsConfig | undefined): Required<DashboardsConfig> {
  const db: DashboardsConfig = value ?? {};
  checkKeys('dashboards', db, ['uidPrefix', 'titlePrefix', 'tags', 'refresh']);
  const dd = MIXIN_DEFAULTS.dashboards;
  return {
    uidPrefix: str(
      'dashboards.uidPrefix',
      db.uidPrefix,
      dd.uidPrefix,
      /^[a-zA-Z0-9_-]{1,28}$/,
      'must be 1-28 of [a-zA-Z0-9_-]',
    ),
    titlePrefix: str('dashboards.titlePrefix', db.titlePrefix, dd.titlePrefix),
    tags: stringList('dashboards.tags', db.tags, dd.tags),
    refresh: duration('dashboards.refresh', db.refresh, dd.refresh),
  };
}

function resolveAlertmanager(value: AlertmanagerConfig | undefined): Required<AlertmanagerConfig> {
  const am: AlertmanagerConfig = value ?? {};
  checkKeys('alertmanager', am, ['teams', 'webhookUrl']);
  const da = MIXIN_DEFAULTS.alertmanager;
  return {
    teams: stringList('alertmanager.teams', am.teams, da.teams),
    webhookUrl: str(
      'alertmanager.webhookUrl',
      am.webhookUrl,
      da.webhookUrl,
      /^https?:\/\/\S+$/,
      'must be an http(s) URL',
    ),
  };
}

const GROUPS = MIXIN_DEFAULTS.groups as readonly string[];

function resolveGroups(value: unknown): readonly string[] {
  const groups = stringList('groups', value, GROUPS);
  for (const [i, g] of groups.entries()) {
    if (!GROUPS.includes(g))
      throw new MixinConfigError(
        `groups[${i}]`,
        `"${g}" is not a catalog group (known: ${GROUPS.join(', ')})`,
      );
  }
  return groups;
}

function resolveRunbookBaseUrl(value: unknown): string {
  const base = str('runbookBaseUrl', value, MIXIN_DEFAULTS.runbookBaseUrl).replace(/\/+$/, '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(base) && !/^https?:\/\/\S+$/.test(base))
    throw new MixinConfigError('runbookBaseUrl', 'must be an http(s) URL or a relative path (e.g. runbooks)');
  if (/\s/.test(base) || base === '')
    throw new MixinConfigError('runbookBaseUrl', 'must be a URL or a path without spaces');
  return base;
}

/**
 * The naming options, checked against every definition the mixin generates for (the
 * catalog's and the team's `custom.metrics`), so an override of an unknown metric fails.
 */
function resolveNaming(value: unknown, custom: readonly MetricDefinition[]): NamingOptions {
  const naming = (value ?? {}) as NamingOptions;
  checkKeys('naming', naming, NAMING_KEYS);
  validateNaming(naming, [...catalogForMixin(), ...custom]);
  return naming;
}

/**
 * Validates a config and fills in the defaults. Throws {@link MixinConfigError} (or
 * core's `MetricDefinitionError` for bad naming options) with the offending field.
 */
export function resolveConfig(input: MixinConfig = {}): ResolvedMixinConfig {
  if (!isObject(input as unknown)) throw new MixinConfigError('(root)', 'the config must be an object');
  if ('defaultDriftThreshold' in input)
    throw new MixinConfigError(
      'defaultDriftThreshold',
      'removed: the drift alert reads the service’s own drift decision (ml_drift_detected), so it needs no threshold',
    );
  checkKeys('', input, TOP_KEYS);
  const custom = resolveCustom(input.custom);
  const naming = resolveNaming(input.naming, custom.metrics);
  const team = str('team', input.team, MIXIN_DEFAULTS.team);
  const runbookBaseUrl = resolveRunbookBaseUrl(input.runbookBaseUrl);
  const serviceLabel = str(
    'serviceLabel',
    input.serviceLabel,
    MIXIN_DEFAULTS.serviceLabel,
    LABEL,
    'must be a label name',
  );
  const scrape = resolveScrape(input.scrape);
  const selector = resolveSelector(input.selector, scrape.jobName);
  const alerts = resolveAlertOverrides(input.alerts);
  const batchJobIntervals = resolveBatchJobIntervals(input.batchJobIntervals);
  const imbalanceOutcomes = str(
    'imbalanceOutcomes',
    input.imbalanceOutcomes,
    MIXIN_DEFAULTS.imbalanceOutcomes,
  );
  validRegex('imbalanceOutcomes', imbalanceOutcomes);
  const groups = resolveGroups(input.groups);
  const pushgateway = resolvePushgateway(input.pushgateway, groups);
  const slos = resolveSlos(input.slos, groups);
  const dashboards = resolveDashboards(input.dashboards);
  const alertmanager = resolveAlertmanager(input.alertmanager);
  return {
    naming,
    team,
    runbookBaseUrl,
    selector,
    serviceLabel,
    scrape,
    alerts,
    batchJobIntervals,
    imbalanceOutcomes,
    pushgateway,
    groups,
    custom,
    slos,
    evaluationInterval: duration(
      'evaluationInterval',
      input.evaluationInterval,
      MIXIN_DEFAULTS.evaluationInterval,
    ),
    dashboards,
    alertmanager,
  };
}
