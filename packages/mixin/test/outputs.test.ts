import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  generateMixin,
  type MixinConfig,
  MixinConfigError,
  OUTPUT_PATHS,
  resolveConfig,
} from '../src/index.js';
import { runCli as main } from '../src/run-cli.js';

type Obj = Record<string, unknown>;
const y = (text: string | undefined): Obj => parse(text as string) as Obj;

describe('scrape configs', () => {
  it('static job with the bearer token from credentials_file', () => {
    const out = generateMixin({
      scrape: { targets: ['risk-analytics:8000'], labels: { service: 'risk-analytics' }, interval: '10s' },
    });
    const cfg = y(out.files[OUTPUT_PATHS.prometheusConfig]);
    expect(cfg.rule_files).toEqual([
      'rules/glassbox-alerts.yml',
      'rules/glassbox-recording.yml',
      'rules/glassbox-slo.yml',
    ]);
    expect(cfg.scrape_configs).toEqual([
      {
        job_name: 'glassbox',
        metrics_path: '/metrics',
        scheme: 'http',
        scrape_interval: '10s',
        scrape_timeout: '10s',
        authorization: { type: 'Bearer', credentials_file: '/etc/prometheus/secrets/metrics-token' },
        static_configs: [{ targets: ['risk-analytics:8000'], labels: { service: 'risk-analytics' } }],
      },
    ]);
  });

  it('static target groups with their own labels', () => {
    const out = generateMixin({
      scrape: {
        targets: [],
        staticConfigs: [
          { targets: ['risk:8000'], labels: { service: 'risk-analytics' } },
          { targets: ['ml:8001', 'ml:8002'], labels: { service: 'ml-service' } },
        ],
      },
    });
    const job = (y(out.files[OUTPUT_PATHS.prometheusConfig]).scrape_configs as Obj[])[0] as Obj;
    expect(job.static_configs).toEqual([
      { targets: ['risk:8000'], labels: { service: 'risk-analytics' } },
      { targets: ['ml:8001', 'ml:8002'], labels: { service: 'ml-service' } },
    ]);
    expect(() => generateMixin({ scrape: { staticConfigs: [{ targets: ['nope'] }] } })).toThrow(
      /scrape\.staticConfigs\[0\]\.targets\[0\].*host:port/,
    );
    expect(generateMixin({ scrape: { targets: [] } }).files[OUTPUT_PATHS.prometheusConfig]).toBeUndefined();
  });

  it('Kubernetes pod discovery selected by label, job and service labels set by relabelling', () => {
    const out = generateMixin({ scrape: { kubernetes: { namespaces: ['bi'], selector: { team: 'risk' } } } });
    const job = (y(out.files[OUTPUT_PATHS.prometheusKubernetesConfig]).scrape_configs as Obj[])[0] as Obj;
    expect(job.job_name).toBe('glassbox-kubernetes-pod');
    expect(job.kubernetes_sd_configs).toEqual([
      { role: 'pod', namespaces: { names: ['bi'] }, selectors: [{ role: 'pod', label: 'team=risk' }] },
    ]);
    expect(job.authorization).toEqual({
      type: 'Bearer',
      credentials_file: '/etc/prometheus/secrets/metrics-token',
    });
    expect(job.relabel_configs).toEqual([
      { source_labels: ['__meta_kubernetes_pod_label_team'], regex: 'risk', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'metrics', action: 'keep' },
      { target_label: 'job', replacement: 'glassbox' },
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], target_label: 'service' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
    ]);
  });

  it('endpoints role selects Services by label; no auth when credentialsFile is null', () => {
    const out = generateMixin({
      scrape: { credentialsFile: null, kubernetes: { role: 'endpoints', port: 'http-metrics' } },
    });
    const job = (y(out.files[OUTPUT_PATHS.prometheusKubernetesConfig]).scrape_configs as Obj[])[0] as Obj;
    expect(job.authorization).toBeUndefined();
    expect((job.kubernetes_sd_configs as Obj[])[0]).toEqual({
      role: 'endpoints',
      selectors: [{ role: 'service', label: 'app.kubernetes.io/part-of=glassbox' }],
    });
    expect((job.relabel_configs as Obj[]).slice(0, 2)).toEqual([
      {
        source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_part_of'],
        regex: 'glassbox',
        action: 'keep',
      },
      { source_labels: ['__meta_kubernetes_endpoint_port_name'], regex: 'http-metrics', action: 'keep' },
    ]);
  });

  it('ServiceMonitor and PodMonitor with the token from a Secret', () => {
    const out = generateMixin({});
    const sm = y(out.files[OUTPUT_PATHS.serviceMonitor]);
    const pm = y(out.files[OUTPUT_PATHS.podMonitor]);
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.kind).toBe('ServiceMonitor');
    expect(sm.metadata).toEqual({
      name: 'glassbox',
      namespace: 'monitoring',
      labels: { release: 'prometheus' },
    });
    const spec = sm.spec as Obj;
    expect(spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/part-of': 'glassbox' } });
    expect(spec.namespaceSelector).toEqual({ any: true });
    expect((spec.endpoints as Obj[])[0]).toEqual({
      port: 'metrics',
      path: '/metrics',
      scheme: 'http',
      interval: '15s',
      scrapeTimeout: '10s',
      authorization: { type: 'Bearer', credentials: { name: 'glassbox-metrics-token', key: 'token' } },
      relabelings: [
        { targetLabel: 'job', replacement: 'glassbox' },
        { sourceLabels: ['__meta_kubernetes_service_label_app_kubernetes_io_name'], targetLabel: 'service' },
      ],
    });
    expect(pm.kind).toBe('PodMonitor');
    expect(((pm.spec as Obj).podMetricsEndpoints as Obj[])[0]?.relabelings).toEqual([
      { targetLabel: 'job', replacement: 'glassbox' },
      { sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], targetLabel: 'service' },
    ]);
    const rule = y(out.files[OUTPUT_PATHS.prometheusRule]);
    expect(rule.kind).toBe('PrometheusRule');
    expect(((rule.spec as Obj).groups as Obj[]).length).toBeGreaterThan(8);
  });
});

describe('Alertmanager example', () => {
  it('routes by severity and team and inhibits warnings by criticals', () => {
    const am = y(
      generateMixin({ alertmanager: { teams: ['ml'] }, alerts: { ModelDriftDetected: { team: 'mlops' } } })
        .files[OUTPUT_PATHS.alertmanager],
    );
    const route = am.route as Obj;
    const routes = route.routes as Obj[];
    expect(routes[0]).toEqual({
      receiver: 'pager',
      matchers: ['severity="critical"'],
      continue: true,
      repeat_interval: '1h',
    });
    const receivers = routes.map((r) => r.receiver);
    expect(receivers).toEqual([
      'pager',
      'platform-alerts',
      'platform-info',
      'ml-alerts',
      'ml-info',
      'mlops-alerts',
      'mlops-info',
    ]);
    expect(am.inhibit_rules).toContainEqual({
      source_matchers: ['severity="critical"'],
      target_matchers: ['severity=~"warning|info"'],
      equal: ['job', 'service'],
    });
    const names = (am.receivers as Obj[]).map((r) => r.name);
    for (const r of receivers) expect(names).toContain(r);
  });
});

describe('config validation', () => {
  const bad: [string, MixinConfig, RegExp][] = [
    [
      'unknown key',
      { scrape: { intervall: '5s' } } as unknown as MixinConfig,
      /scrape\.intervall.*unknown option/,
    ],
    ['bad duration', { scrape: { interval: '5 seconds' } }, /scrape\.interval.*not a Prometheus duration/],
    [
      'timeout over interval',
      { scrape: { interval: '5s', timeout: '10s' } },
      /scrape\.timeout.*longer than the scrape interval/,
    ],
    ['bad target', { scrape: { targets: ['http://x:1/metrics'] } }, /scrape\.targets\[0\].*host:port/],
    [
      'bad severity',
      { alerts: { HighLatency: { severity: 'page' as 'critical' } } },
      /alerts\.HighLatency\.severity/,
    ],
    ['unknown alert', { alerts: { Nope: {} } } as unknown as MixinConfig, /alerts\.Nope.*unknown option/],
    ['bad for', { alerts: { HighLatency: { for: 'soon' } } }, /alerts\.HighLatency\.for/],
    [
      'latency SLO without threshold',
      { slos: [{ name: 'x', type: 'latency', objective: 0.9 }] },
      /slos\[0\]\.threshold/,
    ],
    [
      'duplicate SLO',
      {
        slos: [
          { name: 'x', type: 'availability', objective: 0.9 },
          { name: 'x', type: 'availability', objective: 0.99 },
        ],
      },
      /declared twice/,
    ],
    ['bad selector', { selector: '{job="x"}' }, /selector.*without braces/],
    ['bad webhook', { alertmanager: { webhookUrl: 'slack' } }, /alertmanager\.webhookUrl/],
    [
      'bad kubernetes role',
      { scrape: { kubernetes: { role: 'node' as 'pod' } } },
      /scrape\.kubernetes\.role/,
    ],
  ];
  it.each(bad)('%s', (_, config, message) => {
    expect(() => resolveConfig(config)).toThrow(MixinConfigError);
    expect(() => resolveConfig(config)).toThrow(message);
  });
  it('rejects a threshold on an alert that has none', () => {
    expect(() => generateMixin({ alerts: { ServiceDown: { threshold: 2 } } })).toThrow(
      /alerts\.ServiceDown\.threshold.*has no threshold/,
    );
  });
  it('rejects naming options core rejects', () => {
    expect(() => generateMixin({ naming: { prefix: 'Bad-' } })).toThrow(/prefix must be snake_case/);
    expect(() => generateMixin({ naming: { rename: { http_requests_total: 'api_requests' } } })).toThrow(
      /counter names must end in "_total"/,
    );
  });
});

describe('CLI', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glassbox-mixin-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const sink = () => {
    let text = '';
    const stream = new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    });
    return { stream, text: () => text };
  };
  const run = async (args: string[]) => {
    const out = sink();
    const err = sink();
    const code = await main(args, out.stream, err.stream);
    return { code, out: out.text(), err: err.text() };
  };

  it.each([
    ['yaml', 'config.yaml', 'naming:\n  rename:\n    http_requests_total: api_requests_total\nteam: risk\n'],
    [
      'json',
      'config.json',
      JSON.stringify({ naming: { rename: { http_requests_total: 'api_requests_total' } }, team: 'risk' }),
    ],
    [
      'mjs',
      'config.mjs',
      "export default { naming: { rename: { http_requests_total: 'api_requests_total' } }, team: 'risk' };\n",
    ],
  ])('generate --config <%s> --out <dir>', async (_, file, content) => {
    await writeFile(join(dir, file), content);
    const out = join(dir, `out-${file}`);
    const r = await run(['generate', '--config', join(dir, file), '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote \d+ files/);
    const rules = await readFile(join(out, OUTPUT_PATHS.alertRules), 'utf8');
    expect(rules).toContain('api_requests_total');
    expect(rules).toContain('team: risk');
    expect(await readFile(join(out, 'grafana/dashboards/service-overview.json'), 'utf8')).toContain(
      'api_requests',
    );
  });

  it('reports a bad config with the field and exits 1', async () => {
    await writeFile(
      join(dir, 'bad.yml'),
      'slos:\n  - name: p\n    type: latency\n    objective: 0.95\n    threshold: 0.3\n',
    );
    const r = await run(['generate', '-c', join(dir, 'bad.yml'), '-o', join(dir, 'bad-out')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/slos\[0\]\.threshold.*not a bucket boundary/);
    await writeFile(join(dir, 'broken.json'), '{ "team": ');
    const r2 = await run(['generate', '-c', join(dir, 'broken.json'), '-o', join(dir, 'bad-out')]);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/broken\.json is not valid JSON/);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['generate'])).code).toBe(2);
    expect((await run(['frobnicate', '--out', dir])).code).toBe(2);
    expect((await run(['generate', '--nope', '--out', dir])).code).toBe(2);
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('glassbox generate');
  });
});

describe('docs/operations', () => {
  it('holds exactly the assets generated for the default config (run `pnpm --filter @glassbox/mixin generate:docs`)', async () => {
    const docs = fileURLToPath(new URL('../../../docs/operations/', import.meta.url));
    const files = generateMixin({}).files;
    const committed: string[] = [];
    const walk = async (d: string) => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const full = join(d, e.name);
        if (e.isDirectory()) await walk(full);
        else committed.push(relative(docs, full).split('\\').join('/'));
      }
    };
    await walk(docs);
    expect(committed.sort()).toEqual(Object.keys(files).sort());
    for (const [path, content] of Object.entries(files)) {
      expect(await readFile(join(docs, path), 'utf8'), `${path} is stale`).toBe(content);
    }
  });
});

describe('integration prerequisites', () => {
  it('a missing binary fails under CI and skips locally', async () => {
    const { requireBinary } = await import('./helpers.js');
    const saved = process.env.CI;
    try {
      process.env.CI = 'true';
      expect(() => requireBinary('glassbox-no-such-binary', 'prometheus')).toThrow(
        /glassbox-no-such-binary is missing: install the Debian package "prometheus"/,
      );
      delete process.env.CI;
      expect(requireBinary('glassbox-no-such-binary', 'prometheus')).toEqual({ path: undefined, skip: true });
    } finally {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    }
  });
});
