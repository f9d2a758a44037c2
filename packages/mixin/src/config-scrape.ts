/** Validation of the `scrape` section of the mixin config. */
import {
  durationSeconds,
  type KubernetesScrapeConfig,
  MIXIN_DEFAULTS,
  MixinConfigError,
  type OperatorConfig,
  type PushgatewayScrapeConfig,
  type ResolvedMixinConfig,
  type ScrapeConfig,
  type StaticTargetGroup,
} from './config-types.js';
import { checkKeys, checkTargets, duration, labelRecord, str, stringList, stringRecord } from './validate.js';

const SCRAPE_KEYS = [
  'jobName',
  'metricsPath',
  'scheme',
  'interval',
  'timeout',
  'credentialsFile',
  'targets',
  'labels',
  'staticConfigs',
  'kubernetes',
  'operator',
];

function resolveStaticConfigs(value: unknown): StaticTargetGroup[] {
  if (value !== undefined && !Array.isArray(value))
    throw new MixinConfigError('scrape.staticConfigs', 'must be a list of { targets, labels }');
  return ((value ?? []) as StaticTargetGroup[]).map((g, i) => {
    const f = `scrape.staticConfigs[${i}]`;
    checkKeys(f, g, ['targets', 'labels']);
    const list = stringList(`${f}.targets`, g.targets, []);
    if (list.length === 0) throw new MixinConfigError(`${f}.targets`, 'needs at least one target');
    checkTargets(`${f}.targets`, list);
    return { targets: list, labels: labelRecord(`${f}.labels`, g.labels) };
  });
}

/** A Kubernetes label selector: at least one label, or it selects everything. */
function nonEmptySelector(
  field: string,
  value: Readonly<Record<string, string>> | undefined,
  fallback: Readonly<Record<string, string>>,
  what: string,
): Record<string, string> {
  const selector = stringRecord(field, value, fallback);
  if (Object.keys(selector).length === 0)
    throw new MixinConfigError(field, `needs at least one label, or every ${what} is scraped`);
  return selector;
}

function resolveKubernetes(
  value: KubernetesScrapeConfig | null | undefined,
): Required<KubernetesScrapeConfig> | null {
  if (value === null) return null;
  const k: KubernetesScrapeConfig = value ?? {};
  checkKeys('scrape.kubernetes', k, ['role', 'namespaces', 'selector', 'port', 'serviceFrom']);
  const dk = MIXIN_DEFAULTS.kubernetes;
  const role = k.role ?? dk.role;
  if (role !== 'pod' && role !== 'endpoints')
    throw new MixinConfigError('scrape.kubernetes.role', "must be 'pod' or 'endpoints'");
  return {
    role,
    namespaces: stringList('scrape.kubernetes.namespaces', k.namespaces, dk.namespaces),
    selector: nonEmptySelector('scrape.kubernetes.selector', k.selector, dk.selector, 'pod'),
    port: str('scrape.kubernetes.port', k.port, dk.port),
    serviceFrom: str('scrape.kubernetes.serviceFrom', k.serviceFrom, dk.serviceFrom),
  };
}

function resolveOperator(value: OperatorConfig | undefined): Required<OperatorConfig> {
  const o: OperatorConfig = value ?? {};
  checkKeys('scrape.operator', o, ['namespace', 'labels', 'tokenSecret']);
  const dop = MIXIN_DEFAULTS.operator;
  if (o.tokenSecret !== undefined) {
    checkKeys('scrape.operator.tokenSecret', o.tokenSecret, ['name', 'key']);
    str('scrape.operator.tokenSecret.name', o.tokenSecret.name ?? '', '');
    str('scrape.operator.tokenSecret.key', o.tokenSecret.key ?? '', '');
  }
  return {
    namespace: str('scrape.operator.namespace', o.namespace, dop.namespace),
    labels: stringRecord('scrape.operator.labels', o.labels, dop.labels),
    tokenSecret: o.tokenSecret ?? dop.tokenSecret,
  };
}

/** Validates `scrape` and fills in its defaults. */
export function resolveScrape(input: ScrapeConfig | undefined): ResolvedMixinConfig['scrape'] {
  const s: ScrapeConfig = input ?? {};
  checkKeys('scrape', s, SCRAPE_KEYS);
  const d = MIXIN_DEFAULTS.scrape;
  const jobName = str('scrape.jobName', s.jobName, d.jobName, /^[a-zA-Z0-9_.-]+$/, 'must be [a-zA-Z0-9_.-]+');
  const scheme = s.scheme ?? d.scheme;
  if (scheme !== 'http' && scheme !== 'https')
    throw new MixinConfigError('scrape.scheme', "must be 'http' or 'https'");
  const interval = duration('scrape.interval', s.interval, d.interval);
  const timeout = duration('scrape.timeout', s.timeout, d.timeout);
  if (durationSeconds(timeout) > durationSeconds(interval))
    throw new MixinConfigError('scrape.timeout', `${timeout} is longer than the scrape interval ${interval}`);
  let credentialsFile: string | null = d.credentialsFile;
  if (s.credentialsFile === null) credentialsFile = null;
  else if (s.credentialsFile !== undefined)
    credentialsFile = str('scrape.credentialsFile', s.credentialsFile, '');
  const targets = stringList('scrape.targets', s.targets, d.targets);
  checkTargets('scrape.targets', targets);
  return {
    jobName,
    metricsPath: str('scrape.metricsPath', s.metricsPath, d.metricsPath, /^\//, 'must start with /'),
    scheme,
    interval,
    timeout,
    credentialsFile,
    targets,
    labels: labelRecord('scrape.labels', s.labels ?? d.labels),
    staticConfigs: resolveStaticConfigs(s.staticConfigs),
    kubernetes: resolveKubernetes(s.kubernetes),
    operator: resolveOperator(s.operator),
  };
}

/** Validates `pushgateway` (null or absent: none); it needs the batch group. */
export function resolvePushgateway(
  input: PushgatewayScrapeConfig | null | undefined,
  groups: readonly string[],
): ResolvedMixinConfig['pushgateway'] {
  if (input === undefined || input === null) return null;
  checkKeys('pushgateway', input, ['targets', 'jobName', 'scheme', 'serviceSelector', 'servicePort']);
  const d = MIXIN_DEFAULTS.pushgateway;
  const targets = stringList('pushgateway.targets', input.targets, []);
  if (targets.length === 0)
    throw new MixinConfigError('pushgateway.targets', 'needs the gateway address (host:port)');
  checkTargets('pushgateway.targets', targets);
  const scheme = input.scheme ?? d.scheme;
  if (scheme !== 'http' && scheme !== 'https')
    throw new MixinConfigError('pushgateway.scheme', "must be 'http' or 'https'");
  if (!groups.includes('batch'))
    throw new MixinConfigError('pushgateway', 'batch jobs push to the gateway: add batch to groups');
  return {
    targets,
    jobName: str(
      'pushgateway.jobName',
      input.jobName,
      d.jobName,
      /^[a-zA-Z0-9_.-]+$/,
      'must be [a-zA-Z0-9_.-]+',
    ),
    scheme,
    serviceSelector: nonEmptySelector(
      'pushgateway.serviceSelector',
      input.serviceSelector,
      d.serviceSelector,
      'Service',
    ),
    servicePort: str('pushgateway.servicePort', input.servicePort, d.servicePort),
  };
}
