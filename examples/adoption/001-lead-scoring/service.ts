/**
 * Seed 001's Lead Scoring API in small: Fastify with the Glassbox plugin, one model
 * endpoint provider scoring leads singly and in batches, and the team's score-bucket
 * histogram. `provoked`: requests take 1.2 s (160 clients, over 100 in flight), predictions 200 ms, one in
 * five fails, most leads land in tier A with low confidence.
 */
import type { AddressInfo } from 'node:net';
import { createModelInstrument } from '@glassbox/core';
import { glassbox } from '@glassbox/fastify';
import Fastify from 'fastify';
import type { SeedService, ServiceOptions } from '../adoption.js';
import { sleep, spread, startTraffic } from '../traffic.js';
import { adoption, predictionBuckets, TIERS } from './config.js';

class EndpointTimeoutError extends Error {
  override name = 'TimeoutError';
}

interface Lead {
  readonly tier: string;
  readonly probability: number;
}

export async function startService(options: ServiceOptions): Promise<SeedService> {
  let provoked = false;
  const app = Fastify();
  await app.register(glassbox, {
    glassboxOptions: { naming: adoption.naming, logger: null },
    metrics: { auth: { tokens: [options.token], fromEnv: false } },
    excludePaths: ['/health'],
    recordSizes: true,
  });
  const gb = app.glassbox.glassbox;
  const buckets = gb.histogram(predictionBuckets);
  const model = createModelInstrument(gb, { name: 'azure-ml', version: '3.1.0', outcomes: [...TIERS] });

  const next = spread();
  let n = 0;
  const scoreLead = async (): Promise<Lead> => {
    if (provoked) {
      await sleep(200);
      if (Math.random() < 0.2) throw new EndpointTimeoutError('scoring endpoint timed out');
      return { tier: Math.random() < 0.8 ? 'A' : 'B', probability: 0.2 + Math.random() * 0.2 };
    }
    return {
      tier: TIERS[++n % TIERS.length] as string,
      probability: 0.6 + next() * 0.4,
    };
  };
  const record = (lead: Lead) =>
    buckets.observe(
      { endpoint_provider: 'azure-ml' },
      5 - TIERS.indexOf(lead.tier as (typeof TIERS)[number]),
    );
  const predict = model.wrap(scoreLead, { outcome: (r) => r.tier, score: (r) => r.probability });
  const predictMany = model.wrapBatch(
    async (n: number) => {
      const out: Lead[] = [];
      for (let i = 0; i < n; i++) out.push(await scoreLead());
      return out;
    },
    { outcome: (item) => (item as Lead).tier, score: (item) => (item as Lead).probability },
  );

  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/api/v1/leads/score', async (_req, reply) => {
    if (provoked) await sleep(1200);
    try {
      const lead = await predict();
      record(lead);
      return lead;
    } catch {
      return reply.code(502).send({ error: 'scoring endpoint failed' });
    }
  });
  app.post('/api/v1/leads/score/batch', async (_req, reply) => {
    try {
      const leads = await predictMany(5);
      for (const l of leads) record(l);
      return leads;
    } catch {
      return reply.code(502).send({ error: 'scoring endpoint failed' });
    }
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  let i = 0;
  const traffic = startTraffic(
    `http://127.0.0.1:${port}`,
    () => ({ method: 'POST', path: ++i % 4 === 0 ? '/api/v1/leads/score/batch' : '/api/v1/leads/score' }),
    4,
    100,
  );
  return {
    port,
    phase(p) {
      provoked = p === 'provoked';
      traffic.concurrency(provoked ? 160 : 4, provoked ? 20 : 100);
    },
    async close() {
      await traffic.stop();
      await app.close();
    },
  };
}
