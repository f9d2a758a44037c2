/**
 * The deal risk model: a small deterministic scorecard standing in for the real one.
 * It needs a counterparty rating from the "feature store"; an unknown counterparty
 * fails like a real feature lookup would, and very large deals take the slow path
 * (a full exposure simulation).
 */
export interface Deal {
  readonly dealId: string;
  readonly amount: number;
  readonly industry: string;
  readonly counterparty: string;
  readonly termMonths: number;
}

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface RiskAssessment {
  readonly dealId: string;
  readonly score: number;
  readonly riskLevel: RiskLevel;
  readonly model: string;
  readonly modelVersion: string;
  readonly evaluatedAt: string;
}

export const MODEL_NAME = 'deal-risk';
export const MODEL_VERSION = '2.4.0';

/** Thrown when a deal's features cannot be loaded (mapped to `error_type="feature_store"`). */
export class FeatureStoreError extends Error {
  override readonly name = 'FeatureStoreError';
}

/** Thrown for a deal that cannot be scored (mapped to `error_type="validation"`). */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

const RATINGS: Readonly<Record<string, number>> = {
  acme: 0.1,
  globex: 0.35,
  initech: 0.55,
  umbrella: 0.8,
  hooli: 0.2,
  'stark-industries': 0.05,
};
const INDUSTRY_RISK: Readonly<Record<string, number>> = {
  software: 0.1,
  retail: 0.3,
  energy: 0.45,
  construction: 0.6,
  crypto: 0.9,
};

const SLOW_PATH_AMOUNT = 5_000_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function validateDeal(body: unknown): Deal {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.dealId !== 'string' || !/^[A-Za-z0-9-]{1,64}$/.test(b.dealId))
    throw new ValidationError('dealId must be 1-64 letters, digits or dashes');
  if (typeof b.amount !== 'number' || !(b.amount > 0)) throw new ValidationError('amount must be > 0');
  if (typeof b.industry !== 'string') throw new ValidationError('industry is required');
  if (typeof b.counterparty !== 'string') throw new ValidationError('counterparty is required');
  const termMonths = typeof b.termMonths === 'number' ? b.termMonths : 12;
  return {
    dealId: b.dealId,
    amount: b.amount,
    industry: b.industry,
    counterparty: b.counterparty,
    termMonths,
  };
}

export async function scoreDeal(deal: Deal): Promise<RiskAssessment> {
  const rating = RATINGS[deal.counterparty.toLowerCase()];
  if (rating === undefined) throw new FeatureStoreError('no rating for this counterparty');
  // Large deals run the exposure simulation: the slow path the latency SLO watches.
  await sleep(deal.amount >= SLOW_PATH_AMOUNT ? 250 + (deal.amount % 400) : 2 + (deal.amount % 8));
  const industry = INDUSTRY_RISK[deal.industry.toLowerCase()] ?? 0.5;
  const size = Math.min(1, Math.log10(Math.max(deal.amount, 1)) / 8);
  const term = Math.min(1, deal.termMonths / 120);
  const score = Math.min(1, Math.max(0, 0.45 * rating + 0.3 * industry + 0.15 * size + 0.1 * term));
  const riskLevel: RiskLevel =
    score < 0.25 ? 'low' : score < 0.45 ? 'medium' : score < 0.65 ? 'high' : 'critical';
  return {
    dealId: deal.dealId,
    score: Math.round(score * 1000) / 1000,
    riskLevel,
    model: MODEL_NAME,
    modelVersion: MODEL_VERSION,
    evaluatedAt: new Date().toISOString(),
  };
}
