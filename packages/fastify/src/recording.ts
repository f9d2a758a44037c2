/**
 * The Fastify recording: hooks that feed core's RED recorder — shared by the plugin and
 * `@glassbox/nest` on platform-fastify (through {@link createFastifyRecording}).
 *
 * Route labels are the route's registered URL, prefixes included (what
 * `request.routeOptions.url` returns). The `onRoute` hook learns it once per route and
 * a route-level `onRequest` hook sets it on the request, so the hot path never builds
 * the `routeOptions` object; routes registered before the hooks (or requests answered
 * before route-level hooks run) fall back to `request.routeOptions.url`. Requests no
 * route matched get the unmatched value.
 *
 * Each request is recorded exactly once: from `onResponse` when the response finished,
 * or, when the client disconnected first, from the raw response's `'close'` event with
 * the aborted status. Fastify's `onRequestAbort` is not enough: it only fires while the
 * request body is still unread, so a POST whose body was parsed and whose client leaves
 * during the handler gets neither `onRequestAbort` nor `onResponse`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CompiledLabels,
  currentTraceContext,
  type Glassbox,
  type HttpRecorder,
  type PathExcluder,
} from '@glassbox/core';
import { applyRouteOf, parseContentLength } from '@glassbox/core/adapter';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  RouteOptions,
} from 'fastify';
import type { FastifyRouteOf } from './plugin.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Glassbox: start time of a recorded request (-1 when not recorded or already recorded). */
    glassboxStart: number;
    /** Glassbox: the route template, set by a route-level hook ('' until then). */
    glassboxRoute: string;
  }
}

/** What {@link createFastifyRecording} records with (an adapter's resolved options). */
export interface FastifyRecordingSetup {
  /** The instance errors are reported to. */
  readonly glassbox: Glassbox;
  /** Core's RED recorder. */
  readonly recorder: HttpRecorder;
  /** True when a request path must not be recorded (tested on `request.url`). */
  readonly excluded: PathExcluder | undefined;
  /** Custom labels, compiled. */
  readonly labels: CompiledLabels<FastifyRequest, FastifyReply> | undefined;
  /** Record request and response sizes. */
  readonly recordSizes: boolean;
  /** Status recorded when the client left before the response completed. */
  readonly abortedStatusCode: number;
  /** Overrides the route label (see `GlassboxFastifyOptions.routeOf`). */
  readonly routeOf: FastifyRouteOf | undefined;
  /** The `component` label of `glassbox_instrumentation_errors_total`. */
  readonly component: string;
}

/** The hooks of the recording; {@link FastifyRecording.install} adds them the usual way. */
export interface FastifyRecording {
  /** Decorates requests (`glassboxStart`, `glassboxRoute`) and adds the three hooks. */
  install(fastify: FastifyInstance): void;
  /** Decorates requests only (when the caller places the hooks itself). */
  decorate(fastify: FastifyInstance): void;
  /** Learns each route's URL and prepends a route-level hook that sets it on the request. */
  readonly onRoute: (routeOptions: RouteOptions) => void;
  /** Starts the record (unless excluded or started). */
  readonly onRequest: onRequestHookHandler;
  /** Records a finished response. */
  readonly onResponse: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  /**
   * Starts a record from the Node server's `'request'` event, before Fastify sees the
   * request; `onRequest` takes it over when it runs. A request that never reaches
   * `onRequest` (answered by an earlier hook) is recorded when its response closes,
   * unmatched; custom label hooks then get a request and a reply with `raw` only.
   */
  startRaw(req: IncomingMessage, res: ServerResponse): void;
}

const kReply = Symbol('glassbox.fastify.reply');
const kRawStart = Symbol('glassbox.fastify.rawStart');

interface TrackedRaw extends ServerResponse {
  [kReply]?: FastifyReply | undefined;
  [kRawStart]?: number | undefined;
}

/** Fastify passes its headers to `writeHead`, so the raw response may not keep them: ask the reply first. */
function responseLength(reply: FastifyReply): number | undefined {
  return parseContentLength(reply.getHeader('content-length') ?? reply.raw.getHeader('content-length'));
}

function prependHook(
  existing: onRequestHookHandler | onRequestHookHandler[] | undefined,
  hook: onRequestHookHandler,
): onRequestHookHandler[] {
  if (existing === undefined) return [hook];
  return Array.isArray(existing) ? [hook, ...existing] : [hook, existing];
}

/** Records a request once (`route` null: read it from the request). Never throws. */
function createRecord(setup: FastifyRecordingSetup) {
  const { recorder, labels, recordSizes, routeOf, glassbox, component } = setup;
  const exemplars = glassbox.exemplars;
  const onLabelError = (error: unknown) =>
    glassbox.reportError(component, 'a custom label hook threw', error);
  return function record(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    start: number,
    matched: string | undefined | null,
  ): void {
    try {
      let route: string | undefined;
      if (matched === null) {
        route = request.glassboxRoute;
        if (route === '') route = request.is404 ? undefined : request.routeOptions.url;
        if (routeOf !== undefined)
          route = applyRouteOf(setup.glassbox, setup.component, routeOf, request, reply, route);
      } else route = matched;
      const method = request.raw.method ?? 'GET';
      // Runs in the request's context (OpenTelemetry's http instrumentation binds the
      // response to the server span), so the active span is the request's.
      const trace = exemplars ? currentTraceContext(request.raw.headers.traceparent) : undefined;
      if (recordSizes || labels !== undefined || trace !== undefined) {
        recorder.end(method, route, status, start, {
          requestBytes: recordSizes ? parseContentLength(request.raw.headers['content-length']) : undefined,
          responseBytes: recordSizes ? responseLength(reply) : undefined,
          extraLabelValues: labels?.values(request, reply, onLabelError),
          trace,
        });
      } else recorder.end(method, route, status, start);
    } catch (error) {
      glassbox.reportError(component, 'recording a request failed', error);
    }
  };
}

/** Decorates requests (`glassboxStart`, `glassboxRoute`). */
function decorate(fastify: FastifyInstance): void {
  fastify.decorateRequest('glassboxStart', -1);
  fastify.decorateRequest('glassboxRoute', '');
}

/** Learns each route's URL once; a route-level hook puts it on the request. */
function onRoute(routeOptions: RouteOptions): void {
  const url = routeOptions.url;
  if (typeof url !== 'string') return;
  const setRoute: onRequestHookHandler = function glassboxRoute(request, _reply, done) {
    request.glassboxRoute = url;
    done();
  };
  routeOptions.onRequest = prependHook(
    routeOptions.onRequest as onRequestHookHandler | onRequestHookHandler[] | undefined,
    setRoute,
  );
}

/** {@link FastifyRecording.startRaw} and the `'close'` listener of a request it started. */
function createStartRaw(
  setup: FastifyRecordingSetup,
  record: ReturnType<typeof createRecord>,
): FastifyRecording['startRaw'] {
  const { recorder, excluded, glassbox, component } = setup;
  const abortedStatus = setup.abortedStatusCode;

  /** A request started by {@link FastifyRecording.startRaw} that never reached `onRequest`. */
  function onRawOnlyClose(this: TrackedRaw): void {
    const start = this[kRawStart];
    if (start === undefined) return;
    this[kRawStart] = undefined;
    const req = this.req as IncomingMessage;
    const shim = { raw: req } as unknown as FastifyRequest;
    const replyShim = { raw: this, getHeader: () => undefined } as unknown as FastifyReply;
    record(shim, replyShim, this.writableFinished ? this.statusCode : abortedStatus, start, undefined);
  }

  return function startRaw(req, res) {
    try {
      const raw = res as TrackedRaw;
      if (raw[kRawStart] !== undefined || excluded?.(req.url ?? '/')) return;
      raw[kRawStart] = recorder.begin(req.method ?? 'GET');
      res.on('close', onRawOnlyClose);
    } catch (error) {
      glassbox.reportError(component, 'instrumenting a request failed', error);
    }
  };
}

/** The recording's hooks over resolved options. Never throws into a request. */
export function createFastifyRecording(setup: FastifyRecordingSetup): FastifyRecording {
  const { recorder, excluded, glassbox, component } = setup;
  const abortedStatus = setup.abortedStatusCode;
  const record = createRecord(setup);

  /** Records a request once; later calls (abort after response, response after abort) do nothing. */
  function recordOnce(request: FastifyRequest, reply: FastifyReply, status: number): void {
    const start = request.glassboxStart;
    if (start < 0) return;
    request.glassboxStart = -1;
    record(request, reply, status, start, null);
  }

  // The safety net for every way a request can end without onResponse: the client
  // disconnected (during the handler, whether or not the body was read), or a hijacked
  // reply. 'close' is emitted once per response; one shared listener, `this` is the response.
  function onRawClose(this: TrackedRaw): void {
    const reply = this[kReply];
    if (reply === undefined) return;
    this[kReply] = undefined;
    recordOnce(reply.request, reply, this.writableFinished ? this.statusCode : abortedStatus);
  }

  const onRequest: onRequestHookHandler = function glassboxOnRequest(request, reply, done) {
    try {
      if (request.glassboxStart < 0 && (excluded === undefined || !excluded(request.url))) {
        const raw = reply.raw as TrackedRaw;
        const early = raw[kRawStart];
        if (early === undefined) request.glassboxStart = recorder.begin(request.raw.method ?? 'GET');
        else {
          raw[kRawStart] = undefined;
          request.glassboxStart = early;
        }
        raw[kReply] = reply;
        raw.on('close', onRawClose);
      }
    } catch (error) {
      glassbox.reportError(component, 'instrumenting a request failed', error);
    }
    done();
  };

  // Fastify runs onResponse on the response's 'finish' (an aborted response never
  // finishes: the 'close' listener records it). Not `writableFinished`: fastify.inject()
  // responses do not set it.
  const onResponse = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    recordOnce(request, reply, reply.statusCode);
    done();
  };

  return {
    decorate,
    install(fastify) {
      decorate(fastify);
      fastify.addHook('onRoute', onRoute);
      fastify.addHook('onRequest', onRequest);
      fastify.addHook('onResponse', onResponse);
    },
    onRoute,
    onRequest,
    onResponse,
    startRaw: createStartRaw(setup, record),
  };
}
