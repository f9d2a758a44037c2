/**
 * The three models this service hosts: small deterministic stand-ins for real ones,
 * each with its feature schema, its declared outcomes (lead tiers A–D, ...) and the
 * model card served at /api/v1/ml/models/:id/card.
 */
export type Features = Readonly<Record<string, number | string>>;

export interface Prediction {
  readonly score: number;
  readonly outcome: string;
}

export interface ModelSpec {
  readonly id: string;
  readonly version: string;
  readonly description: string;
  readonly outcomes: readonly string[];
  readonly numeric: readonly string[];
  readonly categorical: readonly string[];
  /** Offline evaluation of the deployed version (exported as ml_model_quality). */
  readonly evaluation: Readonly<Record<string, number>>;
  /** Degradation bounds: below `min` / above `max` counts in ml_performance_degraded_total. */
  readonly qualityBounds: Readonly<Record<string, { min?: number; max?: number }>>;
  predict(features: Features): Promise<Prediction>;
}

/** An upstream enrichment call timed out (classified as `error_type="timeout"`). */
export class EnrichmentTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const clamp = (x: number) => Math.min(1, Math.max(0, x));
const num = (f: Features, key: string) => Number(f[key]);
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Large amounts take the ensemble path: the slow requests of the latency SLO. */
async function latency(amount: number): Promise<void> {
  await sleep(amount >= 1_000_000 ? 200 + (amount % 300) : 1 + (amount % 5));
}

const STAGE: Readonly<Record<string, number>> = {
  prospecting: -1.2,
  qualification: -0.4,
  proposal: 0.4,
  negotiation: 1.1,
};
const INDUSTRY: Readonly<Record<string, number>> = {
  software: 0.1,
  retail: 0.3,
  energy: 0.45,
  construction: 0.6,
  crypto: 0.9,
};
const SOURCE: Readonly<Record<string, number>> = { referral: 0.9, event: 0.5, web: 0.2, outbound: -0.4 };

export const MODELS: Readonly<Record<string, ModelSpec>> = {
  'win-probability': {
    id: 'win-probability',
    version: '1.8.2',
    description: 'Probability that an open opportunity closes as won',
    outcomes: ['win', 'loss'],
    numeric: ['amount', 'daysOpen'],
    categorical: ['stage'],
    evaluation: { auc: 0.82, brier: 0.16 },
    qualityBounds: { auc: { min: 0.75 }, brier: { max: 0.22 } },
    async predict(f) {
      await latency(num(f, 'amount'));
      const score = round3(
        sigmoid(
          (STAGE[String(f.stage)] ?? 0) -
            0.01 * num(f, 'daysOpen') -
            0.2 * Math.log10(num(f, 'amount') / 50_000),
        ),
      );
      return { score, outcome: score >= 0.5 ? 'win' : 'loss' };
    },
  },
  'risk-scoring': {
    id: 'risk-scoring',
    version: '3.0.1',
    description: 'Credit and delivery risk of a deal',
    outcomes: ['low', 'medium', 'high'],
    numeric: ['amount', 'termMonths'],
    categorical: ['industry'],
    evaluation: { accuracy: 0.91, brier: 0.09 },
    qualityBounds: { accuracy: { min: 0.85 }, brier: { max: 0.15 } },
    async predict(f) {
      await latency(num(f, 'amount'));
      const score = round3(
        clamp(
          0.5 * (INDUSTRY[String(f.industry)] ?? 0.5) +
            0.3 * Math.min(1, num(f, 'termMonths') / 96) +
            0.2 * Math.min(1, Math.log10(Math.max(1, num(f, 'amount'))) / 7),
        ),
      );
      return { score, outcome: score < 0.35 ? 'low' : score < 0.55 ? 'medium' : 'high' };
    },
  },
  'lead-scoring': {
    id: 'lead-scoring',
    version: '4.2.0',
    description: 'Lead quality score; tiers A (best) to D',
    outcomes: ['A', 'B', 'C', 'D'],
    numeric: ['companySize', 'engagement'],
    categorical: ['source'],
    evaluation: { accuracy: 0.88, precision: 0.84 },
    qualityBounds: { accuracy: { min: 0.8 }, precision: { min: 0.75 } },
    async predict(f) {
      const source = String(f.source);
      // The partner enrichment API is flaky: the realistic failing dependency.
      if (source === 'partner-api') {
        await sleep(50);
        throw new EnrichmentTimeoutError('enrichment timed out');
      }
      await sleep(1 + (num(f, 'engagement') % 4));
      const score = round3(
        sigmoid(
          0.06 * (num(f, 'engagement') - 50) +
            0.3 * Math.log10(Math.max(1, num(f, 'companySize')) / 200) +
            (SOURCE[source] ?? 0),
        ),
      );
      const tier = score >= 0.75 ? 'A' : score >= 0.55 ? 'B' : score >= 0.35 ? 'C' : 'D';
      return { score, outcome: tier };
    },
  },
};

/** Validates an input against a model's schema; returns an error message or undefined. */
export function invalidFeatures(spec: ModelSpec, input: unknown): string | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return 'features must be an object';
  const f = input as Record<string, unknown>;
  for (const key of spec.numeric)
    if (typeof f[key] !== 'number' || !Number.isFinite(f[key])) return `${key} must be a number`;
  for (const key of spec.categorical) if (typeof f[key] !== 'string') return `${key} must be a string`;
  return undefined;
}
