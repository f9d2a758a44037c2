/** Type tests for the public types (checked by `tsc` in `typecheck`; the calls are never run). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Glassbox, ModelInstrument } from '@glassbox/core';
import type {
  ExpressAppLike as ExpressAdapterAppLike,
  ExpressRequestLike as ExpressAdapterRequestLike,
} from '@glassbox/express';
import type { DynamicModule, Provider } from '@nestjs/common';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ExpressAppLike,
  type ExpressRequestLike,
  GLASSBOX_NEST_DEFAULTS,
  GlassboxHttpInstrumentation,
  GlassboxModule,
  type GlassboxModuleOptions,
  glassboxProvider,
  modelInstrumentProvider,
  type NestCustomLabel,
} from '../src/index.js';

describe('public types', () => {
  it('forRoot / forRootAsync', () => {
    expectTypeOf(GlassboxModule.forRoot).returns.toEqualTypeOf<DynamicModule>();
    expectTypeOf(GlassboxModule.forRootAsync).returns.toEqualTypeOf<DynamicModule>();
    expectTypeOf<GlassboxModuleOptions['glassbox']>().toEqualTypeOf<Glassbox | undefined>();
    const neverRun = () => {
      GlassboxModule.forRoot();
      GlassboxModule.forRoot({
        http: { excludePaths: ['/health', /^\/internal\//] },
        metrics: { path: '/m' },
      });
      // @ts-expect-error unknown option
      GlassboxModule.forRoot({ nope: true });
      // @ts-expect-error a custom label needs its allowed values
      GlassboxModule.forRoot({ http: { customLabels: [{ name: 'tenant', value: () => 'a' }] } });
      // @ts-expect-error the registry is a module option, not a metrics option
      GlassboxModule.forRoot({ metrics: { registry: {} } });
      GlassboxModule.forRootAsync({ useFactory: async () => ({}), inject: [] });
      // @ts-expect-error the factory must return module options
      GlassboxModule.forRootAsync({ useFactory: () => 42 });
      // @ts-expect-error only subclasses of GlassboxHttpInstrumentation
      GlassboxModule.forRoot({ instrumentationClass: class {} });
    };
    expectTypeOf(neverRun).toBeFunction();
  });

  it('ExpressRequestLike / ExpressAppLike: one name, one shape (those of @glassbox/express)', () => {
    expectTypeOf<ExpressRequestLike>().toEqualTypeOf<ExpressAdapterRequestLike>();
    expectTypeOf<ExpressAppLike>().toEqualTypeOf<ExpressAdapterAppLike>();
  });

  it('routeOf receives the template the platform recording matched', () => {
    type RouteOf = (req: IncomingMessage, res: ServerResponse, matched?: string) => string | undefined;
    class Custom extends GlassboxHttpInstrumentation {
      protected override routeOf(
        req: IncomingMessage,
        res: ServerResponse,
        matched?: string,
      ): string | undefined {
        return matched === undefined ? super.routeOf(req, res) : matched.toLowerCase();
      }
      check(): RouteOf {
        return (req, res, matched) => this.routeOf(req, res, matched);
      }
    }
    expectTypeOf<Custom>().toExtend<GlassboxHttpInstrumentation>();
  });

  it('custom labels read the raw Node request and response', () => {
    expectTypeOf<Parameters<NestCustomLabel['value']>>().toEqualTypeOf<[IncomingMessage, ServerResponse]>();
  });

  it('providers and defaults', () => {
    expectTypeOf(modelInstrumentProvider).returns.toEqualTypeOf<Provider<ModelInstrument>>();
    expectTypeOf(glassboxProvider<number>).returns.toEqualTypeOf<Provider<number>>();
    expectTypeOf(GLASSBOX_NEST_DEFAULTS.abortedStatusCode).toExtend<number>();
    expectTypeOf(GLASSBOX_NEST_DEFAULTS.metricsPath).toExtend<string>();
  });

  it('the instrumentation class is extendable with protected members', () => {
    class Custom extends GlassboxHttpInstrumentation {
      protected override routeOf(req: IncomingMessage, res: ServerResponse): string | undefined {
        return super.routeOf(req, res);
      }
    }
    expectTypeOf<Custom>().toExtend<GlassboxHttpInstrumentation>();
    // @ts-expect-error protected: not callable from outside
    const outside = (i: GlassboxHttpInstrumentation) => i.routeOf;
    expectTypeOf(outside).toBeFunction();
  });
});
