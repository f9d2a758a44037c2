/**
 * The metrics endpoint is guarded by the exporter's bearer auth and nothing else,
 * whatever the app does: a global prefix, URI versioning with a default version, and a
 * global guard (APP_GUARD and useGlobalGuards) that rejects every request.
 */
import { gunzipSync } from 'node:zlib';
import { type CanActivate, Controller, Get, Module, type Type, VersioningType } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GlassboxMetricsOptions, GlassboxModule } from '../src/index.js';
import { auth, newGlassbox, platforms, type Running, samples, send, startNest, TOKEN } from './helpers.js';

class DenyAllGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Controller('things')
class ThingsController {
  @Get()
  list() {
    return [];
  }
}

/** The test app; the exporter's logger is silenced unless `exporterLogs` (then it goes through Nest's). */
function appModule(
  metrics: Omit<GlassboxMetricsOptions, 'registry'>,
  withGuard = true,
  exporterLogs = false,
): Type<unknown> {
  const { registry, glassbox } = newGlassbox();
  @Module({
    imports: [
      GlassboxModule.forRoot({
        glassbox,
        registry,
        metrics: exporterLogs ? metrics : { logger: null, ...metrics },
      }),
    ],
    controllers: [ThingsController],
    providers: withGuard ? [{ provide: APP_GUARD, useClass: DenyAllGuard }] : [],
  })
  class AppModule {}
  return AppModule;
}

const PROTECTED = { auth: { tokens: TOKEN, fromEnv: false } } as const;

describe.each(platforms)('metrics endpoint on Nest/$name', (platform) => {
  describe('under a global prefix, URI versioning and a global deny-all guard', () => {
    let running: Running;
    beforeAll(async () => {
      running = await startNest(platform, appModule(PROTECTED), (app) => {
        app.setGlobalPrefix('api');
        app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
        app.useGlobalGuards(new DenyAllGuard());
      });
    });
    afterAll(() => running.close());

    it('the guard is really active for the app routes', async () => {
      expect((await send(`${running.url}/api/v1/things`)).status).toBe(403);
    });

    it('answers 401 with a Bearer challenge without a token', async () => {
      const r = await send(`${running.url}/metrics`);
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(r.body).toBe('Unauthorized\n');
    });

    it('answers 401 to a wrong token and to another scheme', async () => {
      const wrong = await send(`${running.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toBe('Bearer realm="metrics", error="invalid_token"');
      expect(wrong.body).not.toContain('# TYPE');
      const basic = await send(`${running.url}/metrics`, {
        headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      });
      expect(basic.status).toBe(401);
      expect(basic.body).not.toContain('# TYPE');
    });

    it('answers 200 with the exposition to the token, at /metrics, despite the guard and the prefix', async () => {
      await send(`${running.url}/api/v1/things`);
      const r = await send(`${running.url}/metrics`, { headers: auth });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(r.body).toContain('# TYPE http_requests_total counter');
      expect(samples(r.body, 'http_requests_total')).toContain(
        'http_requests_total{method="GET",route="/api/v1/things",status_code="403"} 2',
      );
      const gzipped = await send(`${running.url}/metrics`, {
        headers: { ...auth, 'accept-encoding': 'gzip' },
      });
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(gzipped.raw).toString('utf8')).toContain('# TYPE http_requests_total counter');
      const withQuery = await send(`${running.url}/metrics?x=1`, { headers: auth });
      expect(withQuery.status).toBe(200);
      const head = await send(`${running.url}/metrics`, { method: 'HEAD', headers: auth });
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
    });

    it('keeps every other spelling and method closed', async () => {
      for (const path of [
        '/metrics?x=1',
        '/metrics',
        '/metrics/',
        '/METRICS',
        '/api/metrics',
        '/api/v1/metrics',
      ]) {
        for (const method of ['GET', 'HEAD', 'POST']) {
          const r = await send(running.url + path, { method });
          expect(r.status, `${method} ${path}`).not.toBe(200);
          expect(r.body, `${method} ${path}`).not.toContain('http_requests_total');
        }
      }
      expect((await send(`${running.url}/metrics`, { method: 'POST', headers: auth })).status).toBe(405);
      expect((await send(`${running.url}/api/metrics`, { headers: auth })).status).toBe(404);
    });
  });

  describe('at a configured path', () => {
    let running: Running;
    beforeAll(async () => {
      running = await startNest(platform, appModule({ ...PROTECTED, path: '/internal/metrics' }), (app) =>
        app.setGlobalPrefix('api'),
      );
    });
    afterAll(() => running.close());

    it('serves only that path', async () => {
      expect((await send(`${running.url}/internal/metrics`)).status).toBe(401);
      expect((await send(`${running.url}/internal/metrics`, { headers: auth })).status).toBe(200);
      expect((await send(`${running.url}/metrics`, { headers: auth })).status).toBe(404);
    });
  });

  it('serves without a token when no token is configured (auth off)', async () => {
    const running = await startNest(platform, appModule({ auth: { fromEnv: false } }, false));
    try {
      const r = await send(`${running.url}/metrics`);
      expect(r.status).toBe(200);
      expect(r.body).toContain('# TYPE http_requests_total counter');
    } finally {
      await running.close();
    }
  });

  it("logs where metrics are served, and warns once (through Nest's logger) when they are served without auth", async () => {
    const messages: string[] = [];
    const capture = (level: string) => (message: unknown) => messages.push(`${level} ${String(message)}`);
    const logger = { log: capture('log'), warn: capture('warn'), error: capture('error') };
    for (const metrics of [PROTECTED, { auth: { fromEnv: false } }]) {
      const app = await NestFactory.create(appModule(metrics, false, true), platform.adapter(), {
        logger,
        abortOnError: false,
      });
      await app.close();
    }
    // One warning for the open endpoint: the exporter's, through Nest's logger.
    expect(messages.filter((m) => /Serving metrics|WITHOUT auth/.test(m))).toEqual([
      'log Serving metrics at /metrics (bearer token required)',
      'warn exporter: the metrics endpoint is served WITHOUT auth: set METRICS_BEARER_TOKEN, auth.tokens or auth.tokenFile (or pass auth: false to say it is meant to be open)',
      'log Serving metrics at /metrics',
    ]);
  });

  it('a Nest route at the metrics path never answers in its place', async () => {
    @Controller('metrics')
    class OpenMetricsController {
      @Get()
      open() {
        return 'open to all';
      }
    }
    const { registry, glassbox } = newGlassbox();
    @Module({
      imports: [GlassboxModule.forRoot({ glassbox, registry, metrics: { ...PROTECTED, logger: null } })],
      controllers: [OpenMetricsController],
    })
    class ClashModule {}
    if (platform.name === 'express') {
      const running = await startNest(platform, ClashModule);
      try {
        const r = await send(`${running.url}/metrics`);
        expect(r.status).toBe(401);
        expect(r.body).not.toContain('open to all');
      } finally {
        await running.close();
      }
    } else {
      await expect(startNest(platform, ClashModule)).rejects.toThrow(/already declared/);
    }
  });

  it('refuses to start with requireAuth and no token', () => {
    expect(() => appModule({ auth: { fromEnv: false }, requireAuth: true }, false)).toThrow(
      /requireAuth is set but no metrics token is configured/,
    );
  });
});
