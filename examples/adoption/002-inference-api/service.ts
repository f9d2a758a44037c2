/**
 * Seed 002's inference API in small: Fastify with the Glassbox plugin and one model.
 * `provoked`: every request takes 300 ms ("latency creep"), one in ten fails, and
 * version 1.3.0 is rolled out.
 */
import type { AddressInfo } from 'node:net';
import { createModelInstrument } from '@glassbox/core';
import { glassbox } from '@glassbox/fastify';
import Fastify from 'fastify';
import type { SeedService, ServiceOptions } from '../adoption.js';
import { sleep, startTraffic } from '../traffic.js';
import { adoption } from './config.js';

export async function startService(options: ServiceOptions): Promise<SeedService> {
  let provoked = false;
  const app = Fastify();
  await app.register(glassbox, {
    glassboxOptions: { naming: adoption.naming, logger: null },
    metrics: { auth: { tokens: [options.token], fromEnv: false } },
    excludePaths: ['/health'],
    recordSizes: true,
  });
  const model = createModelInstrument(app.glassbox.glassbox, {
    name: 'churn-classifier',
    version: '1.2.0',
    outcomes: ['churn', 'stay'],
  });
  const predict = model.wrap(
    async (features: { tenure: number }) => {
      const p = 1 / (1 + Math.exp((features.tenure - 12) / 4));
      return { label: p > 0.5 ? 'churn' : 'stay', probability: p };
    },
    { outcome: (r) => r.label, score: (r) => r.probability },
  );

  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/predict', async (_req, reply) => {
    if (provoked) {
      await sleep(300);
      if (Math.random() < 0.1) return reply.code(500).send({ error: 'inference failed' });
    }
    return predict({ tenure: Math.random() * 24 });
  });
  app.get('/model', async () => ({ name: 'churn-classifier' }));

  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  let i = 0;
  const traffic = startTraffic(
    `http://127.0.0.1:${port}`,
    () => (++i % 5 === 0 ? { path: '/model' } : { method: 'POST', path: '/predict' }),
    4,
  );
  return {
    port,
    phase(p) {
      provoked = p === 'provoked';
      if (provoked) model.setVersion('1.3.0');
      traffic.concurrency(provoked ? 12 : 4, provoked ? 20 : 100);
    },
    async close() {
      await traffic.stop();
      await app.close();
    },
  };
}
