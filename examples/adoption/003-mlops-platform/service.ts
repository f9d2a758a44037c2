/**
 * Seed 003's model server in small: Express with the Glassbox adapter, the churn model
 * with a drift monitor on the behavioral feature group, and the team's accuracy and
 * business gauges. `provoked`: predictions take 150 ms, one request in ten fails,
 * accuracy falls to 0.7 and the behavioral features drift.
 */
import type { AddressInfo } from 'node:net';
import { createDriftMonitor, createModelInstrument } from '@glassbox/core';
import { glassbox } from '@glassbox/express';
import express from 'express';
import type { SeedService, ServiceOptions } from '../adoption.js';
import { sleep, spread, startTraffic, uniformReference } from '../traffic.js';
import { activeUsers, adoption, costSavings, modelAccuracy, revenueImpact, satisfaction } from './config.js';

export async function startService(options: ServiceOptions): Promise<SeedService> {
  let provoked = false;
  const metrics = glassbox({
    glassboxOptions: { naming: adoption.naming, logger: null },
    metrics: { auth: { tokens: [options.token], fromEnv: false } },
    excludePaths: ['/health'],
    recordSizes: true,
  });
  const gb = metrics.glassbox;
  const accuracy = gb.gauge(modelAccuracy);
  accuracy.set({ model_id: 'customer_churn', version: '1.2' }, 0.91);
  gb.gauge(revenueImpact).set({}, 12_500);
  gb.gauge(costSavings).set({}, 3_200);
  gb.gauge(satisfaction).set({}, 4.4);
  gb.gauge(activeUsers).set({}, 87);
  const model = createModelInstrument(gb, {
    name: 'customer_churn',
    version: '1.2',
    outcomes: ['churn', 'stay'],
  });
  const drift = createDriftMonitor(gb, {
    model: 'customer_churn',
    reference: uniformReference('behavioral', 0, 1),
    intervalMs: 1000,
  });
  drift.start();
  const predict = model.wrap(
    async (engagement: number) => {
      if (provoked) await sleep(150);
      return { label: engagement < 0.3 ? 'churn' : 'stay', probability: 1 - engagement };
    },
    { outcome: (r) => r.label, score: (r) => r.probability },
  );

  const next = spread();
  const app = express();
  metrics.instrument(app);
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.post('/v1/models/:modelId/predict', async (_req, res) => {
    // evenly spread values (not Math.random): a healthy window matches the reference, so
    // the drift decision cannot raise a chance false alarm during the healthy phase
    const engagement = provoked ? 1.2 + next() : next();
    drift.observe({ behavioral: engagement });
    if (provoked && Math.random() < 0.1) {
      res.status(503).json({ error: 'feature store unavailable' });
      return;
    }
    res.json(await predict(engagement));
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  const traffic = startTraffic(
    `http://127.0.0.1:${port}`,
    () => ({ method: 'POST', path: '/v1/models/customer_churn/predict' }),
    4,
  );
  return {
    port,
    phase(p) {
      provoked = p === 'provoked';
      accuracy.set({ model_id: 'customer_churn', version: '1.2' }, provoked ? 0.7 : 0.91);
      traffic.concurrency(provoked ? 12 : 4, provoked ? 20 : 100);
    },
    async close() {
      drift.stop();
      await traffic.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
