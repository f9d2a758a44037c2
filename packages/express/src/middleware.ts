/**
 * The Express glue: a middleware that feeds core's RED recorder, plus the /metrics
 * handler of @glassbox/exporter. Works on Express 4 (path-to-regexp 0.1) and Express 5
 * (router 2, path-to-regexp 8).
 *
 * Route labels. Express keeps the matched route in `req.route` (its `path` is the
 * template as registered: `/users/:id`, Express 5 `/files/*splat`, `{/:opt}`, Express 4
 * `/files/*`, `/:opt?`) and the part of the URL consumed by router mount paths in
 * `req.baseUrl`. The label is `baseUrl + route.path` (`/api/v1` + `/users/:id`), with
 * two corrections that reading `req.baseUrl` after the response cannot give:
 *
 * - Express resets `req.baseUrl` when an error leaves a nested router (`next(err)` or
 *   a throw), so the mount path would be lost for errors. The mount template is
 *   captured when Express assigns `req.route`.
 * - `req.baseUrl` holds the raw URL (`/users/42/posts`), so a mount path with
 *   parameters (`app.use('/users/:userId/posts', router)`) would put ids in the label.
 *   When Express assigns `req.route`, `req.params` still holds the params the router
 *   was entered with; the mount-path segments equal to those values become `:name`.
 *
 * Both are done when Express assigns `req.route`, through an accessor on the app's own
 * request prototype (`app.request`, one per app; never Node's
 * `IncomingMessage.prototype`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CustomLabel,
  type Glassbox,
  type HttpRecorder,
  matchesPath,
  parseContentLength,
} from '@glassbox/core';
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
import { createMountTemplates, lowerCaseBase } from './templates.js';

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

/** `handle` as Express defines it at run time. */
type Handle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => unknown;

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

const kStart = Symbol('glassbox.express.start');
const kMethod = Symbol('glassbox.express.method');
const kRoute = Symbol('glassbox.express.route');
const kBase = Symbol('glassbox.express.baseUrl');
const kAccessor = Symbol('glassbox.express.routeAccessor');
const kApp = Symbol('glassbox.express.app');

interface TrackedRequest extends ExpressRequestLike {
  /** The matched route, as Express assigned it. */
  [kRoute]?: { path?: unknown } | undefined;
  /** The mount-path template when the route was assigned. */
  [kBase]?: string | undefined;
  /** The app the route belongs to (when it is under a mount path). */
  [kApp]?: unknown;
  /** The app whose request prototype the request has (Express sets it). */
  app?: unknown;
  [kAccessor]?: boolean;
  params?: Record<string, unknown>;
}

interface TrackedResponse extends ServerResponse {
  [kStart]?: number | undefined;
  [kMethod]?: string;
}

function hasKeys(params: Record<string, unknown> | undefined): params is Record<string, unknown> {
  if (params === undefined || params === null) return false;
  for (const _ in params) return true;
  return false;
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Turns the URL part a mount layer consumed (`/users/42/posts`) back into its template
 * (`/users/:userId/posts`) with the layer's params (`{ userId: '42' }`), segment by
 * segment; Express 5 wildcard params (arrays of segments) become `*name`. Returns
 * undefined when nothing was substituted.
 */
function mountTemplate(added: string, params: Record<string, unknown>): string | undefined {
  const segments = added.split('/');
  let changed = false;
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string') {
      for (let i = 1; i < segments.length; i++) {
        const seg = segments[i] as string;
        if (seg.length > 0 && seg[0] !== ':' && seg[0] !== '*' && decodeSegment(seg) === value) {
          segments[i] = `:${key}`;
          changed = true;
          break;
        }
      }
    } else if (Array.isArray(value) && value.length > 0) {
      for (let i = 1; i + value.length <= segments.length; i++) {
        let all = true;
        for (let j = 0; j < value.length && all; j++)
          all = decodeSegment(segments[i + j] as string) === value[j];
        if (all) {
          segments.splice(i, value.length, `*${key}`);
          changed = true;
          break;
        }
      }
    }
  }
  return changed ? segments.join('/') : undefined;
}

/**
 * The template of the mount path when Express assigns `req.route`. At that moment
 * `req.params` still holds the params the router was entered with (the mount layer's,
 * merged with outer ones under `mergeParams`), so a mount path with parameters
 * (`/users/42/posts`) can be turned back into its template (`/users/:userId/posts`).
 * Static mount paths (no params) cost one check.
 */
function mountBase(
  base: string | undefined,
  params: Record<string, unknown> | undefined,
): string | undefined {
  if (base === undefined || base === '' || !hasKeys(params)) return base;
  return mountTemplate(base, params) ?? base;
}

/**
 * Installs the `route` accessor on an Express app's request prototype. Only prototypes
 * that Express created per app (they own an `app` property) are touched; sub-apps
 * inherit it (Express chains `subApp.request` to the parent's). Only `route` is
 * intercepted: Express assigns it once per matched route, so the accessor costs
 * nothing measurable, whereas an accessor for `baseUrl` (assigned and restored at every
 * router boundary, partly through computed keys) measurably slowed every request.
 */
function ensureRouteAccessor(proto: object | null): void {
  if (proto === null || (proto as TrackedRequest)[kAccessor] === true) return;
  if (!Object.hasOwn(proto, 'app') || 'route' in proto) return;
  Object.defineProperty(proto, 'route', {
    configurable: true,
    enumerable: true,
    get(this: TrackedRequest) {
      return this[kRoute];
    },
    set(this: TrackedRequest, value: { path?: unknown } | undefined) {
      // The router assigns the route when it matches (params: the router's entry params),
      // then `Route#dispatch` assigns it again (params: the route's own): keep the first.
      if (value === this[kRoute]) return;
      this[kRoute] = value;
      const base = this.baseUrl;
      this[kBase] = mountBase(base, this.params);
      if (base !== undefined && base !== '') this[kApp] = this.app;
    },
  });
  Object.defineProperty(proto, kAccessor, { value: true, configurable: true });
}

function pathString(path: unknown): string {
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(pathString).join(',');
  return String(path);
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
  const adapter = resolveHttpAdapter(options, client);
  const { glassbox: instance, recorder, metricsPath, excluded, labels, recordSizes } = adapter;
  const abortedStatus = adapter.abortedStatusCode;
  const handler = adapter.handler;
  if (options.metricsRoute === true && handler === undefined) throw adapter.nothingToServe();
  const serve = metricsRoute ? handler : undefined;
  /** The route a request served by `serve` is labelled with (when `excludeMetricsPath` is false). */
  const metricsRouteObject = Object.freeze({ path: metricsPath });
  function serveMetrics(req: IncomingMessage, res: ServerResponse, handle: MetricsHandler): void {
    (req as TrackedRequest)[kRoute] = metricsRouteObject;
    (req as TrackedRequest)[kBase] = '';
    handle(req, res);
  }

  // Route object -> (baseUrl -> label). Bounded: route objects are registered code,
  // and at most 64 mount prefixes are kept per route.
  const labelCache = new WeakMap<object, Map<string, string>>();
  const mountTemplate = createMountTemplates();
  function routeLabel(route: { path?: unknown }, base: string, app: unknown): string {
    const path = route.path;
    if (base === '' && typeof path === 'string') return path;
    let byBase = labelCache.get(route);
    let label = byBase?.get(base);
    if (label !== undefined) return label;
    const p = pathString(path);
    // The registered mount template, never the request's spelling (Express matches
    // case-insensitively).
    const template = base === '' ? '' : (mountTemplate(app, route, base) ?? lowerCaseBase(base));
    label = p === '/' && template !== '' ? template : template + p;
    if (byBase === undefined) {
      byBase = new Map();
      labelCache.set(route, byBase);
    }
    if (byBase.size < 64) byBase.set(base, label);
    return label;
  }

  function labelOf(req: TrackedRequest): string | undefined {
    // What the accessor captured, kept on the request itself: an error leaving a mounted
    // sub-app gives the request its parent's prototype back (no accessor there).
    let route: { path?: unknown } | undefined = req[kRoute];
    let base: string | undefined;
    let app: unknown;
    if (route !== undefined) {
      base = req[kBase];
      app = req[kApp];
    } else {
      route = req.route;
      base = req.baseUrl;
      app = req.app;
    }
    if (route === undefined || route === null) return undefined;
    return routeLabel(route, base ?? '', app);
  }

  const onLabelError = (error: unknown) =>
    instance.reportError('express', 'a custom label hook threw', error);

  // One listener for every response (`this` is the response): no closure per request.
  // 'close' is emitted exactly once per response, after 'finish' or on a disconnect.
  function onClose(this: TrackedResponse): void {
    const start = this[kStart];
    if (start === undefined) return;
    this[kStart] = undefined;
    try {
      const req = this.req as TrackedRequest;
      const status = this.writableFinished ? this.statusCode : abortedStatus;
      const matched = labelOf(req);
      const route = routeOf === undefined ? matched : overrideRoute(routeOf, req, this, matched);
      const method = this[kMethod] as string;
      if (recordSizes || labels !== undefined) {
        recorder.end(
          method,
          route,
          status,
          start,
          recordSizes ? parseContentLength(req.headers['content-length']) : undefined,
          recordSizes ? parseContentLength(this.getHeader('content-length')) : undefined,
          labels?.values(req, this, onLabelError),
        );
      } else recorder.end(method, route, status, start);
    } catch (error) {
      instance.reportError('express', 'recording a request failed', error);
    }
  }

  /** The label `routeOf` returns; the matched template when it throws or returns a non-string. */
  function overrideRoute(
    hook: ExpressRouteOf,
    req: ExpressRequestLike,
    res: ServerResponse,
    matched: string | undefined,
  ): string | undefined {
    try {
      const label: unknown = hook(req, res, matched);
      if (label === undefined || typeof label === 'string') return label;
      instance.reportError(
        'express',
        'routeOf returned neither a string nor undefined',
        new TypeError(typeof label),
      );
    } catch (error) {
      instance.reportError('express', 'routeOf threw', error);
    }
    return matched;
  }

  /** Starts a request's record unless it is excluded or started already. Never throws. */
  function start(req: IncomingMessage, res: ServerResponse, url: string): void {
    try {
      const r = res as TrackedResponse;
      if (r[kStart] === undefined && (excluded === undefined || !excluded(url))) {
        const method = req.method ?? 'GET';
        r[kMethod] = method;
        r[kStart] = recorder.begin(method);
        res.on('close', onClose);
      }
    } catch (error) {
      instance.reportError('express', 'instrumenting a request failed', error);
    }
  }

  let lastProto: object | null = null;
  const middleware: ExpressMiddleware = function glassboxMiddleware(req, res, next) {
    const q = req as ExpressRequestLike;
    const url = q.originalUrl ?? q.url ?? '/';
    const proto = Object.getPrototypeOf(req) as object | null;
    if (proto !== lastProto) {
      try {
        ensureRouteAccessor(proto);
      } catch (error) {
        instance.reportError('express', 'instrumenting a request failed', error);
      }
      lastProto = proto;
    }
    start(req, res, url);
    if (serve !== undefined && matchesPath(url, metricsPath)) serveMetrics(req, res, serve);
    else next();
  };

  const instrumented = new WeakSet<object>();
  function instrument(app: ExpressAppLike): void {
    const target = app as (ExpressAppLike & { handle?: unknown }) | null | undefined;
    if (
      target === null ||
      target === undefined ||
      (typeof target !== 'function' && typeof target !== 'object') ||
      typeof target.handle !== 'function'
    )
      throw new TypeError('Glassbox: instrument() needs an Express app (an object with a handle function)');
    if (instrumented.has(target)) return;
    instrumented.add(target);
    // Express sets the request's prototype to `app.request` inside `handle`: put the
    // route accessor there now.
    if (target.request !== undefined && target.request !== null) ensureRouteAccessor(target.request);
    const handle = target.handle as Handle;
    const reqProto = target.request;
    const resProto = (target as { response?: object }).response;
    const protos =
      reqProto !== null && typeof reqProto === 'object' && resProto !== null && typeof resProto === 'object';
    (target as { handle: Handle }).handle = function glassboxHandle(
      this: unknown,
      req: IncomingMessage,
      res: ServerResponse,
      next?: (err?: unknown) => void,
    ) {
      const url = (req as ExpressRequestLike).originalUrl ?? req.url ?? '/';
      if (protos) {
        // What Express's own handle does first (Express 4: its `expressInit`), done before
        // the record's fields are added, so V8 sees the objects change shape in the same
        // order as without Glassbox.
        Object.setPrototypeOf(req, reqProto as object);
        Object.setPrototypeOf(res, resProto as object);
      }
      start(req, res, url);
      if (serve !== undefined && matchesPath(url, metricsPath)) {
        serveMetrics(req, res, serve);
        return undefined;
      }
      return handle.call(this, req, res, next);
    };
  }

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
