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
  type OptionsSpec,
  type PromRegistryLike,
  promClientSource,
  silentLogger,
  validateOptions,
} from '@glassbox/core';
import { type AuthMode, type MetricsAuthOptions, TokenAuth } from './auth.js';
import {
  CONTENT_TYPES,
  createRenderer,
  type ExpositionFormat,
  RENDERER_DEFAULTS,
  type Renderer,
} from './exposition.js';

const FORMATS: readonly ExpositionFormat[] = ['prometheus', 'openmetrics'];

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
  const config = resolveHandlerOptions(options);
  const { auth, report } = config;
  const bodies = createBodies(config);
  const serve = (req: IncomingMessage, res: ServerResponse) => serveMetrics(config, bodies, req, res);
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

const HANDLER_OPTIONS_SPEC: OptionsSpec = {
  registry: 'object',
  sources: 'array',
  auth: ['object', 'boolean'],
  requireAuth: 'boolean',
  seriesPerChunk: 'integer',
  timeoutMs: 'number',
  onCollectError: { type: 'string', oneOf: ['fail', 'partial'] },
  gzip: 'boolean',
  glassbox: 'object',
  logger: ['object', 'null'],
};

/** The handler's options, validated, with the auth state and the error reporter. */
interface HandlerConfig {
  readonly sources: readonly MetricsSource[];
  readonly timeoutMs: number;
  readonly mode: 'fail' | 'partial';
  readonly useGzip: boolean;
  readonly auth: TokenAuth;
  readonly seriesPerChunk: number | undefined;
  readonly report: (cause: string, error: unknown) => void;
}

/** Validates the options at start-up (unknown keys, wrong types, contradictions) and builds the auth state. */
function resolveHandlerOptions(options: MetricsHandlerOptions, extraKeys: OptionsSpec = {}): HandlerConfig {
  validateOptions('Glassbox exporter', options, { ...HANDLER_OPTIONS_SPEC, ...extraKeys });
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
  if (!(timeoutMs > 0)) throw new RangeError('Glassbox exporter: timeoutMs must be > 0');
  if ((options.auth as unknown) === true)
    throw new TypeError(
      'Glassbox exporter: auth must be an object of options, or false to serve without auth',
    );
  const auth = new TokenAuth(options.auth ?? {}, logger);
  if (
    (options.requireAuth ?? METRICS_HANDLER_DEFAULTS.requireAuth) &&
    (auth.mode !== 'token' || auth.tokenCount() === 0)
  )
    throw new Error(
      'Glassbox exporter: requireAuth is set but no metrics token is configured (auth.tokens, METRICS_BEARER_TOKEN or a non-empty auth.tokenFile)',
    );
  const glassbox = options.glassbox;
  const report = (cause: string, error: unknown) => {
    if (glassbox) glassbox.reportError('exporter', cause, error);
    else {
      try {
        logger.warn(`exporter: ${cause} (${error instanceof Error ? error.message : 'error'})`);
      } catch {
        // never reach the host
      }
    }
  };
  return {
    sources,
    timeoutMs,
    mode: options.onCollectError ?? METRICS_HANDLER_DEFAULTS.onCollectError,
    useGzip: options.gzip ?? METRICS_HANDLER_DEFAULTS.gzip,
    auth,
    seriesPerChunk: options.seriesPerChunk,
    report,
  };
}

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

/** One scrape's body, shared by every request that arrives while it is being built. */
interface Body {
  readonly chunks: Promise<string[] | undefined>;
  gzipped?: Promise<Buffer>;
}

/** Collects every source and renders; the body as chunks, or undefined when the scrape must fail. */
async function collectAndRender(
  config: HandlerConfig,
  renderer: Renderer,
  format: ExpositionFormat,
): Promise<string[] | undefined> {
  const results = await Promise.allSettled(
    config.sources.map((s) =>
      withTimeout(
        Promise.resolve().then(() => s.collect()),
        config.timeoutMs,
      ),
    ),
  );
  const families: MetricFamily[] = [];
  let failed = false;
  for (const r of results) {
    if (r.status === 'fulfilled' && Array.isArray(r.value)) families.push(...r.value);
    else {
      failed = true;
      const reason = r.status === 'rejected' ? r.reason : new TypeError('collect() did not return an array');
      config.report(reason instanceof CollectTimeout ? 'collect timed out' : 'collect failed', reason);
    }
  }
  if (failed && config.mode === 'fail') return undefined;
  const chunks = await renderer.render(families, format);
  if (format === 'openmetrics') chunks.push('# EOF\n');
  return chunks;
}

/** The in-flight body per format: concurrent scrapes share one collection and one compressed body. */
function createBodies(config: HandlerConfig): (format: ExpositionFormat) => Body {
  const renderer = createRenderer({
    seriesPerChunk: config.seriesPerChunk,
    onInvalid: (family, reason) =>
      config.report('a metric family was left out of the scrape', new Error(`${family}: ${reason}`)),
  });
  const inFlight = new Map<ExpositionFormat, Body>();
  return (format) => {
    const current = inFlight.get(format);
    if (current !== undefined) return current;
    const chunks = collectAndRender(config, renderer, format);
    const entry: Body = { chunks };
    inFlight.set(format, entry);
    // requests that arrive after this scrape's data was collected start a new one
    chunks
      .finally(() => {
        if (inFlight.get(format) === entry) inFlight.delete(format);
      })
      .catch(() => {});
    return entry;
  };
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

/** Answers 405/401 and returns false, or returns true when the request may be served. */
async function admit(auth: TokenAuth, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    plain(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
    return false;
  }
  if (!auth.enabled) return true;
  const header = req.headers.authorization;
  const result = await auth.check(typeof header === 'string' ? header : undefined);
  if (result === 'ok') return true;
  const challenge = `Bearer realm="${auth.realm}"`;
  plain(res, 401, 'Unauthorized\n', {
    'WWW-Authenticate': result === 'missing' ? challenge : `${challenge}, error="invalid_token"`,
  });
  return false;
}

async function serveMetrics(
  config: HandlerConfig,
  bodies: (format: ExpositionFormat) => Body,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!(await admit(config.auth, req, res))) return;
  const format = negotiateFormat(req.headers.accept, FORMATS);
  const shared = bodies(format);
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
  const gzipped = config.useGzip && acceptsGzip(req.headers['accept-encoding'] as string | undefined);
  if (gzipped) headers['Content-Encoding'] = 'gzip';
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const head = req.method === 'HEAD';
  if (length > STREAM_THRESHOLD && chunks.length > 1 && !head) {
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
  res.end(head ? undefined : payload);
}
