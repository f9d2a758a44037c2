/**
 * Type tests (checked by `tsc` in `pnpm typecheck`; the runtime assertions are trivial):
 * the plugin's decorations reach Fastify's types through `declare module 'fastify'`.
 */
import type { Glassbox, HttpRecorder } from '@glassbox/core';
import type { MetricsHandler, MetricsServer } from '@glassbox/exporter';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import * as client from 'prom-client';
import { describe, expectTypeOf, it } from 'vitest';
import {
  type FastifyCustomLabel,
  type GlassboxFastify,
  type GlassboxFastifyOptions,
  glassbox,
} from '../src/index.js';

describe('public types', () => {
  it('decorate the instance and the request', async () => {
    const app = Fastify();
    await app.register(glassbox, { registry: new client.Registry(), glassboxOptions: { logger: null } });
    expectTypeOf(app.glassbox).toEqualTypeOf<GlassboxFastify>();
    expectTypeOf(app.glassbox.glassbox).toEqualTypeOf<Glassbox>();
    expectTypeOf(app.glassbox.recorder).toEqualTypeOf<HttpRecorder>();
    expectTypeOf(app.glassbox.metricsHandler).toEqualTypeOf<MetricsHandler>();
    expectTypeOf(app.glassbox.metricsServer).toEqualTypeOf<MetricsServer | undefined>();
    expectTypeOf<FastifyRequest['glassboxStart']>().toEqualTypeOf<number>();
    expectTypeOf<FastifyRequest['glassboxRoute']>().toEqualTypeOf<string>();
    await app.close();
  });

  it('types options strictly', () => {
    expectTypeOf<FastifyCustomLabel['value']>().parameter(0).toEqualTypeOf<FastifyRequest>();
    expectTypeOf<FastifyCustomLabel['value']>().parameter(1).toEqualTypeOf<FastifyReply>();
    expectTypeOf<GlassboxFastifyOptions['metricsServer']>().toMatchTypeOf<{ port?: number } | undefined>();
    // @ts-expect-error abortedStatusCode is a number
    const bad: GlassboxFastifyOptions = { abortedStatusCode: '499' };
    void bad;
  });
});
