// Every code block in README.md, docs/**/*.md and packages/*/README.md that is marked as
// a complete program (`<!-- runnable ... -->` before its fence: the convention is
// documented in test/repo/runnable-blocks.ts) runs here against the packed tarballs, as a
// newcomer would run it: installed with npm into a scratch project outside the workspace
// (./tarballs.ts), type-checked by tsc (one run for every ts block: one project, one file
// per block), started, checked over HTTP (or through the OTLP data it pushes to a receiver
// of this test, or what it pushed to a real Pushgateway), stopped with SIGTERM. Needs
// RabbitMQ at 127.0.0.1:5672 for blocks that publish to a queue, and Debian's
// prometheus-pushgateway for blocks that push.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunnableBlock, runnableBlocks } from '../repo/runnable-blocks.js';
import { startPushgateway } from '../tools/pushgateway.js';
import {
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

// OpenTelemetry's 3.x line (sdk-metrics 3, exporters 0.300+) declares Node >= 22.15; on
// older Nodes a newcomer stays on 2.x / 0.2xx (see packages/otel/README.md).
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);
const OTEL_3 = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 15);

/**
 * Registry packages a doc block may import, with the versions a newcomer gets, and
 * their type packages. A block importing anything else fails: add it here.
 */
const REGISTRY: Record<string, { range: string; types?: [string, string] }> = {
  express: { range: '^5.1.0', types: ['@types/express', '^5.0.0'] },
  fastify: { range: '^5.6.0' },
  amqplib: { range: '^0.10.9', types: ['@types/amqplib', '0.10.8'] },
  'prom-client': { range: '^15.1.3' },
  // sdk-metrics pins the API's minor: 3.x wants 1.10, 2.x wants 1.9.
  '@opentelemetry/api': { range: OTEL_3 ? '~1.10.0' : '~1.9.0' },
  '@opentelemetry/sdk-metrics': { range: OTEL_3 ? '^3.1.1' : '^2.12.1' },
  '@opentelemetry/resources': { range: OTEL_3 ? '^3.1.1' : '^2.12.1' },
  '@opentelemetry/exporter-metrics-otlp-http': { range: OTEL_3 ? '^0.301.0' : '^0.223.0' },
  '@opentelemetry/exporter-prometheus': { range: OTEL_3 ? '^0.301.0' : '^0.223.0' },
};
/** What a block importing the first package also installs (the peers a README's install line names). */
const COMPANIONS: Record<string, string[]> = {
  '@glassbox/otel': [
    '@opentelemetry/api',
    '@opentelemetry/sdk-metrics',
    '@opentelemetry/resources',
    '@opentelemetry/exporter-metrics-otlp-http',
    '@opentelemetry/exporter-prometheus',
  ],
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
/** tsc's diagnostics by block file (`src/b<index>.ts`); `*` for those of no block. */
const diagnostics = new Map<string, string>();

/** The file a block runs as, inside the one blocks project. */
const blockFile = (block: RunnableBlock, index: number) =>
  block.lang === 'ts' ? `b${index}.ts` : `b${index}.mjs`;

/** Type-checks and compiles every ts block in one tsc run; js blocks are copied as they are. */
function compileBlocks(): void {
  const project = join(dir, 'blocks');
  // Every file a module of its own, even one without imports.
  writeTsProject(project, 'module', { moduleDetection: 'force' });
  mkdirSync(join(project, 'dist'), { recursive: true });
  for (const [i, b] of blocks.entries())
    writeFileSync(join(project, b.lang === 'ts' ? 'src' : 'dist', blockFile(b, i)), b.code);
  const started = Date.now();
  let output = '';
  try {
    execFileSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', project], {
      cwd: project,
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (error) {
    // tsc still emits every file; the diagnostics go to their blocks.
    const e = error as { stdout?: string; stderr?: string };
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  const ts = blocks.filter((b) => b.lang === 'ts').length;
  console.log(
    `tsc: ${ts} ts blocks type-checked in one run in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  let current = '*';
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) current = /^src\/(b\d+\.ts)\(/.exec(line)?.[1] ?? '*';
    diagnostics.set(current, `${diagnostics.get(current) ?? ''}${line}\n`);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'glassbox-doc-blocks-'));
  const tarballs = packGlassbox(join(dir, 'tarballs'));
  const imported = new Set(blocks.flatMap((b) => importsOf(b.code)));
  for (const pkg of [...imported]) for (const companion of COMPANIONS[pkg] ?? []) imported.add(companion);
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
  compileBlocks();
}, 600_000); // packing, npm install (network) and one tsc run: minutes on a loaded 2-core machine

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

/** The compiled block to run; throws with tsc's diagnostics when it does not type-check. */
function prepare(block: RunnableBlock, index: number): string {
  const file = blockFile(block, index);
  const problems = `${diagnostics.get(file) ?? ''}${block.lang === 'ts' ? (diagnostics.get('*') ?? '') : ''}`;
  if (problems !== '') throw new Error(`${name(block)} does not type-check:\n${problems}`);
  return join(dir, 'blocks', 'dist', file.replace(/\.ts$/, '.js'));
}

/** One working directory per Markdown file: its blocks run there in document order. */
function workDir(block: RunnableBlock): string {
  const path = join(dir, 'work', block.file.replace(/[^\w.-]+/g, '_'));
  mkdirSync(path, { recursive: true });
  return path;
}

/** An OTLP/HTTP receiver: keeps the JSON bodies pushed to it. */
async function otlpReceiver(): Promise<{ server: Server; url: string; received: () => string }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      bodies.push((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, received: () => bodies.join('\n') };
}

function start(file: string, cwd: string, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [file], {
    cwd,
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
    const receiver = spec.otlp === undefined ? undefined : await otlpReceiver();
    if (spec.otlp !== undefined && receiver) env[spec.otlp] = receiver.url;
    // A job that pushes gets a real gateway (prometheus-pushgateway; fails when missing).
    const gateway = spec.pushgateway === undefined ? undefined : await startPushgateway();
    if (spec.pushgateway !== undefined) env[spec.pushgateway] = gateway?.url ?? '';
    const program = start(file, workDir(block), env);
    try {
      if (spec.port === undefined && receiver === undefined) {
        const { code } = await within(program.exited, 60_000, `${name(block)} did not exit`);
        expect(code, program.output()).toBe(0);
        if (gateway !== undefined) {
          const pushed = await (await fetch(`${gateway.url}/metrics`)).text();
          for (const e of spec.expect ?? []) expect(pushed, program.output()).toContain(e);
        }
        return;
      }
      const expected = (spec.expect ?? []).map((e) => e.replace(/\$(\w+)/g, (m, v: string) => env[v] ?? m));
      if (spec.port !== undefined) {
        const url = `http://127.0.0.1:${env[spec.port]}${spec.path ?? '/metrics'}`;
        const headers = { authorization: `Bearer ${TOKEN}` };
        const common = { headers, exited: program.exited, output: program.output };
        await waitForHttp(url, { ...common, accept: (status) => status === 200 });
        if (spec.publish !== undefined) amqpTool('publish', env[spec.publish] ?? '');
        if (receiver === undefined)
          await waitForHttp(url, {
            ...common,
            accept: (status, body) => status === 200 && expected.every((e) => body.includes(e)),
          });
      }
      if (receiver !== undefined) await waitForPush(receiver.received, expected, program);
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
      receiver?.server.close();
      await gateway?.stop();
    }
  });
});

/** Waits until the OTLP data pushed so far contains every expected string. */
async function waitForPush(
  received: () => string,
  expected: string[],
  program: { exited: Promise<unknown>; output: () => string },
): Promise<void> {
  let gone = false;
  void program.exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + 30_000;
  while (!expected.every((e) => received().includes(e))) {
    if (gone || Date.now() > deadline)
      throw new Error(
        `${gone ? 'the program exited' : 'no push within 30 s'} before the OTLP data contained ${JSON.stringify(
          expected.filter((e) => !received().includes(e)),
        )}\nreceived: ${received().slice(0, 2000)}\n${program.output()}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}
