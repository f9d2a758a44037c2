/** Service configuration from the environment. */
export interface Config {
  /** HTTP port (`PORT`); 0 picks a free one. */
  readonly port: number;
  /** Interface to bind (`HOST`). */
  readonly host: string;
  /** When set (`METRICS_PORT`), /metrics moves to its own server on this port. */
  readonly metricsPort: number | undefined;
  /** Broker (`RABBITMQ_URL`). */
  readonly rabbitmqUrl: string;
  /** Queue the batch worker consumes (`BATCH_QUEUE`). */
  readonly queue: string;
  /** API key callers send in `x-api-key` (`API_KEY`). */
  readonly apiKey: string;
}

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: port('PORT', env.PORT) ?? 3003,
    host: env.HOST ?? '0.0.0.0',
    metricsPort: port('METRICS_PORT', env.METRICS_PORT),
    rabbitmqUrl: env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    queue: env.BATCH_QUEUE ?? 'bi_batch_jobs',
    apiKey: env.API_KEY ?? 'local-dev-key',
  };
}

/** Same arguments as the batch worker declares (failed jobs go to `<queue>.dlq`). */
export function queueArguments(queue: string): Record<string, string> {
  return { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${queue}.dlq` };
}

/** The jobs this orchestrator may trigger (the batch-label values are bounded by this list). */
export const JOB_NAMES = ['risk-snapshot-backfill', 'outcome-sync', 'forecast-refresh'] as const;

export const CONFIG = Symbol('CONFIG');
