/**
 * The Fastify glue: a `fastify-plugin` plugin that feeds core's RED recorder from
 * Fastify's hooks and serves @glassbox/exporter's /metrics handler.
 *
 * Route labels are the route's registered URL, prefixes included (what
 * `request.routeOptions.url` returns). The plugin learns it once per route from the
 * `onRoute` hook and sets it on the request from a route-level `onRequest` hook, so the
 * hot path never builds the `routeOptions` object; routes registered before the plugin
 * (or requests answered before route-level hooks run) fall back to
 * `request.routeOptions.url`. Requests no route matched get the unmatched value.
 *
 * Each request is recorded exactly once: from `onResponse` when the response finished,
 * or, when the client disconnected first, from the raw response's `'close'` event with
 * status {@link GlassboxFastifyOptions.abortedStatusCode}. Fastify's `onRequestAbort`
 * is not enough: it only fires while the request body is still unread, so a POST whose
 * body was parsed and whose client leaves during the handler gets neither
 * `onRequestAbort` nor `onResponse`.
 */
import type { ServerResponse } from 'node:http';
import {
  ABORTED_STATUS_CODE,
  type CustomLabel,
  compileLabels,
  createHttpRecorder,
  type Glassbox,
  type GlassboxOptions,
  HTTP_RECORDER_DEFAULTS,
  type HttpRecorder,
  type PromRegistryLike,
  parseContentLength,
  pathExcluder,
  validateStatusCode,
} from '@glassbox/core';
import {
  createMetricsHandler,
  createMetricsServer,
  type MetricsHandler,
  type MetricsHandlerOptions,
  type MetricsServer,
  setupInstrumentation,
} from '@glassbox/exporter';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import * as client from 'prom-client';

/** A custom label of the Fastify plugin. */
export type FastifyCustomLabel = CustomLabel<FastifyRequest, FastifyReply>;

/** Exporter options for the /metrics endpoint (the registry and instance come from the plugin). */
export type FastifyMetricsOptions = Omit<MetricsHandlerOptions, 'registry' | 'glassbox'>;

/** Where a separate metrics server listens. */
export interface FastifyMetricsServerOptions {
  /** Port; 0 picks a free one. @default 9464 */
  readonly port?: number;
  /** Interface to bind. @default '0.0.0.0' */
  readonly host?: string;
  /** Path served. @default the plugin's metricsPath */
  readonly path?: string;
}

/** Options of the {@link glassbox} plugin. */
export interface GlassboxFastifyOptions {
  /**
   * An existing Glassbox instance to record into. When omitted, one is created: on
   * prom-client over {@link GlassboxFastifyOptions.registry} when given, else on the
   * native backend (the fastest), which /metrics then serves.
   * @default undefined
   */
  readonly glassbox?: Glassbox;
  /**
   * A prom-client registry (`new Registry()`): metrics are created in it (unless
   * {@link GlassboxFastifyOptions.glassbox} is given) and /metrics serves it, next to
   * your own metrics.
   * @default undefined
   */
  readonly registry?: PromRegistryLike;
  /** Options of the Glassbox created here (naming, series caps, logger). @default {} */
  readonly glassboxOptions?: Omit<GlassboxOptions, 'backend'>;
  /**
   * Serve prom-client's default process metrics (`process_*`, `nodejs_*`) when no
   * `registry` is given (a registry of yours carries its own).
   * @default true
   */
  readonly defaultMetrics?: boolean;
  /** Route label of requests no route matched (404s, scanners). @default 'unmatched' */
  readonly unmatchedRoute?: string;
  /** Record status codes as classes (`2xx`, `4xx`, ...). @default false */
  readonly groupStatusCodes?: boolean;
  /** Record `http_request_size_bytes` / `http_response_size_bytes` (from `Content-Length`). @default false */
  readonly recordSizes?: boolean;
  /** Path of the metrics endpoint. @default '/metrics' */
  readonly metricsPath?: string;
  /** Leave requests to {@link GlassboxFastifyOptions.metricsPath} unrecorded. @default true */
  readonly excludeMetricsPath?: boolean;
  /** Paths not recorded at all: exact paths (query ignored) or RegExps tested on the path. @default [] */
  readonly excludePaths?: readonly (string | RegExp)[];
  /** Extra labels with bounded values (see {@link CustomLabel}). @default [] */
  readonly customLabels?: readonly FastifyCustomLabel[];
  /**
   * `status_code` recorded when the client disconnects before the response is
   * complete (499, "client closed request", as nginx logs it).
   * @default 499
   */
  readonly abortedStatusCode?: number;
  /** Options of the /metrics handler: auth (bearer tokens), timeout, gzip, sources. @default {} */
  readonly metrics?: FastifyMetricsOptions;
  /** Register `GET`/`HEAD` {@link GlassboxFastifyOptions.metricsPath} on this app. @default true */
  readonly metricsRoute?: boolean;
  /**
   * Also serve metrics on a separate port (same auth): started when the plugin loads,
   * closed by `fastify.close()`.
   * @default undefined
   */
  readonly metricsServer?: FastifyMetricsServerOptions;
}

/** Defaults of {@link GlassboxFastifyOptions}. */
export const GLASSBOX_FASTIFY_DEFAULTS = Object.freeze({
  unmatchedRoute: HTTP_RECORDER_DEFAULTS.unmatchedRoute,
  groupStatusCodes: HTTP_RECORDER_DEFAULTS.groupStatusCodes,
  recordSizes: HTTP_RECORDER_DEFAULTS.recordSizes,
  defaultMetrics: true,
  metricsPath: '/metrics',
  excludeMetricsPath: true,
  abortedStatusCode: ABORTED_STATUS_CODE,
  metricsRoute: true,
});

/** The `fastify.glassbox` decoration. */
export interface GlassboxFastify {
  /** The instance metrics are recorded in (use it for your own metrics and core's instruments). */
  readonly glassbox: Glassbox;
  /** Core's RED recorder behind the hooks. */
  readonly recorder: HttpRecorder;
  /**
   * The auth-guarded /metrics handler (node:http `(req, res)`), e.g. for another server.
   * Throws on access when there is nothing to serve (a given `glassbox` without `registry` or `metrics.sources`).
   */
  readonly metricsHandler: MetricsHandler;
  /** The metrics path (default `/metrics`). */
  readonly metricsPath: string;
  /** The separate metrics server, when {@link GlassboxFastifyOptions.metricsServer} is set. */
  readonly metricsServer: MetricsServer | undefined;
  /** Creates a metrics server on its own port with the same auth; call `start()` on it. */
  createMetricsServer(options?: FastifyMetricsServerOptions): MetricsServer;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Glassbox: the instance, the RED recorder and the /metrics handler. */
    glassbox: GlassboxFastify;
  }
  interface FastifyRequest {
    /** Glassbox: start time of a recorded request (-1 when not recorded or already recorded). */
    glassboxStart: number;
    /** Glassbox: the route template, set by a route-level hook ('' until then). */
    glassboxRoute: string;
  }
}

const kReply = Symbol('glassbox.fastify.reply');

interface TrackedRaw extends ServerResponse {
  [kReply]?: FastifyReply | undefined;
}

/** Fastify passes its headers to `writeHead`, so the raw response may not keep them: ask the reply first. */
function responseLength(reply: FastifyReply): number | undefined {
  return parseContentLength(reply.getHeader('content-length') ?? reply.raw.getHeader('content-length'));
}

function prependHook(
  existing: onRequestHookHandler | onRequestHookHandler[] | undefined,
  hook: onRequestHookHandler,
): onRequestHookHandler[] {
  if (existing === undefined) return [hook];
  return Array.isArray(existing) ? [hook, ...existing] : [hook, existing];
}

async function glassboxPlugin(fastify: FastifyInstance, options: GlassboxFastifyOptions): Promise<void> {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox: options must be an object');
  const setup = setupInstrumentation(
    {
      glassbox: options.glassbox,
      registry: options.registry,
      glassboxOptions: options.glassboxOptions,
      defaultMetrics: options.defaultMetrics ?? GLASSBOX_FASTIFY_DEFAULTS.defaultMetrics,
      sources: options.metrics?.sources,
    },
    client,
  );
  const instance: Glassbox = setup.glassbox;

  const metricsPath = options.metricsPath ?? GLASSBOX_FASTIFY_DEFAULTS.metricsPath;
  if (typeof metricsPath !== 'string' || !metricsPath.startsWith('/'))
    throw new TypeError('Glassbox: metricsPath must start with "/"');
  const excludeMetrics = options.excludeMetricsPath ?? GLASSBOX_FASTIFY_DEFAULTS.excludeMetricsPath;
  const excluded = pathExcluder([...(options.excludePaths ?? []), ...(excludeMetrics ? [metricsPath] : [])]);
  const labels = compileLabels(options.customLabels ?? []);
  const abortedStatus = validateStatusCode(
    'abortedStatusCode',
    options.abortedStatusCode ?? GLASSBOX_FASTIFY_DEFAULTS.abortedStatusCode,
  );
  const recordSizes = options.recordSizes ?? GLASSBOX_FASTIFY_DEFAULTS.recordSizes;
  const recorder = createHttpRecorder(instance, {
    unmatchedRoute: options.unmatchedRoute ?? GLASSBOX_FASTIFY_DEFAULTS.unmatchedRoute,
    groupStatusCodes: options.groupStatusCodes ?? GLASSBOX_FASTIFY_DEFAULTS.groupStatusCodes,
    recordSizes,
    extraLabelNames: labels?.names ?? [],
  });

  const handlerOptions: MetricsHandlerOptions = {
    ...options.metrics,
    sources: setup.sources,
    glassbox: instance,
  };
  const canServe = setup.sources.length > 0;
  const serveRoute = options.metricsRoute ?? GLASSBOX_FASTIFY_DEFAULTS.metricsRoute;
  if ((serveRoute || options.metricsServer !== undefined) && !canServe)
    throw new Error(
      'Glassbox: nothing to serve at /metrics: a given glassbox instance needs options.registry or options.metrics.sources (or metricsRoute: false)',
    );
  const handler: MetricsHandler | undefined = canServe ? createMetricsHandler(handlerOptions) : undefined;
  const newServer = (serverOptions: FastifyMetricsServerOptions = {}): MetricsServer => {
    if (!canServe)
      throw new Error(
        'Glassbox: nothing to serve at /metrics: a given glassbox instance needs options.registry or options.metrics.sources',
      );
    return createMetricsServer({
      ...handlerOptions,
      ...serverOptions,
      path: serverOptions.path ?? metricsPath,
    });
  };
  const server = options.metricsServer === undefined ? undefined : newServer(options.metricsServer);

  const onLabelError = (error: unknown) =>
    instance.reportError('fastify', 'a custom label hook threw', error);

  /** Records a request once; later calls (abort after response, response after abort) do nothing. */
  function record(request: FastifyRequest, reply: FastifyReply, status: number): void {
    const start = request.glassboxStart;
    if (start < 0) return;
    request.glassboxStart = -1;
    try {
      let route: string | undefined = request.glassboxRoute;
      if (route === '') route = request.is404 ? undefined : request.routeOptions.url;
      const method = request.raw.method ?? 'GET';
      if (recordSizes || labels !== undefined) {
        recorder.end(
          method,
          route,
          status,
          start,
          recordSizes ? parseContentLength(request.headers['content-length']) : undefined,
          recordSizes ? responseLength(reply) : undefined,
          labels?.values(request, reply, onLabelError),
        );
      } else recorder.end(method, route, status, start);
    } catch (error) {
      instance.reportError('fastify', 'recording a request failed', error);
    }
  }

  // The safety net for every way a request can end without onResponse: the client
  // disconnected (during the handler, whether or not the body was read — Fastify's
  // onRequestAbort only fires while the request body is unread), or a hijacked reply.
  // 'close' is emitted once per response; one shared listener, `this` is the response.
  function onRawClose(this: TrackedRaw): void {
    const reply = this[kReply];
    if (reply === undefined) return;
    this[kReply] = undefined;
    record(reply.request, reply, this.writableFinished ? this.statusCode : abortedStatus);
  }

  fastify.decorateRequest('glassboxStart', -1);
  fastify.decorateRequest('glassboxRoute', '');
  fastify.decorate('glassbox', {
    glassbox: instance,
    recorder,
    metricsPath,
    metricsServer: server,
    get metricsHandler(): MetricsHandler {
      if (handler === undefined)
        throw new Error(
          'Glassbox: nothing to serve at /metrics: a given glassbox instance needs options.registry or options.metrics.sources',
        );
      return handler;
    },
    createMetricsServer: newServer,
  } satisfies GlassboxFastify);

  // Learn each route's URL once; a route-level hook puts it on the request.
  fastify.addHook('onRoute', (routeOptions: RouteOptions) => {
    const url = routeOptions.url;
    if (typeof url !== 'string') return;
    const setRoute: onRequestHookHandler = function glassboxRoute(
      request: FastifyRequest,
      _reply: FastifyReply,
      done: HookHandlerDoneFunction,
    ) {
      request.glassboxRoute = url;
      done();
    };
    routeOptions.onRequest = prependHook(
      routeOptions.onRequest as onRequestHookHandler | onRequestHookHandler[] | undefined,
      setRoute,
    );
  });

  fastify.addHook('onRequest', (request, reply, done) => {
    try {
      if (request.glassboxStart < 0 && (excluded === undefined || !excluded(request.url))) {
        request.glassboxStart = recorder.begin(request.raw.method ?? 'GET');
        const raw = reply.raw as TrackedRaw;
        raw[kReply] = reply;
        raw.on('close', onRawClose);
      }
    } catch (error) {
      instance.reportError('fastify', 'instrumenting a request failed', error);
    }
    done();
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    // Fastify runs onResponse on the response's 'finish' (an aborted response never
    // finishes: the 'close' listener records it). Not `writableFinished`: fastify.inject()
    // responses do not set it.
    record(request, reply, reply.statusCode);
    done();
  });

  if (serveRoute && handler !== undefined) {
    const metricsHandler = handler;
    fastify.route({
      method: 'GET',
      url: metricsPath,
      handler(request, reply) {
        // The exporter writes the raw response itself (auth, negotiation, gzip).
        reply.hijack();
        metricsHandler(request.raw, reply.raw);
      },
    });
  }

  if (server !== undefined) {
    await server.start();
    fastify.addHook('onClose', async () => {
      await server.close();
    });
  }
}

/**
 * The Glassbox Fastify plugin: RED metrics for every route and an auth-guarded
 * `/metrics`. Register it before your routes.
 *
 * @example
 * ```ts
 * await app.register(glassbox, { metrics: { auth: { tokens: process.env.METRICS_BEARER_TOKEN } } });
 * app.get('/users/:id', handler); // http_requests_total{route="/users/:id"}
 * ```
 */
export const glassbox = fp(glassboxPlugin, { fastify: '5.x', name: '@glassbox/fastify' });
