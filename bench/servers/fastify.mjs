// Fastify 5 servers: GET /users/:id -> JSON, bare and with each library.
import { createGlassbox, nativeBackend } from '@glassbox/core';
import { glassbox } from '@glassbox/fastify';
import Fastify from 'fastify';
import client from 'prom-client';

function routes(app) {
  app.get('/users/:id', async (req) => ({ id: req.params.id }));
  return app;
}

const make = () => Fastify({ logger: false });

export const variants = {
  bare: async () => routes(make()),
  glassbox: async () => {
    const native = nativeBackend();
    const app = make();
    await app.register(glassbox, {
      glassbox: createGlassbox({ backend: native, logger: null }),
      metrics: { sources: [native], logger: null, auth: false },
    });
    return routes(app);
  },
  'glassbox-prom': async () => {
    const app = make();
    await app.register(glassbox, {
      registry: new client.Registry(),
      glassboxOptions: { logger: null },
      metrics: { logger: null, auth: false },
    });
    return routes(app);
  },
  'fastify-metrics': async () => {
    const mod = await import('fastify-metrics');
    const plugin = mod.default?.default ?? mod.default;
    const app = make();
    await app.register(plugin, { endpoint: '/metrics' });
    return routes(app);
  },
  promster: async () => {
    const { plugin, getSummary, getContentType } = await import('@promster/fastify');
    const app = make();
    await app.register(plugin);
    app.get('/metrics', async (_req, reply) => {
      reply.type(getContentType());
      return getSummary();
    });
    return routes(app);
  },
};

export async function listen(app) {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { server: app.server, close: () => app.close() };
}
