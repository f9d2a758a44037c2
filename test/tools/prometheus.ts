/**
 * A real Prometheus (Debian's `prometheus`) for integration tests: started on a free port
 * with a given config file and its own TSDB directory, with helpers for its HTTP API.
 * Missing binary: the suite skips locally and fails under CI (`requireBinary`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary } from '../../packages/mixin/test/helpers.js';

/** The binary, or `skip` when it is missing outside CI (throws under CI). */
export const prometheusBinary = requireBinary('prometheus', 'prometheus');

/** One result of an instant query. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** A running Prometheus. */
export interface StartedPrometheus {
  readonly url: string;
  /** GET an API path; throws when Prometheus answers with an error. */
  api<T>(path: string): Promise<T>;
  /** An instant query. */
  query(expr: string): Promise<Sample[]>;
  /** Polls `probe` every 250 ms until it returns something other than undefined. */
  until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  log(): string;
  stop(): Promise<void>;
}

/** Starts Prometheus on `configFile` (extra flags after it); `stop()` ends it by its pid and removes its data. */
export async function startPrometheus(
  configFile: string,
  extraArgs: readonly string[] = [],
): Promise<StartedPrometheus> {
  const bin = prometheusBinary.path;
  if (bin === undefined) throw new Error('prometheus is not installed');
  const data = await mkdtemp(join(tmpdir(), 'glassbox-prometheus-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    bin,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  proc.stdout?.on('data', (b) => {
    text += String(b);
  });
  proc.stderr?.on('data', (b) => {
    text += String(b);
  });
  const api = async <T>(path: string): Promise<T> => {
    const body = (await (await fetch(`${url}${path}`)).json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? 'error'}`);
    return body.data;
  };
  const until = async <T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 60_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`prometheus exited:\n${text}`);
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (error) {
        last = error;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(
      `timed out waiting for ${what}${last === undefined ? '' : ` (${String(last)})`}\n${text.slice(-3000)}`,
    );
  };
  const started: StartedPrometheus = {
    url,
    api,
    query: async (expr) =>
      (await api<{ result: Sample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    until,
    log: () => text,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      await rm(data, { recursive: true, force: true });
    },
  };
  try {
    await until('Prometheus to be ready', async () =>
      (await fetch(`${url}/-/ready`)).ok ? true : undefined,
    );
  } catch (error) {
    await started.stop();
    throw error;
  }
  return started;
}
