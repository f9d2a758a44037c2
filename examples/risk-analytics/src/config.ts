/** Service configuration from the environment (the same variables in every example). */
export interface Config {
  /** HTTP port (`PORT`); 0 picks a free one. */
  readonly port: number;
  /** Interface to bind (`HOST`). */
  readonly host: string;
  /** When set (`METRICS_PORT`), /metrics moves to its own server on this port. */
  readonly metricsPort: number | undefined;
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
    port: port('PORT', env.PORT) ?? 3001,
    host: env.HOST ?? '0.0.0.0',
    metricsPort: port('METRICS_PORT', env.METRICS_PORT),
  };
}
