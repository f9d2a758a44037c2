import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createGlassbox, type Glassbox, promClientBackend } from '@glassbox/core';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import * as client from 'prom-client';

import { send } from './http.js';

export { abortAfter, eventually, type Reply, samples, send } from './http.js';

export interface Platform {
  readonly name: 'express' | 'fastify';
  adapter(): ExpressAdapter | FastifyAdapter;
}

export const platforms: readonly Platform[] = [
  { name: 'express', adapter: () => new ExpressAdapter() },
  { name: 'fastify', adapter: () => new FastifyAdapter() },
];

export interface Instrumented {
  readonly registry: client.Registry;
  readonly glassbox: Glassbox;
}

export function newGlassbox(): Instrumented {
  const registry = new client.Registry();
  const glassbox = createGlassbox({
    backend: promClientBackend({ client, registry }),
    logger: null,
  });
  return { registry, glassbox };
}

export interface Running {
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

/** Creates a Nest app on a platform, lets `setup` configure it, listens on port 0. */
export async function startNest(
  platform: Platform,
  module: Type<unknown>,
  setup: (app: INestApplication) => void = () => {},
): Promise<Running> {
  const app = await NestFactory.create(module, platform.adapter(), { logger: false, abortOnError: false });
  setup(app);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export const TOKEN = 's3cret-token';
export const auth = { authorization: `Bearer ${TOKEN}` };

/** Scrapes /metrics (or `path`) with the token. */
export async function scrape(url: string, path = '/metrics'): Promise<string> {
  const r = await send(url + path, { headers: auth });
  if (r.status !== 200) throw new Error(`scrape ${path} answered ${r.status}: ${r.body}`);
  return r.body;
}
