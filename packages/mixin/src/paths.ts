/** Where the generated files go. */

/** Paths (relative to the output directory) of the generated files. */
export const OUTPUT_PATHS = Object.freeze({
  prometheusConfig: 'prometheus/prometheus.yml',
  prometheusKubernetesConfig: 'prometheus/prometheus-kubernetes.yml',
  alertRules: 'prometheus/rules/glassbox-alerts.yml',
  recordingRules: 'prometheus/rules/glassbox-recording.yml',
  sloRules: 'prometheus/rules/glassbox-slo.yml',
  ruleTests: 'prometheus/tests/glassbox-alerts.test.yml',
  serviceMonitor: 'kubernetes/servicemonitor.yaml',
  podMonitor: 'kubernetes/podmonitor.yaml',
  /** With `pushgateway`: the gateway's ServiceMonitor. */
  pushgatewayServiceMonitor: 'kubernetes/pushgateway-servicemonitor.yaml',
  prometheusRule: 'kubernetes/prometheusrule.yaml',
  alertmanager: 'alertmanager/alertmanager.yml',
  dashboards: 'grafana/dashboards',
  runbooks: 'runbooks',
  index: 'README.md',
});
