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
 * - Fastify: the recording of `@glassbox/fastify` (`createFastifyRecording`): its
 *   `onRequest` hook, put first (./fastify-platform.ts), starts the record, and the
 *   request is labelled with the route's registered URL (a request an earlier hook sends
 *   to the not-found handler is unmatched).
 *
 * With `recordSizes`, sizes are the request's and the response's `Content-Length`
 * headers (a chunked response without one records no response size).
 *
 * Subclass it and override its `protected` members to change how requests are
 * recorded, then pass the subclass as `instrumentationClass`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompiledLabels, Glassbox, HttpRecorder, PathExcluder } from '@glassbox/core';
import { matchesPath } from '@glassbox/core/adapter';
import type { MetricsHandler } from '@glassbox/exporter';
import { createExpressRecording, type ExpressAppLike, type ExpressRequestLike } from '@glassbox/express';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  type FastifyInstanceLike,
  type FastifyPlatform,
  installFastifyPlatform,
} from './fastify-platform.js';
import { GLASSBOX_OPTIONS } from './options.js';
import type { ResolvedGlassboxOptions } from './resolve.js';

const kMatched = Symbol('glassbox.matched');
const kUnmatched = Symbol('glassbox.unmatched');

/** What the instrumentation keeps on a response while its request is in flight. */
interface TrackedResponse extends ServerResponse {
  /** The template the platform recording matched, while {@link GlassboxHttpInstrumentation.routeOf} runs. */
  [kMatched]?: string | undefined;
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

export type { FastifyInstanceLike, FastifyReplyLike, FastifyRequestLike } from './fastify-platform.js';

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
  /** The Fastify recording, once installed (its `startRaw` feeds the server listener). */
  private fastify: FastifyPlatform | undefined;

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
    this.options.exporterLog?.attach({
      warn: (message) => this.logger.warn(message),
      error: (message) => this.logger.error(message),
    });
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
        // Without auth, the exporter's own warning (through this logger) says why and what to set.
        this.logger.log(
          `Serving metrics at ${this.metricsPath}${this.metricsHandler.authEnabled ? ' (bearer token required)' : ''}`,
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
    const fastify = this.fastify;
    if (fastify === undefined) return;
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      fastify.startRaw(req, res);
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
      routeOf: this.labelHook(),
      component: 'nest',
      // Nest registers its routes on the app itself: the route is read when the response
      // closes, with no accessor on the request prototype.
      captureRoute: false,
    }).instrument(app);
  }

  /**
   * The label hook handed to the platform recording: the default {@link routeOf} inline
   * (nothing stored per request), or an override through {@link routeWith}.
   */
  private labelHook(): (
    req: IncomingMessage,
    res: ServerResponse,
    matched: string | undefined,
  ) => string | undefined {
    if (this.routeOf === GlassboxHttpInstrumentation.prototype.routeOf)
      return (_req, res, matched) => ((res as TrackedResponse)[kUnmatched] === true ? undefined : matched);
    return (req, res, matched) => this.routeWith(req, res, matched);
  }

  /** Calls {@link routeOf} with the matched template (kept on the response for overrides that drop it). */
  private routeWith(
    req: IncomingMessage,
    res: ServerResponse,
    matched: string | undefined,
  ): string | undefined {
    const tracked = res as TrackedResponse;
    tracked[kMatched] = matched;
    try {
      return this.routeOf(req, res, matched);
    } finally {
      tracked[kMatched] = undefined;
    }
  }

  /**
   * Registers the metrics route and `@glassbox/fastify`'s recording on a Fastify
   * instance, its `onRequest` hook first when no route exists yet.
   */
  protected installFastify(fastify: FastifyInstanceLike): void {
    const labels = this.labels;
    const label = this.labelHook();
    const installed = installFastifyPlatform(fastify, {
      glassbox: this.glassbox,
      recorder: this.recorder ?? undefined,
      excluded: (url) => this.isExcluded(url),
      labels:
        labels === undefined
          ? undefined
          : {
              names: labels.names,
              values: (request, reply, onError) => labels.values(request.raw, reply.raw, onError),
            },
      recordSizes: this.recordSizes,
      abortedStatusCode: this.abortedStatusCode,
      routeOf: (request, reply, matched) => label(request.raw, reply.raw, matched),
      component: 'nest',
      metricsHandler: this.metricsHandler ?? undefined,
      metricsPath: this.metricsPath,
    });
    this.fastify = installed.platform;
    this.firstLayer = installed.first;
  }

  /** True when a request is not recorded: the metrics path and `http.excludePaths` (query ignored). */
  protected isExcluded(url: string | undefined): boolean {
    if (url === undefined) return false;
    if (this.metricsPath !== undefined && matchesPath(url, this.metricsPath)) return true;
    return this.exclude?.(url) === true;
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
}

/** The template the platform recording matched, or Express's route (for overrides that drop `matched`). */
function platformRoute(req: IncomingMessage, res: ServerResponse): string | undefined {
  const tracked = res as TrackedResponse;
  if (kMatched in tracked) return tracked[kMatched];
  const path = (req as ExpressRequestLike).route?.path;
  if (typeof path !== 'string') return undefined;
  const base = (req as ExpressRequestLike).baseUrl;
  return base === undefined || base === '' ? path : base + path;
}
