/**
 * Regression, issue 16 finding 2 (amqplib part): unknown option keys were ignored, so a
 * typo such as `handlerErrorActon: 'requeue'` silently kept the default (nack without
 * requeue: the message is dropped or dead-lettered). Now an Error at start-up names the
 * key and suggests the valid one; a wrong type is a TypeError.
 */
import { EventEmitter } from 'node:events';
import { createGlassbox, nativeBackend } from '@glassbox/core';
import { describe, expect, it } from 'vitest';
import { instrumentChannel, instrumentConnection } from '../../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: JavaScript callers, no compile-time checks
type Js = any;

class Channel extends EventEmitter {
  consume() {}
  ack() {}
  ackAll() {}
  nack() {}
  nackAll() {}
  reject() {}
  publish() {
    return true;
  }
}

const glassbox = createGlassbox({ backend: nativeBackend(), logger: null });

describe('issue 16.2: amqplib options are validated at start-up', () => {
  it('an unknown key names it, suggests the nearest valid one and lists them', () => {
    expect(() =>
      instrumentChannel(new Channel() as Js, { glassbox, handlerErrorActon: 'requeue' } as Js),
    ).toThrow(
      /^Glassbox amqplib: unknown option "handlerErrorActon" \(did you mean "handlerErrorAction"\?\); valid options: glassbox, consumer, publisher, handlerErrorAction, onError, logger, defaultExchangeLabel, queueLabel, timestampUnit$/,
    );
    expect(() => instrumentConnection({} as Js, { glassbox, timestampUnits: 'seconds' } as Js)).toThrow(
      /did you mean "timestampUnit"/,
    );
  });

  it('a wrong type is a TypeError naming the key', () => {
    expect(() => instrumentChannel(new Channel() as Js, { glassbox, consumer: 'yes' } as Js)).toThrow(
      new TypeError('Glassbox amqplib: option "consumer" must be a boolean, got a string'),
    );
    expect(() => instrumentChannel(new Channel() as Js, { glassbox, logger: 'console' } as Js)).toThrow(
      /option "logger" must be an object or null/,
    );
    expect(() => instrumentChannel(new Channel() as Js, undefined as Js)).toThrow(TypeError);
  });
});
