/** Service configuration from the environment. */
export interface Config {
  /** HTTP port (`PORT`); 0 picks a free one. */
  readonly port: number;
  /** Interface to bind (`HOST`). */
  readonly host: string;
  /** When set (`METRICS_PORT`), /metrics moves to its own server on this port. */
  readonly metricsPort: number | undefined;
  /** Jobs processed at once; more wait in the queue (`MAX_ACTIVE_JOBS`). */
  readonly maxActiveJobs: number;
  /** QC score below which content is blocked (`QC_BLOCK_THRESHOLD`). */
  readonly qcBlockThreshold: number;
  /**
   * The LLM provider's OpenAI-compatible API (`LLM_BASE_URL`, e.g.
   * `https://api.openai.com/v1`); unset: a local stand-in is started (llm/stub-server.ts).
   */
  readonly llmBaseUrl: string | undefined;
  /** Its API key (`LLM_API_KEY`). */
  readonly llmApiKey: string | undefined;
}

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const qc = Number(env.QC_BLOCK_THRESHOLD ?? 0.6);
  if (!(qc >= 0 && qc <= 1)) throw new Error('QC_BLOCK_THRESHOLD must be 0..1');
  const max = Number(env.MAX_ACTIVE_JOBS ?? 8);
  if (!Number.isInteger(max) || max < 1) throw new Error('MAX_ACTIVE_JOBS must be a positive integer');
  return {
    port: port('PORT', env.PORT) ?? 3005,
    host: env.HOST ?? '0.0.0.0',
    metricsPort: port('METRICS_PORT', env.METRICS_PORT),
    maxActiveJobs: max,
    qcBlockThreshold: qc,
    llmBaseUrl: env.LLM_BASE_URL || undefined,
    llmApiKey: env.LLM_API_KEY || undefined,
  };
}

export const CONFIG = Symbol('CONFIG');
