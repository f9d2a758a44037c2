/**
 * Outbound HTTP client metrics from Node's diagnostics channels: undici's
 * `undici:request:*` channels (which the `fetch` built into Node publishes on too, from
 * its bundled undici) and node:http's `http.client.*` channels. Nothing is patched: the
 * instrument subscribes, and `stop()` unsubscribes.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { errorMonitor } from 'node:events';
import { catalog } from '../catalog.js';
import type { BoundCounter, BoundHistogram, Glassbox } from '../glassbox.js';
import { HTTP_METHODS } from '../http.js';
import { classifyHttpClientError } from './errors.js';
import { compileHosts, type HostLabeler } from './hosts.js';

/** Options of {@link instrumentHttpClient}. */
export interface HttpClientInstrumentOptions {
  /**
   * Hosts that keep their name in the `host` label; every other host is recorded as
   * `other`, so the label stays bounded. `"name"` matches the host on any port,
   * `"name:port"` only that port (the protocol's default when the URL has none), and
   * `"*.suffix"` any subdomain of `suffix`. Names are compared in lower case.
   * @default []
   */
  readonly hosts?: readonly string[];
  /** Record requests made with `fetch` and undici (`undici:request:*` channels). @default true */
  readonly undici?: boolean;
  /** Record requests made with node:http and node:https (`http.client.*` channels). @default true */
  readonly http?: boolean;
  /** Record status codes as classes (`2xx`, `4xx`, ...) instead of exact codes; error values stay. @default false */
  readonly groupStatusCodes?: boolean;
}

/** Defaults of {@link HttpClientInstrumentOptions}. */
export const HTTP_CLIENT_DEFAULTS = Object.freeze({
  hosts: Object.freeze([]) as readonly string[],
  undici: true,
  http: true,
  groupStatusCodes: false,
});

/** The running instrument. */
export interface HttpClientInstrument {
  /** Every `host` label value it can record: the declared hosts (canonical spelling) and `other`. */
  readonly hosts: readonly string[];
  /** True until {@link HttpClientInstrument.stop} is called. */
  readonly active: boolean;
  /** Unsubscribes from every channel; requests in flight are not recorded. Idempotent. */
  stop(): void;
}

/** How the running Node reports node:http client errors. @internal */
export interface HttpClientRuntime {
  /** Node publishes `http.client.request.error` (20.17+, 22.6+, 23+). */
  readonly httpErrorChannel: boolean;
}

/** True when this Node version publishes `http.client.request.error` (added in 22.6.0 and 20.17.0). */
export function hasHttpClientErrorChannel(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major === 20) return minor >= 17;
  if (major === 22) return minor >= 6;
  return major >= 23;
}

const KEYS = new Set(Object.keys(HTTP_CLIENT_DEFAULTS));
const COMPONENT = 'http_client';
const METHODS = new Set(HTTP_METHODS);

/**
 * Glassbox instances with a running instrument: a second one on the same instance would
 * count every request twice. Holds no metric state (that stays on each instance).
 */
const running = new WeakSet<Glassbox>();

function validate(options: unknown): Required<HttpClientInstrumentOptions> {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError('Glassbox http client: options must be an object');
  for (const key of Object.keys(options))
    if (!KEYS.has(key))
      throw new Error(`Glassbox http client: unknown option "${key}" (known: ${[...KEYS].join(', ')})`);
  const o = options as HttpClientInstrumentOptions;
  for (const key of ['undici', 'http', 'groupStatusCodes'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'boolean')
      throw new TypeError(`Glassbox http client: ${key} must be a boolean`);
  return {
    hosts: o.hosts ?? HTTP_CLIENT_DEFAULTS.hosts,
    undici: o.undici ?? HTTP_CLIENT_DEFAULTS.undici,
    http: o.http ?? HTTP_CLIENT_DEFAULTS.http,
    groupStatusCodes: o.groupStatusCodes ?? HTTP_CLIENT_DEFAULTS.groupStatusCodes,
  };
}

function methodLabel(method: unknown): string {
  if (typeof method !== 'string') return 'OTHER';
  if (METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return METHODS.has(upper) ? upper : 'OTHER';
}

interface SeriesEntry {
  readonly duration: BoundHistogram;
  readonly counts: Map<string, BoundCounter>;
}

/**
 * Records finished requests through cached bound series, looked up by host, then
 * method, then status: the label values come from small fixed sets, so the lookups hash
 * no new string. Bounded by construction (declared hosts + other, 10 methods, status
 * codes 100..999 + the error values).
 */
class Recorder {
  private readonly counter;
  private readonly histogram;
  private readonly series = new Map<string, Map<string, SeriesEntry>>();
  private readonly statuses: string[] = [];

  constructor(
    glassbox: Glassbox,
    private readonly group: boolean,
  ) {
    this.counter = glassbox.counter(catalog.httpClient.requestsTotal);
    this.histogram = glassbox.histogram(catalog.httpClient.requestDuration);
  }

  status(code: unknown): string {
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 999) return 'error_other';
    let label = this.statuses[code];
    if (label === undefined) {
      label = this.group ? `${Math.floor(code / 100)}xx` : String(code);
      this.statuses[code] = label;
    }
    return label;
  }

  record(method: string, host: string, status: string, seconds: number): void {
    let byMethod = this.series.get(host);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.series.set(host, byMethod);
    }
    let entry = byMethod.get(method);
    if (entry === undefined) {
      entry = { duration: this.histogram.bindValues([method, host]), counts: new Map() };
      byMethod.set(method, entry);
    }
    let count = entry.counts.get(status);
    if (count === undefined) {
      count = this.counter.bindValues([method, host, status]);
      entry.counts.set(status, count);
    }
    count.inc(1);
    entry.duration.observe(seconds);
  }
}

type Handler = (message: unknown, name: string | symbol) => void;
type Subscriptions = [string, Handler][];

function guarded(glassbox: Glassbox, fn: (message: Record<string, unknown>) => void): Handler {
  return (message) => {
    try {
      if (message !== null && typeof message === 'object') fn(message as Record<string, unknown>);
    } catch (error) {
      glassbox.reportError(COMPONENT, 'recording an outbound request failed', error);
    }
  };
}

function undiciHandlers(glassbox: Glassbox, recorder: Recorder, hosts: HostLabeler): Subscriptions {
  const started = new WeakMap<object, number>();
  const end = (request: unknown, status: string): void => {
    if (request === null || typeof request !== 'object') return;
    const t0 = started.get(request);
    if (t0 === undefined) return; // started before the instrument, or already recorded
    started.delete(request);
    const r = request as { method?: unknown; origin?: unknown };
    const origin = typeof r.origin === 'string' ? r.origin : String((r.origin as URL | undefined)?.origin);
    recorder.record(methodLabel(r.method), hosts.forOrigin(origin), status, (performance.now() - t0) / 1000);
  };
  return [
    [
      'undici:request:create',
      guarded(glassbox, (m) => {
        if (m.request !== null && typeof m.request === 'object') started.set(m.request, performance.now());
      }),
    ],
    [
      'undici:request:headers',
      guarded(glassbox, (m) =>
        end(m.request, recorder.status((m.response as { statusCode?: unknown } | undefined)?.statusCode)),
      ),
    ],
    ['undici:request:error', guarded(glassbox, (m) => end(m.request, classifyHttpClientError(m.error)))],
  ];
}

interface HttpPending {
  readonly t0: number;
  timedOut: boolean;
}

interface ClientRequestLike {
  method?: unknown;
  host?: unknown;
  protocol?: unknown;
  getHeader?: (name: string) => unknown;
  on(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
}

function httpHandlers(
  glassbox: Glassbox,
  recorder: Recorder,
  hosts: HostLabeler,
  runtime: HttpClientRuntime,
): Subscriptions {
  const started = new WeakMap<object, HttpPending>();
  const end = (request: ClientRequestLike, status: (pending: HttpPending) => string): void => {
    const pending = started.get(request);
    if (pending === undefined) return; // started before the instrument, or already recorded
    started.delete(request);
    const header = typeof request.getHeader === 'function' ? request.getHeader('host') : undefined;
    const label = hosts.forHttp(request.protocol, request.host, header);
    recorder.record(
      methodLabel(request.method),
      label,
      status(pending),
      (performance.now() - pending.t0) / 1000,
    );
  };
  const fail = (request: ClientRequestLike, error: unknown): void =>
    end(request, (pending) => (pending.timedOut ? 'error_timeout' : classifyHttpClientError(error)));
  // Shared listeners (no closure per request); `this` is the ClientRequest.
  function onTimeout(this: ClientRequestLike): void {
    const pending = started.get(this);
    if (pending !== undefined) pending.timedOut = true;
  }
  function onErrorMonitor(this: ClientRequestLike, error: unknown): void {
    try {
      fail(this, error);
    } catch (e) {
      glassbox.reportError(COMPONENT, 'recording an outbound request failed', e);
    }
  }
  const subscriptions: Subscriptions = [
    [
      'http.client.request.start',
      guarded(glassbox, (m) => {
        const request = m.request as ClientRequestLike | undefined;
        if (request === null || typeof request !== 'object') return;
        started.set(request, { t0: performance.now(), timedOut: false });
        // A request destroyed after its 'timeout' event fails as a reset ("socket hang up").
        request.on('timeout', onTimeout);
        // Before Node 20.17 / 22.6 there is no error channel: errorMonitor observes the
        // 'error' event without counting as a handler, so an unhandled error stays unhandled.
        if (!runtime.httpErrorChannel) request.on(errorMonitor, onErrorMonitor);
      }),
    ],
    [
      'http.client.response.finish',
      guarded(glassbox, (m) =>
        end(m.request as ClientRequestLike, () =>
          recorder.status((m.response as { statusCode?: unknown } | undefined)?.statusCode),
        ),
      ),
    ],
  ];
  if (runtime.httpErrorChannel)
    subscriptions.push([
      'http.client.request.error',
      guarded(glassbox, (m) => {
        if (m.request !== null && typeof m.request === 'object')
          fail(m.request as ClientRequestLike, m.error);
      }),
    ]);
  return subscriptions;
}

/** {@link instrumentHttpClient} with the runtime's capabilities given (for tests of older Nodes). @internal */
export function startHttpClientInstrument(
  glassbox: Glassbox,
  options: HttpClientInstrumentOptions,
  runtime: HttpClientRuntime,
): HttpClientInstrument {
  if (glassbox === null || typeof glassbox !== 'object' || typeof glassbox.reportError !== 'function')
    throw new TypeError('Glassbox http client: the first argument must be a Glassbox instance');
  const o = validate(options);
  const hosts = compileHosts(o.hosts);
  if (running.has(glassbox))
    throw new Error(
      'Glassbox http client: this Glassbox instance already has a running http client instrument (stop() it first; two would count every request twice)',
    );
  const recorder = new Recorder(glassbox, o.groupStatusCodes);
  const subscriptions: Subscriptions = [
    ...(o.undici ? undiciHandlers(glassbox, recorder, hosts) : []),
    ...(o.http ? httpHandlers(glassbox, recorder, hosts, runtime) : []),
  ];
  for (const [name, handler] of subscriptions) subscribe(name, handler);
  running.add(glassbox);
  let active = true;
  return {
    hosts: Object.freeze([...hosts.labels]),
    get active() {
      return active;
    },
    stop() {
      if (!active) return;
      active = false;
      for (const [name, handler] of subscriptions) unsubscribe(name, handler);
      running.delete(glassbox);
    },
  };
}

/**
 * Records `http_client_requests_total{method, host, status_code}` and
 * `http_client_request_duration_seconds{method, host}` for every outbound request of the
 * process made with `fetch`, undici or node:http/https, from Node's diagnostics channels
 * (no patching). The duration runs from the start of the request until its response
 * headers arrived; a request that got no response is counted with an `error_*` status
 * ({@link HTTP_CLIENT_ERROR_STATUSES}). Each Glassbox instance with a running instrument
 * counts every request of the process; one instance can run one instrument at a time.
 * Throws at start-up on bad options; never throws into the host afterwards (failures are
 * counted in `glassbox_instrumentation_errors_total{component="http_client"}`).
 *
 * @example
 * ```ts
 * const outbound = instrumentHttpClient(glassbox, { hosts: ['api.openai.com', 'models.internal:8443'] });
 * // ... on shutdown:
 * outbound.stop();
 * ```
 */
export function instrumentHttpClient(
  glassbox: Glassbox,
  options: HttpClientInstrumentOptions = {},
): HttpClientInstrument {
  return startHttpClientInstrument(glassbox, options, { httpErrorChannel: hasHttpClientErrorChannel() });
}
