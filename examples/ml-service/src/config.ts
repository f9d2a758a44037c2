/** Service configuration from the environment (the same variables in every example). */
export interface Config {
  /** HTTP port (`PORT`); 0 picks a free one. */
  readonly port: number;
  /** Interface to bind (`HOST`). */
  readonly host: string;
  /** Port of the separate metrics server (`METRICS_PORT`, default 9464): this service never serves /metrics on its API port. */
  readonly metricsPort: number;
  /** How often the drift monitors check (`DRIFT_CHECK_INTERVAL_MS`). */
  readonly driftCheckIntervalMs: number;
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
    port: port('PORT', env.PORT) ?? 3002,
    host: env.HOST ?? '0.0.0.0',
    metricsPort: port('METRICS_PORT', env.METRICS_PORT) ?? 9464,
    driftCheckIntervalMs: Number(env.DRIFT_CHECK_INTERVAL_MS ?? 60_000),
  };
}
