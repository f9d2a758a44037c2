/**
 * Test support for the integration suites: one adapter per amqplib flavour (2.x and
 * 0.10.x, promise API and callback API), so every acceptance test runs on each, and a
 * probe of the real broker at 127.0.0.1:5672.
 */
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import * as amqp2 from 'amqplib';
import * as amqp2cb from 'amqplib/callback_api';
import * as amqp010 from 'amqplib-0.10';
import * as amqp010cb from 'amqplib-0.10/callback_api';
import type { ChannelLike, ConnectionLike, MessageLike } from '../src/index.js';

export const BROKER_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Whether the broker accepts TCP connections. */
export function brokerReachable(timeoutMs = 1000): Promise<boolean> {
  const url = new URL(BROKER_URL);
  return new Promise((resolve) => {
    const socket = netConnect({ host: url.hostname, port: Number(url.port || 5672) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A unique queue/exchange name per test. */
export function uniqueName(prefix: string): string {
  return `glassbox-test-${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface QueueInfo {
  readonly messageCount: number;
  readonly consumerCount: number;
}

/** A channel of any flavour behind one promise-returning interface. `raw` is what users instrument. */
export interface TestChannel {
  readonly raw: ChannelLike & { on(event: string, listener: (...args: never[]) => void): unknown };
  assertQueue(queue: string, options?: Record<string, unknown>): Promise<unknown>;
  assertExchange(exchange: string, type: string, options?: Record<string, unknown>): Promise<unknown>;
  bindQueue(queue: string, exchange: string, pattern: string): Promise<unknown>;
  checkQueue(queue: string): Promise<QueueInfo>;
  deleteQueue(queue: string): Promise<unknown>;
  deleteExchange(exchange: string): Promise<unknown>;
  purgeQueue(queue: string): Promise<unknown>;
  prefetch(count: number): Promise<unknown>;
  consume(
    queue: string,
    onMessage: (message: MessageLike | null) => unknown,
    options?: Record<string, unknown>,
  ): Promise<{ consumerTag: string }>;
  cancel(consumerTag: string): Promise<unknown>;
  waitForConfirms(): Promise<void>;
  close(): Promise<void>;
}

export interface TestConnection {
  readonly raw: ConnectionLike & {
    on(event: string, listener: (...args: never[]) => void): unknown;
    connection: { stream: { destroy(error?: Error): void } };
  };
  channel(confirm?: boolean): Promise<TestChannel>;
  close(): Promise<void>;
}

export interface Flavour {
  readonly name: string;
  readonly version: '2.x' | '0.10';
  readonly api: 'promise' | 'callback';
  connect(): Promise<TestConnection>;
}

// biome-ignore lint/suspicious/noExplicitAny: one adapter over four amqplib flavours with different signatures
type Any = any;

function promiseChannel(raw: Any): TestChannel {
  return {
    raw,
    assertQueue: (q, o) => raw.assertQueue(q, o),
    assertExchange: (e, t, o) => raw.assertExchange(e, t, o),
    bindQueue: (q, e, p) => raw.bindQueue(q, e, p),
    checkQueue: (q) => raw.checkQueue(q),
    deleteQueue: (q) => raw.deleteQueue(q),
    deleteExchange: (e) => raw.deleteExchange(e),
    purgeQueue: (q) => raw.purgeQueue(q),
    prefetch: (n) => raw.prefetch(n),
    consume: (q, h, o) => raw.consume(q, h, o),
    cancel: (t) => raw.cancel(t),
    waitForConfirms: () => raw.waitForConfirms(),
    close: () => raw.close(),
  };
}

function cbCall<T>(fn: (cb: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((err, value) => (err ? reject(err) : resolve(value as T)));
  });
}

function callbackChannel(raw: Any): TestChannel {
  return {
    raw,
    assertQueue: (q, o) => cbCall((cb) => raw.assertQueue(q, o, cb)),
    assertExchange: (e, t, o) => cbCall((cb) => raw.assertExchange(e, t, o, cb)),
    bindQueue: (q, e, p) => cbCall((cb) => raw.bindQueue(q, e, p, {}, cb)),
    checkQueue: (q) => cbCall((cb) => raw.checkQueue(q, cb)),
    deleteQueue: (q) => cbCall((cb) => raw.deleteQueue(q, {}, cb)),
    deleteExchange: (e) => cbCall((cb) => raw.deleteExchange(e, {}, cb)),
    purgeQueue: (q) => cbCall((cb) => raw.purgeQueue(q, cb)),
    prefetch: (n) => cbCall((cb) => raw.prefetch(n, false, cb)),
    consume: (q, h, o) => cbCall((cb) => raw.consume(q, h, o ?? {}, cb)),
    cancel: (t) => cbCall((cb) => raw.cancel(t, cb)),
    waitForConfirms: () => cbCall<void>((cb) => raw.waitForConfirms(cb)),
    close: () => cbCall<void>((cb) => raw.close(cb)),
  };
}

function promiseFlavour(name: string, version: '2.x' | '0.10', lib: Any): Flavour {
  return {
    name,
    version,
    api: 'promise',
    async connect() {
      const raw = await lib.connect(BROKER_URL);
      raw.on('error', () => {});
      return {
        raw,
        channel: async (confirm = false) =>
          promiseChannel(await (confirm ? raw.createConfirmChannel() : raw.createChannel())),
        close: () => raw.close(),
      };
    },
  };
}

function callbackFlavour(name: string, version: '2.x' | '0.10', lib: Any): Flavour {
  return {
    name,
    version,
    api: 'callback',
    async connect() {
      const raw = await cbCall<Any>((cb) => lib.connect(BROKER_URL, cb));
      raw.on('error', () => {});
      return {
        raw,
        channel: async (confirm = false) =>
          callbackChannel(
            await cbCall<Any>((cb) => (confirm ? raw.createConfirmChannel(cb) : raw.createChannel(cb))),
          ),
        close: () => cbCall<void>((cb) => raw.close(cb)),
      };
    },
  };
}

/** Every amqplib flavour the acceptance suite runs on. */
export const FLAVOURS: readonly Flavour[] = [
  promiseFlavour('amqplib 2.x, promise API', '2.x', amqp2),
  callbackFlavour('amqplib 2.x, callback API', '2.x', amqp2cb),
  promiseFlavour('amqplib 0.10, promise API', '0.10', amqp010),
  callbackFlavour('amqplib 0.10, callback API', '0.10', amqp010cb),
];

/** Resolves when `predicate` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
