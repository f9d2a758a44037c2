/**
 * Type tests (checked by `tsc` in `pnpm typecheck`; the runtime assertions are trivial):
 * the middleware and the metrics handler fit Express's own handler types, and options
 * are typed strictly.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Glassbox, HttpRecorder } from '@glassbox/core';
import type { MetricsHandler, MetricsServer } from '@glassbox/exporter';
import express, { type RequestHandler } from 'express';
import * as client from 'prom-client';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type ExpressCustomLabel,
  type GlassboxExpress,
  type GlassboxExpressOptions,
  glassbox,
} from '../src/index.js';

describe('public types', () => {
  it('fit Express handler types and expose the instance', () => {
    const gb = glassbox({ registry: new client.Registry(), glassboxOptions: { logger: null } });
    expectTypeOf(gb).toEqualTypeOf<GlassboxExpress>();
    expectTypeOf(gb.glassbox).toEqualTypeOf<Glassbox>();
    expectTypeOf(gb.recorder).toEqualTypeOf<HttpRecorder>();
    expectTypeOf(gb.metricsHandler).toEqualTypeOf<MetricsHandler>();
    expectTypeOf(gb.createMetricsServer).returns.toEqualTypeOf<MetricsServer>();
    expectTypeOf(gb.middleware).toMatchTypeOf<RequestHandler>();
    expectTypeOf(gb.metricsHandler).toMatchTypeOf<RequestHandler>();
    const app = express();
    app.use(gb.middleware);
    app.get(gb.metricsPath, gb.metricsHandler);
    gb.instrument(app); // an Express app as its typings declare it
    // @ts-expect-error not an app
    expectTypeOf(gb.instrument).toBeCallableWith({});
  });

  it('types the routeOf hook', () => {
    expectTypeOf(glassbox).toBeCallableWith({ routeOf: (_req, _res, matched) => matched?.toLowerCase() });
    // @ts-expect-error routeOf returns a string or undefined
    glassbox({ routeOf: () => 42 });
  });

  it('types options strictly', () => {
    expectTypeOf<GlassboxExpressOptions['excludePaths']>().toEqualTypeOf<
      readonly (string | RegExp)[] | undefined
    >();
    expectTypeOf<ExpressCustomLabel['value']>().parameter(0).toMatchTypeOf<IncomingMessage>();
    expectTypeOf<ExpressCustomLabel['value']>().parameter(1).toEqualTypeOf<ServerResponse>();
    // @ts-expect-error groupStatusCodes is a boolean
    const bad: GlassboxExpressOptions = { groupStatusCodes: 'yes' };
    void bad;
  });
});
