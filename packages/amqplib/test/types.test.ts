/**
 * Type tests: the channels and connections of amqplib 2.x (bundled types) and 0.10.x
 * (@types/amqplib), promise and callback APIs, are accepted as they are, and the
 * instrumented value keeps its own type. Checked by `tsc` (typecheck) and run by vitest.
 */

import type * as amqp2 from 'amqplib';
import type * as amqp2cb from 'amqplib/callback_api';
import type * as amqp010 from 'amqplib-0.10';
import { describe, expectTypeOf, it } from 'vitest';
import { type AmqplibInstrumentationOptions, instrumentChannel, instrumentConnection } from '../src/index.js';

describe('public types', () => {
  it('accepts every amqplib channel flavour and returns it with its own type', () => {
    expectTypeOf(instrumentChannel<amqp2.Channel>).returns.toEqualTypeOf<amqp2.Channel>();
    expectTypeOf(instrumentChannel<amqp2.ConfirmChannel>).returns.toEqualTypeOf<amqp2.ConfirmChannel>();
    expectTypeOf(instrumentChannel<amqp2cb.Channel>).returns.toEqualTypeOf<amqp2cb.Channel>();
    expectTypeOf(instrumentChannel<amqp2cb.ConfirmChannel>).returns.toEqualTypeOf<amqp2cb.ConfirmChannel>();
    expectTypeOf(instrumentChannel<amqp010.Channel>).returns.toEqualTypeOf<amqp010.Channel>();
    expectTypeOf(instrumentChannel<amqp010.ConfirmChannel>).returns.toEqualTypeOf<amqp010.ConfirmChannel>();
  });

  it('accepts every amqplib connection flavour', () => {
    expectTypeOf(instrumentConnection<amqp2.ChannelModel>).returns.toEqualTypeOf<amqp2.ChannelModel>();
    expectTypeOf(instrumentConnection<amqp2cb.Connection>).returns.toEqualTypeOf<amqp2cb.Connection>();
    expectTypeOf(instrumentConnection<amqp010.ChannelModel>).returns.toEqualTypeOf<amqp010.ChannelModel>();
  });

  it('rejects what is not a channel and requires a glassbox', () => {
    // @ts-expect-error: not a channel
    expectTypeOf(instrumentChannel<{ consume(): void }>).toBeFunction();
    // @ts-expect-error: glassbox is required
    const options: AmqplibInstrumentationOptions = {};
    expectTypeOf(options).toBeObject();
    expectTypeOf<AmqplibInstrumentationOptions['handlerErrorAction']>().toEqualTypeOf<
      'nack' | 'requeue' | 'leave' | undefined
    >();
  });
});
