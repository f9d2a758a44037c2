/**
 * Options of `GlassboxModule.forRoot` / `forRootAsync`, their defaults and the injection
 * tokens. Every option is validated once at start-up (a bad option throws a clear Error
 * while the application boots); nothing is validated or thrown while recording.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomLabel } from '@glassbox/core';
import {
  HTTP_ADAPTER_DEFAULTS,
  type InstrumentationOptions,
  type MetricsHandlerOptions,
} from '@glassbox/exporter';
import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
  Type,
} from '@nestjs/common';

/** Injection token of the resolved {@link GlassboxModuleOptions}. */
export const GLASSBOX_OPTIONS: unique symbol = Symbol('GLASSBOX_OPTIONS');
/** Injection token of the `Glassbox` instance (`@Inject(GLASSBOX_INSTANCE)` or `@InjectGlassbox()`). */
export const GLASSBOX_INSTANCE: unique symbol = Symbol('GLASSBOX_INSTANCE');
/** Injection token of the core `HttpRecorder` the module records RED metrics with (`@InjectHttpRecorder()`). */
export const GLASSBOX_HTTP_RECORDER: unique symbol = Symbol('GLASSBOX_HTTP_RECORDER');
/** Injection token of the exporter's `MetricsHandler` serving the metrics path, or `null` without `metrics`. */
export const GLASSBOX_METRICS_HANDLER: unique symbol = Symbol('GLASSBOX_METRICS_HANDLER');

/** A custom label of the Nest adapter: its hook reads the raw Node request and response. */
export type NestCustomLabel = CustomLabel<IncomingMessage, ServerResponse>;

/** RED recording options (the same as the Express and Fastify adapters'). */
export interface GlassboxHttpOptions {
  /** Record HTTP RED metrics for every request. @default true */
  readonly enabled?: boolean;
  /** Route label of requests no route matched (404s, scanners). @default 'unmatched' */
  readonly unmatchedRoute?: string;
  /** Record status codes as classes (`2xx`, `4xx`, ...) instead of exact codes. @default false */
  readonly groupStatusCodes?: boolean;
  /**
   * Record `http_request_size_bytes` / `http_response_size_bytes`, from the request's
   * and the response's `Content-Length` (a chunked response records no size).
   * @default false
   */
  readonly recordSizes?: boolean;
  /**
   * Requests not recorded: exact paths (query ignored) or RegExps tested on the path,
   * e.g. `['/health', /^\/internal\//]`. The metrics path is always excluded.
   * @default []
   */
  readonly excludePaths?: readonly (string | RegExp)[];
  /**
   * Extra labels with bounded values, read from the raw request and response when the
   * request is recorded (see core's `CustomLabel`).
   * @default []
   */
  readonly customLabels?: readonly NestCustomLabel[];
  /**
   * Status code recorded when the client disconnects before the response ended (the
   * request is recorded once, with its route template, and leaves the in-flight gauge).
   * 499 is nginx's "client closed request".
   * @default 499
   */
  readonly abortedStatusCode?: number;
}

/**
 * The metrics endpoint: the exporter's handler options (`auth`, `requireAuth`, gzip,
 * timeout, ...) plus where to serve it; what it serves comes from the module's
 * `registry` / `sources` / default metrics. The route is registered on the platform
 * (Express app / Fastify instance) ahead of Nest's router, so Nest's global prefix,
 * versioning, guards, interceptors and pipes never apply to it: the exporter's bearer
 * auth is the only thing that decides who reads it.
 */
export interface GlassboxMetricsOptions
  extends Omit<MetricsHandlerOptions, 'registry' | 'sources' | 'glassbox'> {
  /**
   * Serve the endpoint. By default it is served whenever there is something to serve
   * (a `registry`, `sources`, or the default native backend); `true` makes a missing
   * source a start-up error, `false` serves nothing (e.g. when the exporter's
   * `createMetricsServer` serves a separate port).
   * @default undefined
   */
  readonly enabled?: boolean;
  /**
   * Absolute request path of the endpoint. Nest's global prefix and versioning are not
   * applied: with `setGlobalPrefix('api')` it still is `/metrics` unless you set `'/api/metrics'`.
   * @default '/metrics'
   */
  readonly path?: string;
}

/**
 * Options of `GlassboxModule.forRoot` (and the value `forRootAsync`'s factory returns).
 * Where metrics are recorded is resolved as in every Glassbox adapter (the exporter's
 * `setupInstrumentation`): `glassbox` → record into it (and serve `registry`/`sources`
 * when given); `registry` → a prom-client backend on it, served; neither → the native
 * backend plus prom-client's default process metrics.
 */
export interface GlassboxModuleOptions extends InstrumentationOptions {
  /** HTTP RED recording. @default {} (enabled) */
  readonly http?: GlassboxHttpOptions;
  /** The metrics endpoint. @default {} (served at `/metrics`; auth from `METRICS_BEARER_TOKEN` when set) */
  readonly metrics?: GlassboxMetricsOptions;
}

/**
 * Defaults of the module options: the HTTP adapters' defaults (`HTTP_ADAPTER_DEFAULTS`
 * of @glassbox/exporter, shared with @glassbox/express and @glassbox/fastify) under the
 * module's nested names.
 */
export const GLASSBOX_NEST_DEFAULTS = Object.freeze({
  httpEnabled: true,
  unmatchedRoute: HTTP_ADAPTER_DEFAULTS.unmatchedRoute,
  groupStatusCodes: HTTP_ADAPTER_DEFAULTS.groupStatusCodes,
  recordSizes: HTTP_ADAPTER_DEFAULTS.recordSizes,
  excludePaths: Object.freeze([]) as readonly (string | RegExp)[],
  customLabels: Object.freeze([]) as readonly NestCustomLabel[],
  abortedStatusCode: HTTP_ADAPTER_DEFAULTS.abortedStatusCode,
  metricsPath: HTTP_ADAPTER_DEFAULTS.metricsPath,
});

/** A class that creates the options (for `forRootAsync({ useClass })` / `useExisting`). */
export interface GlassboxOptionsFactory {
  createGlassboxOptions(): GlassboxModuleOptions | Promise<GlassboxModuleOptions>;
}

/** Options of `GlassboxModule.forRootAsync`: exactly one of `useFactory`, `useClass`, `useExisting`. */
export interface GlassboxModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Builds the options; receives the `inject` providers. @default undefined */
  readonly useFactory?: (...args: never[]) => GlassboxModuleOptions | Promise<GlassboxModuleOptions>;
  /** Providers passed to `useFactory`. @default [] */
  readonly inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** A {@link GlassboxOptionsFactory} class the module instantiates. @default undefined */
  readonly useClass?: Type<GlassboxOptionsFactory>;
  /** An existing {@link GlassboxOptionsFactory} provider (from `imports`). @default undefined */
  readonly useExisting?: InjectionToken;
  /** Extra providers added to the module (e.g. what the factory needs). @default [] */
  readonly extraProviders?: Provider[];
}
