/**
 * `GlassboxModule.forRoot(options)` / `forRootAsync({ useFactory, inject, imports })`:
 * a global module that makes the Glassbox instance, the HTTP recorder and the metrics
 * handler injectable, records RED metrics for every request and serves the metrics
 * endpoint on both Nest platforms.
 */
import type { HttpRecorder } from '@glassbox/core';
import type { MetricsHandler } from '@glassbox/exporter';
import {
  type DynamicModule,
  Global,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type OnModuleInit,
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

function sharedProviders(instrumentationClass: Type<GlassboxHttpInstrumentation> | undefined): Provider[] {
  const cls = instrumentationClass ?? GlassboxHttpInstrumentation;
  if (cls !== GlassboxHttpInstrumentation && !(cls.prototype instanceof GlassboxHttpInstrumentation))
    throw new TypeError('Glassbox nest: instrumentationClass must extend GlassboxHttpInstrumentation');
  return [
    {
      provide: GLASSBOX_INSTANCE,
      useFactory: (o: ResolvedGlassboxOptions) => o.glassbox,
      inject: [GLASSBOX_OPTIONS],
    },
    {
      provide: GLASSBOX_HTTP_RECORDER,
      useFactory: (o: ResolvedGlassboxOptions): HttpRecorder | null => o.recorder,
      inject: [GLASSBOX_OPTIONS],
    },
    {
      provide: GLASSBOX_METRICS_HANDLER,
      useFactory: (o: ResolvedGlassboxOptions): MetricsHandler | null => o.metricsHandler,
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
 * @Module({ imports: [GlassboxModule.forRoot({ metrics: { auth: { tokenFile: '/run/secrets/metrics-token' } } })] })
 * export class AppModule {}
 * ```
 */
@Global()
@Module({})
export class GlassboxModule implements NestModule, OnModuleInit {
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

  /** Nest's routes are registered, its not-found handler not yet. */
  onModuleInit(): void {
    this.instrumentation.afterRoutes();
  }

  /**
   * Registers the module with options known now. The instance, the recorder and the
   * metrics handler are built here, so bad options throw here, at start-up.
   */
  static forRoot(options: GlassboxModuleOptions & GlassboxModuleClassOptions = {}): DynamicModule {
    const providers = sharedProviders(options?.instrumentationClass);
    const resolved = resolveGlassboxOptions(options);
    return {
      module: GlassboxModule,
      global: true,
      providers: [{ provide: GLASSBOX_OPTIONS, useValue: resolved }, ...providers],
      exports: EXPORTS,
    };
  }

  /**
   * Registers the module with options built by a factory, a class or an existing
   * provider; they are validated and built when the factory has run, at start-up.
   */
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
      const factory = options.useFactory as (
        ...args: unknown[]
      ) => GlassboxModuleOptions | Promise<GlassboxModuleOptions>;
      providers.push({
        provide: GLASSBOX_OPTIONS,
        useFactory: async (...args: unknown[]) => resolveGlassboxOptions(await factory(...args)),
        inject: options.inject ?? [],
      });
    } else {
      const token = options.useExisting ?? options.useClass;
      if (options.useClass !== undefined)
        providers.push({ provide: options.useClass, useClass: options.useClass });
      providers.push({
        provide: GLASSBOX_OPTIONS,
        useFactory: async (factory: GlassboxOptionsFactory) =>
          resolveGlassboxOptions(await factory.createGlassboxOptions()),
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
