// @types/amqplib (installed as @types/amqplib-0.10) types the 0.10 main entry; its
// callback_api subpath is not found under the alias, and the test adapter treats every
// flavour's module as untyped anyway.
declare module 'amqplib-0.10/callback_api';
