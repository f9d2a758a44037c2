/**
 * Options of `GlassboxModule.forRoot` / `forRootAsync`, their defaults and the injection
 * tokens. Every option is validated once at start-up (a bad option throws a clear Error
 * while the application boots); nothing is validated or thrown while recording.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Glassbox, HttpRecorderOptions, LabelValue } from '@glassbox/core';
import type { MetricsHandlerOptions } from '@glassbox/exporter';
import type {
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
  Type,
} from '@nestjs/common';

/** Injection token of the resolved {@link GlassboxModuleOptions}. */
export const GLASSBOX_OPTIONS: unique symbol = Symbol('GLASSBOX_OPTIONS');
/** Injection token of the {@link Glassbox} instance (`@Inject(GLASSBOX_INSTANCE)` or `@InjectGlassbox()`). */
export const GLASSBOX_INSTANCE: unique symbol = Symbol('GLASSBOX_INSTANCE');
/** Injection token of the core `HttpRecorder` the module records RED metrics with (`@InjectHttpRecorder()`). */
export const GLASSBOX_HTTP_RECORDER: unique symbol = Symbol('GLASSBOX_HTTP_RECORDER');
/** Injection token of the exporter's `MetricsHandler` serving the metrics path, or `null` without `metrics`. */
export const GLASSBOX_METRICS_HANDLER: unique symbol = Symbol('GLASSBOX_METRICS_HANDLER');

/** RED recording options: the core recorder's options plus the Nest glue's. */
export interface GlassboxHttpOptions extends HttpRecorderOptions {
  /** Record HTTP RED metrics for every request. @default true */
  readonly enabled?: boolean;
  /**
   * Request paths that are not recorded, compared exactly with the request path (the
   * query string ignored), e.g. `['/health']`. The metrics path is always excluded.
   * @default []
   */
  readonly excludePaths?: readonly string[];
  /**
   * Status code recorded when the client disconnects before the response ended (the
   * request is recorded once, with its route template, and leaves the in-flight gauge).
   * 499 is nginx's "client closed request".
   * @default 499
   */
  readonly abortedStatusCode?: number;
  /**
   * Values of `extraLabelNames`, in the same order, computed when the request ends.
   * Required when `extraLabelNames` is not empty; return a small, bounded set of values
   * (the series cap applies). It runs on the hot path: keep it cheap; if it throws the
   * request is still recorded with empty values and the error is counted.
   * @default undefined
   */
  readonly extraLabelValues?: (req: IncomingMessage, res: ServerResponse) => readonly LabelValue[];
}

/**
 * The metrics endpoint: the exporter's handler options (registry or sources, `auth`,
 * `requireAuth`, ...) plus where to serve it. The route is registered on the platform
 * (Express app / Fastify instance) ahead of Nest's router, so Nest's global prefix,
 * versioning, guards, interceptors and pipes never apply to it: the exporter's bearer
 * auth is the only thing that decides who reads it.
 */
export interface GlassboxMetricsOptions extends MetricsHandlerOptions {
  /**
   * Absolute request path of the endpoint. Nest's global prefix and versioning are not
   * applied: with `setGlobalPrefix('api')` it still is `/metrics` unless you set `'/api/metrics'`.
   * @default '/metrics'
   */
  readonly path?: string;
}

/** Options of `GlassboxModule.forRoot` (and the value `forRootAsync`'s factory returns). */
export interface GlassboxModuleOptions {
  /** The Glassbox instance to record into (`createGlassbox(...)`); it is injectable as {@link GLASSBOX_INSTANCE}. */
  readonly glassbox: Glassbox;
  /** HTTP RED recording. @default {} (enabled with the core recorder's defaults) */
  readonly http?: GlassboxHttpOptions;
  /**
   * Serve the metrics endpoint. Omit it to serve no endpoint (e.g. when the exporter's
   * standalone `createMetricsServer` serves a separate port).
   * @default undefined
   */
  readonly metrics?: GlassboxMetricsOptions;
}

/** Defaults of the module options. */
export const GLASSBOX_NEST_DEFAULTS = Object.freeze({
  httpEnabled: true,
  excludePaths: Object.freeze([]) as readonly string[],
  abortedStatusCode: 499,
  metricsPath: '/metrics',
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
