// Every code block in README.md, docs/**/*.md and packages/*/README.md that is marked as
// a complete program (`<!-- runnable ... -->` before its fence: the convention is
// documented in test/repo/runnable-blocks.ts) runs here against the packed tarballs, as a
// newcomer would run it: installed with npm into a scratch project outside the workspace
// (./tarballs.ts), type-checked by tsc, started, checked over HTTP, stopped with SIGTERM.
// Needs RabbitMQ at 127.0.0.1:5672 for blocks that publish to a queue, and Debian's
// prometheus-pushgateway for blocks that push.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunnableBlock, runnableBlocks } from '../repo/runnable-blocks.js';
import { startPushgateway } from '../tools/pushgateway.js';
import {
  compileTs,
  freePort,
  installScratchProject,
  packGlassbox,
  root,
  waitForHttp,
  writeTsProject,
} from './tarballs.js';

const TOKEN = 'docs-token';
// biome-ignore lint/suspicious/noUndeclaredEnvVars: the broker of the integration tests
const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Registry packages a doc block may import, with the versions a newcomer gets, and
 * their type packages. A block importing anything else fails: add it here.
 */
const REGISTRY: Record<string, { range: string; types?: [string, string] }> = {
  express: { range: '^5.1.0', types: ['@types/express', '^5.0.0'] },
  fastify: { range: '^5.6.0' },
  amqplib: { range: '^0.10.9', types: ['@types/amqplib', '0.10.8'] },
  'prom-client': { range: '^15.1.3' },
};

const blocks = runnableBlocks(root);
const name = (b: RunnableBlock) => `${b.file} › ${b.heading} (line ${b.line})`;

/** Bare package names a block imports (`node:` built-ins excluded). */
function importsOf(code: string): string[] {
  const specifiers = [...code.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('node:'))
    .map((s) =>
      s
        .split('/')
        .slice(0, s.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glassbox-doc-blocks-'));
  const tarballs = packGlassbox(join(dir, 'tarballs'));
  const imported = new Set(blocks.flatMap((b) => importsOf(b.code)));
  const dependencies: Record<string, string> = { 'prom-client': REGISTRY['prom-client']?.range ?? '' };
  const devDependencies: Record<string, string> = { typescript: '5.9.3', '@types/node': '^20.19.0' };
  for (const pkg of imported) {
    if (pkg.startsWith('@glassbox/')) continue;
    const entry = REGISTRY[pkg];
    if (entry === undefined) throw new Error(`a runnable doc block imports ${pkg}: add it to REGISTRY`);
    dependencies[pkg] = entry.range;
    if (entry.types) devDependencies[entry.types[0]] = entry.types[1];
  }
  // amqplib is also what the test publishes with.
  dependencies.amqplib = REGISTRY.amqplib?.range ?? '';
  installScratchProject(dir, tarballs, {
    glassbox: [...imported].filter((p) => p.startsWith('@glassbox/')),
    dependencies,
    devDependencies,
  });
  // A small client for the test itself: publish one message / delete a queue.
  writeFileSync(
    join(dir, 'amqp-tool.mjs'),
    `import amqp from 'amqplib';
const [action, queue] = process.argv.slice(2);
const connection = await amqp.connect(process.env.RABBITMQ_URL);
const channel = await connection.createConfirmChannel();
if (action === 'publish') {
  await channel.assertQueue(queue, { durable: true });
  channel.sendToQueue(queue, Buffer.from('{}'), { timestamp: Math.floor(Date.now() / 1000) });
  await channel.waitForConfirms();
} else await channel.deleteQueue(queue);
await connection.close();
`,
  );
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function amqpTool(action: 'publish' | 'delete', queue: string): void {
  execFileSync(process.execPath, [join(dir, 'amqp-tool.mjs'), action, queue], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', RABBITMQ_URL },
    stdio: 'pipe',
    timeout: 20_000,
  });
}

/** Writes and (for ts) compiles the block as an ES module; returns the file to run. */
function prepare(block: RunnableBlock, index: number): string {
  const project = join(dir, 'blocks', String(index));
  if (block.lang !== 'ts') {
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(project, 'main.mjs'), block.code);
    return join(project, 'main.mjs');
  }
  writeTsProject(project, 'module');
  writeFileSync(join(project, 'src', 'main.ts'), block.code);
  try {
    compileTs(dir, project);
  } catch (error) {
    throw new Error(`${name(block)} does not type-check:\n${(error as Error).message}`);
  }
  return join(project, 'dist', 'main.js');
}

function start(file: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [file], {
    cwd: join(file, '..'),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('runnable doc blocks, against the packed tarballs', () => {
  it('finds the marked blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it.each(blocks.map((b, i) => [name(b), b, i] as const))('%s', async (_name, block, index) => {
    const file = prepare(block, index);
    const { spec } = block;
    const env: Record<string, string> = { METRICS_BEARER_TOKEN: TOKEN, RABBITMQ_URL, ...spec.env };
    if (spec.port !== undefined) env[spec.port] = String(await freePort());
    if (spec.publish !== undefined) env[spec.publish] = `docs-${randomBytes(4).toString('hex')}`;
    // A job that pushes gets a real gateway (prometheus-pushgateway; fails when missing).
    const gateway = spec.pushgateway === undefined ? undefined : await startPushgateway();
    if (spec.pushgateway !== undefined) env[spec.pushgateway] = gateway?.url ?? '';
    const program = start(file, env);
    try {
      if (spec.port === undefined) {
        const { code } = await within(program.exited, 60_000, `${name(block)} did not exit`);
        expect(code, program.output()).toBe(0);
        if (gateway !== undefined) {
          const pushed = await (await fetch(`${gateway.url}/metrics`)).text();
          for (const e of spec.expect ?? []) expect(pushed, program.output()).toContain(e);
        }
        return;
      }
      const url = `http://127.0.0.1:${env[spec.port]}${spec.path ?? '/metrics'}`;
      const headers = { authorization: `Bearer ${TOKEN}` };
      const common = { headers, exited: program.exited, output: program.output };
      await waitForHttp(url, { ...common, accept: (status) => status === 200 });
      if (spec.publish !== undefined) amqpTool('publish', env[spec.publish] ?? '');
      const expected = (spec.expect ?? []).map((e) => e.replace(/\$(\w+)/g, (m, v: string) => env[v] ?? m));
      await waitForHttp(url, {
        ...common,
        accept: (status, body) => status === 200 && expected.every((e) => body.includes(e)),
      });
      program.child.kill('SIGTERM');
      const { code, signal } = await within(program.exited, 10_000, `${name(block)} did not stop on SIGTERM`);
      // Exit 0 after a graceful shutdown, or ended by the signal when it installs no handler.
      expect(
        code === 0 || (code === null && signal === 'SIGTERM'),
        `exit ${code} ${signal}\n${program.output()}`,
      ).toBe(true);
    } finally {
      if (program.child.exitCode === null && program.child.signalCode === null) program.child.kill('SIGKILL');
      if (spec.publish !== undefined) amqpTool('delete', env[spec.publish] ?? '');
      await gateway?.stop();
    }
  });
});
