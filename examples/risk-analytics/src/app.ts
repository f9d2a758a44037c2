import { createModelInstrument, defineCounter } from '@glassbox/core';
import { type GlassboxExpress, glassbox } from '@glassbox/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  FeatureStoreError,
  MODEL_NAME,
  MODEL_VERSION,
  RISK_LEVELS,
  type RiskAssessment,
  scoreDeal,
  ValidationError,
  validateDeal,
} from './model.js';

/** A team-defined metric: same guards, naming options and docs as the catalog's. */
const riskEvaluations = defineCounter({
  name: 'risk_evaluations_total',
  help: 'Deal risk evaluations, by resulting risk level (error when the deal could not be scored)',
  labelNames: ['risk_level'],
});

export interface RiskApp {
  readonly app: express.Express;
  /** The /metrics setup (handler, separate server factory). */
  readonly metrics: GlassboxExpress;
}

export function createApp(options: { serveMetrics: boolean }): RiskApp {
  // RED instrumentation + auth-guarded /metrics handler, on Glassbox's native backend with
  // prom-client's process metrics next to it. The bearer token comes from
  // METRICS_BEARER_TOKEN (auth is on as soon as it is set).
  // With serveMetrics, the instrumentation itself answers GET /metrics (no route to register).
  const metrics = glassbox({ excludePaths: ['/health'], metricsRoute: options.serveMetrics });
  const evaluations = metrics.glassbox.counter(riskEvaluations);
  const model = createModelInstrument(metrics.glassbox, {
    name: MODEL_NAME,
    version: MODEL_VERSION,
    outcomes: RISK_LEVELS,
    errorTypes: { FeatureStoreError: 'feature_store' },
  });
  // Records latency, outcome (risk level) and score of every call; errors by type.
  const score = model.wrap(scoreDeal, { outcome: (r) => r.riskLevel, score: (r) => r.score });
  model.setQuality('auc', 0.87);
  model.setQuality('brier', 0.12);

  const evaluated = new Map<string, RiskAssessment>();
  const app = express();
  app.disable('x-powered-by');
  // Every request is timed from Express's entry point (no router layer).
  metrics.instrument(app);
  app.use(express.json({ limit: '100kb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  const router = express.Router();
  router.post('/risk/evaluate', async (req, res) => {
    let deal: ReturnType<typeof validateDeal>;
    try {
      deal = validateDeal(req.body);
    } catch (error) {
      res.status(400).json({ error: (error as Error).message });
      return;
    }
    try {
      const assessment = await score(deal);
      evaluated.set(deal.dealId, assessment);
      if (evaluated.size > 10_000) evaluated.delete(evaluated.keys().next().value as string);
      evaluations.inc({ risk_level: assessment.riskLevel });
      res.json(assessment);
    } catch (error) {
      evaluations.inc({ risk_level: 'error' });
      if (error instanceof FeatureStoreError) res.status(503).json({ error: 'risk features unavailable' });
      else throw error;
    }
  });
  router.get('/risk/deals/:dealId', (req, res) => {
    const assessment = evaluated.get(req.params.dealId);
    if (assessment === undefined) res.status(404).json({ error: 'deal not evaluated' });
    else res.json(assessment);
  });
  app.use('/api/v1', router);

  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = error instanceof ValidationError ? 400 : 500;
    if (status === 500) console.error(error);
    res.status(status).json({ error: status === 400 ? (error as Error).message : 'internal error' });
  });
  return { app, metrics };
}
