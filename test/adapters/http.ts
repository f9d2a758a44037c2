/**
 * Test helpers for the adapter suites: a keep-alive HTTP client over real sockets, a
 * Prometheus text parser, and a Glassbox on a backend that throws on every record.
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import {
  type Backend,
  createGlassbox,
  type Glassbox,
  type MetricsSource,
  nativeBackend,
  type PromClientLike,
  type PromRegistryLike,
  promClientBackend,
  promClientSource,
} from '@glassbox/core';

/** prom-client, resolved from @glassbox/core (a devDependency there); the repo root has no copy. */
export const promClient = createRequire(new URL('../../packages/core/package.json', import.meta.url))(
  'prom-client',
) as PromClientLike & { Registry: new () => PromRegistryLike };

/** A response, fully read. */
export interface Response {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
}

/** A client with a keep-alive agent (so thousands of requests reuse a few sockets). */
export interface Client {
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** Sends GET requests to all paths, `concurrency` at a time; returns the status counts. */
  getAll(paths: readonly string[], concurrency?: number): Promise<Map<number, number>>;
  /** Starts a GET and destroys the socket after `afterMs`; resolves once the socket is closed. */
  abortAfter(path: string, afterMs: number): Promise<void>;
  close(): void;
}

export function client(baseUrl: string): Client {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path, method: 'GET', agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
  return {
    get,
    async getAll(paths, concurrency = 32) {
      const counts = new Map<number, number>();
      let next = 0;
      const worker = async () => {
        while (next < paths.length) {
          const path = paths[next++] as string;
          const res = await get(path);
          counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      return counts;
    },
    abortAfter(path, afterMs) {
      return new Promise((resolve) => {
        // A fresh socket (no agent), so destroying it cannot affect other requests.
        const req = request({ host: url.hostname, port: url.port, path, method: 'GET', agent: false });
        req.on('error', () => {});
        req.on('close', () => resolve());
        req.on('response', () => {});
        req.end();
        setTimeout(() => req.destroy(), afterMs);
      });
    },
    close: () => agent.destroy(),
  };
}

/** One sample of the exposition text. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** The line as served. */
  readonly line: string;
}

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses Prometheus text format 0.0.4 (samples only). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$/.exec(line);
    if (m === null) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (let l = re.exec(body); l !== null; l = re.exec(body))
      labels[l[1] as string] = unescapeLabel(l[2] as string);
    const raw = m[4] as string;
    const value =
      raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : Number(raw);
    out.push({ name: m[1] as string, labels, value, line });
  }
  return out;
}

/** Samples of `name` whose labels include all of `match`. */
export function select(
  samples: readonly Sample[],
  name: string,
  match: Record<string, string> = {},
): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** Sum of the selected samples (0 when none). */
export function sum(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  return select(samples, name, match).reduce((a, s) => a + s.value, 0);
}

/** A backend whose every series operation throws (metric creation works, so set-up succeeds). */
export function throwingBackend(): Backend {
  const boom = () => {
    throw new Error('backend down');
  };
  const metric = () => ({
    series: () => ({ inc: boom, set: boom, observe: boom }),
    remove: boom,
  });
  return { name: 'throwing', counter: metric, gauge: metric, histogram: metric };
}

/** A silent Glassbox and the source /metrics serves for it. */
export interface SuiteBackend {
  readonly name: string;
  create(): { glassbox: Glassbox; source: MetricsSource };
}

/** The backends the suite runs on: the native backend (every adapter's default) and prom-client. */
export const suiteBackends: readonly SuiteBackend[] = [
  {
    name: 'native',
    create() {
      const backend = nativeBackend();
      return { source: backend, glassbox: createGlassbox({ backend, logger: null }) };
    },
  },
  {
    name: 'prom-client',
    create() {
      const registry = new promClient.Registry();
      return {
        source: promClientSource(registry),
        glassbox: createGlassbox({
          backend: promClientBackend({ client: promClient, registry }),
          logger: null,
        }),
      };
    },
  },
];

/** Waits until `check` returns true (polling), or throws after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
