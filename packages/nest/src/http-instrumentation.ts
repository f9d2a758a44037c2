/**
 * The platform glue: RED timing and the metrics route live below Nest (the Node server,
 * the Express app, the Fastify instance), not in a Nest interceptor, because many
 * requests never reach an interceptor — 404s, guard rejections, exceptions thrown in
 * guards, pipes or middleware. Each request is timed from the platform's first
 * middleware (Express) or first `onRequest` hook (Fastify) when the module's is the
 * first one, or from the server's `'request'` event (otherwise), and recorded exactly
 * once, when its response closes (finished or aborted), with the route template the
 * platform matched — which on both platforms is Nest's full path: global prefix +
 * version + controller path + method path.
 *
 * - Express: the recording of `@glassbox/express` (`createExpressRecording`), which
 *   wraps the Express app's `handle`: every request the app receives is timed before
 *   any middleware, and labelled with the registered template when its response closes.
 * - Fastify: `request.routeOptions.url`, read when the response closes (a request an
 *   earlier hook sends to the not-found handler is unmatched).
 *
 * With `recordSizes`, sizes are the request's and the response's `Content-Length`
 * headers (a chunked response without one records no response size).
 *
 * Subclass it and override its `protected` members to change how requests are
 * recorded, then pass the subclass as `instrumentationClass`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CompiledLabels,
  type Glassbox,
  type HttpRecorder,
  type LabelValue,
  matchesPath,
  type PathExcluder,
  parseContentLength,
} from '@glassbox/core';
import type { MetricsHandler } from '@glassbox/exporter';
import { createExpressRecording, type ExpressAppLike, type ExpressRequestLike } from '@glassbox/express';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GLASSBOX_OPTIONS } from './options.js';
import type { ResolvedGlassboxOptions } from './resolve.js';

const kStart = Symbol('glassbox.start');
const kRequest = Symbol('glassbox.request');
const kResponseBytes = Symbol('glassbox.responseBytes');
const kUnmatched = Symbol('glassbox.unmatched');

/** What the instrumentation keeps on a response while its request is in flight. */
interface TrackedResponse extends ServerResponse {
  [kStart]?: number | undefined;
  [kRequest]?: FastifyRequestLike | undefined;
  [kResponseBytes]?: number | undefined;
  [kUnmatched]?: true;
}

/** The parts of the Node server this uses. */
export interface ServerLike {
  prependListener(event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
}

/** `app.use` of an Express app (the not-found marker of {@link GlassboxHttpInstrumentation.afterRoutes}). */
interface ExpressUse {
  use(handler: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void): unknown;
}

/** The parts of a Fastify request this reads. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  readonly is404?: boolean;
  readonly routeOptions?: { readonly url?: string | undefined };
}

/** The parts of a Fastify reply this uses. */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
  hijack(): unknown;
  getHeader(name: string): unknown;
}

/** The parts of a Fastify instance this uses. */
export interface FastifyInstanceLike {
  addHook(
    name: 'onRequest' | 'onResponse',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: Error) => void) => void,
  ): unknown;
  route(options: {
    method: string | string[];
    url: string;
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => void;
  }): unknown;
}

/** Methods the metrics route answers on Fastify (the exporter answers 405 to all but GET and HEAD). */
const METRICS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** Installs RED recording and the metrics route on the platform under a Nest application. */
@Injectable()
export class GlassboxHttpInstrumentation {
  /** The Glassbox instance. */
  protected readonly glassbox: Glassbox;
  /** Core's RED recorder, or `null` when `http.enabled` is false. */
  protected readonly recorder: HttpRecorder | null;
  /** The exporter's handler, or `null` when no endpoint is served. */
  protected readonly metricsHandler: MetricsHandler | null;
  /** The metrics path (never recorded), or `undefined`. */
  protected readonly metricsPath: string | undefined;
  /** Status recorded when the client disconnects before the response ended. */
  protected readonly abortedStatusCode: number;
  /** Nest logger for start-up messages. */
  protected readonly logger = new Logger('GlassboxModule');
  /** The platform name once installed (`'express'`, `'fastify'`), else `undefined`. */
  protected platform: string | undefined;
  /** True once the Node server listener is installed (or is not needed, or cannot be). */
  protected serverInstalled = false;
  /**
   * True when the Express middleware went in as the app's first layer (only Express's
   * own `query`/`expressInit` before it), or the Fastify `onRequest` hook as the
   * instance's first hook: it then starts every record itself and no server listener is
   * added, which costs less per request.
   */
  protected firstLayer = false;
  private unmatchedMarked = false;
  private readonly exclude: PathExcluder | undefined;
  private readonly labels: CompiledLabels<IncomingMessage, ServerResponse> | undefined;
  private readonly recordSizes: boolean;
  private readonly onClose: (this: ServerResponse) => void;
  private readonly onLabelError: (error: unknown) => void;

  constructor(
    @Inject(GLASSBOX_OPTIONS) protected readonly options: ResolvedGlassboxOptions,
    @Optional() @Inject(HttpAdapterHost) protected readonly adapterHost?: HttpAdapterHost,
  ) {
    this.glassbox = options.glassbox;
    this.recorder = options.recorder;
    this.metricsHandler = options.metricsHandler;
    this.metricsPath = options.metricsPath;
    this.abortedStatusCode = options.abortedStatusCode;
    this.exclude = options.exclude;
    this.labels = options.labels;
    this.recordSizes = options.recordSizes;
    // One listener per instance (not per request): `this` is the closing response.
    const self = this;
    this.onClose = function onClose(this: ServerResponse) {
      self.end(this.req as IncomingMessage, this);
    };
    this.onLabelError = (error) => this.glassbox.reportError('nest', 'a custom label hook threw', error);
  }

  /**
   * Installs the hooks, once; the module calls it when it is instantiated (under
   * `NestFactory.create` the HTTP adapter exists then, before any `app.use()` of the
   * application) and again from `configure()` (before Nest registers its middleware and
   * routes; under `@nestjs/testing` the adapter only exists from then on). Two parts:
   *
   * - on the platform (as soon as the adapter exists): the metrics route, and a first
   *   middleware (Express) or `onRequest` hook (Fastify) that starts the record if the
   *   server listener did not (serverless handlers, `fastify.inject`);
   * - on the Node server (as soon as it exists), unless that middleware or hook went in
   *   first: a `'request'` listener placed before the platform's own, so every request
   *   is timed from its first moment and recorded even when a middleware or hook
   *   registered before ours answers it.
   *
   * Returns true once both parts are installed (or the platform is not supported).
   */
  install(): boolean {
    const adapter = this.adapterHost?.httpAdapter;
    if (adapter === undefined || adapter === null) return false;
    if (this.platform === undefined) {
      const type = adapter.getType();
      const instance: unknown = adapter.getInstance();
      if (type === 'express') {
        // The wrap of the app's `handle` sees every request first: no server listener.
        this.firstLayer = true;
        this.installExpress(instance as ExpressAppLike);
      } else if (type === 'fastify') this.installFastify(instance as FastifyInstanceLike);
      else {
        this.logger.warn(
          `HTTP platform "${type}" is not supported: no RED metrics and no metrics route (use @nestjs/platform-express or @nestjs/platform-fastify)`,
        );
        this.serverInstalled = true;
      }
      this.platform = type;
      if (
        this.metricsHandler !== null &&
        this.metricsPath !== undefined &&
        (type === 'express' || type === 'fastify')
      ) {
        if (this.metricsHandler.authEnabled)
          this.logger.log(`Serving metrics at ${this.metricsPath} (bearer token required)`);
        else
          this.logger.warn(
            `Serving metrics at ${this.metricsPath} WITHOUT auth: set METRICS_BEARER_TOKEN or metrics.auth (metrics.requireAuth refuses to start without one)`,
          );
      }
      if (this.metricsHandler === null && this.options.options.metrics?.enabled === undefined)
        this.logger.log('No metrics endpoint: the given glassbox comes with no registry or sources to serve');
    }
    if (!this.serverInstalled) {
      const server = adapter.getHttpServer() as ServerLike | undefined | null;
      if (server !== undefined && server !== null && typeof server.prependListener === 'function') {
        if (this.recorder !== null && !this.firstLayer) this.installServer(server);
        this.serverInstalled = true;
      }
    }
    return this.serverInstalled;
  }

  /**
   * Called once Nest has registered its routes, before its not-found handler (the
   * module's `onModuleInit`). On Express it appends a middleware that only requests no
   * Nest route answered reach: they are recorded as unmatched even when an Express
   * route registered for a Nest middleware (a method-specific `forRoutes({ path, method })`)
   * had set `req.route` on the way.
   */
  afterRoutes(): void {
    if (this.unmatchedMarked || this.platform !== 'express' || this.recorder === null) return;
    const app = this.adapterHost?.httpAdapter?.getInstance() as ExpressUse | undefined;
    if (app === undefined) return;
    this.unmatchedMarked = true;
    app.use((_req, res, next) => {
      (res as TrackedResponse)[kUnmatched] = true;
      next();
    });
  }

  /** Starts records from the Node server's `'request'` event, ahead of the platform's listener. */
  protected installServer(server: ServerLike): void {
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      this.start(req, res);
    });
  }

  /**
   * Installs `@glassbox/express`'s recording on the Express app (a wrap of `app.handle`,
   * no router layer): it serves the metrics path ahead of everything and records every
   * request the app receives, through this class's {@link isExcluded} and {@link routeOf}.
   */
  protected installExpress(app: ExpressAppLike): void {
    if (this.metricsHandler === null && this.recorder === null) return;
    createExpressRecording({
      glassbox: this.glassbox,
      recorder: this.recorder ?? undefined,
      excluded: (url) => this.isExcluded(url),
      labels: this.labels,
      recordSizes: this.recordSizes,
      abortedStatusCode: this.abortedStatusCode,
      metricsPath: this.metricsPath ?? '/metrics',
      serve: this.metricsHandler ?? undefined,
      routeOf: (req, res, matched) => this.routeOf(req, res, matched),
      component: 'nest',
    }).instrument(app);
  }

  /** Registers the metrics route and the `onRequest` hook on a Fastify instance. */
  protected installFastify(fastify: FastifyInstanceLike): void {
    // Before the metrics route: the check is that no route exists yet.
    const first = this.recorder === null ? undefined : firstOnRequestHooks(fastify);
    const handler = this.metricsHandler;
    const path = this.metricsPath;
    if (handler !== null && path !== undefined) {
      fastify.route({
        method: METRICS_METHODS,
        url: path,
        handler: (request, reply) => {
          reply.hijack();
          handler(request.raw, reply.raw);
        },
      });
    }
    if (this.recorder !== null) {
      const hook = (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: Error) => void) => {
        const res = reply.raw as TrackedResponse;
        if (res[kStart] === undefined) this.start(request.raw, res);
        // The route is read when the response closes: a later hook may still send the
        // request to the not-found handler.
        if (res[kStart] !== undefined) res[kRequest] = request;
        done();
      };
      if (first !== undefined) {
        for (const list of first) list.unshift(hook);
        this.firstLayer = true;
      } else fastify.addHook('onRequest', hook);
      if (this.recordSizes) {
        // Fastify passes its headers to writeHead, so the raw response does not know them.
        fastify.addHook('onResponse', (_request, reply, done) => {
          (reply.raw as TrackedResponse)[kResponseBytes] = parseContentLength(
            reply.getHeader('content-length'),
          );
          done();
        });
      }
    }
  }

  /** True when a request is not recorded: the metrics path and `http.excludePaths` (query ignored). */
  protected isExcluded(url: string | undefined): boolean {
    if (url === undefined) return false;
    if (this.metricsPath !== undefined && matchesPath(url, this.metricsPath)) return true;
    return this.exclude?.(url) === true;
  }

  /** A request arrived: start timing unless excluded or already started. Never throws. */
  protected start(req: IncomingMessage, res: ServerResponse): void {
    try {
      const tracked = res as TrackedResponse;
      if (tracked[kStart] !== undefined) return;
      if (this.isExcluded(req.url)) return;
      tracked[kRequest] = undefined;
      tracked[kStart] = (this.recorder as HttpRecorder).begin(req.method ?? 'GET');
      res.on('close', this.onClose);
    } catch (error) {
      this.glassbox.reportError('nest', 'starting a request record failed', error);
    }
  }

  /** The response closed (finished or aborted): record the request once. Never throws. */
  protected end(req: IncomingMessage, res: ServerResponse): void {
    const tracked = res as TrackedResponse;
    const startTime = tracked[kStart];
    if (startTime === undefined) return;
    tracked[kStart] = undefined;
    let route: string | undefined;
    let status = this.abortedStatusCode;
    let extra: readonly LabelValue[] | undefined;
    let requestBytes: number | undefined;
    let responseBytes: number | undefined;
    try {
      route = this.routeOf(req, res);
      status = this.statusOf(res);
      if (this.recordSizes) {
        requestBytes = parseContentLength(req.headers['content-length']);
        responseBytes = tracked[kResponseBytes] ?? parseContentLength(res.getHeader('content-length'));
      }
      if (this.labels !== undefined) extra = this.labels.values(req, res, this.onLabelError);
    } catch (error) {
      this.glassbox.reportError('nest', 'resolving the route or labels failed', error);
    }
    (this.recorder as HttpRecorder).end(
      req.method ?? 'GET',
      route,
      status,
      startTime,
      requestBytes,
      responseBytes,
      extra,
    );
  }

  /**
   * The route label of a finished request, or `undefined` when no route matched
   * (recorded as the unmatched value). `matched` is the template the platform matched
   * (on Express, `@glassbox/express`'s label); requests that fell through Nest's routes
   * are unmatched.
   */
  protected routeOf(
    req: IncomingMessage,
    res: ServerResponse,
    matched: string | undefined = platformRoute(req, res),
  ): string | undefined {
    return (res as TrackedResponse)[kUnmatched] === true ? undefined : matched;
  }

  /**
   * The status recorded: the status sent, or `abortedStatusCode` when the client left
   * before the application ended the response. (`writableEnded`, not `writableFinished`:
   * in-memory responses such as `fastify.inject`'s never report the latter.)
   */
  protected statusOf(res: ServerResponse): number {
    return res.writableEnded ? res.statusCode : this.abortedStatusCode;
  }
}

/** The route template the platform matched: Fastify's route URL, or Express's route path. */
function platformRoute(req: IncomingMessage, res: ServerResponse): string | undefined {
  const request = (res as TrackedResponse)[kRequest];
  if (request !== undefined) return request.is404 === true ? undefined : request.routeOptions?.url;
  const r = (req as ExpressRequestLike).route;
  const path = r?.path;
  if (typeof path !== 'string') return undefined;
  const base = (req as ExpressRequestLike).baseUrl;
  return base === undefined || base === '' ? path : base + path;
}

/**
 * The `onRequest` hook lists of a Fastify instance and its encapsulated children when
 * no route has been registered on it yet, else `undefined`. Fastify has no public way
 * to put a hook ahead of others (`addHook` appends, and `FastifyAdapter`'s own hooks,
 * `@fastify/middie` for `app.use()` and plugins are loaded before the module is
 * instantiated); a hook put first in these lists now runs first on every route
 * registered later and on the not-found handler Nest sets, as `addHook` itself passes
 * hooks on to children. The lists are Fastify's internal `Symbol(fastify.hooks)` and
 * `Symbol(fastify.children)` (Fastify 4 and 5); when they are not there, or routes exist
 * already (their hooks are fixed when they load), the module appends its hook and keeps
 * the server listener.
 */
function firstOnRequestHooks(fastify: unknown): unknown[][] | undefined {
  try {
    if (fastify === null || typeof fastify !== 'object') return undefined;
    const printRoutes = (fastify as { printRoutes?: unknown }).printRoutes;
    if (typeof printRoutes !== 'function') return undefined;
    const routes = String(printRoutes.call(fastify)).trim();
    if (routes !== '' && routes !== '(empty tree)') return undefined;
    const lists: unknown[][] = [];
    const collect = (instance: object): boolean => {
      const symbols = Object.getOwnPropertySymbols(instance);
      const own = (name: string): unknown => {
        const key = symbols.find((s) => s.description === name);
        return key === undefined ? undefined : (instance as Record<symbol, unknown>)[key];
      };
      const onRequest = (own('fastify.hooks') as { onRequest?: unknown } | undefined)?.onRequest;
      const children = own('fastify.children');
      if (!Array.isArray(onRequest) || !Array.isArray(children)) return false;
      lists.push(onRequest);
      return children.every(
        (child: unknown) => child !== null && typeof child === 'object' && collect(child),
      );
    };
    return collect(fastify) ? lists : undefined;
  } catch {
    return undefined;
  }
}
