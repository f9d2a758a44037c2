/**
 * The Fastify glue: a `fastify-plugin` plugin that resolves the options (the exporter's
 * `resolveHttpAdapter`, shared by every HTTP adapter), installs the Fastify recording
 * (./recording.ts) and serves @glassbox/exporter's /metrics handler.
 */
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
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import * as client from 'prom-client';
import { createFastifyRecording } from './recording.js';

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
  const adapter = resolveHttpAdapter(options, client, {
    metricsRoute: 'boolean',
    metricsServer: 'object',
    routeOf: 'function',
    // Fastify's own register options reach the plugin too
    prefix: 'string',
    logLevel: 'string',
    logSerializers: 'object',
  });
  const { glassbox: instance, recorder, metricsPath, excluded, labels, recordSizes, handler } = adapter;
  if ((options.metricsRoute === true || options.metricsServer !== undefined) && handler === undefined)
    throw adapter.nothingToServe();
  const newServer = adapter.createMetricsServer;
  const server = options.metricsServer === undefined ? undefined : newServer(options.metricsServer);

  const recording = createFastifyRecording({
    glassbox: instance,
    recorder,
    excluded,
    labels,
    recordSizes,
    abortedStatusCode: adapter.abortedStatusCode,
    routeOf,
    component: 'fastify',
  });
  recording.decorate(fastify);
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

  fastify.addHook('onRoute', recording.onRoute);
  fastify.addHook('onRequest', recording.onRequest);
  fastify.addHook('onResponse', recording.onResponse);

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
