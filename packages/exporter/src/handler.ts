/**
 * The auth-guarded /metrics handler: a plain `(req, res)` for node:http that every
 * adapter wraps. GET and HEAD only; Prometheus text 0.0.4 by default, OpenMetrics
 * 1.0.0 when asked; gzip when accepted; a failing or hanging collect answers 500
 * within a timeout and is counted, never crashing the process or hanging the socket.
 * Concurrent scrapes share one in-flight collection per format (and one compressed
 * body), so a burst of scrapers costs one collection, not one each.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { createGzip, type Gzip, gzip as gzipCb } from 'node:zlib';
import {
  consoleLogger,
  type Glassbox,
  type Logger,
  type MetricFamily,
  type MetricsSource,
  type PromRegistryLike,
  promClientSource,
  silentLogger,
} from '@glassbox/core';
import { type AuthMode, type MetricsAuthOptions, TokenAuth } from './auth.js';
import { CONTENT_TYPES, createRenderer, type ExpositionFormat, RENDERER_DEFAULTS } from './exposition.js';

const gzip = promisify(gzipCb);
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Bodies longer than this (in characters) are streamed chunk by chunk instead of buffered. */
const STREAM_THRESHOLD = 1 << 20;

/** Options of {@link createMetricsHandler}. */
export interface MetricsHandlerOptions {
  /** A prom-client registry to serve (shortcut for `sources: [promClientSource(registry)]`). @default undefined */
  readonly registry?: PromRegistryLike;
  /** Sources to serve, concatenated in order. @default [] */
  readonly sources?: readonly MetricsSource[];
  /**
   * Bearer-token auth: on as soon as a token source is configured. Without one the
   * endpoint is open with a start-up warning, or closed (401, one error line) when
   * `NODE_ENV=production`; `false` serves it open on purpose (still said at start-up).
   * A blank token fails closed. See `docs/securing-metrics.md`.
   * @default {}
   */
  readonly auth?: MetricsAuthOptions | false;
  /**
   * Refuse to start without a token (for production): creating the handler throws
   * when no token is configured.
   * @default false
   */
  readonly requireAuth?: boolean;
  /**
   * Series rendered between two yields to the event loop while serving a scrape.
   * @default 500
   */
  readonly seriesPerChunk?: number;
  /** Time a collect may take before the scrape answers 500. @default 10000 */
  readonly timeoutMs?: number;
  /**
   * What a failed or timed-out source does: `'fail'` answers 500 (Prometheus marks the
   * target down, so the problem shows), `'partial'` serves the sources that succeeded.
   * @default 'fail'
   */
  readonly onCollectError?: 'fail' | 'partial';
  /** Compress with gzip when the client accepts it. @default true */
  readonly gzip?: boolean;
  /** Instance whose `glassbox_instrumentation_errors_total{component="exporter"}` counts failures. @default undefined */
  readonly glassbox?: Glassbox;
  /** Logger for collect failures and token-file problems (tokens are never logged); `null` silences. @default console */
  readonly logger?: Logger | null;
}

/** Defaults of {@link MetricsHandlerOptions}. */
export const METRICS_HANDLER_DEFAULTS = Object.freeze({
  timeoutMs: 10_000,
  onCollectError: 'fail' as const,
  gzip: true,
  requireAuth: false,
  seriesPerChunk: RENDERER_DEFAULTS.seriesPerChunk,
});

/** A node:http handler with its auth state. */
export interface MetricsHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /** True when requests need a bearer token. */
  readonly authEnabled: boolean;
  /** How the endpoint is guarded: `token`, `open` or `closed` (misconfigured: every request gets 401). */
  readonly authMode: AuthMode;
}

interface AcceptItem {
  type: string;
  q: number;
}

function parseList(header: string | undefined): AcceptItem[] {
  if (header === undefined || header === '') return [];
  return header.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    let q = 1;
    for (const p of params) {
      if (p.startsWith('q=')) {
        const v = Number(p.slice(2));
        q = Number.isFinite(v) ? v : 0;
      }
    }
    return { type, q };
  });
}

/** Picks the exposition format from an Accept header (highest q wins; text on a tie). */
export function negotiateFormat(
  accept: string | undefined,
  available: readonly ExpositionFormat[],
): ExpositionFormat {
  if (!available.includes('openmetrics')) return 'prometheus';
  let om = -1;
  let text = -1;
  for (const { type, q } of parseList(accept)) {
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain' || type === '*/*' || type === 'text/*') text = Math.max(text, q);
  }
  return om > 0 && om > text ? 'openmetrics' : 'prometheus';
}

/** True when `Accept-Encoding` allows gzip. */
export function acceptsGzip(header: string | undefined): boolean {
  let gz = -1;
  let star = -1;
  for (const { type, q } of parseList(header)) {
    if (type === 'gzip' || type === 'x-gzip') gz = Math.max(gz, q);
    else if (type === '*') star = Math.max(star, q);
  }
  return gz >= 0 ? gz > 0 : star > 0;
}

class CollectTimeout extends Error {
  override readonly name = 'CollectTimeout';
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CollectTimeout(`collect did not finish within ${ms} ms`)), ms);
    timer.unref?.();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Creates the /metrics handler. Throws at creation on bad options (and, with
 * `requireAuth`, when no token is configured).
 *
 * @example
 * ```ts
 * const handler = createMetricsHandler({ registry, auth: { tokenFile: '/var/run/secrets/metrics-token' } });
 * http.createServer((req, res) => (req.url === '/metrics' ? handler(req, res) : app(req, res)));
 * ```
 */
export function createMetricsHandler(options: MetricsHandlerOptions = {}): MetricsHandler {
  const logger = options.logger === null ? silentLogger : (options.logger ?? consoleLogger);
  const sources: MetricsSource[] = [...(options.sources ?? [])];
  if (options.registry !== undefined) sources.unshift(promClientSource(options.registry));
  if (sources.length === 0) throw new TypeError('Glassbox exporter: pass a registry or at least one source');
  for (const s of sources) {
    if (s === null || typeof s !== 'object' || typeof s.collect !== 'function')
      throw new TypeError(
        'Glassbox exporter: every source needs a collect() method returning metric families',
      );
  }
  const timeoutMs = options.timeoutMs ?? METRICS_HANDLER_DEFAULTS.timeoutMs;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0))
    throw new RangeError('Glassbox exporter: timeoutMs must be > 0');
  const mode = options.onCollectError ?? METRICS_HANDLER_DEFAULTS.onCollectError;
  if (mode !== 'fail' && mode !== 'partial')
    throw new TypeError("Glassbox exporter: onCollectError must be 'fail' or 'partial'");
  const useGzip = options.gzip ?? METRICS_HANDLER_DEFAULTS.gzip;
  const auth = new TokenAuth(options.auth ?? {}, logger);
  if (
    (options.requireAuth ?? METRICS_HANDLER_DEFAULTS.requireAuth) &&
    (auth.mode !== 'token' || auth.tokenCount() === 0)
  )
    throw new Error(
      'Glassbox exporter: requireAuth is set but no metrics token is configured (auth.tokens, METRICS_BEARER_TOKEN or a non-empty auth.tokenFile)',
    );
  const formats: ExpositionFormat[] = ['prometheus', 'openmetrics'];
  const challenge = `Bearer realm="${auth.realm}"`;

  const report = (cause: string, error: unknown) => {
    if (options.glassbox) options.glassbox.reportError('exporter', cause, error);
    else {
      try {
        logger.warn(`exporter: ${cause} (${error instanceof Error ? error.message : 'error'})`);
      } catch {
        // never reach the host
      }
    }
  };

  function plain(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': String(Buffer.byteLength(body)),
      ...headers,
    });
    res.end(body);
  }

  const renderer = createRenderer({
    seriesPerChunk: options.seriesPerChunk,
    onInvalid: (family, reason) =>
      report('a metric family was left out of the scrape', new Error(`${family}: ${reason}`)),
  });

  /** Collects every source and renders; the body as chunks, or undefined when the scrape must fail. */
  async function collectAndRender(format: ExpositionFormat): Promise<string[] | undefined> {
    const results = await Promise.allSettled(
      sources.map((s) =>
        withTimeout(
          Promise.resolve().then(() => s.collect()),
          timeoutMs,
        ),
      ),
    );
    const families: MetricFamily[] = [];
    let failed = false;
    for (const r of results) {
      if (r.status === 'fulfilled' && Array.isArray(r.value)) families.push(...r.value);
      else {
        failed = true;
        const reason =
          r.status === 'rejected' ? r.reason : new TypeError('collect() did not return an array');
        report(reason instanceof CollectTimeout ? 'collect timed out' : 'collect failed', reason);
      }
    }
    if (failed && mode === 'fail') return undefined;
    const chunks = await renderer.render(families, format);
    if (format === 'openmetrics') chunks.push('# EOF\n');
    return chunks;
  }

  /** One scrape's body, shared by every request that arrives while it is being built. */
  interface Body {
    readonly chunks: Promise<string[] | undefined>;
    gzipped?: Promise<Buffer>;
  }
  const inFlight = new Map<ExpositionFormat, Body>();
  function body(format: ExpositionFormat): Body {
    let b = inFlight.get(format);
    if (b === undefined) {
      const chunks = collectAndRender(format);
      const entry: Body = { chunks };
      b = entry;
      inFlight.set(format, entry);
      // requests that arrive after this scrape's data was collected start a new one
      chunks
        .finally(() => {
          if (inFlight.get(format) === entry) inFlight.delete(format);
        })
        .catch(() => {});
    }
    return b;
  }

  /**
   * Writes a large body chunk by chunk (chunked transfer encoding), yielding to the
   * event loop between chunks, so serving it never blocks the process for long.
   */
  async function stream(res: ServerResponse, chunks: readonly string[], gzipped: boolean): Promise<void> {
    const sink: NodeJS.WritableStream = gzipped ? createGzip() : res;
    if (gzipped) (sink as Gzip).pipe(res);
    for (const chunk of chunks) {
      if (res.destroyed) {
        if (gzipped) (sink as Gzip).destroy();
        return;
      }
      if (!sink.write(chunk))
        await new Promise<void>((resolve) => {
          const done = () => {
            sink.off('drain', done);
            res.off('close', done);
            resolve();
          };
          sink.on('drain', done);
          res.on('close', done);
        });
      await yieldToLoop();
    }
    sink.end();
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      plain(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (auth.enabled) {
      const header = req.headers.authorization;
      const result = await auth.check(typeof header === 'string' ? header : undefined);
      if (result === 'missing') {
        plain(res, 401, 'Unauthorized\n', { 'WWW-Authenticate': challenge });
        return;
      }
      if (result === 'invalid') {
        plain(res, 401, 'Unauthorized\n', { 'WWW-Authenticate': `${challenge}, error="invalid_token"` });
        return;
      }
    }
    const format = negotiateFormat(req.headers.accept, formats);
    const shared = body(format);
    const chunks = await shared.chunks;
    if (res.destroyed || res.writableEnded) return;
    if (chunks === undefined) {
      plain(res, 500, 'Internal Server Error: metrics collection failed\n');
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': CONTENT_TYPES[format],
      'Cache-Control': 'no-store',
      Vary: 'Accept, Accept-Encoding',
    };
    const gzipped = useGzip && acceptsGzip(req.headers['accept-encoding'] as string | undefined);
    if (gzipped) headers['Content-Encoding'] = 'gzip';
    let length = 0;
    for (const chunk of chunks) length += chunk.length;
    if (length > STREAM_THRESHOLD && chunks.length > 1 && method === 'GET') {
      res.writeHead(200, headers);
      await stream(res, chunks, gzipped);
      return;
    }
    let payload: Buffer;
    if (gzipped) {
      shared.gzipped ??= gzip(Buffer.from(chunks.join(''), 'utf8'));
      payload = await shared.gzipped;
    } else payload = Buffer.from(chunks.join(''), 'utf8');
    if (res.destroyed || res.writableEnded) return;
    headers['Content-Length'] = String(payload.length);
    res.writeHead(200, headers);
    res.end(method === 'HEAD' ? undefined : payload);
  }

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((error: unknown) => {
      report('serving /metrics failed', error);
      try {
        plain(res, 500, 'Internal Server Error\n');
      } catch {
        res.destroy();
      }
    });
  }) as MetricsHandler;
  Object.defineProperty(handler, 'authEnabled', { value: auth.enabled, enumerable: true });
  Object.defineProperty(handler, 'authMode', { value: auth.mode, enumerable: true });
  return handler;
}
