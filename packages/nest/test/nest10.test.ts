/**
 * NestJS 10 compatibility (Express 4 and Fastify 4 underneath). Nest 10 comes from the
 * local fixture package test/nest10, so its packages resolve each other; the module
 * under test is made to import the same Nest 10 through `vi.mock`, as it would in an
 * application that depends on Nest 10.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createGlassbox, promClientBackend } from '@glassbox/core';
import type { CanActivate, ExecutionContext, INestApplication, Type } from '@nestjs/common';
import * as common from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import * as client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GlassboxModule } from '../src/index.js';
import { samples, send } from './http.js';

interface Nest10 {
  common: typeof import('@nestjs/common');
  core: typeof import('@nestjs/core');
  platformExpress: { ExpressAdapter: new () => object };
  platformFastify: { FastifyAdapter: new () => object };
}

vi.mock('@nestjs/common', async () => {
  const { createRequire } = await import('node:module');
  return { ...(createRequire(import.meta.url)('glassbox-nest10-fixture') as Nest10).common };
});
vi.mock('@nestjs/core', async () => {
  const { createRequire } = await import('node:module');
  return { ...(createRequire(import.meta.url)('glassbox-nest10-fixture') as Nest10).core };
});

const fixtureRequire = createRequire(createRequire(import.meta.url).resolve('glassbox-nest10-fixture'));
const nest10 = fixtureRequire('./index.cjs') as Nest10;
const { Controller, Get, Module, Param, VersioningType } = common;

const TOKEN = 'nest10-token';

class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return req.headers['x-deny'] !== '1';
  }
}

@Controller({ path: 'users', version: '1' })
class UsersController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

@Controller({ path: 'boom', version: '1' })
class BoomController {
  @Get()
  boom(): never {
    throw new Error('boom');
  }
}

function appModule(): Type<unknown> {
  const registry = new client.Registry();
  const glassbox = createGlassbox({
    backend: promClientBackend({ client, registry }),
    logger: null,
  });
  @Module({
    imports: [
      GlassboxModule.forRoot({
        glassbox,
        registry,
        metrics: { auth: { tokens: TOKEN, fromEnv: false }, logger: null },
      }),
    ],
    controllers: [UsersController, BoomController],
  })
  class AppModule {}
  return AppModule;
}

const line = (route: string, status: number) =>
  `http_requests_total{method="GET",route="${route}",status_code="${status}"} 1`;

it('runs on NestJS 10', () => {
  expect(fixtureRequire('@nestjs/core/package.json').version).toMatch(/^10\./);
  expect(common.Injectable).toBe(nest10.common.Injectable);
  expect(NestFactory).toBe(nest10.core.NestFactory);
});

describe.each([
  { name: 'express', adapter: () => new nest10.platformExpress.ExpressAdapter() },
  { name: 'fastify', adapter: () => new nest10.platformFastify.FastifyAdapter() },
])('Nest 10 on $name', ({ adapter }) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create(appModule(), adapter() as never, { logger: false, abortOnError: false });
    app.setGlobalPrefix('api');
    app.enableVersioning({ type: VersioningType.URI });
    app.useGlobalGuards(new HeaderGuard());
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  it('records route templates, guard rejections, exceptions and 404s once each', async () => {
    expect((await send(`${url}/api/v1/users/7`)).status).toBe(200);
    expect((await send(`${url}/api/v1/users/8`, { headers: { 'x-deny': '1' } })).status).toBe(403);
    expect((await send(`${url}/api/v1/boom`)).status).toBe(500);
    expect((await send(`${url}/nope`)).status).toBe(404);
    const r = await send(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}`, 'x-deny': '1' } });
    expect(r.status).toBe(200);
    expect(samples(r.body, 'http_requests_total').sort()).toEqual(
      [
        line('/api/v1/users/:id', 200),
        line('/api/v1/users/:id', 403),
        line('/api/v1/boom', 500),
        line('unmatched', 404),
      ].sort(),
    );
  });

  it('starts records from its first middleware or hook: no server listener beyond the bare app', async () => {
    @Module({ controllers: [UsersController] })
    class BareModule {}
    const bare = await NestFactory.create(BareModule, adapter() as never, { logger: false });
    await bare.init();
    try {
      expect(app.getHttpServer().listenerCount('request')).toBe(
        bare.getHttpServer().listenerCount('request'),
      );
    } finally {
      await bare.close();
    }
  });

  it('keeps /metrics behind the token, whatever the global guard and prefix', async () => {
    const none = await send(`${url}/metrics`, { headers: { 'x-deny': '1' } });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    const wrong = await send(`${url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect((await send(`${url}/api/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(
      404,
    );
  });
});
