/**
 * Seed 000's risk-analytics service in small: Express with the Glassbox adapter, two
 * instrumented models with a drift monitor, a batch job whose runs are triggered through
 * RabbitMQ (`bi_batch_jobs`, consumed with @glassbox/amqplib), and the team's counters.
 * `provoked`: predictions take 600 ms, quality degrades and the deal sizes drift.
 */
import type { AddressInfo } from 'node:net';
import { instrumentChannel } from '@glassbox/amqplib';
import {
  createBatchJob,
  createBatchTriggers,
  createDriftMonitor,
  createModelInstrument,
} from '@glassbox/core';
import { glassbox } from '@glassbox/express';
import amqp from 'amqplib';
import express from 'express';
import type { SeedService, ServiceOptions } from '../adoption.js';
import { sleep, spread, startTraffic, uniformReference } from '../traffic.js';
import { adoption, forecastsGenerated, MODELS, riskEvaluations } from './config.js';

class FeatureStoreError extends Error {
  override name = 'FeatureStoreError';
}

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export async function startService(options: ServiceOptions): Promise<SeedService> {
  let provoked = false;
  const metrics = glassbox({
    glassboxOptions: { naming: adoption.naming, logger: null },
    metrics: { auth: { tokens: [options.token], fromEnv: false } },
    excludePaths: ['/health'],
    recordSizes: true,
  });
  const gb = metrics.glassbox;
  const evaluations = gb.counter(riskEvaluations);
  const forecasts = gb.counter(forecastsGenerated);
  const models = MODELS.map((name) =>
    createModelInstrument(gb, {
      name,
      version: '2.4.0',
      outcomes: ['low', 'medium', 'high'],
      qualityBounds: { brier: { max: 0.25 } },
      errorTypes: { FeatureStoreError: 'feature_store' },
    }),
  );
  for (const m of models) m.setQuality('brier', 0.12);
  const drift = createDriftMonitor(gb, {
    model: 'risk-scoring',
    reference: uniformReference('deal_size', 50, 150),
    intervalMs: 1000,
  });
  drift.start();

  // A batch job triggered through RabbitMQ: the scheduler counts the trigger and publishes,
  // the consumer runs the job. The physical queue name is unique per run; its label is the
  // team's queue name (queueLabel).
  const connection = await amqp.connect(RABBITMQ_URL);
  const channel = instrumentChannel(await connection.createChannel(), {
    glassbox: gb,
    logger: null,
    queueLabel: (q) => q.replace(/\.[0-9a-f]+$/, ''),
  });
  const queue = `bi_batch_jobs.${Math.floor(Math.random() * 2 ** 32).toString(16)}`;
  await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
  const backfill = createBatchJob(gb, { name: 'risk-snapshot-backfill' });
  const triggers = createBatchTriggers(gb, { jobs: ['risk-snapshot-backfill'] });
  await channel.consume(queue, (msg) => {
    if (msg === null) return;
    void backfill
      .run(async (run) => {
        await sleep(20);
        run.items(10);
      })
      .finally(() => channel.ack(msg));
  });
  const scheduler = setInterval(() => {
    triggers.trigger('risk-snapshot-backfill');
    channel.sendToQueue(queue, Buffer.from('{"job":"risk-snapshot-backfill"}'));
  }, 500);

  const app = express();
  metrics.instrument(app);
  app.use(express.json());
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const score = models.map((m) =>
    m.wrap(
      async (dealSize: number) => {
        if (provoked) await sleep(600);
        // provoked: the feature store times out now and then (503, a prediction error)
        if (provoked && Math.random() < 0.1) throw new FeatureStoreError('feature store timed out');
        const s = Math.min(1, dealSize / 200);
        return { score: s, level: s > 0.58 ? 'high' : s > 0.42 ? 'medium' : 'low' };
      },
      { outcome: (r) => r.level, score: (r) => r.score },
    ),
  );
  const predict = async (i: number, dealSize: number, res: express.Response) => {
    try {
      return await (score[i] as (d: number) => Promise<{ level: string }>)(dealSize);
    } catch {
      res.status(503).json({ error: 'risk features unavailable' });
      return undefined;
    }
  };
  app.post('/api/v1/risk/evaluate', async (req, res) => {
    const dealSize = Number(req.body?.dealSize ?? 100);
    drift.observe({ deal_size: dealSize });
    const r = await predict(1, dealSize, res);
    if (r === undefined) return;
    evaluations.inc({ risk_level: r.level });
    res.json(r);
  });
  app.get('/api/v1/win-probability/:dealId', async (req, res) => {
    const r = await predict(0, Number(req.params.dealId) % 200, res);
    if (r !== undefined) res.json(r);
  });
  app.post('/api/v1/forecasts', (_req, res) => {
    forecasts.inc();
    res.status(201).json({ ok: true });
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  let i = 0;
  const next = spread();
  const traffic = startTraffic(
    `http://127.0.0.1:${port}`,
    () => {
      i++;
      if (i % 5 === 0) return { method: 'POST', path: '/api/v1/forecasts' };
      if (i % 2 === 0) return { path: `/api/v1/win-probability/${Math.floor(next() * 200)}` };
      const dealSize = provoked ? 180 + next() * 70 : 50 + next() * 100;
      return { method: 'POST', path: '/api/v1/risk/evaluate', body: { dealSize } };
    },
    4,
  );
  return {
    port,
    phase(p) {
      provoked = p === 'provoked';
      for (const m of models) m.setQuality('brier', provoked ? 0.4 : 0.12);
      // slow predictions: more clients keep the request rate up
      traffic.concurrency(provoked ? 16 : 4, provoked ? 20 : 100);
    },
    async close() {
      clearInterval(scheduler);
      drift.stop();
      await traffic.stop();
      await channel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
