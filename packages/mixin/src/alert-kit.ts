/**
 * What an alert row is made of: the row type (one small builder per part of the rule)
 * and the kit of helpers each builder receives. Adding an alert is adding a row to
 * {@link ALERT_ROWS} in `alerts.ts`.
 */
import type { AlertName, ResolvedMixinConfig } from './config.js';
import { type Ctx, num } from './context.js';
import { type Runbook, scopeLabels, type TestCase } from './rules-model.js';

/** Helpers shared by the alert builders, under one config. */
export interface AlertKit {
  readonly ctx: Ctx;
  readonly cfg: ResolvedMixinConfig;
  /** Labels every aggregated alert keeps, with the values of the synthetic series. */
  readonly scope: Record<string, string>;
  /** `{{ $labels.job }}`. */
  readonly who: string;
  /** `{{ $labels.<label, renamed> }}`. */
  lbl(label: string): string;
  /** The exposed `model` label. */
  readonly model: string;
  /** promtool values of a counter growing by `perMin` a minute for `steps` minutes. */
  counter(perMin: number, steps?: number): string;
}

/** Which catalog group an alert needs (`always`: generated whatever groups a service has). */
export type AlertNeeds =
  | 'always'
  | 'http'
  | 'http_client'
  | 'model'
  | 'drift'
  | 'batch'
  | 'consumer'
  | 'llm'
  | 'sdk'
  /** a Pushgateway is configured (`pushgateway`), which needs the batch group */
  | 'pushgateway';

/** One row of the alert table: each part of the rule is built by a small function of the kit and the threshold. */
export interface AlertRow {
  readonly name: AlertName;
  /** Rule group (`glassbox-http`, ...). */
  readonly group: string;
  /** The catalog group whose metrics the alert reads. */
  readonly needs: AlertNeeds;
  /** The metric whose definition names the labels the rule uses (`up` rules: none). */
  readonly metric?: string;
  expr(k: AlertKit, t: number): string;
  summary(k: AlertKit): string;
  description(k: AlertKit, t: number): string;
  runbook(k: AlertKit, t: number): Runbook;
  fire(k: AlertKit, t: number): (TestCase & { labels: Record<string, string> })[];
  silent(k: AlertKit, t: number): TestCase[];
}

/** The kit for a config. */
export function alertKit(ctx: Ctx): AlertKit {
  return {
    ctx,
    cfg: ctx.config,
    scope: scopeLabels(ctx),
    who: '{{ $labels.job }}',
    lbl: (l) => `{{ $labels.${ctx.l(l)} }}`,
    model: ctx.l('model'),
    counter: (perMin, steps = 90) => (perMin === 0 ? `0x${steps}` : `0+${perMin}x${steps}`),
  };
}

/** A ratio as a percentage: `0.05` → `5 %`. */
export const pct = (r: number): string => `${num(r * 100)} %`;

/** Seconds as text: `0.5` → `500 ms`, `2` → `2 s`. */
export const ms = (s: number): string => (s < 1 ? `${num(s * 1000)} ms` : `${num(s)} s`);

/** `increase(x[w]) > 0`, plus series born inside the window (a counter's first event has no increase). */
export function newEvents(by: string, sel: string, window: string): string {
  return (
    `sum by (${by}) (increase(${sel}[${window}])) > 0\n` +
    `or\nsum by (${by}) (${sel} unless ${sel} offset ${window}) > 0`
  );
}
