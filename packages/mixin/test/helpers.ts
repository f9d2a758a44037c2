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
