/**
 * Helpers of the examples' smoke tests: start a built example as a child process on
 * free ports (PORT=0, read back from its "listening" log line), talk to it over real
 * HTTP, stop it with SIGTERM and check it exits cleanly.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOpenMetricsStrict, promtoolFindings } from '../test/tools/strict-parsers.js';

export const TOKEN = 'smoke-test-token';
// biome-ignore lint/suspicious/noUndeclaredEnvVars: read when the tests run, not a build input
export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface Service {
  readonly port: number;
  readonly metricsPort: number;
  readonly base: string;
  readonly child: ChildProcess;
  /** Everything the service printed so far. */
  output(): string;
  /** Sends `signal` (SIGTERM), then waits for the exit; resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** The directory of an example (`examples/<name>`). */
export function exampleDir(name: string): string {
  return fileURLToPath(new URL(`./${name}/`, import.meta.url));
}

/** Starts `node dist/main.js` of an example; fails clearly when it is not built. */
export async function startService(name: string, env: Record<string, string> = {}): Promise<Service> {
  const cwd = exampleDir(name);
  const main = join(cwd, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: build the examples first (pnpm build)`);
  const child = spawn(process.execPath, [main], {
    cwd,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      PORT: '0',
      HOST: '127.0.0.1',
      METRICS_BEARER_TOKEN: TOKEN,
      RABBITMQ_URL,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const ready = new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
          if (entry.msg === 'listening' && typeof entry.port === 'number') {
            clearTimeout(timer);
            resolve({ port: entry.port, metricsPort: entry.metricsPort ?? entry.port });
          }
        } catch {
          // not a complete JSON line yet
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${output}`));
    });
  });
  const { port, metricsPort } = await ready;
  return {
    port,
    metricsPort,
    base: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** GET /metrics with (or without) the bearer token. */
export async function scrape(port: number, token: string | null = TOKEN): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

/**
 * promtool findings that come from prom-client's default process metrics (gauges whose
 * names end in `_total`, as prom-client names them); documented in docs/metrics.md.
 */
const PROCESS_METRIC_FINDINGS = new Set([
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
]);

/**
 * The exposition text, asserting 200 — and that strict parsers accept what the service
 * serves: `promtool check metrics` on the text format (only the documented prom-client
 * process-metric findings allowed) and the Python client's OpenMetrics parser on the
 * OpenMetrics form of the same endpoint.
 */
export async function metricsText(port: number): Promise<string> {
  const res = await scrape(port);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  const findings = promtoolFindings(text)
    .split('\n')
    .filter((l) => l !== '' && !PROCESS_METRIC_FINDINGS.has(l));
  if (findings.length > 0) throw new Error(`promtool check metrics: ${findings.join('; ')}`);
  const om = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'application/openmetrics-text' },
  });
  if (!String(om.headers.get('content-type')).startsWith('application/openmetrics-text'))
    throw new Error('/metrics did not negotiate OpenMetrics');
  parseOpenMetricsStrict(await om.text());
  return text;
}

/** Sample lines of a metric (`name{...} value`), for exact assertions. */
export function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

/** The value of one exact series (`name{labels}`), or undefined. */
export function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Whether RabbitMQ accepts TCP connections; throws under CI when it does not (tests must fail there, not skip). */
export async function rabbitReachable(): Promise<boolean> {
  const url = new URL(RABBITMQ_URL);
  const ok = await new Promise<boolean>((resolve) => {
    const socket = connect(Number(url.port || 5672), url.hostname);
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
  if (!ok && process.env.CI) throw new Error(`RabbitMQ is not reachable at ${url.host} (required under CI)`);
  return ok;
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const result = await fn();
      if (result) return result;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
