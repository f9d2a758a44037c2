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
import { type CustomLabel, type Glassbox, type HttpRecorder, parseContentLength } from '@glassbox/core';
import {
  type AdapterMetricsOptions,
  type AdapterMetricsServerOptions,
  HTTP_ADAPTER_DEFAULTS,
  type HttpAdapterOptions,
  type MetricsHandler,
  type MetricsServer,
  resolveHttpAdapter,
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

/**
 * A route label override (see {@link GlassboxFastifyOptions.routeOf}): gets the request,
 * the reply and the route URL Fastify matched (`undefined` when no route matched) and
 * returns the label to record (`undefined`: the unmatched value).
 */
export type FastifyRouteOf = (
  request: FastifyRequest,
  reply: FastifyReply,
  matched: string | undefined,
) => string | undefined;

/** Exporter options for the /metrics endpoint (the registry and instance come from the plugin). */
export type FastifyMetricsOptions = AdapterMetricsOptions;

/** Where a separate metrics server listens. */
export type FastifyMetricsServerOptions = AdapterMetricsServerOptions;

/** Options of the {@link glassbox} plugin: the options every HTTP adapter shares, plus where /metrics is served. */
export interface GlassboxFastifyOptions extends HttpAdapterOptions<FastifyRequest, FastifyReply> {
  /**
   * Register `GET`/`HEAD` {@link GlassboxFastifyOptions.metricsPath} on this app, served
   * by the exporter's handler (its auth alone decides who reads it). On by default, as on
   * Express and Nest; with the default and nothing to serve (a given `glassbox` without
   * `registry` or `metrics.sources`) no route is registered; `true` then rejects at start-up.
   * @default true
   */
  readonly metricsRoute?: boolean;
  /**
   * Also serve metrics on a separate port (same auth): started when the plugin loads,
   * closed by `fastify.close()`.
   * @default undefined
   */
  readonly metricsServer?: FastifyMetricsServerOptions;
  /**
   * Overrides the route label, as Nest's `routeOf`: called once per recorded request
   * with the route URL Fastify matched (`undefined` when no route matched); returns the
   * label to record, or `undefined` for {@link HttpAdapterOptions.unmatchedRoute}.
   * Return templates, never raw URLs (the series cap still bounds what it returns). A
   * hook that throws or returns something else than a string or `undefined` is counted
   * in `glassbox_instrumentation_errors_total{component="fastify"}`, and the matched URL
   * is recorded.
   *
   * @example
   * ```ts
   * // one label for every version: /v1/users/:id and /v2/users/:id → /:version/users/:id
   * routeOf: (_request, _reply, matched) => matched?.replace(/^\/v\d+\//, '/:version/')
   * ```
   * @default undefined (the matched route URL)
   */
  readonly routeOf?: FastifyRouteOf;
}

/** Defaults of {@link GlassboxFastifyOptions}. */
export const GLASSBOX_FASTIFY_DEFAULTS = Object.freeze({
  ...HTTP_ADAPTER_DEFAULTS,
  metricsRoute: true,
  routeOf: undefined as FastifyRouteOf | undefined,
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
  // Checked before anything is created.
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox: options must be an object');
  const serveRoute = options.metricsRoute ?? GLASSBOX_FASTIFY_DEFAULTS.metricsRoute;
  if (typeof serveRoute !== 'boolean') throw new TypeError('Glassbox: metricsRoute must be a boolean');
  const routeOf = options.routeOf ?? GLASSBOX_FASTIFY_DEFAULTS.routeOf;
  if (routeOf !== undefined && typeof routeOf !== 'function')
    throw new TypeError(
      'Glassbox: routeOf must be a function (request, reply, matched) => string | undefined',
    );
  const adapter = resolveHttpAdapter(options, client);
  const { glassbox: instance, recorder, metricsPath, excluded, labels, recordSizes, handler } = adapter;
  const abortedStatus = adapter.abortedStatusCode;
  if ((options.metricsRoute === true || options.metricsServer !== undefined) && handler === undefined)
    throw adapter.nothingToServe();
  const newServer = adapter.createMetricsServer;
  const server = options.metricsServer === undefined ? undefined : newServer(options.metricsServer);

  const onLabelError = (error: unknown) =>
    instance.reportError('fastify', 'a custom label hook threw', error);

  /** The label `routeOf` returns; the matched URL when it throws or returns a non-string. */
  function overrideRoute(
    hook: FastifyRouteOf,
    request: FastifyRequest,
    reply: FastifyReply,
    matched: string | undefined,
  ): string | undefined {
    try {
      const label: unknown = hook(request, reply, matched);
      if (label === undefined || typeof label === 'string') return label;
      instance.reportError(
        'fastify',
        'routeOf returned neither a string nor undefined',
        new TypeError(typeof label),
      );
    } catch (error) {
      instance.reportError('fastify', 'routeOf threw', error);
    }
    return matched;
  }

  /** Records a request once; later calls (abort after response, response after abort) do nothing. */
  function record(request: FastifyRequest, reply: FastifyReply, status: number): void {
    const start = request.glassboxStart;
    if (start < 0) return;
    request.glassboxStart = -1;
    try {
      let route: string | undefined = request.glassboxRoute;
      if (route === '') route = request.is404 ? undefined : request.routeOptions.url;
      if (routeOf !== undefined) route = overrideRoute(routeOf, request, reply, route);
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
      if (handler === undefined) throw adapter.nothingToServe();
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
