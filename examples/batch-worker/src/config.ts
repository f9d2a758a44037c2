/** Worker configuration from the environment. */
export interface Config {
  /** Port of the /health server (`PORT`); 0 picks a free one. */
  readonly port: number;
  /** Interface to bind (`HOST`). */
  readonly host: string;
  /** Port of the standalone metrics server (`METRICS_PORT`). */
  readonly metricsPort: number;
  /** Broker (`RABBITMQ_URL`). */
  readonly rabbitmqUrl: string;
  /** Queue consumed (`BATCH_QUEUE`). */
  readonly queue: string;
  /** Jobs run at once (`PREFETCH`). */
  readonly prefetch: number;
}

function int(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be an integer ${min}..${max}, got "${value}"`);
  return n;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: int('PORT', env.PORT, 0, 65535) ?? 3004,
    host: env.HOST ?? '0.0.0.0',
    metricsPort: int('METRICS_PORT', env.METRICS_PORT, 0, 65535) ?? 9465,
    rabbitmqUrl: env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    queue: env.BATCH_QUEUE ?? 'bi_batch_jobs',
    prefetch: int('PREFETCH', env.PREFETCH, 1, 100) ?? 2,
  };
}

/**
 * The queue's arguments: failed jobs are dead-lettered to `<queue>.dlq`. The
 * orchestrator declares the queue with the same arguments (RabbitMQ refuses a
 * redeclaration with different ones).
 */
export function queueArguments(queue: string): Record<string, string> {
  return { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${queue}.dlq` };
}
