// A newcomer's first ten minutes, as CI sees them: the published packages are packed
// (`pnpm pack`), installed with npm into a scratch project outside the workspace next to
// express and prom-client from the registry, and the README's "Quick start (Express)"
// is type-checked by tsc and run, once as an ES module and once as CommonJS, then
// scraped with and without the bearer token.
//
// The quick start is read from README.md, so the two stay in sync. It must define
// `app` (the Express app); the test appends one route and `app.listen()` to it.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'newcomer-token';

/** The ```ts block of the README's "## Quick start (Express)" section. */
function readQuickStart(readme: string): string {
  const section = /^## Quick start \(Express\)\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  const code = section === undefined ? undefined : /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error('README.md has no ```ts block under "## Quick start (Express)"');
  return code;
}

const HARNESS = `
// --- appended by test/integration/newcomer.test.ts: one route, and listen on a free port ---
app.get('/hello/:name', (req, res) => {
  res.json({ hello: req.params.name });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : -1 }));
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
`;

function pnpmCommand(): [string, string[]] {
  const onPath = (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'pnpm')));
  if (onPath) return ['pnpm', []];
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by pnpm when it runs the tests
  const execPath = process.env.npm_execpath;
  if (execPath?.includes('pnpm')) return [process.execPath, [execPath]];
  return ['npx', ['--yes', 'pnpm@10.34.8']];
}

interface PackedManifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
}

let dir: string;
const tarballs = new Map<string, string>(); // package name → tarball path

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glassbox-newcomer-'));
  const packDir = join(dir, 'tarballs');
  mkdirSync(packDir);
  const [pnpm, pre] = pnpmCommand();
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const manifestPath = join(root, 'packages', pkg, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PackedManifest;
    if (manifest.private === true) continue;
    if (!existsSync(join(root, 'packages', pkg, 'dist')))
      throw new Error(`packages/${pkg} is not built: run pnpm build first`);
    const before = new Set(readdirSync(packDir));
    execFileSync(pnpm, [...pre, 'pack', '--pack-destination', packDir], {
      cwd: join(root, 'packages', pkg),
      stdio: 'pipe',
    });
    const created = readdirSync(packDir).find((f) => !before.has(f));
    if (created === undefined) throw new Error(`pnpm pack produced no tarball for ${manifest.name}`);
    tarballs.set(manifest.name, join(packDir, created));
  }
  // The Express quick start needs @glassbox/express and its @glassbox/* dependencies.
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    const tgz = tarballs.get(name);
    if (tgz === undefined) throw new Error(`${name} was not packed`);
    needed.add(name);
    const packed = JSON.parse(
      execFileSync('tar', ['-xOzf', tgz, 'package/package.json'], { encoding: 'utf8' }),
    ) as PackedManifest;
    for (const [dep, range] of Object.entries(packed.dependencies ?? {})) {
      expect(range, `${name} → ${dep}`).not.toMatch(/^workspace:/);
      if (dep.startsWith('@glassbox/')) visit(dep);
    }
  };
  visit('@glassbox/express');
  const local = Object.fromEntries([...needed].map((name) => [name, `file:${tarballs.get(name)}`]));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'newcomer-service',
        private: true,
        dependencies: { ...local, express: '^5.1.0', 'prom-client': '^15.1.3' },
        devDependencies: { typescript: '5.9.3', '@types/express': '^5.0.0', '@types/node': '^20.19.0' },
        // Transitive @glassbox/* dependencies come from the tarballs too, never the registry.
        overrides: Object.fromEntries([...needed].map((name) => [name, `$${name}`])),
      },
      null,
      2,
    ),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'pipe',
    timeout: 240_000,
  });
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['ESM', 'module', /^import /m],
  ['CommonJS', 'commonjs', /require\("@glassbox\/express"\)/],
] as const)('README quick start (Express) as %s', (_label, type, emitted) => {
  let project: string;

  it('type-checks with tsc (NodeNext, strict) and compiles', () => {
    project = join(dir, type);
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type }));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          esModuleInterop: true,
          skipLibCheck: false,
          outDir: 'dist',
          types: ['node'],
        },
        include: ['src'],
      }),
    );
    const code = readQuickStart(readFileSync(join(root, 'README.md'), 'utf8'));
    writeFileSync(join(project, 'src', 'app.ts'), code + HARNESS);
    try {
      execFileSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', project], {
        stdio: 'pipe',
        encoding: 'utf8',
      });
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string };
      throw new Error(`tsc failed on the README quick start (${type}):\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    expect(readFileSync(join(project, 'dist', 'app.js'), 'utf8')).toMatch(emitted);
  });

  it('serves RED metrics on /metrics, only with the bearer token', async () => {
    const child = spawn(process.execPath, [join(project, 'dist', 'app.js')], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', METRICS_BEARER_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no port printed:\n${output}`)), 20_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          const m = /\{"port":(\d+)\}/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        void exited.then((code) => reject(new Error(`exited ${code}:\n${output}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/hello/ana`)).status).toBe(200);
      const anonymous = await fetch(`${base}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        401,
      );
      const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain('http_requests_total{method="GET",route="/hello/:name",status_code="200"} 1\n');
      expect(text).toContain('# TYPE http_request_duration_seconds histogram\n');
      expect(text).not.toContain('route="/metrics"');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
