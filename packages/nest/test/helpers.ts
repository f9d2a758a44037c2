import 'reflect-metadata';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGlassbox, type Glassbox, type PromClientLike, promClientBackend } from '@glassbox/core';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import * as client from 'prom-client';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request over a real socket (no keep-alive). */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sends a request and destroys the socket after `ms`, before the response arrives. */
export function abortAfter(url: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false });
    req.on('error', () => resolve());
    req.on('response', () => resolve());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
  });
}

/** Polls until `check` stops throwing (for effects that follow a socket close). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The exposition lines of one metric family (samples only), in order. */
export function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

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

// prom-client's own types declare `registers` mutable, core's PromClientLike readonly.
const promClient = client as unknown as PromClientLike;

export function newGlassbox(): Instrumented {
  const registry = new client.Registry();
  const glassbox = createGlassbox({
    backend: promClientBackend({ client: promClient, registry }),
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
