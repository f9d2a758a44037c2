/**
 * The Fastify side of the Nest glue: the metrics route on the Fastify instance and
 * `@glassbox/fastify`'s recording, with its `onRequest` hook placed first when no route
 * exists yet (so requests answered by `FastifyAdapter`'s own hooks, `@fastify/middie`
 * middleware and hooks of plugins loaded before the module are recorded too).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsHandler } from '@glassbox/exporter';
import { createFastifyRecording, type FastifyRecording, type FastifyRecordingSetup } from '@glassbox/fastify';

/** The parts of a Fastify request this reads. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
  readonly is404?: boolean;
  readonly routeOptions?: { readonly url?: string | undefined };
}

/** The parts of a Fastify reply this uses. */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
  hijack(): unknown;
  getHeader(name: string): unknown;
}

/** The parts of a Fastify instance this uses. */
export interface FastifyInstanceLike {
  addHook(
    name: 'onRequest' | 'onResponse' | 'onRoute',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: Error) => void) => void,
  ): unknown;
  route(options: {
    method: string | string[];
    url: string;
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => void;
  }): unknown;
}

/** Methods the metrics route answers on Fastify (the exporter answers 405 to all but GET and HEAD). */
const METRICS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/** The Fastify instance type `@glassbox/fastify`'s recording takes. */
type RecordingInstance = Parameters<FastifyRecording['install']>[0];

/** What the server listener needs from the recording. */
export interface FastifyPlatform {
  startRaw(req: IncomingMessage, res: ServerResponse): void;
}

/** The recording's setup (with an optional recorder: none records nothing) plus the metrics route. */
export interface FastifyPlatformSetup extends Omit<FastifyRecordingSetup, 'recorder'> {
  readonly recorder: FastifyRecordingSetup['recorder'] | undefined;
  readonly metricsHandler: MetricsHandler | undefined;
  readonly metricsPath: string | undefined;
}

/**
 * Registers the metrics route and the recording. `first` is true when the recording's
 * `onRequest` hook went in ahead of every other hook (no server listener is then needed).
 */
export function installFastifyPlatform(
  fastify: FastifyInstanceLike,
  setup: FastifyPlatformSetup,
): { platform: FastifyPlatform | undefined; first: boolean } {
  const { recorder, metricsHandler: handler, metricsPath: path } = setup;
  // Before the metrics route: the check is that no route exists yet.
  const first = recorder === undefined ? undefined : firstOnRequestHooks(fastify);
  if (handler !== undefined && path !== undefined) {
    fastify.route({
      method: METRICS_METHODS,
      url: path,
      handler: (request, reply) => {
        reply.hijack();
        handler(request.raw, reply.raw);
      },
    });
  }
  if (recorder === undefined) return { platform: undefined, first: false };
  const recording = createFastifyRecording({ ...setup, recorder });
  const instance = fastify as unknown as RecordingInstance;
  recording.decorate(instance);
  instance.addHook('onRoute', recording.onRoute);
  if (first !== undefined) for (const list of first) list.unshift(recording.onRequest);
  else instance.addHook('onRequest', recording.onRequest);
  instance.addHook('onResponse', recording.onResponse);
  return { platform: recording, first: first !== undefined };
}

/**
 * The `onRequest` hook lists of a Fastify instance and its encapsulated children when
 * no route has been registered on it yet, else `undefined`. Fastify has no public way
 * to put a hook ahead of others (`addHook` appends, and `FastifyAdapter`'s own hooks,
 * `@fastify/middie` for `app.use()` and plugins are loaded before the module is
 * instantiated); a hook put first in these lists now runs first on every route
 * registered later and on the not-found handler Nest sets, as `addHook` itself passes
 * hooks on to children. The lists are Fastify's internal `Symbol(fastify.hooks)` and
 * `Symbol(fastify.children)` (Fastify 4 and 5); when they are not there, or routes exist
 * already (their hooks are fixed when they load), the module appends its hook and keeps
 * the server listener.
 */
function firstOnRequestHooks(fastify: unknown): unknown[][] | undefined {
  try {
    if (fastify === null || typeof fastify !== 'object') return undefined;
    const printRoutes = (fastify as { printRoutes?: unknown }).printRoutes;
    if (typeof printRoutes !== 'function') return undefined;
    const routes = String(printRoutes.call(fastify)).trim();
    if (routes !== '' && routes !== '(empty tree)') return undefined;
    const lists: unknown[][] = [];
    const collect = (instance: object): boolean => {
      const symbols = Object.getOwnPropertySymbols(instance);
      const own = (name: string): unknown => {
        const key = symbols.find((s) => s.description === name);
        return key === undefined ? undefined : (instance as Record<symbol, unknown>)[key];
      };
      const onRequest = (own('fastify.hooks') as { onRequest?: unknown } | undefined)?.onRequest;
      const children = own('fastify.children');
      if (!Array.isArray(onRequest) || !Array.isArray(children)) return false;
      lists.push(onRequest);
      return children.every(
        (child: unknown) => child !== null && typeof child === 'object' && collect(child),
      );
    };
    return collect(fastify) ? lists : undefined;
  } catch {
    return undefined;
  }
}
