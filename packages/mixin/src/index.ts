export { alertmanagerConfig } from './alertmanager.js';
export { ALERT_DEFAULTS } from './alerts.js';
export type {
  AlertmanagerConfig,
  AlertName,
  AlertOverride,
  CatalogGroupName,
  DashboardsConfig,
  KubernetesScrapeConfig,
  MixinConfig,
  OperatorConfig,
  ResolvedMixinConfig,
  ScrapeConfig,
  Severity,
  SloConfig,
  StaticTargetGroup,
} from './config.js';
export {
  ALERT_NAMES,
  durationSeconds,
  MIXIN_DEFAULTS,
  MixinConfigError,
  resolveConfig,
} from './config.js';
export type {
  CustomAlert,
  CustomAlertTest,
  CustomConfig,
  CustomDashboard,
  CustomMetric,
  CustomPanel,
  CustomRecording,
  ResolvedCustomConfig,
} from './custom-types.js';
export type { DashboardSpec, PanelQuery, PanelSpec, RowSpec } from './dashboards.js';
export type { ExpressionRef, MixinOutput } from './generate.js';
export { dashboardExpressions, generateMixin, OUTPUT_PATHS, writeMixin } from './generate.js';
export { loadConfig } from './load-config.js';
export { DEFAULT_VARIABLE_VALUES, metricNamesIn, substituteVariables } from './promql.js';
export type {
  AlertSpec,
  RecordingGroup,
  RecordingSpec,
  Runbook,
  TestCase,
  TestSeries,
} from './rules-model.js';
export type { CliOutput } from './run-cli.js';
export { runCli } from './run-cli.js';
export { renderRunbook, runbookFile, runbookUrl } from './runbooks.js';
export { podMonitor, prometheusConfig, scrapeConfigs, serviceMonitor } from './scrape.js';
export { BURN_RATE_WINDOWS, SLO_WINDOWS, sloRecordName } from './slo.js';
