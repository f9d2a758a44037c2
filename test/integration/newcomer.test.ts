// A newcomer's first ten minutes, as CI sees them: the published packages are packed
// (`pnpm pack`), installed with npm into a scratch project outside the workspace next to
// express and prom-client from the registry (./tarballs.ts), and the README's "Quick
// start (Express)" is type-checked by tsc and run, once as an ES module and once as
// CommonJS, then scraped with and without the bearer token.
//
// The quick start is read from README.md, so the two stay in sync. It is a complete
// program: it defines the route `/hello/:name` and listens on `PORT`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileTs,
  freePort,
  installScratchProject,
  packGlassbox,
  root,
  waitForHttp,
  writeTsProject,
} from './tarballs.js';

const TOKEN = 'newcomer-token';

/** The ```ts block of the README's "## Quick start (Express)" section. */
function readQuickStart(readme: string): string {
  const section = /^## Quick start \(Express\)\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  const code = section === undefined ? undefined : /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error('README.md has no ```ts block under "## Quick start (Express)"');
  return code;
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glassbox-newcomer-'));
  const tarballs = packGlassbox(join(dir, 'tarballs'));
  // The Express quick start needs @glassbox/express and its @glassbox/* dependencies.
  installScratchProject(dir, tarballs, {
    glassbox: ['@glassbox/express'],
    dependencies: { express: '^5.1.0', 'prom-client': '^15.1.3' },
    devDependencies: { typescript: '5.9.3', '@types/express': '^5.0.0', '@types/node': '^20.19.0' },
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
    writeTsProject(project, type);
    writeFileSync(
      join(project, 'src', 'app.ts'),
      readQuickStart(readFileSync(join(root, 'README.md'), 'utf8')),
    );
    compileTs(dir, project);
    expect(readFileSync(join(project, 'dist', 'app.js'), 'utf8')).toMatch(emitted);
  });

  it('serves RED metrics on /metrics, only with the bearer token', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(project, 'dist', 'app.js')], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', METRICS_BEARER_TOKEN: TOKEN, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitForHttp(`http://127.0.0.1:${port}/metrics`, { exited, output: () => output });
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
