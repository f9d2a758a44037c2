/**
 * Issue 16.1: /metrics is never open without the service saying so at start-up; a
 * blank token is a misconfiguration (fail closed); production without a token is
 * closed; a typo in the auth options is an error. Over real sockets.
 */
import { createGlassbox, type Logger, nativeBackend } from '@glassbox/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricsServer, type MetricsAuthOptions, type MetricsServer } from '../src/index.js';
import { get } from './helpers.js';

const servers: MetricsServer[] = [];
const saved = { NODE_ENV: process.env.NODE_ENV, METRICS_BEARER_TOKEN: process.env.METRICS_BEARER_TOKEN };
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function recordingLogger() {
  const warnings: string[] = [];
  const errors: string[] = [];
  const logger: Logger = { warn: (m) => warnings.push(m), error: (m) => errors.push(m) };
  return { logger, warnings, errors };
}

async function serve(
  auth: MetricsAuthOptions | false | undefined,
  env: Record<string, string | undefined> = {},
) {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const log = recordingLogger();
  const native = nativeBackend();
  createGlassbox({ backend: native, logger: null });
  const server = createMetricsServer({
    port: 0,
    host: '127.0.0.1',
    sources: [native],
    logger: log.logger,
    ...(auth === undefined ? {} : { auth }),
  });
  servers.push(server);
  const { url } = await server.start();
  return { url, ...log };
}

const NO_ENV = { NODE_ENV: undefined, METRICS_BEARER_TOKEN: undefined };

describe('16.1: /metrics auth defaults', () => {
  it('no token outside production: open, with one start-up warning', async () => {
    const { url, warnings, errors } = await serve(undefined, NO_ENV);
    expect((await get(url)).status).toBe(200);
    expect(warnings.filter((w) => w.includes('WITHOUT auth'))).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('no token with NODE_ENV=production: 401 and one clear error line', async () => {
    const { url, warnings, errors } = await serve(undefined, { ...NO_ENV, NODE_ENV: 'production' });
    const res = await get(url);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer');
    expect((await get(url, { Authorization: 'Bearer anything' })).status).toBe(401);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/production.*401.*auth: false/);
    expect(warnings).toEqual([]);
  });

  it('auth: false serves it open on purpose, even in production, and says so', async () => {
    const { url, warnings } = await serve(false, { ...NO_ENV, NODE_ENV: 'production' });
    expect((await get(url)).status).toBe(200);
    expect(warnings).toEqual(['exporter: the metrics endpoint is served WITHOUT auth (auth: false)']);
  });

  it('a blank METRICS_BEARER_TOKEN fails closed with one error, and the service stays up', async () => {
    const { url, errors } = await serve(undefined, { ...NO_ENV, METRICS_BEARER_TOKEN: '   ' });
    expect((await get(url)).status).toBe(401);
    expect((await get(url, { Authorization: 'Bearer    ' })).status).toBe(401);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('METRICS_BEARER_TOKEN is set but blank');
  });

  it('a blank auth.tokens entry fails closed; other valid tokens keep working', async () => {
    const closed = await serve({ tokens: [''] }, NO_ENV);
    expect((await get(closed.url)).status).toBe(401);
    expect(closed.errors[0]).toContain('answers 401');
    const mixed = await serve({ tokens: ['', 'good'] }, NO_ENV);
    expect((await get(mixed.url, { Authorization: 'Bearer good' })).status).toBe(200);
    expect((await get(mixed.url)).status).toBe(401);
    expect(mixed.errors[0]).toContain('only the other configured tokens are accepted');
  });

  it('tokens never reach the logs', async () => {
    const { warnings, errors } = await serve(
      { tokens: ['s3cret-token', ''] },
      {
        ...NO_ENV,
        METRICS_BEARER_TOKEN: 'env-s3cret',
      },
    );
    expect([...warnings, ...errors].join('\n')).not.toMatch(/s3cret/);
  });

  it('a typo in the auth options is an error naming the key and the nearest valid one', () => {
    const typo = { token: 'x' } as unknown as MetricsAuthOptions;
    expect(() => createMetricsServer({ sources: [nativeBackend()], auth: typo, logger: null })).toThrow(
      /unknown option "auth.token" \(did you mean "auth.tokens"\?\)/,
    );
    expect(() =>
      createMetricsServer({
        sources: [nativeBackend()],
        auth: 'x' as unknown as MetricsAuthOptions,
        logger: null,
      }),
    ).toThrow(/option "auth" must be an object or a boolean/);
    expect(() =>
      createMetricsServer({ sources: [nativeBackend()], metricsRote: true, logger: null } as never),
    ).toThrow(/unknown option "metricsRote"/);
  });
});
