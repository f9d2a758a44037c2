import { catalogDefinitions, resolveMetricName } from '@glassbox/core';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ALERT_DEFAULTS,
  ALERT_NAMES,
  generateMixin,
  type MixinConfig,
  MixinConfigError,
  metricNamesIn,
  OUTPUT_PATHS,
  substituteVariables,
} from '../src/index.js';

interface RuleFile {
  groups: { name: string; rules: Record<string, unknown>[] }[];
}

const y = <T>(text: string | undefined): T => parse(text as string) as T;

/** A config with every alert: the default plus a Pushgateway (BatchJobNotPushed). */
const EVERY_ALERT: MixinConfig = { pushgateway: { targets: ['pushgateway:9091'] } };

describe('alert rules', () => {
  const out = generateMixin(EVERY_ALERT);
  const alerts = y<RuleFile>(out.files[OUTPUT_PATHS.alertRules]);
  const slo = y<RuleFile>(out.files[OUTPUT_PATHS.sloRules]);
  const rules = [...alerts.groups, ...slo.groups].flatMap((g) => g.rules).filter((r) => 'alert' in r);

  it('generates every catalogued alert plus the SLO page and ticket alerts', () => {
    const names = rules.map((r) => r.alert);
    for (const a of ALERT_NAMES) expect(names).toContain(a);
    // two SLOs by default, each with a page and a ticket alert
    expect(names.filter((n) => n === 'SLOErrorBudgetBurnFast')).toHaveLength(2);
    expect(names.filter((n) => n === 'SLOErrorBudgetBurnSlow')).toHaveLength(2);
  });

  it('gives every alert a severity, a team, annotations and a runbook page', () => {
    for (const r of rules) {
      const labels = r.labels as Record<string, string>;
      const ann = r.annotations as { summary: string; description: string; runbook_url: string };
      expect(['critical', 'warning', 'info']).toContain(labels.severity);
      expect(labels.team).toBe('platform');
      expect(ann.summary.length).toBeGreaterThan(10);
      expect(ann.description.length).toBeGreaterThan(10);
      const page = ann.runbook_url.replace(`${out.config.runbookBaseUrl}/`, 'runbooks/');
      expect(ann.runbook_url.startsWith(out.config.runbookBaseUrl)).toBe(true);
      const runbook = out.files[page] as string;
      expect(runbook, `${r.alert} → ${page}`).toMatch(/## What it means\n\n\S/);
      expect(runbook).toMatch(/## First queries\n\n- .+:\n\n```promql\n\S/);
      expect(runbook).toMatch(/## Likely causes\n\n- \S/);
      expect(runbook).toContain(r.expr as string);
    }
    const severities = new Set(rules.map((r) => (r.labels as Record<string, string>).severity));
    expect([...severities].sort()).toEqual(['critical', 'info', 'warning']);
  });

  it('uses the thresholds and for: durations of the users’ runbooks', () => {
    const rule = (name: string) => rules.find((r) => r.alert === name) as Record<string, string>;
    expect(rule('HighLatency').expr).toMatch(/> 0\.5$/);
    expect(rule('HighLatency').for).toBe('2m');
    expect(rule('CriticalLatency').expr).toMatch(/> 1$/);
    expect(rule('CriticalLatency').for).toBe('1m');
    expect(rule('HighErrorRate').expr).toMatch(/> 0\.05$/);
    expect(rule('HighErrorRate').for).toBe('3m');
    expect(rule('HighActiveRequests').expr).toMatch(/> 100$/);
    expect(rule('SlowModelPredictions').expr).toMatch(/ml_prediction_duration_seconds_bucket[\s\S]*> 0\.5$/);
    expect(rule('LLMCostOverBudget').expr).toMatch(/\* 3600\n> 10$/);
    expect(rule('LLMCostOverBudget').for).toBe('15m');
    expect(rule('UnbalancedPredictions').for).toBe('10m');
    expect(rule('ServiceDown').expr).toBe('up{job="glassbox"} == 0');
    expect(rule('BatchJobStale').expr).toMatch(
      /^time\(\) - max by \(job, service, job_name\) \(batch_job_last_success_timestamp_seconds\{job="glassbox"\}\)\n> 93600$/,
    );
    expect(rule('FeatureDriftDetected').expr).toBe(
      'max by (job, service, model, feature) (ml_drift_detected{job="glassbox"}) == 1',
    );
    expect(rule('FeatureDriftDetected').for).toBe('5m');
    expect(rule('ConsumerStalled').expr).toContain('unless');
    expect(ALERT_DEFAULTS.HighLatency).toEqual({ threshold: 0.5, for: '2m', severity: 'warning' });
  });

  it('applies per-alert overrides and drops disabled alerts', () => {
    const o = generateMixin({
      team: 'risk',
      alerts: {
        HighLatency: { threshold: 0.25, for: '5m', severity: 'critical', team: 'sre' },
        InstrumentationErrors: { enabled: false },
      },
      batchJobIntervals: { 'risk-snapshot-backfill': 3600 },
    });
    const r = y<RuleFile>(o.files[OUTPUT_PATHS.alertRules]).groups.flatMap((g) => g.rules);
    const high = r.find((x) => x.alert === 'HighLatency') as Record<string, unknown>;
    expect(high.expr).toMatch(/> 0\.25$/);
    expect(high.for).toBe('5m');
    expect(high.labels).toEqual({ severity: 'critical', team: 'sre' });
    expect(r.find((x) => x.alert === 'HighErrorRate')?.labels).toEqual({
      severity: 'critical',
      team: 'risk',
    });
    expect(r.some((x) => x.alert === 'InstrumentationErrors')).toBe(false);
    expect(o.files['runbooks/instrumentation-errors.md']).toBeUndefined();
    const stale = r.find((x) => x.alert === 'BatchJobStale')?.expr as string;
    expect(stale).toContain('job_name!~"risk-snapshot-backfill"}) > 93600');
    expect(stale).toContain('job_name="risk-snapshot-backfill"}) > 3600');
  });

  it('writes promtool tests: firing and silent scenarios for every alert', () => {
    const tests = y<{
      rule_files: string[];
      tests: {
        name: string;
        input_series: { series: string }[];
        alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string> }[] }[];
      }[];
    }>(out.files[OUTPUT_PATHS.ruleTests]);
    expect(tests.rule_files).toEqual([
      '../rules/glassbox-alerts.yml',
      '../rules/glassbox-recording.yml',
      '../rules/glassbox-slo.yml',
    ]);
    for (const name of [...ALERT_NAMES, 'SLOErrorBudgetBurnFast', 'SLOErrorBudgetBurnSlow']) {
      const groups = tests.tests.filter((t) => t.alert_rule_test.some((c) => c.alertname === name));
      expect(groups.length, name).toBeGreaterThan(0);
      for (const g of groups) {
        const scenarios = new Set(g.input_series.map((x) => /service="([a-z]+-\d+)"/.exec(x.series)?.[1]));
        expect(
          [...scenarios].some((v) => v?.startsWith('fire-')),
          `${name} has a firing scenario`,
        ).toBe(true);
        expect(
          [...scenarios].some((v) => v?.startsWith('silent-')),
          `${name} has a silent scenario`,
        ).toBe(true);
        const exp = g.alert_rule_test.flatMap((c) => c.exp_alerts);
        // exactly the firing scenarios are expected to alert
        expect(exp.map((e) => e.exp_labels.service).sort()).toEqual(
          [...scenarios].filter((v) => v?.startsWith('fire-')).sort(),
        );
      }
    }
  });
});

describe('SLOs', () => {
  it('records the error ratio over every window and alerts on 14.4x/6x (page) and 3x/1x (ticket)', () => {
    const out = generateMixin({ slos: [{ name: 'api', type: 'availability', objective: 0.999 }] });
    const groups = y<RuleFile>(out.files[OUTPUT_PATHS.sloRules]).groups;
    const rec = groups.find((g) => g.name === 'glassbox-slo-api')?.rules ?? [];
    expect(rec.map((r) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `slo:sli_error:ratio_rate${w}`),
    );
    expect(rec.every((r) => (r.labels as Record<string, string>).slo === 'api')).toBe(true);
    expect(rec[0]?.expr).toContain('status_code=~"5.."}[5m]');
    const alerts = groups.find((g) => g.name === 'glassbox-slo-api-alerts')?.rules ?? [];
    const page = alerts.find((a) => a.alert === 'SLOErrorBudgetBurnFast') as Record<string, unknown>;
    const ticket = alerts.find((a) => a.alert === 'SLOErrorBudgetBurnSlow') as Record<string, unknown>;
    expect(page.labels).toEqual({ severity: 'critical', team: 'platform', slo: 'api' });
    expect(ticket.labels).toEqual({ severity: 'warning', team: 'platform', slo: 'api' });
    const clean = (e: unknown) => String(e).replace(/\s+/g, ' ');
    expect(clean(page.expr)).toBe(
      '( slo:sli_error:ratio_rate1h{slo="api"} > 0.0144 and slo:sli_error:ratio_rate5m{slo="api"} > 0.0144 ) or ' +
        '( slo:sli_error:ratio_rate6h{slo="api"} > 0.006 and slo:sli_error:ratio_rate30m{slo="api"} > 0.006 )',
    );
    expect(clean(ticket.expr)).toBe(
      '( slo:sli_error:ratio_rate1d{slo="api"} > 0.003 and slo:sli_error:ratio_rate2h{slo="api"} > 0.003 ) or ' +
        '( slo:sli_error:ratio_rate3d{slo="api"} > 0.001 and slo:sli_error:ratio_rate6h{slo="api"} > 0.001 )',
    );
  });

  it('measures a latency SLO on the bucket at its threshold', () => {
    const out = generateMixin({
      slos: [{ name: 'fast', type: 'latency', objective: 0.99, threshold: 0.25 }],
    });
    const rec = y<RuleFile>(out.files[OUTPUT_PATHS.sloRules]).groups[0]?.rules[0];
    expect(rec?.expr).toContain('http_request_duration_seconds_bucket{job="glassbox", le="0.25"}[5m]');
    expect(rec?.expr).toContain('http_request_duration_seconds_count{job="glassbox"}[5m]');
    // Whole-number bounds match both `1` (Prometheus 2, as exposed) and `1.0` (Prometheus 3 normalises `le`).
    const one = generateMixin({ slos: [{ name: 'one', type: 'latency', objective: 0.99, threshold: 1 }] });
    expect(y<RuleFile>(one.files[OUTPUT_PATHS.sloRules]).groups[0]?.rules[0]?.expr).toContain(
      'le=~"1(\\\\.0)?"}[5m]',
    );
  });

  it('refuses a latency SLO whose threshold is not a bucket boundary', () => {
    const bad: MixinConfig = {
      slos: [
        {
          name: 'p',
          type: 'latency',
          objective: 0.95,
          metric: 'ml_prediction_duration_seconds',
          threshold: 0.3,
        },
      ],
    };
    expect(() => generateMixin(bad)).toThrow(MixinConfigError);
    expect(() => generateMixin(bad)).toThrow(
      /slos\[0\]\.threshold.*0\.3 s is not a bucket boundary of ml_prediction_duration_seconds \(buckets: 0\.005, .*0\.25, 0\.5, 1/,
    );
    expect(() =>
      generateMixin({
        slos: [{ name: 'p', type: 'latency', objective: 0.95, metric: 'ml_predictions_total', threshold: 1 }],
      }),
    ).toThrow(/needs a histogram/);
    expect(() => generateMixin({ slos: [{ name: 'p', type: 'availability', objective: 99.9 }] })).toThrow(
      /slos\[0\]\.objective.*strictly between 0 and 1/,
    );
  });
});

describe('recording rules', () => {
  it('records per-route and per-model quantiles and rates, named from the exposed names', () => {
    const out = generateMixin({});
    const rules = y<RuleFile>(out.files[OUTPUT_PATHS.recordingRules]).groups[0]?.rules ?? [];
    const byName = Object.fromEntries(rules.map((r) => [r.record, r.expr]));
    expect(byName['job_service_route:http_request_duration_seconds:p95_rate5m']).toBe(
      'histogram_quantile(0.95, sum by (job, service, route, le) (rate(http_request_duration_seconds_bucket{job="glassbox"}[5m])))',
    );
    expect(byName['job_service_model:ml_prediction_duration_seconds:p99_rate5m']).toContain(
      'histogram_quantile(0.99',
    );
    expect(byName['job_service_route_status_code:http_requests:rate5m']).toBe(
      'sum by (job, service, route, status_code) (rate(http_requests_total{job="glassbox"}[5m]))',
    );
    // dashboards read the recorded series
    const overview = JSON.stringify(out.dashboards['service-overview.json']);
    expect(overview).toContain('job_service_route:http_request_duration_seconds:p95_rate5m{job=~\\"$job\\"');
  });
});

describe('dashboards', () => {
  const out = generateMixin({});
  const keys = ['service-overview', 'ml', 'drift', 'batch', 'consumers', 'llm'];

  it('has a datasource variable, job/service variables and stable UIDs', () => {
    expect(Object.keys(out.dashboards).sort()).toEqual(keys.map((k) => `${k}.json`).sort());
    for (const key of keys) {
      const d = out.dashboards[`${key}.json`] as unknown as {
        uid: string;
        title: string;
        templating: { list: { name: string; type: string; query: unknown }[] };
        panels: { id: number; type: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
      };
      expect(d.uid).toBe(`glassbox-${key}`);
      const vars = d.templating.list;
      expect(vars[0]).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
      expect(vars.map((v) => v.name).slice(0, 3)).toEqual(['datasource', 'job', 'service']);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels.filter((x) => x.type !== 'row')) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
        expect(p.datasource?.uid).toBe('${datasource}');
        expect(p.targets?.length).toBeGreaterThan(0);
      }
    }
    // the same config gives byte-identical JSON (stable for git and provisioning)
    expect(generateMixin({}).files['grafana/dashboards/ml.json']).toBe(
      out.files['grafana/dashboards/ml.json'],
    );
  });

  it('covers RED, prediction latency vs the SLO, score distribution, rollouts, drift, batch, consumers and LLM', () => {
    const text = (k: string) => out.files[`grafana/dashboards/${k}.json`] as string;
    expect(text('ml')).toContain('ml_prediction_score_bucket');
    expect(text('ml')).toContain('ml_model_info');
    expect(text('ml')).toContain('"title": "Prediction p95 vs SLO"');
    expect(text('ml')).toMatch(/"value": 0.5,\s*"color": "red"/);
    expect(text('drift')).toContain('ml_drift_threshold');
    expect(text('batch')).toContain('time() - max by (job_name) (batch_job_last_success_timestamp_seconds');
    expect(text('batch')).toContain('batch_job_triggers_total');
    expect(text('consumers')).toContain('rabbitmq_messages_in_flight');
    expect(text('consumers')).toContain('rabbitmq_message_age_seconds_bucket');
    expect(text('llm')).toContain('* 3600');
    expect(text('llm')).toContain('llm_tokens_total');
  });

  it('shows exemplars on the latency panels: an exemplar query on the raw buckets, its line hidden', () => {
    interface Panel {
      title: string;
      targets?: { expr: string; refId: string; exemplar?: boolean }[];
      fieldConfig?: { overrides: { matcher: { id: string; options: string }; properties: unknown[] }[] };
    }
    const panels = (key: string) => (out.dashboards[`${key}.json`] as unknown as { panels: Panel[] }).panels;
    const latency: Array<[string, string, string]> = [
      ['service-overview', 'p95 latency by route', 'http_request_duration_seconds_bucket'],
      ['service-overview', 'p99 latency by route', 'http_request_duration_seconds_bucket'],
      ['ml', 'Prediction p95 vs SLO', 'ml_prediction_duration_seconds_bucket'],
      ['ml', 'Prediction p99', 'ml_prediction_duration_seconds_bucket'],
      ['consumers', 'Processing p95', 'rabbitmq_message_processing_duration_seconds_bucket'],
    ];
    for (const [key, title, bucket] of latency) {
      const p = panels(key).find((x) => x.title === title);
      const withExemplars = p?.targets?.filter((t) => t.exemplar === true) ?? [];
      expect(
        withExemplars.map((t) => t.refId),
        title,
      ).toEqual(['B']);
      // Prometheus returns the exemplars of the series a query selects: the raw buckets, not a recording.
      expect(metricNamesIn(withExemplars[0]?.expr ?? '')).toEqual([bucket]);
      expect(p?.fieldConfig?.overrides).toEqual([
        {
          matcher: { id: 'byFrameRefID', options: 'B' },
          properties: [{ id: 'custom.hideFrom', value: { viz: true, legend: true, tooltip: true } }],
        },
      ]);
      // the visible line is still the recorded quantile
      expect(p?.targets?.[0]?.exemplar).toBeUndefined();
    }
    const all = keys.flatMap((k) => panels(k).flatMap((p) => p.targets ?? []));
    expect(all.filter((t) => t.exemplar === true)).toHaveLength(latency.length);
  });
});

describe('naming options', () => {
  const naming = {
    prefix: 'acme_',
    rename: { http_requests_total: 'api_requests_total' },
    labelRename: { status_code: 'status', model: 'model_name' },
  };
  const out = generateMixin({ naming });
  const all = Object.entries(out.files);

  it('rules, dashboards and runbooks query the renamed metrics and labels', () => {
    const rules = out.files[OUTPUT_PATHS.alertRules] as string;
    expect(rules).toContain('api_requests_total{job="glassbox", status=~"5.."}');
    expect(rules).toContain('acme_ml_prediction_duration_seconds_bucket');
    expect(rules).toContain('sum by (job, service, model_name)');
    expect(out.files['grafana/dashboards/service-overview.json']).toContain(
      'job_service_route_status:api_requests:rate5m',
    );
    expect(out.files['grafana/dashboards/ml.json']).toContain('acme_ml_predictions_total');
    expect(out.files[OUTPUT_PATHS.recordingRules]).toContain('rate(api_requests_total{job="glassbox"}[5m])');
    expect(out.files['runbooks/high-error-rate.md']).toContain('api_requests_total');
  });

  it('the old names appear nowhere', () => {
    for (const [path, content] of all) {
      expect(content, path).not.toMatch(/\bhttp_requests_total\b/);
      expect(content, path).not.toMatch(/\bhttp_requests\b/);
      expect(content, path).not.toMatch(/(?<![a-z_])ml_predictions_total/);
      expect(content, path).not.toMatch(/\bstatus_code\b/);
      expect(content, path).not.toMatch(/\$labels\.model\b/);
    }
  });

  it('constant labels scope the rules, stay on alerts and recordings, and become dashboard variables', () => {
    const o = generateMixin({ naming: { ...naming, constLabels: { env: 'prod', region: 'eu' } } });
    const rules = o.files[OUTPUT_PATHS.alertRules] as string;
    expect(rules).toContain('api_requests_total{job="glassbox", env="prod", region="eu", status=~"5.."}');
    expect(rules).toContain('sum by (job, service, env, region) (');
    // `up` is a target series: the constant labels are not on it.
    expect(rules).toContain('expr: up{job="glassbox"} == 0');
    expect(o.recordedNames).toContain(
      'job_service_env_region_route:acme_http_request_duration_seconds:p95_rate5m',
    );
    const ml = o.dashboards['ml.json'] as unknown as {
      templating: { list: { name: string; query: unknown }[] };
    };
    expect(ml.templating.list.map((v) => v.name)).toEqual([
      'datasource',
      'job',
      'service',
      'env',
      'region',
      'model',
    ]);
    expect(ml.templating.list[3]?.query).toBe('label_values(acme_ml_predictions_total{job=~"$job"}, env)');
    expect(o.files['grafana/dashboards/ml.json']).toContain('env=~\\"$env\\", region=~\\"$region\\"');
    const tests = o.files[OUTPUT_PATHS.ruleTests] as string;
    expect(tests).toContain(
      'api_requests_total{service="fire-1", job="glassbox", env="prod", region="eu", method="GET"',
    );
    expect(tests).toMatch(/series: up\{service="fire-1", job="glassbox", instance="app-1:9464"\}/);
  });

  it('promtool test series carry the renamed names', () => {
    const tests = out.files[OUTPUT_PATHS.ruleTests] as string;
    expect(tests).toContain(
      'api_requests_total{service="fire-1", job="glassbox", method="GET", route="/users/:id", status="500"}',
    );
    expect(tests).toContain('model_name: risk-scoring');
  });
});

describe('every referenced metric is defined in the catalog', () => {
  const cases: [string, MixinConfig][] = [
    ['default naming', {}],
    ['renamed', { naming: { prefix: 'x_', rename: { http_requests_total: 'api_requests_total' } } }],
  ];
  it.each(cases)('%s', (_, config) => {
    const out = generateMixin(config);
    const naming = out.config.naming;
    const defined = new Set<string>(['up', ...out.recordedNames]);
    expect(out.definitions.map((d) => d.name)).toEqual(
      expect.arrayContaining([...catalogDefinitions().map((d) => d.name), 'ml_drift_detected']),
    );
    for (const def of out.definitions) {
      const name = resolveMetricName(def.name, naming);
      defined.add(name);
      if (def.kind === 'histogram') for (const s of ['_bucket', '_count', '_sum']) defined.add(`${name}${s}`);
    }
    expect(out.expressions.length).toBeGreaterThan(80);
    const used = new Set<string>();
    for (const e of out.expressions) {
      for (const n of metricNamesIn(e.expr)) {
        expect(defined.has(n), `${e.source}: ${n}`).toBe(true);
        used.add(n);
      }
    }
    // Every catalog metric is used somewhere (rules or dashboards).
    for (const def of out.definitions) {
      const name = resolveMetricName(def.name, naming);
      const hit = [...used].some((u) => u === name || u === `${name}_bucket` || u === `${name}_count`);
      expect(hit, `${def.name} is used`).toBe(true);
    }
  });
});

describe('metricNamesIn', () => {
  /** Names found by the real PromQL grammar (Prometheus' own lezer parser). */
  function lezerNames(expr: string): string[] {
    const tree = parser.parse(expr);
    const names: string[] = [];
    let error = false;
    tree.iterate({
      enter(node) {
        if (node.type.isError) error = true;
        if (node.name === 'VectorSelector') {
          const id = node.node.getChild('Identifier');
          if (id !== null) {
            const n = expr.slice(id.from, id.to);
            if (!names.includes(n)) names.push(n);
          }
        }
      },
    });
    if (error) throw new Error(`lezer could not parse: ${expr}`);
    return names;
  }

  it('finds selectors, not functions, labels, keywords or durations', () => {
    expect(
      metricNamesIn(
        'sum by (job, le) (rate(a_bucket{le="0.5", x=~"y|z"}[5m])) / ignoring (le) group_left sum(increase(b_total[1h] offset 10m)) > bool 0.5 or on (job) c unless d:rec:rate5m',
      ),
    ).toEqual(['a_bucket', 'b_total', 'c', 'd:rec:rate5m']);
    expect(metricNamesIn('label_replace(x, "bucket", "0.1", "__name__", ".*") and {__name__="y"}')).toEqual([
      'x',
      'y',
    ]);
    expect(metricNamesIn('time() - max without (instance) (ts{a="b"}) > 3600')).toEqual(['ts']);
    expect(metricNamesIn('sum(rate(x[$__rate_interval])) * 3600')).toEqual(['x']);
  });

  it('agrees with the PromQL grammar on every generated expression', () => {
    const out = generateMixin({
      naming: { labelRename: { model: 'm' }, rename: { ml_drift_score: 'drift_psi' } },
    });
    for (const e of out.expressions) {
      const expr = substituteVariables(e.expr);
      expect(metricNamesIn(expr).sort(), e.source).toEqual(lezerNames(expr).sort());
    }
  });
});

describe('substituteVariables', () => {
  it('replaces Grafana variables for a direct query', () => {
    expect(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
      substituteVariables('rate(x{job=~"$job", s=~"${service}"}[$__rate_interval])', { job: 'api' }),
    ).toBe('rate(x{job=~"api", s=~".*"}[1m])');
  });
});

describe('pushgateway', () => {
  const scrapeJobs = (text: string | undefined) =>
    y<{ scrape_configs: Record<string, unknown>[] }>(text).scrape_configs;

  it('is off by default: no gateway scrape job, no BatchJobNotPushed, no runbook', () => {
    const out = generateMixin({});
    expect(out.config.pushgateway).toBeNull();
    expect(out.files[OUTPUT_PATHS.prometheusConfig]).not.toContain('honor_labels');
    expect(out.alerts.some((a) => a.alert === 'BatchJobNotPushed' || a.alert === 'PushgatewayDown')).toBe(
      false,
    );
    expect(out.files['runbooks/batch-job-not-pushed.md']).toBeUndefined();
    expect(out.files['runbooks/pushgateway-down.md']).toBeUndefined();
  });

  it('adds a scrape job with honor_labels to both prometheus.yml variants, and the staleness alert', () => {
    const out = generateMixin({
      pushgateway: { targets: ['pushgateway.monitoring:9091'] },
      alerts: { BatchJobNotPushed: { threshold: 7200 } },
    });
    const gateway = {
      job_name: 'pushgateway',
      honor_labels: true,
      metrics_path: '/metrics',
      scheme: 'http',
      scrape_interval: '15s',
      scrape_timeout: '10s',
      static_configs: [{ targets: ['pushgateway.monitoring:9091'] }],
    };
    expect(scrapeJobs(out.files[OUTPUT_PATHS.prometheusConfig]).at(-1)).toEqual(gateway);
    expect(scrapeJobs(out.files[OUTPUT_PATHS.prometheusKubernetesConfig]).at(-1)).toEqual(gateway);
    const alert = out.alerts.find((a) => a.alert === 'BatchJobNotPushed');
    expect(alert?.expr).toBe('time() - push_time_seconds{job="glassbox"} > 7200');
    expect(alert?.group).toBe('glassbox-batch');
    expect(out.files['runbooks/batch-job-not-pushed.md']).toContain('push_time_seconds');
    // a gateway that is down leaves the pushed groups stale, so BatchJobNotPushed cannot fire
    const down = out.alerts.find((a) => a.alert === 'PushgatewayDown');
    expect(down?.expr).toBe('up{job="pushgateway"} == 0');
    expect([down?.group, down?.for, down?.severity]).toEqual(['glassbox-batch', '5m', 'warning']);
    expect(out.files['runbooks/pushgateway-down.md']).toContain('up{job="pushgateway"} == 0');
  });

  it('a gateway alone (no static targets) still gets a prometheus.yml; the gateway metric is never renamed', () => {
    const out = generateMixin({
      naming: { prefix: 'acme_' },
      groups: ['batch'],
      scrape: { targets: [], kubernetes: null },
      selector: 'job=~"glassbox|nightly"',
      pushgateway: { targets: ['127.0.0.1:9091'], jobName: 'gateway', scheme: 'https' },
    });
    expect(scrapeJobs(out.files[OUTPUT_PATHS.prometheusConfig]).map((j) => [j.job_name, j.scheme])).toEqual([
      ['gateway', 'https'],
    ]);
    expect(out.alerts.find((a) => a.alert === 'BatchJobNotPushed')?.expr).toBe(
      'time() - push_time_seconds{job=~"glassbox|nightly"} > 93600',
    );
    expect(out.alerts.find((a) => a.alert === 'PushgatewayDown')?.expr).toBe('up{job="gateway"} == 0');
  });

  it('validates the section: targets required, the batch group selected, no unknown keys', () => {
    expect(() => generateMixin({ pushgateway: { targets: [] } })).toThrow(
      /pushgateway\.targets.*gateway address/,
    );
    expect(() => generateMixin({ groups: ['http'], pushgateway: { targets: ['gw:9091'] } })).toThrow(
      /"pushgateway".*add batch to groups/,
    );
    expect(() => generateMixin({ pushgateway: { targets: ['gw:9091'], stale: '1h' } as never })).toThrow(
      MixinConfigError,
    );
    expect(() => generateMixin({ pushgateway: { targets: ['http://gw:9091'] } })).toThrow(MixinConfigError);
    expect(() => generateMixin({ pushgateway: { targets: ['gw:9091'], serviceSelector: {} } })).toThrow(
      /pushgateway\.serviceSelector.*every Service is scraped/,
    );
    expect(() =>
      generateMixin({ pushgateway: { targets: ['gw:9091'], serviceSelector: { app: 1 } as never } }),
    ).toThrow(/pushgateway\.serviceSelector\.app.*string/);
  });

  it('Prometheus Operator: a ServiceMonitor for the gateway with honorLabels, job set for its own metrics', () => {
    expect(generateMixin({}).files[OUTPUT_PATHS.pushgatewayServiceMonitor]).toBeUndefined();
    const monitor = (config: MixinConfig) =>
      y<Record<string, unknown>>(generateMixin(config).files[OUTPUT_PATHS.pushgatewayServiceMonitor]);
    expect(monitor({ pushgateway: { targets: ['pushgateway.monitoring:9091'] } })).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'pushgateway', namespace: 'monitoring', labels: { release: 'prometheus' } },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus-pushgateway' } },
        namespaceSelector: { any: true },
        endpoints: [
          {
            port: 'http',
            path: '/metrics',
            scheme: 'http',
            interval: '15s',
            scrapeTimeout: '10s',
            honorLabels: true,
            relabelings: [{ targetLabel: 'job', replacement: 'pushgateway' }],
          },
        ],
      },
    });
    const custom = monitor({
      pushgateway: {
        targets: ['gw:9091'],
        jobName: 'gateway',
        serviceSelector: { app: 'pushgateway' },
        servicePort: 'web',
      },
      scrape: { operator: { namespace: 'obs', labels: { team: 'platform' } } },
    }) as { metadata: unknown; spec: { selector: unknown; endpoints: Record<string, unknown>[] } };
    expect(custom.metadata).toEqual({ name: 'gateway', namespace: 'obs', labels: { team: 'platform' } });
    expect(custom.spec.selector).toEqual({ matchLabels: { app: 'pushgateway' } });
    expect(custom.spec.endpoints[0]).toMatchObject({
      port: 'web',
      relabelings: [{ targetLabel: 'job', replacement: 'gateway' }],
    });
    // the job label the ServiceMonitor sets is the one PushgatewayDown selects
    const out = generateMixin({ pushgateway: { targets: ['gw:9091'], jobName: 'gateway' } });
    expect(out.alerts.find((a) => a.alert === 'PushgatewayDown')?.expr).toBe('up{job="gateway"} == 0');
    expect(out.files[OUTPUT_PATHS.index]).toContain(OUTPUT_PATHS.pushgatewayServiceMonitor);
  });
});

describe('renamed built-in alerts (the names routes and silences already match)', () => {
  const config: MixinConfig = {
    alerts: { HighErrorRate: { name: 'HighAPIErrorRate' }, ServiceDown: { name: 'APIDown' } },
  };

  it('the rules, promtool tests, runbooks and Alertmanager inhibition use the new names', () => {
    const out = generateMixin(config);
    const names = out.alerts.map((a) => a.alert);
    expect(names).toContain('HighAPIErrorRate');
    expect(names).not.toContain('HighErrorRate');
    const tests = out.files['prometheus/tests/glassbox-alerts.test.yml'] ?? '';
    expect(tests).toMatch(/alertname: HighAPIErrorRate/);
    expect(tests).not.toMatch(/alertname: HighErrorRate\b/);
    expect(Object.keys(out.files).some((f) => f.endsWith('runbooks/high-api-error-rate.md'))).toBe(true);
    const am = out.files['alertmanager/alertmanager.yml'] ?? '';
    expect(am).toMatch(/alertname="APIDown"/);
    expect(am).not.toMatch(/ServiceDown/);
  });

  it.each([
    ['an invalid name', { HighErrorRate: { name: 'high-errors' } }, /alerts\.HighErrorRate\.name/],
    [
      'a name another alert has',
      { HighErrorRate: { name: 'ServiceDown' } },
      /"ServiceDown" is already the name of ServiceDown/,
    ],
  ])('rejects %s', (_label, alerts, message) => {
    expect(() => generateMixin({ alerts } as MixinConfig)).toThrow(message);
  });

  it('a team alert cannot take the name of a renamed built-in', () => {
    expect(() =>
      generateMixin({
        ...config,
        custom: { alerts: [{ alert: 'HighAPIErrorRate', expr: 'up == 0', summary: 'x' }] },
      }),
    ).toThrow(/custom\.alerts\[0\]\.alert.*alerts\.HighErrorRate\.name/);
  });
});
