export { COMPONENT, inFlightDeliveries, instrumentChannel, instrumentConnection } from './instrument.js';
export type {
  AmqplibInstrumentationOptions,
  ConsumeOutcome,
  HandlerErrorAction,
  PublishOutcome,
} from './options.js';
export { AMQPLIB_DEFAULTS, defaultQueueLabel, SERVER_NAMED_QUEUE_LABEL } from './options.js';
export type {
  ChannelLike,
  ConnectionLike,
  MessageFieldsLike,
  MessageLike,
  MessagePropertiesLike,
} from './types.js';
