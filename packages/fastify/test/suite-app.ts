import type { PromRegistryLike } from '@glassbox/core';
/**
 * The Fastify app of the shared adapter behaviour suite (test/adapters/contract.ts).
 * `/api/v1/users/:id` is registered in a plugin with prefix `/v1` inside a plugin with
 * prefix `/api`, so its label is the prefixed URL.
 */
import { createMetricsHandler } from '@glassbox/exporter';
import Fastify, { type FastifyInstance } from 'fastify';
import type { StartedApp, SuiteApp, SuiteAppOptions } from '../../../test/adapters/contract.js';
import { glassbox } from '../src/index.js';

/** Builds the contract's routes on Fastify 5. */
export async function buildApp(options: SuiteAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const auth = { tokens: options.token === undefined ? [] : [options.token], fromEnv: false };
  if (options.instrument) {
    await app.register(glassbox, {
      glassbox: options.glassbox,
      metrics: { auth, logger: null, sources: [options.source] },
    });
  } else {
    const handler = createMetricsHandler({ sources: [options.source], auth, logger: null });
    app.get('/metrics', (request, reply) => {
      reply.hijack();
      handler(request.raw, reply.raw);
    });
  }
  app.get<{ Params: { id: string } }>('/users/:id', async (request) => ({ id: request.params.id }));
  await app.register(
    async (api) => {
      await api.register(
        async (v1) => {
          v1.get<{ Params: { id: string } }>('/users/:id', async (request) => ({ id: request.params.id }));
        },
        { prefix: '/v1' },
      );
    },
    { prefix: '/api' },
  );
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return 'slow';
  });
  return app;
}

/** Fastify 5. */
export const fastifyApp: SuiteApp = {
  name: 'fastify-5',
  async start(options): Promise<StartedApp> {
    const app = await buildApp(options);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    return { url, close: () => app.close() };
  },
};

/**
 * An app with every plugin option at its default but the token and the registry (no
 * `metricsRoute`, no `/metrics` route of its own): what the default serves.
 */
export async function startWithDefaults(options: {
  readonly registry: PromRegistryLike;
  readonly token: string;
}): Promise<StartedApp> {
  const app = Fastify({ logger: false });
  await app.register(glassbox, {
    registry: options.registry,
    glassboxOptions: { logger: null },
    metrics: { auth: { tokens: [options.token], fromEnv: false }, logger: null },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}
