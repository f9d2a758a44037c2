import { catalogDefinitions, defineGauge } from '@glassbox/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  generateMixin,
  type MixinConfig,
  MixinConfigError,
  metricNamesIn,
  OUTPUT_PATHS,
  resolveConfig,
} from '../src/index.js';
import { TEAM } from './fixtures.js';

interface RuleFile {
  groups: { name: string; rules: Record<string, unknown>[] }[];
}
const y = <T>(text: string | undefined): T => parse(text as string) as T;

describe('team alerts, recording rules and dashboards (custom)', () => {
  const out = generateMixin({
    custom: TEAM,
    naming: { prefix: 'cp_', rename: { jobs_active: 'active_jobs' }, labelRename: { result: 'outcome' } },
  });
  const alerts = y<RuleFile>(out.files[OUTPUT_PATHS.alertRules]);
  const rules = alerts.groups.flatMap((g) => g.rules);

  it('resolves names through the naming options and scopes every selector by the rule selector', () => {
    expect(alerts.groups.map((g) => g.name)).toContain('glassbox-custom');
    expect(rules.find((r) => r.alert === 'TooManyActiveJobs')).toMatchObject({
      expr: 'sum by (job) (active_jobs{job="glassbox"}) > 100',
      for: '10m',
      labels: { severity: 'warning', team: 'content' },
    });
    const rec = y<RuleFile>(out.files[OUTPUT_PATHS.recordingRules]).groups.find(
      (g) => g.name === 'glassbox-custom-recording',
    );
    expect(rec?.rules[0]).toEqual({
      record: 'job:qc_block:ratio_rate30m',
      expr: 'sum by (job) (rate(cp_qc_checks_total{job="glassbox", outcome="block"}[30m])) / sum by (job) (rate(cp_qc_checks_total{job="glassbox"}[30m]))',
    });
    const panels = JSON.stringify(out.dashboards['content.json']);
    expect(panels).toContain(
      'cp_qc_score_bucket{job=~\\"$job\\", service=~\\"$service\\"}[$__rate_interval]',
    );
    expect(panels).toContain(
      'sum by (outcome) (rate(cp_qc_checks_total{job=~\\"$job\\", service=~\\"$service\\"}[5m]))',
    );
    expect(panels).toContain('"legendFormat":"{{outcome}}"');
    expect(out.files['runbooks/too-many-active-jobs.md']).toContain('active_jobs{job="glassbox"}');
  });

  it('writes promtool cases with renamed series carrying the selector labels', () => {
    const tests = y<{
      tests: { name: string; input_series: { series: string }[]; alert_rule_test: unknown[] }[];
    }>(out.files[OUTPUT_PATHS.ruleTests]).tests.filter((t) => t.name.startsWith('HighQCBlockRate'));
    expect(tests.map((t) => t.name)).toEqual([
      'HighQCBlockRate fires: 20 % blocked',
      'HighQCBlockRate stays silent: 5 % blocked',
    ]);
    expect(tests[0]?.input_series[0]?.series).toBe('cp_qc_checks_total{job="glassbox", outcome="block"}');
    expect(tests[1]?.alert_rule_test).toEqual([
      { eval_time: '90m', alertname: 'HighQCBlockRate', exp_alerts: [] },
    ]);
  });

  it('accepts plain-data definitions (YAML) and core definitions (.mjs) alike', () => {
    expect(out.definitions.map((d) => d.name)).toEqual(
      expect.arrayContaining(['qc_checks_total', 'jobs_active', 'qc_score']),
    );
    expect(() =>
      generateMixin({ custom: { metrics: [defineGauge({ name: 'jobs_active', help: 'x' })] } }),
    ).not.toThrow();
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'unknown key',
      { alerts: [{ alert: 'X', expr: 'up', summary: 's', sevrity: 'x' }] },
      /custom\.alerts\[0\]\.sevrity.*unknown option/,
    ],
    ['unknown section', { panels: [] }, /custom\.panels.*unknown option/],
    [
      'wrong type',
      { alerts: [{ alert: 'X', expr: 3, summary: 's' }] },
      /custom\.alerts\[0\]\.expr.*non-empty string/,
    ],
    ['missing summary', { alerts: [{ alert: 'X', expr: 'up' }] }, /custom\.alerts\[0\]\.summary.*required/],
    [
      'built-in alert',
      { alerts: [{ alert: 'HighLatency', expr: 'up', summary: 's' }] },
      /custom\.alerts\[0\]\.alert.*built-in/,
    ],
    [
      'bad metric',
      { metrics: [{ kind: 'counter', name: 'jobs', help: 'x' }] },
      /custom\.metrics\[0\].*must end in "_total"/,
    ],
    [
      'catalog clash',
      { metrics: [{ kind: 'counter', name: 'http_requests_total', help: 'x' }] },
      /custom\.metrics\[0\]\.name.*already defined/,
    ],
    [
      'dashboard clash',
      { dashboards: [{ key: 'ml', title: 't', rows: [] }] },
      /custom\.dashboards\[0\]\.key.*already a dashboard/,
    ],
    [
      'runbook causes not a list',
      { alerts: [{ alert: 'X', expr: 'up', summary: 's', runbook: { causes: 'x' } }] },
      /custom\.alerts\[0\]\.runbook\.causes.*list/,
    ],
    [
      'severity as a label',
      { alerts: [{ alert: 'X', expr: 'up', summary: 's', labels: { severity: 'page' } }] },
      /custom\.alerts\[0\]\.labels\.severity.*custom\.alerts\[0\]\.severity/,
    ],
    [
      'panel without queries',
      {
        dashboards: [{ key: 'x', title: 'x', rows: [{ title: 'r', panels: [{ title: 'p', queries: [] }] }] }],
      },
      /custom\.dashboards\[0\]\.rows\[0\]\.panels\[0\]\.queries.*at least one/,
    ],
    ['not an object', [], /custom.*must be an object/],
    [
      'test without fires',
      {
        alerts: [
          {
            alert: 'X',
            expr: 'up',
            summary: 's',
            tests: [{ name: 'n', series: [{ series: 'up', values: '1' }] }],
          },
        ],
      },
      /tests\[0\]\.fires/,
    ],
  ];
  it.each(bad)('rejects %s with an error naming the key', (_, custom, message) => {
    expect(() => resolveConfig({ custom } as MixinConfig)).toThrow(MixinConfigError);
    expect(() => resolveConfig({ custom } as MixinConfig)).toThrow(message);
  });

  it('rejects an expression over a metric nobody defines, naming the key', () => {
    expect(() =>
      generateMixin({ custom: { alerts: [{ alert: 'X', expr: 'rate(nope_total[5m]) > 0', summary: 's' }] } }),
    ).toThrow(/custom\.alerts\[0\]\.expr.*"nope_total".*neither a catalog metric/);
    expect(() =>
      generateMixin({
        custom: {
          dashboards: [
            {
              key: 'x',
              title: 'x',
              rows: [{ title: 'r', panels: [{ title: 'p', queries: [{ expr: 'nope' }] }] }],
            },
          ],
        },
      }),
    ).toThrow(/custom\.dashboards\[0\]\.rows\[0\]\.panels\[0\]\.queries\[0\]\.expr.*"nope"/);
  });
});

describe('groups', () => {
  it('generates only the selected groups: no empty dashboards, alerts or recordings', () => {
    const out = generateMixin({ groups: ['http', 'model'] });
    expect(Object.keys(out.dashboards)).toEqual(['service-overview.json', 'ml.json']);
    const names = out.alerts.map((a) => a.alert);
    expect(names).toContain('ServiceDown');
    expect(names).toContain('InstrumentationErrors');
    expect(names).toContain('SlowModelPredictions');
    for (const n of ['FeatureDriftDetected', 'BatchJobFailed', 'ConsumerStalled', 'LLMCostOverBudget'])
      expect(names).not.toContain(n);
    const groupOf = new Map(out.definitions.map((d) => [d.name, d.group]));
    for (const e of out.expressions) {
      for (const n of metricNamesIn(e.expr)) {
        const base = n.replace(/_(bucket|count|sum)$/, '');
        const group = groupOf.get(groupOf.has(n) ? n : base);
        if (group !== undefined) expect(['http', 'model', 'sdk'], `${e.source}: ${n}`).toContain(group);
      }
    }
    expect(out.config.slos.map((s) => s.name)).toEqual(['http-availability', 'prediction-latency']);
  });

  it('drops the default SLOs and overview panels of unselected groups', () => {
    const out = generateMixin({ groups: ['batch'], naming: { constLabels: { env: 'prod' } } });
    expect(out.config.slos).toEqual([]);
    expect(Object.keys(out.dashboards)).toEqual(['service-overview.json', 'batch.json']);
    const overview = out.files['grafana/dashboards/service-overview.json'] as string;
    expect(overview).not.toContain('http_request');
    expect(overview).toContain('label_values(batch_job_duration_seconds{job=~\\"$job\\"}, env)');
    expect(out.recording[0]?.rules.map((r) => r.record)).toEqual([
      'job_service_env_job_name:batch_job_duration_seconds:p99_rate1h',
    ]);
  });

  it('defaults to every group and rejects unknown groups or SLOs on unselected groups', () => {
    expect(resolveConfig({}).groups).toEqual([
      'http',
      'http_client',
      'model',
      'drift',
      'batch',
      'consumer',
      'llm',
    ]);
    expect(() => resolveConfig({ groups: ['htp'] as never })).toThrow(
      /groups\[0\].*"htp" is not a catalog group/,
    );
    expect(() =>
      resolveConfig({
        groups: ['http'],
        slos: [
          {
            name: 'p',
            type: 'latency',
            objective: 0.9,
            metric: 'ml_prediction_duration_seconds',
            threshold: 0.5,
          },
        ],
      }),
    ).toThrow(/slos\[0\].*reads the model group, which is not in groups/);
  });
});

describe('generated text', () => {
  it('names no renamed catalog metric or label anywhere, in any file', () => {
    const names = generateMixin({}).definitions.map((d) => d.name);
    const labels = [...new Set(catalogDefinitions().flatMap((d) => d.labelNames))];
    const out = generateMixin({
      naming: {
        rename: Object.fromEntries(names.map((n) => [n, `team_${n}`])),
        labelRename: Object.fromEntries(labels.map((l) => [l, `t_${l}`])),
      },
    });
    expect(Object.keys(out.files).length).toBeGreaterThan(30);
    for (const [path, content] of Object.entries(out.files)) {
      for (const n of names)
        expect(content, `${path}: ${n}`).not.toMatch(new RegExp(`(?<![A-Za-z0-9_:])${n}(?![A-Za-z0-9_])`));
      // Label names appear in selectors, groupings, templates and backticks; each of these forms is renamed.
      for (const l of labels) {
        expect(content, `${path}: ${l}`).not.toMatch(
          new RegExp(`[{,(]\\s*${l}\\s*(=|!=|=~|!~|,|\\))|\\$labels\\.${l}\\b|\`${l}\`|\\{\\{${l}\\}\\}`),
        );
      }
    }
  });

  it('links runbooks to the pages the mixin writes unless a base URL is given', () => {
    const out = generateMixin({});
    const rule = y<RuleFile>(out.files[OUTPUT_PATHS.alertRules]).groups[0]?.rules[0] as {
      annotations: Record<string, string>;
    };
    expect(rule.annotations.runbook_url).toBe('runbooks/service-down.md');
    expect(out.files['runbooks/service-down.md']).toBeDefined();
    const hosted = generateMixin({ runbookBaseUrl: 'https://git.example.com/ops/blob/main/runbooks/' });
    expect(hosted.files[OUTPUT_PATHS.alertRules]).toContain(
      'runbook_url: https://git.example.com/ops/blob/main/runbooks/service-down.md',
    );
    expect(() => resolveConfig({ runbookBaseUrl: 'ftp://x/y' })).toThrow(
      /runbookBaseUrl.*http\(s\) URL or a relative path/,
    );
  });
});

describe('drift alert', () => {
  it('reads the drift decision, with a firing and a silent case per method', () => {
    const out = generateMixin({});
    const drift = out.alerts.find((a) => a.alert === 'FeatureDriftDetected');
    expect(drift?.expr).toBe(
      'max by (job, service, model, feature) (ml_drift_detected{job="glassbox"}) == 1',
    );
    expect(drift?.expr).not.toContain('ml_drift_score');
    for (const method of ['psi', 'ks', 'js', 'wasserstein', 'chi2']) {
      const fire = drift?.fire.find((c) => c.name.startsWith(`${method}:`));
      const silent = drift?.silent.find((c) => c.name.startsWith(`${method}:`));
      expect(fire?.series.map((s) => s.series).join()).toContain(
        `ml_drift_detected{job="glassbox", model="risk-scoring", feature="deal_size", method="${method}"}`,
      );
      expect(fire?.series[0]?.values).toBe('1x90');
      expect(silent?.series[0]?.values).toBe('0x90');
    }
    expect(() => resolveConfig({ alerts: { DriftScoreAboveThreshold: {} } } as never)).toThrow(
      /renamed to FeatureDriftDetected/,
    );
    expect(() => resolveConfig({ defaultDriftThreshold: 0.2 } as never)).toThrow(
      /defaultDriftThreshold.*removed/,
    );
  });

  it('shows the decision beside the score on the drift dashboard', () => {
    const drift = generateMixin({}).files['grafana/dashboards/drift.json'] as string;
    expect(drift).toContain('"title": "Drift decision (1 = drifted)"');
    expect(drift).toContain('ml_drift_detected{job=~\\"$job\\"');
    expect(drift).toContain('"title": "Drift score vs threshold"');
  });
});

describe('names, labels and buckets come from the resolved definitions', async () => {
  const { Ctx } = await import('../src/context.js');
  const { buildAlerts } = await import('../src/alerts.js');
  const { checkLatencySlo } = await import('../src/slo.js');
  /** A context whose resolved definitions carry what a per-metric override in core would produce. */
  function overridden() {
    const ctx = new Ctx(resolveConfig({}));
    const req = ctx.res('http_requests_total');
    ctx.resolved.set('http_requests_total', { ...req, labelNames: ['method', 'route', 'code'] });
    const dur = ctx.res('http_request_duration_seconds');
    ctx.resolved.set('http_request_duration_seconds', { ...dur, buckets: [0.05, 0.2, 1] });
    return ctx;
  }

  it('a per-metric label rename reaches the rules and the test series of that metric only', () => {
    const ctx = overridden();
    const errors = buildAlerts(ctx).find((a) => a.alert === 'HighErrorRate');
    expect(errors?.expr).toContain('http_requests_total{job="glassbox", code=~"5.."}');
    expect(errors?.fire[0]?.series[0]?.series).toContain('code="500"');
    // The duration histogram still exposes status_code: a label without its metric is ambiguous.
    expect(() => ctx.l('status_code')).toThrow(
      /"status_code" is exposed as code, status_code by different metrics/,
    );
    expect(ctx.l('status_code', 'http_request_duration_seconds')).toBe('status_code');
  });

  it('SLO bucket checks and latency test series use the resolved buckets', () => {
    const ctx = overridden();
    const slo = { name: 'p', type: 'latency' as const, objective: 0.99, threshold: 0.2 };
    expect(checkLatencySlo(ctx, slo, 0)).toBe('http_request_duration_seconds');
    expect(() => checkLatencySlo(ctx, { ...slo, threshold: 0.5 }, 0)).toThrow(/buckets: 0\.05, 0\.2, 1\)/);
    const latency = buildAlerts(ctx).find((a) => a.alert === 'HighLatency');
    expect(latency?.fire[0]?.series.map((s) => s.series).join()).toContain('le="0.2"');
  });
});
