// Shared by the tests that install Glassbox as a newcomer does (newcomer.test.ts,
// doc-blocks.test.ts): pack every published package with `pnpm pack`, and install the
// tarballs with npm into a scratch project outside the workspace, next to frameworks
// from the registry. Also: tsc for a scratch project, and a free loopback port.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

interface PackedManifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
}

function pnpmCommand(): [string, string[]] {
  const onPath = (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'pnpm')));
  if (onPath) return ['pnpm', []];
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: set by pnpm when it runs the tests
  const execPath = process.env.npm_execpath;
  if (execPath?.includes('pnpm')) return [process.execPath, [execPath]];
  const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    packageManager: string;
  };
  return ['npx', ['--yes', packageManager.replace(/\+.*$/, '')]];
}

/** Packs every non-private package under packages/ into `packDir`: package name → tarball. */
export function packGlassbox(packDir: string): Map<string, string> {
  mkdirSync(packDir, { recursive: true });
  const tarballs = new Map<string, string>();
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
  return tarballs;
}

/** The packed manifest of a tarball (as npm will read it). */
export function packedManifest(tgz: string): PackedManifest {
  return JSON.parse(execFileSync('tar', ['-xOzf', tgz, 'package/package.json'], { encoding: 'utf8' }));
}

/** `roots` and every @glassbox/* package they depend on (throws on a `workspace:` range left in a tarball). */
export function glassboxClosure(tarballs: Map<string, string>, roots: string[]): string[] {
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    const tgz = tarballs.get(name);
    if (tgz === undefined) throw new Error(`${name} was not packed`);
    needed.add(name);
    for (const [dep, range] of Object.entries(packedManifest(tgz).dependencies ?? {})) {
      if (range.startsWith('workspace:')) throw new Error(`${name} → ${dep}: "${range}" left in the tarball`);
      if (dep.startsWith('@glassbox/')) visit(dep);
    }
  };
  for (const name of roots) visit(name);
  return [...needed];
}

export interface ScratchProject {
  /** The @glassbox/* packages to install (their @glassbox/* dependencies come along). */
  glassbox: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/**
 * Writes `dir/package.json` (the tarballs as `file:` dependencies, and overrides so that
 * transitive @glassbox/* dependencies come from the tarballs too, never the registry) and
 * runs `npm install`.
 */
export function installScratchProject(
  dir: string,
  tarballs: Map<string, string>,
  project: ScratchProject,
): void {
  const needed = glassboxClosure(tarballs, project.glassbox);
  const local = Object.fromEntries(needed.map((name) => [name, `file:${tarballs.get(name)}`]));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'newcomer-service',
        private: true,
        dependencies: { ...local, ...project.dependencies },
        devDependencies: project.devDependencies ?? {},
        overrides: Object.fromEntries(needed.map((name) => [name, `$${name}`])),
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
}

/** A strict NodeNext tsconfig for `project` (sources in src/, output in dist/), with `compilerOptions` over it. */
export function writeTsProject(
  project: string,
  type: 'module' | 'commonjs',
  compilerOptions: Record<string, unknown> = {},
): void {
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
        ...compilerOptions,
      },
      include: ['src'],
    }),
  );
}

/** Runs the scratch project's tsc on `project`; throws with tsc's diagnostics. */
export function compileTs(installDir: string, project: string): void {
  try {
    execFileSync(process.execPath, [join(installDir, 'node_modules/typescript/bin/tsc'), '-p', project], {
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    throw new Error(`tsc failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** A port that was free on 127.0.0.1 a moment ago (for programs that take their port from the environment). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until `accept(status, body)` holds; rejects when `exited` settles first or
 * after `timeoutMs`, with the last answer (and `output()`, the program's output).
 */
export async function waitForHttp(
  url: string,
  {
    headers = {},
    accept = (status: number) => status < 500,
    exited,
    output = () => '',
    timeoutMs = 30_000,
  }: {
    headers?: Record<string, string>;
    accept?: (status: number, body: string) => boolean;
    exited: Promise<unknown>;
    output?: () => string;
    timeoutMs?: number;
  },
): Promise<void> {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  let last = 'no answer';
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gone) {
    try {
      const res = await fetch(url, { headers });
      const body = await res.text();
      if (accept(res.status, body)) return;
      last = `${res.status}: ${body.slice(0, 2000)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${gone ? 'the program exited' : `no accepted answer within ${timeoutMs} ms`} (GET ${url}; last: ${last})\n${output()}`,
  );
}
