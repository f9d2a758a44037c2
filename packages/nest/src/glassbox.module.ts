/**
 * `GlassboxModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`:
 * a global module that makes the Glassbox instance, the HTTP recorder and the metrics
 * handler injectable, records RED metrics for every request and serves the metrics
 * endpoint on both Nest platforms.
 */
import { createHttpRecorder, type HttpRecorder } from '@glassbox/core';
import { createMetricsHandler, type MetricsHandler } from '@glassbox/exporter';
import {
  type DynamicModule,
  Global,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
  type Type,
} from '@nestjs/common';
import { GlassboxHttpInstrumentation } from './http-instrumentation.js';
import {
  GLASSBOX_HTTP_RECORDER,
  GLASSBOX_INSTANCE,
  GLASSBOX_METRICS_HANDLER,
  GLASSBOX_OPTIONS,
  type GlassboxModuleAsyncOptions,
  type GlassboxModuleOptions,
  type GlassboxOptionsFactory,
} from './options.js';
import { type ResolvedGlassboxOptions, resolveGlassboxOptions } from './resolve.js';

/** Module-level options that are classes, so they are known before any factory runs. */
export interface GlassboxModuleClassOptions {
  /**
   * The class that installs the platform hooks; pass a subclass of
   * {@link GlassboxHttpInstrumentation} to override its `protected` members.
   * @default GlassboxHttpInstrumentation
   */
  readonly instrumentationClass?: Type<GlassboxHttpInstrumentation>;
}

const GLASSBOX_RAW_OPTIONS = Symbol('GLASSBOX_RAW_OPTIONS');

function sharedProviders(instrumentationClass: Type<GlassboxHttpInstrumentation> | undefined): Provider[] {
  const cls = instrumentationClass ?? GlassboxHttpInstrumentation;
  if (cls !== GlassboxHttpInstrumentation && !(cls.prototype instanceof GlassboxHttpInstrumentation))
    throw new TypeError('Glassbox nest: instrumentationClass must extend GlassboxHttpInstrumentation');
  return [
    {
      provide: GLASSBOX_OPTIONS,
      useFactory: (raw: GlassboxModuleOptions) => resolveGlassboxOptions(raw),
      inject: [GLASSBOX_RAW_OPTIONS],
    },
    {
      provide: GLASSBOX_INSTANCE,
      useFactory: (o: ResolvedGlassboxOptions) => o.glassbox,
      inject: [GLASSBOX_OPTIONS],
    },
    {
      provide: GLASSBOX_HTTP_RECORDER,
      useFactory: (o: ResolvedGlassboxOptions): HttpRecorder | null => {
        if (!o.httpEnabled) return null;
        const {
          enabled: _e,
          excludePaths: _x,
          abortedStatusCode: _a,
          extraLabelValues: _v,
          ...core
        } = o.options.http ?? {};
        return createHttpRecorder(o.glassbox, core);
      },
      inject: [GLASSBOX_OPTIONS],
    },
    {
      provide: GLASSBOX_METRICS_HANDLER,
      useFactory: (o: ResolvedGlassboxOptions): MetricsHandler | null => {
        const metrics = o.options.metrics;
        if (metrics === undefined) return null;
        const { path: _p, ...handlerOptions } = metrics;
        return createMetricsHandler({ ...handlerOptions, glassbox: metrics.glassbox ?? o.glassbox });
      },
      inject: [GLASSBOX_OPTIONS],
    },
    { provide: GlassboxHttpInstrumentation, useClass: cls },
  ];
}

const EXPORTS = [
  GLASSBOX_OPTIONS,
  GLASSBOX_INSTANCE,
  GLASSBOX_HTTP_RECORDER,
  GLASSBOX_METRICS_HANDLER,
  GlassboxHttpInstrumentation,
];

/**
 * The Glassbox module. Import it once, in the root module:
 *
 * @example
 * ```ts
 * const registry = new Registry();
 * const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }) });
 * @Module({ imports: [GlassboxModule.forRoot({ glassbox, metrics: { registry } })] })
 * export class AppModule {}
 * ```
 */
@Global()
@Module({})
export class GlassboxModule implements NestModule {
  constructor(
    @Inject(GlassboxHttpInstrumentation) private readonly instrumentation: GlassboxHttpInstrumentation,
  ) {
    // Under NestFactory.create the HTTP adapter already exists: install now, ahead of
    // the application's own app.use() calls and Nest's body parsers.
    instrumentation.install();
  }

  /** Fallback (e.g. under @nestjs/testing, where the adapter comes later): still ahead of Nest's routes. */
  configure(_consumer: MiddlewareConsumer): void {
    this.instrumentation.install();
  }

  /** Registers the module with options known now. Bad options throw here, at start-up. */
  static forRoot(options: GlassboxModuleOptions & GlassboxModuleClassOptions): DynamicModule {
    resolveGlassboxOptions(options);
    return {
      module: GlassboxModule,
      global: true,
      providers: [
        { provide: GLASSBOX_RAW_OPTIONS, useValue: options },
        ...sharedProviders(options.instrumentationClass),
      ],
      exports: EXPORTS,
    };
  }

  /** Registers the module with options built by a factory, a class or an existing provider. */
  static forRootAsync(options: GlassboxModuleAsyncOptions & GlassboxModuleClassOptions): DynamicModule {
    if (options === null || typeof options !== 'object')
      throw new TypeError('Glassbox nest: forRootAsync options are required');
    const ways = [options.useFactory, options.useClass, options.useExisting].filter((w) => w !== undefined);
    if (ways.length !== 1)
      throw new TypeError(
        'Glassbox nest: forRootAsync needs exactly one of useFactory, useClass or useExisting',
      );
    const providers: Provider[] = [...(options.extraProviders ?? [])];
    if (options.useFactory !== undefined) {
      providers.push({
        provide: GLASSBOX_RAW_OPTIONS,
        useFactory: options.useFactory as (...args: unknown[]) => GlassboxModuleOptions,
        inject: options.inject ?? [],
      });
    } else {
      const token = options.useExisting ?? options.useClass;
      if (options.useClass !== undefined)
        providers.push({ provide: options.useClass, useClass: options.useClass });
      providers.push({
        provide: GLASSBOX_RAW_OPTIONS,
        useFactory: (factory: GlassboxOptionsFactory) => factory.createGlassboxOptions(),
        inject: [token as NonNullable<typeof token>],
      });
    }
    return {
      module: GlassboxModule,
      global: true,
      imports: options.imports ?? [],
      providers: [...providers, ...sharedProviders(options.instrumentationClass)],
      exports: EXPORTS,
    };
  }
}
