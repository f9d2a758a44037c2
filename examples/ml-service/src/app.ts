import { readFileSync } from 'node:fs';
import {
  createDriftMonitor,
  createModelInstrument,
  type DriftMonitor,
  type ModelInstrument,
} from '@glassbox/core';
import { glassbox } from '@glassbox/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import * as client from 'prom-client';
import {
  EnrichmentTimeoutError,
  type Features,
  invalidFeatures,
  MODELS,
  type ModelSpec,
  type Prediction,
} from './models.js';

export interface MlServiceOptions {
  /** Port of the separate metrics server (0 picks a free one). */
  readonly metricsPort: number;
  readonly host: string;
  /** Period of the drift checks. */
  readonly driftCheckIntervalMs: number;
}

interface HostedModel {
  readonly spec: ModelSpec;
  readonly instrument: ModelInstrument;
  readonly drift: DriftMonitor;
  readonly predict: (features: Features) => Promise<Prediction>;
  readonly predictBatch: (items: readonly Features[]) => Promise<Prediction[]>;
}

const MAX_BATCH = 500;

export async function createApp(options: MlServiceOptions): Promise<FastifyInstance> {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });

  const app = Fastify({ logger: false });
  // RED metrics for every route; /metrics on its own port (bearer token from METRICS_BEARER_TOKEN).
  await app.register(glassbox, {
    registry,
    excludePaths: ['/health'],
    // request and response sizes (from Content-Length): prediction payloads grow with batches
    recordSizes: true,
    metricsRoute: false,
    metricsServer: { port: options.metricsPort, host: options.host },
  });
  const gb = app.glassbox.glassbox;

  const models = new Map<string, HostedModel>();
  for (const spec of Object.values(MODELS)) {
    const instrument = createModelInstrument(gb, {
      name: spec.id,
      version: spec.version,
      outcomes: spec.outcomes,
      qualityBounds: spec.qualityBounds,
    });
    for (const [metric, value] of Object.entries(spec.evaluation)) instrument.setQuality(metric, value);
    // The reference distribution shipped with the model (built by the training job).
    const drift = createDriftMonitor(gb, {
      model: spec.id,
      reference: readFileSync(new URL(`../reference/${spec.id}.json`, import.meta.url), 'utf8'),
      intervalMs: options.driftCheckIntervalMs,
    });
    drift.start();
    const predict = instrument.wrap((features: Features) => spec.predict(features), {
      outcome: (p) => p.outcome,
      score: (p) => p.score,
    });
    const predictBatch = instrument.wrapBatch(
      (items: readonly Features[]) => Promise.all(items.map((f) => spec.predict(f))),
      { outcome: (p) => (p as Prediction).outcome, score: (p) => (p as Prediction).score },
    );
    models.set(spec.id, { spec, instrument, drift, predict, predictBatch });
  }
  app.addHook('onClose', async () => {
    for (const m of models.values()) m.drift.stop();
  });

  app.get('/health', async () => ({ status: 'ok' }));

  app.post<{ Params: { model: string }; Body: { features?: unknown } }>(
    '/api/v1/ml/predict/:model',
    async (request, reply) => {
      const model = models.get(request.params.model);
      if (model === undefined) return reply.code(404).send({ error: 'unknown model' });
      const features = request.body?.features;
      const invalid = invalidFeatures(model.spec, features);
      if (invalid !== undefined) return reply.code(400).send({ error: invalid });
      model.drift.observe(features as Features);
      try {
        const prediction = await model.predict(features as Features);
        return { model: model.spec.id, version: model.spec.version, ...prediction };
      } catch (error) {
        if (error instanceof EnrichmentTimeoutError)
          return reply.code(504).send({ error: 'enrichment timed out' });
        throw error;
      }
    },
  );

  app.post<{ Params: { model: string }; Body: { items?: unknown } }>(
    '/api/v1/ml/predict/:model/batch',
    async (request, reply) => {
      const model = models.get(request.params.model);
      if (model === undefined) return reply.code(404).send({ error: 'unknown model' });
      const items = request.body?.items;
      if (!Array.isArray(items) || items.length === 0 || items.length > MAX_BATCH)
        return reply.code(400).send({ error: `items must be an array of 1..${MAX_BATCH} feature objects` });
      for (const [i, f] of items.entries()) {
        const invalid = invalidFeatures(model.spec, f);
        if (invalid !== undefined) return reply.code(400).send({ error: `items[${i}]: ${invalid}` });
      }
      for (const f of items) model.drift.observe(f as Features);
      try {
        const predictions = await model.predictBatch(items as Features[]);
        return { model: model.spec.id, version: model.spec.version, predictions };
      } catch (error) {
        if (error instanceof EnrichmentTimeoutError)
          return reply.code(504).send({ error: 'enrichment timed out' });
        throw error;
      }
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/ml/models/:id/card', async (request, reply) => {
    const model = models.get(request.params.id);
    if (model === undefined) return reply.code(404).send({ error: 'unknown model' });
    const { spec } = model;
    return {
      id: spec.id,
      version: spec.version,
      description: spec.description,
      outcomes: spec.outcomes,
      features: { numeric: spec.numeric, categorical: spec.categorical },
      evaluation: spec.evaluation,
      qualityBounds: spec.qualityBounds,
      drift: { reference: `reference/${spec.id}.json`, window: model.drift.windowStats() },
    };
  });

  // Ground truth arrives later (from the CRM): the evaluation job reports quality here.
  app.post<{ Params: { id: string }; Body: { metric?: unknown; value?: unknown } }>(
    '/api/v1/ml/models/:id/evaluation',
    async (request, reply) => {
      const model = models.get(request.params.id);
      if (model === undefined) return reply.code(404).send({ error: 'unknown model' });
      const { metric, value } = request.body ?? {};
      if (typeof metric !== 'string' || !/^[a-z_]{1,32}$/.test(metric) || typeof value !== 'number')
        return reply.code(400).send({ error: 'metric (snake_case) and value (number) are required' });
      model.instrument.setQuality(metric, value);
      return reply.code(204).send();
    },
  );

  // Run a drift check now (the monitors also check on their own timer).
  app.post<{ Params: { id: string } }>('/api/v1/ml/models/:id/drift/check', async (request, reply) => {
    const model = models.get(request.params.id);
    if (model === undefined) return reply.code(404).send({ error: 'unknown model' });
    return model.drift.check();
  });

  return app;
}
