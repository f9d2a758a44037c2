/**
 * The Express recording: times every request an app receives and records it once, when
 * its response closes, with the route template — shared by `glassbox()` and
 * `@glassbox/nest` on platform-express (through {@link createExpressRecording}).
 *
 * Route labels. Express keeps the matched route in `req.route` (its `path` is the
 * template as registered) and the part of the URL consumed by router mount paths in
 * `req.baseUrl`. The label is the mount template (./templates.ts) + `route.path`, with
 * two corrections that reading `req.baseUrl` after the response cannot give:
 *
 * - Express resets `req.baseUrl` when an error leaves a nested router (`next(err)` or
 *   a throw), so the mount path would be lost for errors. The mount is captured when
 *   Express assigns `req.route`.
 * - `req.baseUrl` holds the raw URL (`/users/42/posts`): when Express assigns
 *   `req.route`, `req.params` still holds the params the router was entered with, and
 *   the mount-path segments equal to those values become `:name` (used when the
 *   router's registered path cannot be read).
 *
 * Both are done when Express assigns `req.route`, through an accessor on the app's own
 * request prototype (`app.request`, one per app; never Node's
 * `IncomingMessage.prototype`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CompiledLabels,
  currentTraceContext,
  type Glassbox,
  type HttpRecorder,
  type PathExcluder,
} from '@glassbox/core';
import { applyRouteOf, matchesPath, parseContentLength } from '@glassbox/core/adapter';
import type { MetricsHandler } from '@glassbox/exporter';
import type { ExpressAppLike, ExpressMiddleware, ExpressRequestLike, ExpressRouteOf } from './middleware.js';
import { createMountTemplates, lowerCaseBase } from './templates.js';

/** `handle` as Express defines it at run time. */
type Handle = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => unknown;

/** What {@link createExpressRecording} records with (an adapter's resolved options). */
export interface ExpressRecordingSetup {
  /** The instance errors are reported to. */
  readonly glassbox: Glassbox;
  /** Core's RED recorder; `undefined` records nothing (the metrics path is still served). */
  readonly recorder: HttpRecorder | undefined;
  /** True when a request path must not be recorded (tested on `req.originalUrl`). */
  readonly excluded: PathExcluder | undefined;
  /** Custom labels, compiled. */
  readonly labels: CompiledLabels<ExpressRequestLike, ServerResponse> | undefined;
  /** Record request and response sizes. */
  readonly recordSizes: boolean;
  /** Status recorded when the client left before the response completed. */
  readonly abortedStatusCode: number;
  /** The metrics path. */
  readonly metricsPath: string;
  /** The handler answering the metrics path ahead of the app, or `undefined` (not served). */
  readonly serve: MetricsHandler | undefined;
  /** Overrides the route label (see `GlassboxExpressOptions.routeOf`). */
  readonly routeOf: ExpressRouteOf | undefined;
  /** The `component` label of `glassbox_instrumentation_errors_total`. */
  readonly component: string;
  /**
   * Capture the route and its mount when Express assigns `req.route` (an accessor on the
   * app's request prototype), so errors leaving nested routers keep their full template.
   * Without it the label is read from `req.route` and `req.baseUrl` when the response
   * closes (enough when routes are registered on the app itself, as Nest does).
   * @default true
   */
  readonly captureRoute?: boolean;
}

/** The two ways into an app: a first middleware, or a wrap of `app.handle`. */
export interface ExpressRecording {
  /** The RED middleware: `app.use(middleware)` before the routes. */
  readonly middleware: ExpressMiddleware;
  /** Wraps `app.handle`: every request the app receives, ahead of every middleware. */
  instrument(app: ExpressAppLike): void;
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

/** The route label of a request, from what the accessor captured (cached per route and base). */
function createRouteLabels(): (req: TrackedRequest) => string | undefined {
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

  return function labelOf(req: TrackedRequest): string | undefined {
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
  };
}

/** The shared `'close'` listener that records a response's request (`this` is the response). */
function createOnClose(
  setup: ExpressRecordingSetup,
  recorder: HttpRecorder,
): (this: TrackedResponse) => void {
  const { labels, recordSizes, routeOf, component, glassbox } = setup;
  const abortedStatus = setup.abortedStatusCode;
  const exemplars = glassbox.exemplars;
  const labelOf = createRouteLabels();
  const onLabelError = (error: unknown) =>
    glassbox.reportError(component, 'a custom label hook threw', error);
  // One listener for every response: no closure per request. 'close' is emitted exactly
  // once per response, after 'finish' or on a disconnect.
  return function onClose(this: TrackedResponse): void {
    const start = this[kStart];
    if (start === undefined) return;
    this[kStart] = undefined;
    try {
      const req = this.req as TrackedRequest;
      const status = this.writableFinished ? this.statusCode : abortedStatus;
      const matched = labelOf(req);
      const route =
        routeOf === undefined
          ? matched
          : applyRouteOf(setup.glassbox, setup.component, routeOf, req, this, matched);
      const method = this[kMethod] as string;
      // The listener runs in the request's context (OpenTelemetry's http instrumentation
      // binds the response to the server span), so the active span is the request's.
      const trace = exemplars ? currentTraceContext(req.headers.traceparent) : undefined;
      if (recordSizes || labels !== undefined || trace !== undefined) {
        recorder.end(method, route, status, start, {
          requestBytes: recordSizes ? parseContentLength(req.headers['content-length']) : undefined,
          responseBytes: recordSizes ? parseContentLength(this.getHeader('content-length')) : undefined,
          extraLabelValues: labels?.values(req, this, onLabelError),
          trace,
        });
      } else recorder.end(method, route, status, start);
    } catch (error) {
      glassbox.reportError(component, 'recording a request failed', error);
    }
  };
}

/** Starts a request's record unless it is excluded or started already. Never throws. */
function createStart(
  setup: ExpressRecordingSetup,
): (req: IncomingMessage, res: ServerResponse, url: string) => void {
  const { recorder, excluded, glassbox, component } = setup;
  if (recorder === undefined) return () => {};
  const onClose = createOnClose(setup, recorder);
  return function start(req, res, url) {
    try {
      const r = res as TrackedResponse;
      if (r[kStart] === undefined && (excluded === undefined || !excluded(url))) {
        const method = req.method ?? 'GET';
        r[kMethod] = method;
        r[kStart] = recorder.begin(method);
        res.on('close', onClose);
      }
    } catch (error) {
      glassbox.reportError(component, 'instrumenting a request failed', error);
    }
  };
}

/** Wraps `app.handle` so `enter` runs first for every request; false when it was wrapped already. */
function wrapHandle(
  app: ExpressAppLike,
  enter: (req: IncomingMessage, res: ServerResponse, url: string) => boolean,
  captureRoute: boolean,
): void {
  const target = app as (ExpressAppLike & { handle?: unknown }) | null | undefined;
  if (
    target === null ||
    target === undefined ||
    (typeof target !== 'function' && typeof target !== 'object') ||
    typeof target.handle !== 'function'
  )
    throw new TypeError('Glassbox: instrument() needs an Express app (an object with a handle function)');
  // Express sets the request's prototype to `app.request` inside `handle`: put the
  // route accessor there now.
  if (captureRoute && target.request !== undefined && target.request !== null)
    ensureRouteAccessor(target.request);
  const handle = target.handle as Handle;
  (target as { handle: Handle }).handle = function glassboxHandle(
    this: unknown,
    req: IncomingMessage,
    res: ServerResponse,
    next?: (err?: unknown) => void,
  ) {
    // Express sets the objects' prototypes itself, in `handle`. Doing it here first
    // (so the record's fields come after it) cost Node 20 and 22 about 10 points of CPU
    // per request and Node 24 nothing (bench/tools/express-ab.mjs).
    const url = (req as ExpressRequestLike).originalUrl ?? req.url ?? '/';
    if (enter(req, res, url)) return undefined;
    return handle.call(this, req, res, next);
  };
}

/**
 * The Express recording over resolved options: a first middleware and an `app.handle`
 * wrap that start records, serve the metrics path (when `serve` is set) and record each
 * request once when its response closes. Never throws into a request.
 */
export function createExpressRecording(setup: ExpressRecordingSetup): ExpressRecording {
  const { serve, metricsPath, glassbox, component } = setup;
  const captureRoute = setup.captureRoute ?? true;
  const start = createStart(setup);
  /** The route a request served by `serve` is labelled with (when the metrics path is recorded). */
  const metricsRouteObject = Object.freeze({ path: metricsPath });
  /** Starts the record; answers the metrics path (true) or lets the app run (false). */
  function enter(req: IncomingMessage, res: ServerResponse, url: string): boolean {
    start(req, res, url);
    if (serve === undefined || !matchesPath(url, metricsPath)) return false;
    (req as TrackedRequest)[kRoute] = metricsRouteObject;
    (req as TrackedRequest)[kBase] = '';
    serve(req, res);
    return true;
  }

  let lastProto: object | null = null;
  const middleware: ExpressMiddleware = function glassboxMiddleware(req, res, next) {
    const q = req as ExpressRequestLike;
    const proto = Object.getPrototypeOf(req) as object | null;
    if (captureRoute && proto !== lastProto) {
      try {
        ensureRouteAccessor(proto);
      } catch (error) {
        glassbox.reportError(component, 'instrumenting a request failed', error);
      }
      lastProto = proto;
    }
    if (!enter(req, res, q.originalUrl ?? q.url ?? '/')) next();
  };

  const instrumented = new WeakSet<object>();
  return {
    middleware,
    instrument(app: ExpressAppLike): void {
      if (instrumented.has(app)) return;
      wrapHandle(app, enter, captureRoute);
      instrumented.add(app);
    },
  };
}
