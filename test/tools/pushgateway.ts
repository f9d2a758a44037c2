/**
 * A real Pushgateway (Debian's `prometheus-pushgateway`) for integration tests: started
 * on a free port (it cannot take port 0), without persistence, optionally with a
 * `--web.config.file` (basic auth). Missing binary: the suite skips locally and fails
 * under CI (`requireBinary`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary } from '../../packages/mixin/test/helpers.js';

/** The binary, or `skip` when it is missing outside CI (throws under CI). */
export const pushgatewayBinary = requireBinary('prometheus-pushgateway', 'prometheus-pushgateway');

/** A running gateway. */
export interface StartedPushgateway {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `127.0.0.1:<port>` (a scrape target). */
  readonly address: string;
  /** Everything it logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Options of {@link startPushgateway}. */
export interface PushgatewayStartOptions {
  /** Contents of a `--web.config.file` (e.g. `basic_auth_users`). */
  readonly webConfig?: string;
}

async function waitReady(url: string, proc: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error(`prometheus-pushgateway exited:\n${log()}`);
    try {
      // any answer (401 included, with basic auth) means it listens
      await fetch(`${url}/-/ready`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`prometheus-pushgateway did not start:\n${log()}`);
}

/** Starts a gateway; `stop()` ends it (by its pid) and removes its files. */
export async function startPushgateway(options: PushgatewayStartOptions = {}): Promise<StartedPushgateway> {
  const bin = pushgatewayBinary.path;
  if (bin === undefined) throw new Error('prometheus-pushgateway is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'glassbox-pushgateway-'));
  const port = await freePort();
  const args = [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn'];
  if (options.webConfig !== undefined) {
    const file = join(dir, 'web.yml');
    await writeFile(file, options.webConfig, 'utf8');
    args.push(`--web.config.file=${file}`);
  }
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  proc.stdout?.on('data', (b) => {
    text += String(b);
  });
  proc.stderr?.on('data', (b) => {
    text += String(b);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, proc, () => text);
  return {
    url,
    address: `127.0.0.1:${port}`,
    log: () => text,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
