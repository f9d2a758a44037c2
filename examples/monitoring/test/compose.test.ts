// Checks examples/docker-compose.yml without Docker: it parses, every path it mounts or
// builds from exists, the generated Prometheus config scrapes exactly the services on
// the ports they serve /metrics on, and the built assets are current.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error: plain ESM helper without type declarations
import { COMPOSE_TARGETS, composeFiles } from '../src/generate.mjs';

const examples = fileURLToPath(new URL('../../', import.meta.url));
const repo = join(examples, '..');
const EXAMPLES = [
  'risk-analytics',
  'ml-service',
  'workflow-orchestrator',
  'batch-worker',
  'content-pipeline',
];

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: { source: string; target: string }[];
  depends_on?: unknown;
}
const compose = parse(readFileSync(join(examples, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  secrets: Record<string, { environment?: string; file?: string }>;
};

function dockerEnv(name: string): Record<string, string> {
  const env: Record<string, string> = {};
  const text = readFileSync(join(examples, name, 'Dockerfile'), 'utf8');
  for (const line of text.split('\n').filter((l) => l.startsWith('ENV ')))
    for (const pair of line.slice(4).trim().split(/\s+/)) {
      const [k, v] = pair.split('=');
      if (k && v) env[k] = v;
    }
  return env;
}

describe('examples/docker-compose.yml', () => {
  it('has the examples, RabbitMQ, Prometheus, Alertmanager and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [...EXAMPLES, 'rabbitmq', 'prometheus', 'alertmanager', 'grafana'].sort(),
    );
    expect(
      readdirSync(examples)
        .filter((d) => existsSync(join(examples, d, 'Dockerfile')))
        .sort(),
    ).toEqual([...EXAMPLES].sort());
  });

  it.each(EXAMPLES)(
    '%s builds from its multi-stage Dockerfile with the token and broker settings',
    (name) => {
      const service = compose.services[name] as ComposeService;
      expect(service.build?.context).toBe('..');
      expect(service.build?.dockerfile).toBe(`examples/${name}/Dockerfile`);
      const dockerfile = readFileSync(join(repo, service.build?.dockerfile ?? ''), 'utf8');
      expect(dockerfile.match(/^FROM node:22-slim/gm)).toHaveLength(2);
      expect(dockerfile).toContain('npm install -g pnpm@10.34.8');
      expect(dockerfile).toMatch(/^USER node$/m);
      expect(dockerfile).toContain('CMD ["node", "dist/main.js"]');
      expect(existsSync(join(examples, name, 'Dockerfile.dockerignore'))).toBe(true);
      expect(service.environment?.METRICS_BEARER_TOKEN).toMatch(/^\$\{METRICS_BEARER_TOKEN/);
      expect(service.environment?.RABBITMQ_URL).toBe('amqp://guest:guest@rabbitmq:5672');
      const pkg = JSON.parse(readFileSync(join(examples, name, 'package.json'), 'utf8'));
      expect(pkg).toMatchObject({ name, private: true });
      expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['build', 'start', 'test']));
      expect(pkg.scripts.start).toBe('node dist/main.js');
    },
  );

  it('mounts only files that exist', () => {
    const mounts = Object.values(compose.services).flatMap((s) => s.volumes ?? []);
    expect(mounts.length).toBeGreaterThan(0);
    for (const mount of mounts) {
      const source = mount.split(':')[0] as string;
      expect(source.startsWith('./'), mount).toBe(true);
      expect(existsSync(join(examples, source)), mount).toBe(true);
    }
  });

  it('scrapes every example on the port its /metrics is served on, with the token as a credentials file', () => {
    const prometheus = parse(
      readFileSync(join(examples, 'monitoring/dist/prometheus/prometheus.yml'), 'utf8'),
    );
    const [job] = prometheus.scrape_configs;
    const secret = compose.services.prometheus?.secrets?.[0];
    expect(job.authorization).toEqual({ type: 'Bearer', credentials_file: secret?.target });
    expect(compose.secrets[secret?.source ?? '']).toEqual({ environment: 'METRICS_BEARER_TOKEN' });
    const targets = job.static_configs.map((c: { targets: string[]; labels: { service: string } }) => [
      c.labels.service,
      c.targets[0],
    ]);
    expect(targets.map(([s]: string[]) => s).sort()).toEqual([...EXAMPLES].sort());
    for (const [service, target] of targets) {
      const env = { ...dockerEnv(service), ...compose.services[service]?.environment };
      expect(target).toBe(`${service}:${env.METRICS_PORT ?? env.PORT}`);
    }
    for (const file of prometheus.rule_files)
      expect(existsSync(join(examples, 'monitoring/dist/prometheus', file)), file).toBe(true);
    expect(prometheus.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
    expect(COMPOSE_TARGETS.map((t: { service: string }) => t.service).sort()).toEqual([...EXAMPLES].sort());
  });

  it('provisions Grafana with the Prometheus datasource and the generated dashboards', () => {
    const ds = parse(
      readFileSync(join(examples, 'monitoring/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    );
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const dashboards = readdirSync(join(examples, 'monitoring/dist/grafana/dashboards'));
    expect(dashboards.length).toBeGreaterThanOrEqual(5);
    for (const d of dashboards) {
      const json = JSON.parse(readFileSync(join(examples, 'monitoring/dist/grafana/dashboards', d), 'utf8'));
      expect(json.uid, d).toMatch(/^glassbox-/);
    }
  });

  it('has generated files that are current (pnpm build)', () => {
    const files = composeFiles() as Record<string, string>;
    for (const [path, content] of Object.entries(files))
      expect(readFileSync(join(examples, 'monitoring/dist', path), 'utf8'), path).toBe(content);
  });
});
