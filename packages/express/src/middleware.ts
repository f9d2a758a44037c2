/**
 * The Express glue: options and `glassbox()`, which resolves them (the exporter's
 * `resolveHttpAdapter`, shared by every HTTP adapter) and hands them to the Express
 * recording (./recording.ts) and the /metrics handler of @glassbox/exporter. Works on
 * Express 4 (path-to-regexp 0.1) and Express 5 (router 2, path-to-regexp 8).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomLabel, Glassbox, HttpRecorder } from '@glassbox/core';
import {
  type AdapterMetricsOptions,
  type AdapterMetricsServerOptions,
  HTTP_ADAPTER_DEFAULTS,
  type HttpAdapterOptions,
  type MetricsHandler,
  type MetricsServer,
  resolveHttpAdapter,
} from '@glassbox/exporter';
import * as client from 'prom-client';
import { createExpressRecording } from './recording.js';

/** The parts of an Express request the middleware reads (Express 4 and 5). */
export interface ExpressRequestLike extends IncomingMessage {
  /** The matched route (Express sets it); `path` is the registered template. */
  route?: { path?: unknown } | undefined;
  /** The URL part consumed by router mount paths. */
  baseUrl?: string;
  /** The request URL before routers rewrote `url`. */
  originalUrl?: string;
}

/** A custom label of the Express middleware. */
export type ExpressCustomLabel = CustomLabel<ExpressRequestLike, ServerResponse>;

/**
 * A route label override (see {@link GlassboxExpressOptions.routeOf}): gets the request,
 * the response and the template Glassbox matched (`undefined` when no route matched) and
 * returns the label to record (`undefined`: the unmatched value).
 */
export type ExpressRouteOf = (
  req: ExpressRequestLike,
  res: ServerResponse,
  matched: string | undefined,
) => string | undefined;

/** Exporter options for the /metrics endpoint (the registry and instance come from the adapter). */
export type ExpressMetricsOptions = AdapterMetricsOptions;

/** Options of {@link glassbox}: the options every HTTP adapter shares (see the exporter's `HttpAdapterOptions`), plus where /metrics is served. */
export interface GlassboxExpressOptions extends HttpAdapterOptions<ExpressRequestLike, ServerResponse> {
  /**
   * `instrument`/the middleware answer {@link HttpAdapterOptions.metricsPath} themselves
   * (GET/HEAD, 405 otherwise), through the exporter's handler — the same auth as
   * {@link GlassboxExpress.metricsHandler}, so the exporter alone decides who reads it.
   * The path is compared with `req.originalUrl` (query ignored) before any of your
   * routes run, and no route is added ahead of yours. On by default, as on Fastify and
   * Nest; set `false` when metrics are served on another port (`createMetricsServer`)
   * or by a route of your own. With the default and nothing to serve (a given
   * `glassbox` without `registry` or `metrics.sources`) no endpoint is served; `true`
   * then throws at start-up.
   * @default true
   */
  readonly metricsRoute?: boolean;
  /**
   * Overrides the route label, as Nest's `routeOf`: called once per recorded request,
   * when its response closes, with the template Glassbox matched (`undefined` when no
   * route matched); returns the label to record, or `undefined` for
   * {@link HttpAdapterOptions.unmatchedRoute}. Return templates, never raw URLs (the
   * series cap still bounds what it returns). A hook that throws or returns something
   * else than a string or `undefined` is counted in
   * `glassbox_instrumentation_errors_total{component="express"}`, and the matched
   * template is recorded.
   *
   * @example
   * ```ts
   * // one label for every version: /v1/users/:id and /v2/users/:id → /:version/users/:id
   * routeOf: (_req, _res, matched) => matched?.replace(/^\/v\d+\//, '/:version/')
   * ```
   * @default undefined (the matched template)
   */
  readonly routeOf?: ExpressRouteOf;
}

/** Defaults of {@link GlassboxExpressOptions}. */
export const GLASSBOX_EXPRESS_DEFAULTS = Object.freeze({
  ...HTTP_ADAPTER_DEFAULTS,
  metricsRoute: true,
  routeOf: undefined as ExpressRouteOf | undefined,
});

/** An Express middleware (structurally typed, so it fits Express 4 and 5 typings). */
export type ExpressMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** Where a separate metrics server listens. */
export type ExpressMetricsServerOptions = AdapterMetricsServerOptions;

/**
 * An Express app (4 or 5) as {@link GlassboxExpress.instrument} takes it: the app
 * function. At run time it also needs `app.handle`, Express's entry point (not in
 * Express's typings), which the app function calls for every request.
 */
export interface ExpressAppLike {
  (req: IncomingMessage, res: ServerResponse): unknown;
  /** The app's request prototype. */
  readonly request?: object;
}

/** What {@link glassbox} returns. */
export interface GlassboxExpress {
  /** The instance metrics are recorded in (use it for your own metrics and core's instruments). */
  readonly glassbox: Glassbox;
  /** Core's RED recorder behind the middleware. */
  readonly recorder: HttpRecorder;
  /**
   * The RED middleware: `app.use(gb.middleware)` before your routes (with
   * the default `metricsRoute` it also serves the metrics path). {@link GlassboxExpress.instrument}
   * does the same without a router layer.
   */
  readonly middleware: ExpressMiddleware;
  /**
   * Instruments an app without adding a router layer (the alternative to
   * `app.use(gb.middleware)`, not an addition to it): wraps `app.handle`, Express's entry
   * point, so every request the app receives — as the server's handler or mounted in
   * another app — is timed before Express's own router runs, ahead of every middleware
   * whenever you call it; unless `metricsRoute: false` the metrics path is answered there,
   * before any of your middleware. Records are the same as the middleware's. It costs
   * less per request than a middleware layer (docs/benchmarks.md). Throws a `TypeError`
   * if `app` has no `handle` function; a second call on the same app does nothing.
   *
   * @example
   * ```ts
   * const gb = glassbox({ metrics: { auth: { tokens: process.env.METRICS_BEARER_TOKEN } } });
   * const app = express();
   * gb.instrument(app);
   * ```
   */
  instrument(app: ExpressAppLike): void;
  /**
   * The auth-guarded /metrics handler: `app.get(gb.metricsPath, gb.metricsHandler)`.
   * Throws on access when there is nothing to serve (a given `glassbox` without `registry` or `metrics.sources`).
   */
  readonly metricsHandler: MetricsHandler;
  /** The metrics path (default `/metrics`). */
  readonly metricsPath: string;
  /** A metrics server on its own port with the same auth; call `start()` on it. */
  createMetricsServer(options?: ExpressMetricsServerOptions): MetricsServer;
}

/**
 * Creates the Express integration: the RED middleware and the /metrics handler.
 * Throws at start-up on bad options.
 *
 * @example
 * ```ts
 * const gb = glassbox({ metrics: { auth: { tokens: process.env.METRICS_BEARER_TOKEN } } });
 * app.use(gb.middleware);
 * app.get(gb.metricsPath, gb.metricsHandler);
 * ```
 */
export function glassbox(options: GlassboxExpressOptions = {}): GlassboxExpress {
  // Checked before anything is created.
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox: options must be an object');
  const metricsRoute = options.metricsRoute ?? GLASSBOX_EXPRESS_DEFAULTS.metricsRoute;
  if (typeof metricsRoute !== 'boolean') throw new TypeError('Glassbox: metricsRoute must be a boolean');
  const routeOf = options.routeOf ?? GLASSBOX_EXPRESS_DEFAULTS.routeOf;
  if (routeOf !== undefined && typeof routeOf !== 'function')
    throw new TypeError('Glassbox: routeOf must be a function (req, res, matched) => string | undefined');
  const adapter = resolveHttpAdapter(options, client, { metricsRoute: 'boolean', routeOf: 'function' });
  const { glassbox: instance, recorder, metricsPath, handler } = adapter;
  if (options.metricsRoute === true && handler === undefined) throw adapter.nothingToServe();
  const { middleware, instrument } = createExpressRecording({
    glassbox: instance,
    recorder,
    excluded: adapter.excluded,
    labels: adapter.labels,
    recordSizes: adapter.recordSizes,
    abortedStatusCode: adapter.abortedStatusCode,
    metricsPath,
    serve: metricsRoute ? handler : undefined,
    routeOf,
    component: 'express',
  });

  return {
    glassbox: instance,
    recorder,
    middleware,
    instrument,
    metricsPath,
    get metricsHandler(): MetricsHandler {
      if (handler === undefined) throw adapter.nothingToServe();
      return handler;
    },
    createMetricsServer: adapter.createMetricsServer,
  };
}
