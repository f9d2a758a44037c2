/**
 * The Nest apps of the shared adapter behaviour suite (test/adapters/contract.ts):
 * Nest-on-Express and Nest-on-Fastify, serving the same routes as the other frameworks.
 * `/api/v1/users/:id` comes from a controller path, so its label is Nest's full template.
 */
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Controller, Get, type INestApplication, Module, Param, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { StartedApp, SuiteApp, SuiteAppOptions } from '../../../test/adapters/contract.js';
import { GlassboxModule } from '../src/index.js';

@Controller('users')
class UsersController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

@Controller('api/v1/users')
class ApiUsersController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

@Controller()
class MiscController {
  @Get('boom')
  boom(): never {
    throw new Error('boom');
  }

  @Get('slow')
  async slow(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return 'slow';
  }
}

/** The root module of one suite app: with GlassboxModule when instrumented, without it otherwise. */
export function suiteModule(options: SuiteAppOptions): Type<unknown> {
  const imports = options.instrument
    ? [
        GlassboxModule.forRoot({
          glassbox: options.glassbox,
          sources: [options.source],
          metrics: {
            auth: { tokens: options.token === undefined ? [] : [options.token], fromEnv: false },
            logger: null,
          },
        }),
      ]
    : [];
  @Module({ imports, controllers: [UsersController, ApiUsersController, MiscController] })
  class SuiteAppModule {}
  return SuiteAppModule;
}

async function listen(app: INestApplication): Promise<StartedApp> {
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as { address(): AddressInfo };
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => app.close() };
}

/** Nest on @nestjs/platform-express (12, or 10/11 under the nest10/nest11 projects). */
export const nestExpressApp: SuiteApp = {
  name: 'nest-express',
  async start(options) {
    const app = await NestFactory.create(suiteModule(options), new ExpressAdapter(), {
      logger: false,
      abortOnError: false,
    });
    return listen(app);
  },
};

/** Nest on @nestjs/platform-fastify (12, or 10/11 under the nest10/nest11 projects). */
export const nestFastifyApp: SuiteApp = {
  name: 'nest-fastify',
  async start(options) {
    const app = await NestFactory.create(suiteModule(options), new FastifyAdapter(), {
      logger: false,
      abortOnError: false,
    });
    return listen(app);
  },
};
