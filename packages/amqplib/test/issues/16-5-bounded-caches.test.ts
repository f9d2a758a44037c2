/**
 * Regression, issue 16 finding 5 (amqplib part): the per-channel queue and exchange
 * label caches were bounded in entries (1000) but kept names of any length as keys.
 * AMQP names are at most 255 bytes, so longer ones (which never reach the broker) are
 * no longer kept. Seen as the heap a run leaves behind, after full collections.
 */
import { EventEmitter } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGlassbox, nativeBackend } from '@glassbox/core';
import { expect, it } from 'vitest';
import { instrumentChannel } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
async function heap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** A channel that does nothing and keeps nothing. */
class NullChannel extends EventEmitter {
  consume(_queue: string, _onMessage: unknown) {
    return Promise.resolve({ consumerTag: 'c' });
  }
  ack() {}
  ackAll() {}
  nack() {}
  nackAll() {}
  reject() {}
  publish(_exchange: string, _routingKey: string, _content: Buffer) {
    return true;
  }
}

it('issue 16.5: 1000 exchange and queue names of 10 KB are not kept by the channel caches', async () => {
  // Label values truncated to one value: the series the core keeps weigh nothing next to the caches.
  const glassbox = createGlassbox({ backend: nativeBackend(), logger: null, maxLabelValueLength: 16 });
  const ch = instrumentChannel(new NullChannel() as never, {
    glassbox,
    logger: null,
  }) as unknown as NullChannel;
  const before = await heap();
  for (let i = 0; i < 1000; i++) {
    const name = `${'e'.repeat(10_000)}-${i}`;
    ch.publish(name, 'key', Buffer.alloc(0));
    ch.consume(name, () => {});
  }
  const mb = ((await heap()) - before) / 1e6;
  // Keyed by the raw names, the two caches kept about 10 MB (0.2 MB bounded).
  expect(mb).toBeLessThan(3);
  expect(ch.listenerCount('close')).toBe(1);
});
