/**
 * Scrape configs: a Prometheus `prometheus.yml` (static targets and Kubernetes service
 * discovery, bearer token from `credentials_file`) and the Prometheus Operator
 * ServiceMonitor / PodMonitor equivalents. Every variant sets the `job` label to
 * `scrape.jobName`, so rules and dashboards see one job whichever way it is scraped;
 * a configured Pushgateway gets its own job in both prometheus.yml variants.
 */
import type { ResolvedMixinConfig } from './config.js';

/** Prometheus' sanitisation of Kubernetes label names in meta labels. */
export function metaLabel(label: string): string {
  return label.replace(/[^a-zA-Z0-9_]/g, '_');
}

function auth(cfg: ResolvedMixinConfig): Record<string, unknown> {
  return cfg.scrape.credentialsFile === null
    ? {}
    : { authorization: { type: 'Bearer', credentials_file: cfg.scrape.credentialsFile } };
}

/** The scrape jobs (`scrape_configs` entries): the static job, then the Kubernetes SD job, when configured. */
export function scrapeConfigs(cfg: ResolvedMixinConfig): Record<string, unknown>[] {
  const s = cfg.scrape;
  const common = {
    metrics_path: s.metricsPath,
    scheme: s.scheme,
    scrape_interval: s.interval,
    scrape_timeout: s.timeout,
    ...auth(cfg),
  };
  const jobs: Record<string, unknown>[] = [];
  const groups = [
    ...(s.targets.length > 0 ? [{ targets: s.targets, labels: s.labels }] : []),
    ...s.staticConfigs,
  ].map((g) => ({
    targets: [...g.targets],
    ...(Object.keys(g.labels ?? {}).length > 0 ? { labels: { ...g.labels } } : {}),
  }));
  if (groups.length > 0) jobs.push({ job_name: s.jobName, ...common, static_configs: groups });
  const k = s.kubernetes;
  if (k !== null) {
    const kind = k.role === 'pod' ? 'pod' : 'service';
    const sd: Record<string, unknown> = {
      role: k.role,
      ...(k.namespaces.length > 0 ? { namespaces: { names: [...k.namespaces] } } : {}),
      // Server-side filtering keeps the watch small; the relabel rules below enforce it too.
      selectors: [
        {
          role: k.role === 'pod' ? 'pod' : 'service',
          label: Object.entries(k.selector)
            .map(([key, v]) => `${key}=${v}`)
            .join(','),
        },
      ],
    };
    const relabel: Record<string, unknown>[] = Object.entries(k.selector).map(([key, v]) => ({
      source_labels: [`__meta_kubernetes_${kind}_label_${metaLabel(key)}`],
      regex: v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      action: 'keep',
    }));
    relabel.push({
      source_labels: [
        k.role === 'pod'
          ? '__meta_kubernetes_pod_container_port_name'
          : '__meta_kubernetes_endpoint_port_name',
      ],
      regex: k.port,
      action: 'keep',
    });
    relabel.push(
      { target_label: 'job', replacement: s.jobName },
      {
        source_labels: [`__meta_kubernetes_${kind}_label_${metaLabel(k.serviceFrom)}`],
        target_label: cfg.serviceLabel,
      },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    );
    jobs.push({
      job_name: `${s.jobName}-kubernetes-${k.role}`,
      ...common,
      kubernetes_sd_configs: [sd],
      relabel_configs: relabel,
    });
  }
  return jobs;
}

/**
 * The Pushgateway's scrape job, when configured: `honor_labels: true`, so a pushed
 * series keeps the `job` and `instance` of its group instead of the gateway's (the
 * gateway exposes `instance=""` for groups without one, so no gateway address leaks in).
 */
export function pushgatewayScrapeConfig(cfg: ResolvedMixinConfig): Record<string, unknown> | undefined {
  const p = cfg.pushgateway;
  if (p === null) return undefined;
  return {
    job_name: p.jobName,
    honor_labels: true,
    metrics_path: '/metrics',
    scheme: p.scheme,
    scrape_interval: cfg.scrape.interval,
    scrape_timeout: cfg.scrape.timeout,
    static_configs: [{ targets: [...p.targets] }],
  };
}

/**
 * A complete prometheus.yml: global settings, the rule files and the scrape jobs of
 * one variant — `static` (static targets) or `kubernetes` (service discovery).
 */
export function prometheusConfig(
  cfg: ResolvedMixinConfig,
  ruleFiles: readonly string[],
  variant: 'static' | 'kubernetes' = 'static',
): Record<string, unknown> {
  const jobs = scrapeConfigs(cfg).filter((j) =>
    variant === 'kubernetes' ? 'kubernetes_sd_configs' in j : 'static_configs' in j,
  );
  // The gateway is one address in either setup (a Service name in Kubernetes).
  const gateway = pushgatewayScrapeConfig(cfg);
  if (gateway !== undefined) jobs.push(gateway);
  return {
    global: { scrape_interval: cfg.scrape.interval, evaluation_interval: cfg.evaluationInterval },
    rule_files: [...ruleFiles],
    scrape_configs: jobs,
  };
}

function operatorEndpoint(cfg: ResolvedMixinConfig, kind: 'service' | 'pod'): Record<string, unknown> {
  const s = cfg.scrape;
  const k = s.kubernetes;
  const serviceFrom = k?.serviceFrom ?? 'app.kubernetes.io/name';
  return {
    port: k?.port ?? 'metrics',
    path: s.metricsPath,
    scheme: s.scheme,
    interval: s.interval,
    scrapeTimeout: s.timeout,
    ...(s.credentialsFile === null
      ? {}
      : { authorization: { type: 'Bearer', credentials: { ...s.operator.tokenSecret } } }),
    relabelings: [
      { targetLabel: 'job', replacement: s.jobName },
      {
        sourceLabels: [`__meta_kubernetes_${kind}_label_${metaLabel(serviceFrom)}`],
        targetLabel: cfg.serviceLabel,
      },
    ],
  };
}

function monitorMeta(cfg: ResolvedMixinConfig) {
  return {
    name: cfg.scrape.jobName,
    namespace: cfg.scrape.operator.namespace,
    labels: { ...cfg.scrape.operator.labels },
  };
}

function namespaceSelector(cfg: ResolvedMixinConfig) {
  const ns = cfg.scrape.kubernetes?.namespaces ?? [];
  return ns.length > 0 ? { matchNames: [...ns] } : { any: true };
}

/** The Prometheus Operator ServiceMonitor. */
export function serviceMonitor(cfg: ResolvedMixinConfig): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: monitorMeta(cfg),
    spec: {
      selector: {
        matchLabels: { ...(cfg.scrape.kubernetes?.selector ?? { 'app.kubernetes.io/part-of': 'glassbox' }) },
      },
      namespaceSelector: namespaceSelector(cfg),
      endpoints: [operatorEndpoint(cfg, 'service')],
    },
  };
}

/** The Prometheus Operator PodMonitor. */
export function podMonitor(cfg: ResolvedMixinConfig): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: monitorMeta(cfg),
    spec: {
      selector: {
        matchLabels: { ...(cfg.scrape.kubernetes?.selector ?? { 'app.kubernetes.io/part-of': 'glassbox' }) },
      },
      namespaceSelector: namespaceSelector(cfg),
      podMetricsEndpoints: [operatorEndpoint(cfg, 'pod')],
    },
  };
}

/**
 * The Pushgateway's ServiceMonitor, when one is configured: the gateway's Service (by
 * `pushgateway.serviceSelector`, in any namespace) with `honorLabels: true`, so pushed
 * series keep their `job` and `instance`, and `job` set to `pushgateway.jobName` for the
 * gateway's own metrics and `up` (which `PushgatewayDown` reads).
 */
export function pushgatewayServiceMonitor(cfg: ResolvedMixinConfig): Record<string, unknown> | undefined {
  const p = cfg.pushgateway;
  if (p === null) return undefined;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: {
      name: p.jobName,
      namespace: cfg.scrape.operator.namespace,
      labels: { ...cfg.scrape.operator.labels },
    },
    spec: {
      selector: { matchLabels: { ...p.serviceSelector } },
      namespaceSelector: { any: true },
      endpoints: [
        {
          port: p.servicePort,
          path: '/metrics',
          scheme: p.scheme,
          interval: cfg.scrape.interval,
          scrapeTimeout: cfg.scrape.timeout,
          honorLabels: true,
          relabelings: [{ targetLabel: 'job', replacement: p.jobName }],
        },
      ],
    },
  };
}
