/**
 * An Alertmanager routing example: critical alerts page (and continue to the team),
 * each team gets its warnings and its info alerts on separate receivers, and a critical
 * alert inhibits the warnings and infos of the same job and service.
 */
import type { ResolvedMixinConfig } from './config.js';
import type { AlertSpec } from './rules-model.js';

/** The alertmanager.yml object. */
export function alertmanagerConfig(
  cfg: ResolvedMixinConfig,
  alerts: readonly AlertSpec[],
): Record<string, unknown> {
  const teams = [...new Set([cfg.team, ...cfg.alertmanager.teams, ...alerts.map((a) => a.team)])];
  const url = cfg.alertmanager.webhookUrl;
  const serviceDown = cfg.alerts.ServiceDown?.name ?? 'ServiceDown';
  const receiver = (name: string) => ({ name, webhook_configs: [{ url, send_resolved: true }] });
  return {
    route: {
      receiver: 'default',
      group_by: ['alertname', 'job', cfg.serviceLabel, 'slo'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'pager', matchers: ['severity="critical"'], continue: true, repeat_interval: '1h' },
        ...teams.flatMap((team) => [
          { receiver: `${team}-alerts`, matchers: [`team="${team}"`, 'severity=~"critical|warning"'] },
          {
            receiver: `${team}-info`,
            matchers: [`team="${team}"`, 'severity="info"'],
            repeat_interval: '24h',
          },
        ]),
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity=~"warning|info"'],
        equal: ['job', cfg.serviceLabel],
      },
      {
        source_matchers: [`alertname="${serviceDown}"`],
        target_matchers: [`alertname!="${serviceDown}"`],
        equal: ['job', 'instance'],
      },
    ],
    receivers: [
      receiver('default'),
      receiver('pager'),
      ...teams.flatMap((team) => [receiver(`${team}-alerts`), receiver(`${team}-info`)]),
    ],
  };
}
