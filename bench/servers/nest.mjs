// NestJS 12 servers on platform-express and platform-fastify: a controller with
// GET /users/:id, bare and with GlassboxModule. Decorators are applied by hand
// (plain JavaScript, no transpiler).
import 'reflect-metadata';
import { createGlassbox, nativeBackend } from '@glassbox/core';
import { GlassboxModule } from '@glassbox/nest';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

class UsersController {
  get(id) {
    return { id };
  }
}
Param('id')(UsersController.prototype, 'get', 0);
Get(':id')(
  UsersController.prototype,
  'get',
  Object.getOwnPropertyDescriptor(UsersController.prototype, 'get'),
);
Controller('users')(UsersController);

function rootModule(imports) {
  class AppModule {}
  Module({ imports, controllers: [UsersController] })(AppModule);
  return AppModule;
}

async function adapter(platform) {
  if (platform === 'express') {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    return new ExpressAdapter();
  }
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return new FastifyAdapter();
}

async function create(platform, imports) {
  const app = await NestFactory.create(rootModule(imports), await adapter(platform), { logger: false });
  return app;
}

function glassboxImports() {
  const native = nativeBackend();
  return [
    GlassboxModule.forRoot({
      glassbox: createGlassbox({ backend: native, logger: null }),
      // `sources` moved from `metrics` to the top level of the module options; give both
      sources: [native],
      metrics: { sources: [native], logger: null, auth: false },
    }),
  ];
}

export const variants = {
  'express-bare': () => create('express', []),
  'express-glassbox': () => create('express', glassboxImports()),
  'fastify-bare': () => create('fastify', []),
  'fastify-glassbox': () => create('fastify', glassboxImports()),
};

export async function listen(app) {
  await app.listen(0, '127.0.0.1');
  return { server: app.getHttpServer(), close: () => app.close() };
}
