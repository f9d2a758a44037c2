/**
 * Seed 004's content API in small: Express with the Glassbox adapter, LLM generations
 * (a fake provider whose caller knows each generation's cost in USD), QC scores, jobs by
 * status, active jobs and batch review progress in percent: one job in 100 fails. `provoked`: requests take
 * 2.5 s, three in ten fail, half of the jobs are blocked by QC, generations cost $1 each
 * and 150 jobs are active.
 */
import type { AddressInfo } from 'node:net';
import { createLlmInstrument } from '@glassbox/core';
import { glassbox } from '@glassbox/express';
import express from 'express';
import type { SeedService, ServiceOptions } from '../adoption.js';
import { sleep, startTraffic } from '../traffic.js';
import { activeJobs, adoption, batchReviewProgress, jobsCompleted, qcScore } from './config.js';

const PROVIDER = 'anthropic';
const MODEL = 'claude-3-haiku';

export async function startService(options: ServiceOptions): Promise<SeedService> {
  let provoked = false;
  const metrics = glassbox({
    // the team's definitions known at start-up: the legacy name is accepted (and warned once)
    glassboxOptions: { naming: adoption.naming, definitions: adoption.metrics, logger: null },
    metrics: { auth: { tokens: [options.token], fromEnv: false } },
    excludePaths: ['/health'],
    recordSizes: true,
  });
  const gb = metrics.glassbox;
  const llm = createLlmInstrument(gb, { provider: PROVIDER, models: [MODEL] });
  const progress = gb.gauge(batchReviewProgress);
  const active = gb.gauge(activeJobs);
  const completed = gb.counter(jobsCompleted);
  const qc = gb.histogram(qcScore);
  active.set({}, 12);
  // every status from the start, so ratios over them exist before the first blocked job
  for (const status of ['delivered', 'blocked', 'failed']) completed.inc({ status }, 0);

  // set_batch_progress(batch_id, progress_percent): 0-100, as the team's dashboards read it
  let reviewed = 0;
  const review = setInterval(() => {
    reviewed = (reviewed + 5) % 100;
    progress.set({ batch_id: 'batch_abc123' }, reviewed);
  }, 500);

  const app = express();
  metrics.instrument(app);
  app.use(express.json());
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Healthy is not error-free: one job in 100 fails, under every threshold — and enough for a
  // ratio that divides each 5xx series by itself to say 100 %.
  let posts = 0;
  const healthyFailure = () => ++posts % 100 === 50;
  app.post('/api/v1/jobs', async (_req, res) => {
    if (provoked) await sleep(2500);
    if (provoked ? Math.random() < 0.3 : healthyFailure()) {
      res.status(500).json({ error: 'generation failed' });
      return;
    }
    const seconds = 0.5 + Math.random() * 2;
    // track_llm_generation(provider, model, duration, cost): the caller knows the cost in USD
    llm.record(MODEL, seconds, { inputTokens: 1200, outputTokens: 800, costUsd: provoked ? 1 : 0.0005 });
    const score = provoked ? 40 + Math.random() * 60 : 80 + Math.random() * 20;
    qc.observe({}, score);
    const status =
      provoked && Math.random() < 0.5
        ? 'blocked'
        : score < 85 && Math.random() < 0.1
          ? 'failed'
          : 'delivered';
    completed.inc({ status });
    res.status(201).json({ status, qc: score });
  });
  app.get('/api/v1/jobs/:jobId', (req, res) => {
    res.json({ id: req.params.jobId, status: 'delivered' });
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  let i = 0;
  const traffic = startTraffic(
    `http://127.0.0.1:${port}`,
    () =>
      ++i % 3 === 0 ? { path: `/api/v1/jobs/${i}` } : { method: 'POST', path: '/api/v1/jobs', body: {} },
    4,
  );
  return {
    port,
    phase(p) {
      provoked = p === 'provoked';
      active.set({}, provoked ? 150 : 12);
      traffic.concurrency(provoked ? 80 : 4, provoked ? 20 : 100);
    },
    async close() {
      clearInterval(review);
      await traffic.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
