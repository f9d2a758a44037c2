/**
 * The generated files against the real tools: `promtool check config`, `promtool check
 * rules`, `promtool test rules` (every alert fires on its scenario and stays silent on a
 * healthy one — and a broken rule makes the tests fail), `amtool check-config`; also on
 * files generated under per-metric overrides and legacy names (renamed per-metric labels,
 * overridden buckets).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { generateMixin, type MixinConfig, OUTPUT_PATHS, writeMixin } from '../src/index.js';
import { TEAM } from './fixtures.js';
import { requireBinary, run } from './helpers.js';
import { SEED_001, SEED_002, SEED_004 } from './overrides-fixtures.js';

const promtool = requireBinary('promtool', 'prometheus');
const amtool = requireBinary('amtool', 'prometheus-alertmanager');

const configs: [string, MixinConfig][] = [
  ['default naming', {}],
  [
    'renamed metrics and labels',
    {
      naming: {
        prefix: 'acme_',
        rename: { http_requests_total: 'api_requests_total' },
        labelRename: { status_code: 'status', model: 'model_name' },
        constLabels: { env: 'prod' },
      },
      team: 'risk',
      // batch jobs push to a gateway: its scrape job and BatchJobNotPushed
      pushgateway: { targets: ['127.0.0.1:9091'] },
      slos: [
        { name: 'api', type: 'availability', objective: 0.995 },
        { name: 'api-latency', type: 'latency', objective: 0.99, threshold: 1 },
      ],
    },
  ],
  [
    'team rules and some groups',
    {
      groups: ['http', 'drift'],
      custom: TEAM,
      naming: {
        prefix: 'cp_',
        rename: { jobs_active: 'active_jobs' },
        labelRename: { result: 'outcome', feature: 'feat' },
      },
    },
  ],
  // Per-metric overrides and legacy names (the adoption seeds' configs).
  ['seed 001: outcome → tier on the model metric only', SEED_001],
  ['seed 002: 0.2 s bucket and a 200 ms latency SLO', SEED_002],
  ['seed 004: a legacy team metric and its alert', SEED_004],
];

describe.skipIf(promtool.skip)('promtool on the generated files', () => {
  let root: string;
  const dirs: Record<string, string> = {};
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'glassbox-mixin-promtool-'));
    const token = join(root, 'metrics-token');
    await writeFile(token, 'secret-token\n');
    for (const [name, config] of configs) {
      const dir = join(root, name.replace(/\W+/g, '-'));
      await writeMixin(generateMixin({ ...config, scrape: { credentialsFile: token } }), dir);
      dirs[name] = dir;
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const pt = (args: string[], cwd: string) => run(promtool.path as string, args, cwd);

  it.each(configs)('%s: check config and check rules pass', async (name) => {
    const dir = dirs[name] as string;
    const config = await pt(['check', 'config', OUTPUT_PATHS.prometheusConfig], dir);
    expect(config.stdout + config.stderr).toContain('SUCCESS');
    expect(config.code, config.stdout + config.stderr).toBe(0);
    const rules = await pt(
      ['check', 'rules', OUTPUT_PATHS.alertRules, OUTPUT_PATHS.recordingRules, OUTPUT_PATHS.sloRules],
      dir,
    );
    expect(rules.code, rules.stdout + rules.stderr).toBe(0);
    // 18 built-in alerts (20 with a Pushgateway); with groups http and drift 8 of them, plus the
    // team's 2; with http and llm 7, plus the team's 1.
    const count =
      {
        'team rules and some groups': 10,
        'renamed metrics and labels': 20,
        'seed 004: a legacy team metric and its alert': 8,
      }[name] ?? 18;
    expect(rules.stdout).toMatch(new RegExp(`glassbox-alerts\\.yml\\n\\s+SUCCESS: ${count} rules found`));
  });

  it('every config: promtool test rules — every alert fires on its scenario and stays silent on a healthy one', async () => {
    const results = await Promise.all(
      configs.map(([name]) => pt(['test', 'rules', OUTPUT_PATHS.ruleTests], dirs[name] as string)),
    );
    for (const r of results) {
      expect(r.stdout + r.stderr).toContain('SUCCESS');
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });

  it('the rule tests are not vacuous: a weakened or tightened rule fails them', async () => {
    const dir = dirs['default naming'] as string;
    const rulesPath = join(dir, OUTPUT_PATHS.alertRules);
    const original = await readFile(rulesPath, 'utf8');
    const testsDoc = parse(await readFile(join(dir, OUTPUT_PATHS.ruleTests), 'utf8')) as {
      tests: { name: string }[];
    };
    // Only the HighErrorRate cases, so the run stays short.
    const only = { ...testsDoc, tests: testsDoc.tests.filter((t) => t.name.startsWith('HighErrorRate:')) };
    expect(only.tests).toHaveLength(1);
    const testFile = join(dir, 'prometheus/tests/only-high-error-rate.test.yml');
    await mkdir(join(dir, 'prometheus/tests'), { recursive: true });
    await writeFile(testFile, stringify(only));
    try {
      const ok = await pt(['test', 'rules', 'prometheus/tests/only-high-error-rate.test.yml'], dir);
      expect(ok.code, ok.stdout).toBe(0);
      // 20 % errors no longer fires when the threshold is 50 %...
      await writeFile(rulesPath, original.replace(/\n {10}> 0\.05\n/, '\n          > 0.5\n'));
      const weak = await pt(['test', 'rules', 'prometheus/tests/only-high-error-rate.test.yml'], dir);
      expect(weak.code).not.toBe(0);
      expect(weak.stdout + weak.stderr).toMatch(
        /alertname: HighErrorRate[\s\S]*service="fire-1"[\s\S]*got:\[\]/,
      );
      // ...and 1 % errors fires when the threshold is 0.
      await writeFile(rulesPath, original.replace(/\n {10}> 0\.05\n/, '\n          > 0\n'));
      const tight = await pt(['test', 'rules', 'prometheus/tests/only-high-error-rate.test.yml'], dir);
      expect(tight.code).not.toBe(0);
      expect(tight.stdout + tight.stderr).toMatch(
        /alertname: HighErrorRate[\s\S]*got:\[[\s\S]*service="silent-1"/,
      );
    } finally {
      await writeFile(rulesPath, original);
      await rm(testFile, { force: true });
    }
  });

  it('the drift cases catch a direction-dependent rule: score > threshold fires on a healthy KS p-value', async () => {
    const dir = dirs['default naming'] as string;
    const rulesPath = join(dir, OUTPUT_PATHS.alertRules);
    const original = await readFile(rulesPath, 'utf8');
    const testsDoc = parse(await readFile(join(dir, OUTPUT_PATHS.ruleTests), 'utf8')) as {
      tests: { name: string }[];
    };
    const only = {
      ...testsDoc,
      tests: testsDoc.tests.filter((t) => t.name.startsWith('FeatureDriftDetected:')),
    };
    expect(only.tests).toHaveLength(1);
    const testFile = 'prometheus/tests/only-drift.test.yml';
    await writeFile(join(dir, testFile), stringify(only));
    const decision = 'max by (job, service, model, feature) (ml_drift_detected{job="glassbox"}) == 1';
    expect(original).toContain(decision);
    try {
      const ok = await pt(['test', 'rules', testFile], dir);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      // The old rule compared score and threshold for every method.
      const byScore =
        'max by (job, service, model, feature) (ml_drift_score{job="glassbox"}) > max by (job, service, model, feature) (ml_drift_threshold{job="glassbox"})';
      await writeFile(rulesPath, original.replace(decision, byScore));
      const wrong = await pt(['test', 'rules', testFile], dir);
      expect(wrong.code).not.toBe(0);
      // It misses the drifted KS/chi2 features and fires on the healthy ones.
      expect(wrong.stdout + wrong.stderr).toMatch(/FeatureDriftDetected[\s\S]*service="silent-2"/);
    } finally {
      await writeFile(rulesPath, original);
      await rm(join(dir, testFile), { force: true });
    }
  });

  it('the BatchJobNotPushed cases are not vacuous: a threshold never reached or always exceeded fails them', async () => {
    const dir = dirs['renamed metrics and labels'] as string;
    const rulesPath = join(dir, OUTPUT_PATHS.alertRules);
    const original = await readFile(rulesPath, 'utf8');
    const testsDoc = parse(await readFile(join(dir, OUTPUT_PATHS.ruleTests), 'utf8')) as {
      tests: { name: string }[];
    };
    const only = {
      ...testsDoc,
      tests: testsDoc.tests.filter((t) => t.name.startsWith('BatchJobNotPushed:')),
    };
    expect(only.tests).toHaveLength(1);
    const testFile = 'prometheus/tests/only-not-pushed.test.yml';
    await writeFile(join(dir, testFile), stringify(only));
    const rule = 'time() - push_time_seconds{job="glassbox"} > 93600';
    expect(original).toContain(rule);
    try {
      const ok = await pt(['test', 'rules', testFile], dir);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      await writeFile(rulesPath, original.replace(rule, rule.replace('93600', '9999999999')));
      const never = await pt(['test', 'rules', testFile], dir);
      expect(never.code).not.toBe(0);
      expect(never.stdout + never.stderr).toMatch(/BatchJobNotPushed[\s\S]*service="fire-1"[\s\S]*got:\[\]/);
      await writeFile(rulesPath, original.replace(rule, rule.replace('93600', '-1')));
      const always = await pt(['test', 'rules', testFile], dir);
      expect(always.code).not.toBe(0);
      expect(always.stdout + always.stderr).toMatch(
        /BatchJobNotPushed[\s\S]*got:\[[\s\S]*service="silent-1"/,
      );
    } finally {
      await writeFile(rulesPath, original);
      await rm(join(dir, testFile), { force: true });
    }
  });

  it('the team cases are not vacuous: a loosened team rule fails them', async () => {
    const dir = dirs['team rules and some groups'] as string;
    const rulesPath = join(dir, OUTPUT_PATHS.alertRules);
    const original = await readFile(rulesPath, 'utf8');
    expect(original).toContain('expr: sum by (job) (active_jobs{job="glassbox"}) > 100');
    try {
      await writeFile(
        rulesPath,
        original.replace('(active_jobs{job="glassbox"}) > 100', '(active_jobs{job="glassbox"}) > 5'),
      );
      const r = await pt(['test', 'rules', OUTPUT_PATHS.ruleTests], dir);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/TooManyActiveJobs stays silent: 10 active/);
    } finally {
      await writeFile(rulesPath, original);
    }
  });

  it('the committed docs/operations assets pass promtool (syntax-only: the token file lives in the Prometheus container)', async () => {
    const docs = fileURLToPath(new URL('../../../docs/operations/', import.meta.url));
    const config = await pt(['check', 'config', '--syntax-only', OUTPUT_PATHS.prometheusConfig], docs);
    expect(config.code, config.stdout + config.stderr).toBe(0);
    const rules = await pt(
      ['check', 'rules', OUTPUT_PATHS.alertRules, OUTPUT_PATHS.recordingRules, OUTPUT_PATHS.sloRules],
      docs,
    );
    expect(rules.code, rules.stdout + rules.stderr).toBe(0);
  });

  it('the Kubernetes variant: relabelling and auth pass promtool (SD itself where the build has it)', async () => {
    const dir = dirs['default naming'] as string;
    const r = await pt(['check', 'config', OUTPUT_PATHS.prometheusKubernetesConfig], dir);
    if (r.code !== 0) {
      // Debian's prometheus is built without the Kubernetes discovery plugin.
      expect(r.stdout + r.stderr).toMatch(/field kubernetes_sd_configs not found/);
      const doc = parse(await readFile(join(dir, OUTPUT_PATHS.prometheusKubernetesConfig), 'utf8')) as {
        scrape_configs: Record<string, unknown>[];
      };
      for (const job of doc.scrape_configs) {
        expect(job.kubernetes_sd_configs).toBeDefined();
        delete job.kubernetes_sd_configs;
        job.static_configs = [{ targets: ['127.0.0.1:9464'] }];
      }
      await writeFile(join(dir, 'prometheus/prometheus-kubernetes-static.yml'), stringify(doc));
      const rest = await pt(['check', 'config', 'prometheus/prometheus-kubernetes-static.yml'], dir);
      expect(rest.code, rest.stdout + rest.stderr).toBe(0);
    }
  });
});

describe.skipIf(amtool.skip)('amtool on the Alertmanager example', () => {
  it('check-config passes with the severity/team routes and inhibit rules', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'glassbox-mixin-amtool-'));
    try {
      await writeMixin(generateMixin({ alertmanager: { teams: ['ml'] } }), dir);
      const r = await run(amtool.path as string, ['check-config', OUTPUT_PATHS.alertmanager], dir);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('SUCCESS');
      expect(r.stdout).toContain('2 inhibit rules');
      expect(r.stdout).toContain('6 receivers');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(promtool.skip || amtool.skip)('the README', () => {
  it('its example config generates, and its "check them" block runs as written', async () => {
    const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const config = /```yaml\n# glassbox\.config\.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    const check = /Check them[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(config).toBeDefined();
    expect(check).toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), 'glassbox-mixin-readme-'));
    try {
      await writeFile(join(dir, 'glassbox.config.yaml'), config as string);
      const { runCli } = await import('../src/run-cli.js');
      let errors = '';
      const sink = { write: () => true };
      const err = { write: (s: string) => (errors += s) };
      const args = ['generate', '--config', join(dir, 'glassbox.config.yaml'), '--out', join(dir, 'ops')];
      expect(await runCli(args, sink, err), errors).toBe(0);
      const lines = (check as string).trim().split('\n');
      expect(lines.length).toBe(4);
      for (const line of lines) {
        const [tool, ...args] = line.split(/\s+/);
        const bin = tool === 'promtool' ? promtool.path : amtool.path;
        // The shell expands the glob; do the same.
        const expanded = await Promise.all(
          args.map(async (a) => {
            if (!a.includes('*')) return [a];
            const folder = a.slice(0, a.lastIndexOf('/'));
            const { readdir } = await import('node:fs/promises');
            return (await readdir(join(dir, folder)))
              .filter((f) => f.endsWith('.yml'))
              .map((f) => `${folder}/${f}`);
          }),
        );
        const r = await run(bin as string, expanded.flat(), dir);
        expect(r.code, `${line}\n${r.stdout}${r.stderr}`).toBe(0);
      }
      // The team alert of the example passed its own promtool cases above.
      expect(await readFile(join(dir, 'ops', OUTPUT_PATHS.ruleTests), 'utf8')).toContain(
        'RiskEvaluationsFailing fires: one failure every 5 s',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
