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
  createGlassbox,
  createHttpRecorder,
  type Glassbox,
  type GlassboxOptions,
  type HttpRecorder,
  type PromClientLike,
  type PromRegistryLike,
  promClientBackend,
} from '@glassbox/core';
import {
  createMetricsHandler,
  createMetricsServer,
  type MetricsHandler,
  type MetricsHandlerOptions,
  type MetricsServer,
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
import { type CustomLabel, compileLabels, pathExcluder } from './options.js';

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
   * An existing Glassbox instance to record into. When omitted, one is created on
   * prom-client over {@link GlassboxFastifyOptions.registry}.
   * @default undefined
   */
  readonly glassbox?: Glassbox;
  /**
   * The prom-client registry (`new Registry()`): metrics are created in it (unless
   * {@link GlassboxFastifyOptions.glassbox} is given) and /metrics serves it.
   * @default undefined
   */
  readonly registry?: PromRegistryLike;
  /** Options of the Glassbox created on {@link GlassboxFastifyOptions.registry} (naming, series caps, logger). @default {} */
  readonly glassboxOptions?: Omit<GlassboxOptions, 'backend'>;
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
  unmatchedRoute: 'unmatched',
  groupStatusCodes: false,
  recordSizes: false,
  metricsPath: '/metrics',
  excludeMetricsPath: true,
  abortedStatusCode: 499,
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
   * Throws on access when there is nothing to serve (no registry and no `metrics.sources`).
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

function validStatus(value: number): number {
  if (!Number.isInteger(value) || value < 100 || value > 999)
    throw new RangeError(`Glassbox: abortedStatusCode must be an integer 100..999, got ${String(value)}`);
  return value;
}

function contentLength(value: number | string | string[] | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Fastify passes its headers to `writeHead`, so the raw response may not keep them: ask the reply first. */
function responseLength(reply: FastifyReply): number | undefined {
  return contentLength(reply.getHeader('content-length') ?? reply.raw.getHeader('content-length'));
}

function prependHook(
  existing: onRequestHookHandler | onRequestHookHandler[] | undefined,
  hook: onRequestHookHandler,
): onRequestHookHandler[] {
  if (existing === undefined) return [hook];
  return Array.isArray(existing) ? [hook, ...existing] : [hook, existing];
}

async function glassboxPlugin(fastify: FastifyInstance, options: GlassboxFastifyOptions): Promise<void> {
  if (options === null || typeof options !== 'object') throw new TypeError('Glassbox: options are required');
  const { registry } = options;
  if (options.glassbox !== undefined && options.glassboxOptions !== undefined)
    throw new TypeError('Glassbox: pass either glassbox (an existing instance) or glassboxOptions, not both');
  let instance: Glassbox;
  if (options.glassbox !== undefined) {
    if (options.glassbox === null || typeof options.glassbox.counter !== 'function')
      throw new TypeError('Glassbox: options.glassbox must be a Glassbox instance (createGlassbox())');
    instance = options.glassbox;
  } else {
    if (registry === undefined)
      throw new TypeError(
        'Glassbox: pass a prom-client registry (options.registry) or a Glassbox instance (options.glassbox)',
      );
    instance = createGlassbox({
      ...options.glassboxOptions,
      backend: promClientBackend({ client: client as unknown as PromClientLike, registry }),
    });
  }

  const metricsPath = options.metricsPath ?? GLASSBOX_FASTIFY_DEFAULTS.metricsPath;
  if (typeof metricsPath !== 'string' || !metricsPath.startsWith('/'))
    throw new TypeError('Glassbox: metricsPath must start with "/"');
  const excludeMetrics = options.excludeMetricsPath ?? GLASSBOX_FASTIFY_DEFAULTS.excludeMetricsPath;
  const excluded = pathExcluder([...(options.excludePaths ?? []), ...(excludeMetrics ? [metricsPath] : [])]);
  const labels = compileLabels(options.customLabels ?? []);
  const abortedStatus = validStatus(options.abortedStatusCode ?? GLASSBOX_FASTIFY_DEFAULTS.abortedStatusCode);
  const recordSizes = options.recordSizes ?? GLASSBOX_FASTIFY_DEFAULTS.recordSizes;
  const recorder = createHttpRecorder(instance, {
    unmatchedRoute: options.unmatchedRoute ?? GLASSBOX_FASTIFY_DEFAULTS.unmatchedRoute,
    groupStatusCodes: options.groupStatusCodes ?? GLASSBOX_FASTIFY_DEFAULTS.groupStatusCodes,
    recordSizes,
    extraLabelNames: labels?.names ?? [],
  });

  const handlerOptions: MetricsHandlerOptions = {
    ...options.metrics,
    ...(registry === undefined ? {} : { registry }),
    glassbox: instance,
  };
  const canServe = registry !== undefined || (options.metrics?.sources?.length ?? 0) > 0;
  const serveRoute = options.metricsRoute ?? GLASSBOX_FASTIFY_DEFAULTS.metricsRoute;
  if ((serveRoute || options.metricsServer !== undefined) && !canServe)
    throw new Error(
      'Glassbox: nothing to serve at /metrics; pass options.registry or options.metrics.sources (or metricsRoute: false)',
    );
  const handler: MetricsHandler | undefined = canServe ? createMetricsHandler(handlerOptions) : undefined;
  const newServer = (serverOptions: FastifyMetricsServerOptions = {}): MetricsServer => {
    if (!canServe)
      throw new Error(
        'Glassbox: nothing to serve at /metrics; pass options.registry or options.metrics.sources',
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
          recordSizes ? contentLength(request.headers['content-length']) : undefined,
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
          'Glassbox: nothing to serve at /metrics; pass options.registry or options.metrics.sources',
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
 * const registry = new Registry();
 * await app.register(glassbox, { registry, metrics: { auth: { tokens: process.env.METRICS_TOKEN } } });
 * app.get('/users/:id', handler); // http_requests_total{route="/users/:id"}
 * ```
 */
export const glassbox = fp(glassboxPlugin, { fastify: '5.x', name: '@glassbox/fastify' });
