/**
 * The structural shapes of the amqplib objects this package instruments. They are
 * satisfied by the channels of amqplib 0.10.x (with `@types/amqplib`) and of the
 * current major (bundled types), promise API and `amqplib/callback_api` alike, so the
 * package has no runtime or type dependency on amqplib itself.
 */

/** The delivery fields Glassbox reads from a message. */
export interface MessageFieldsLike {
  /** Channel-scoped delivery tag, as amqplib decodes it (a number). */
  readonly deliveryTag: number;
  /** Set by the broker when the message was delivered before (requeued, or the channel closed unacked). */
  readonly redelivered?: boolean;
}

/** The message properties Glassbox reads. */
export interface MessagePropertiesLike {
  /** AMQP timestamp; amqplib encodes and decodes it as seconds since the epoch. */
  readonly timestamp?: unknown;
  /** Message headers; a W3C `traceparent` header links the message to its trace (exemplars). */
  readonly headers?: unknown;
}

/** A delivered message, as amqplib hands it to a consumer callback. */
export interface MessageLike {
  readonly fields: MessageFieldsLike;
  readonly properties?: MessagePropertiesLike;
}

/**
 * An amqplib channel (promise API or callback API, plain or confirm). Methods are
 * declared with method syntax on purpose: parameters are compared bivariantly, so
 * amqplib's own, more precise signatures satisfy this interface.
 */
export interface ChannelLike {
  consume(queue: string, onMessage: (message: MessageLike | null) => unknown, ...rest: unknown[]): unknown;
  ack(message: MessageLike, allUpTo?: boolean): void;
  ackAll(): void;
  nack(message: MessageLike, allUpTo?: boolean, requeue?: boolean): void;
  nackAll(requeue?: boolean): void;
  reject(message: MessageLike, requeue?: boolean): void;
  publish(exchange: string, routingKey: string, content: Buffer, ...rest: unknown[]): boolean;
  on(event: 'close', listener: () => void): unknown;
}

/** An amqplib connection (`ChannelModel` of the promise API, `CallbackModel` of the callback API). */
export interface ConnectionLike {
  createChannel(...args: unknown[]): unknown;
  createConfirmChannel(...args: unknown[]): unknown;
}
