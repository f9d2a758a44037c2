import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** Full path of a binary on PATH (or /usr/bin), or undefined. */
export function findBinary(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']) {
    if (dir === '') continue;
    const full = join(dir, name);
    if (existsSync(full)) return full;
  }
  return undefined;
}

/**
 * Integration tests need real binaries. Locally a missing binary skips the suite; under
 * CI (`process.env.CI`) it fails, so a broken runner cannot turn the suite green.
 */
export function requireBinary(name: string, pkg: string): { path: string | undefined; skip: boolean } {
  const path = findBinary(name);
  if (path === undefined && process.env.CI) {
    throw new Error(`${name} is missing: install the Debian package "${pkg}" (apt-get install -y ${pkg})`);
  }
  return { path, skip: path === undefined };
}

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
export function run(
  file: string,
  args: readonly string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** A free TCP port on 127.0.0.1 (for a child process that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A Prometheus server started by {@link startPrometheus}. */
export interface RunningPrometheus {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** A Prometheus HTTP API call (`/api/v1/...`); a form turns it into a POST. */
  api<T>(path: string, form?: Record<string, string>): Promise<{ status: string; data: T; error?: string }>;
  /** An instant query; throws on an API error, returns the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Its output so far. */
  logs(): string;
  stop(): Promise<void>;
}

/** Polls `probe` every 250 ms until it returns something other than undefined. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last === undefined ? '' : ` (${String(last)})`}`);
}

/**
 * Starts Debian's `prometheus` on a free port with a config file (the mixin's generated
 * prometheus.yml, with its rule files) and a storage directory, and waits until it is ready.
 */
export async function startPrometheus(
  binary: string,
  configFile: string,
  dataDir: string,
): Promise<RunningPrometheus> {
  const { spawn } = await import('node:child_process');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout?.on('data', (b) => {
    out += String(b);
  });
  proc.stderr?.on('data', (b) => {
    out += String(b);
  });
  const api = async <T>(path: string, form?: Record<string, string>) => {
    const res = await fetch(`${base}${path}`, {
      method: form === undefined ? 'GET' : 'POST',
      ...(form === undefined ? {} : { body: new URLSearchParams(form) }),
    });
    return (await res.json()) as { status: string; data: T; error?: string };
  };
  const running: RunningPrometheus = {
    base,
    api,
    async query(expr) {
      const r = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        '/api/v1/query',
        { query: expr },
      );
      if (r.status !== 'success') throw new Error(`${expr}: ${r.error ?? 'error'}`);
      return r.data.result;
    },
    logs: () => out,
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
  await waitFor('Prometheus to be ready', async () => {
    if (proc.exitCode !== null) throw new Error(`prometheus exited: ${out}`);
    const r = await fetch(`${base}/-/ready`);
    return r.ok ? true : undefined;
  });
  return running;
}
