/**
 * The options every HTTP framework adapter takes, and their start-up resolution, in one
 * place: an adapter keeps only its framework glue (hooks, route templates).
 */
import {
  ABORTED_STATUS_CODE,
  type CompiledLabels,
  type CustomLabel,
  compileLabels,
  createHttpRecorder,
  type Glassbox,
  type GlassboxOptions,
  HTTP_RECORDER_DEFAULTS,
  type HttpRecorder,
  type PathExcluder,
  type PromClientWithDefaults,
  type PromRegistryLike,
  pathExcluder,
  setupInstrumentation,
  validateStatusCode,
} from '@glassbox/core';
import { createMetricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './handler.js';
import { createMetricsServer, type MetricsServer } from './server.js';

/** Exporter options for an adapter's /metrics endpoint (the instance and sources come from the adapter). */
export type AdapterMetricsOptions = Omit<MetricsHandlerOptions, 'registry' | 'glassbox'>;

/** Options shared by the HTTP adapters (Express, Fastify). `Req`/`Res` are the framework's. */
export interface HttpAdapterOptions<Req, Res> {
  /**
   * An existing Glassbox instance to record into. When omitted, one is created: on
   * prom-client over `registry` when given, else on the native backend (the fastest),
   * which /metrics then serves.
   * @default undefined
   */
  readonly glassbox?: Glassbox;
  /**
   * A prom-client registry (`new Registry()`): metrics are created in it (unless
   * `glassbox` is given) and /metrics serves it, next to your own metrics.
   * @default undefined
   */
  readonly registry?: PromRegistryLike;
  /** Options of the Glassbox created here (naming, series caps, logger). @default {} */
  readonly glassboxOptions?: Omit<GlassboxOptions, 'backend'>;
  /**
   * Serve prom-client's default process metrics (`process_*`, `nodejs_*`) when no
   * `registry` is given (a registry of yours carries its own).
   * @default true
   */
  readonly defaultMetrics?: boolean;
  /** Route label of requests no route matched (404s, scanners). @default 'unmatched' */
  readonly unmatchedRoute?: string;
  /** Record status codes as classes (`2xx`, `4xx`, ...). @default false */
  readonly groupStatusCodes?: boolean;
  /** Record `http_request_size_bytes` / `http_response_size_bytes` (from `Content-Length`). @default false */
  readonly recordSizes?: boolean;
  /** Path of the metrics endpoint, also excluded from recording by default. @default '/metrics' */
  readonly metricsPath?: string;
  /** Leave requests to `metricsPath` unrecorded. @default true */
  readonly excludeMetricsPath?: boolean;
  /** Paths not recorded at all: exact paths (query ignored) or RegExps tested on the path. @default [] */
  readonly excludePaths?: readonly (string | RegExp)[];
  /** Extra labels with bounded values (see core's `CustomLabel`). @default [] */
  readonly customLabels?: readonly CustomLabel<Req, Res>[];
  /**
   * `status_code` recorded when the client disconnects before the response is
   * complete (499, "client closed request", as nginx logs it).
   * @default 499
   */
  readonly abortedStatusCode?: number;
  /** Options of the /metrics handler: auth (bearer tokens), timeout, gzip, extra sources. @default {} */
  readonly metrics?: AdapterMetricsOptions;
}

/** Defaults of {@link HttpAdapterOptions}. */
export const HTTP_ADAPTER_DEFAULTS = Object.freeze({
  unmatchedRoute: HTTP_RECORDER_DEFAULTS.unmatchedRoute,
  groupStatusCodes: HTTP_RECORDER_DEFAULTS.groupStatusCodes,
  recordSizes: HTTP_RECORDER_DEFAULTS.recordSizes,
  defaultMetrics: true,
  metricsPath: '/metrics',
  excludeMetricsPath: true,
  abortedStatusCode: ABORTED_STATUS_CODE,
});

/** Where a separate metrics server listens. */
export interface AdapterMetricsServerOptions {
  /** Port; 0 picks a free one. @default 9464 */
  readonly port?: number;
  /** Interface to bind. @default '0.0.0.0' */
  readonly host?: string;
  /** Path served. @default the adapter's metricsPath */
  readonly path?: string;
}

/** An adapter's options, validated and resolved at start-up. */
export interface ResolvedHttpAdapter<Req, Res> {
  readonly glassbox: Glassbox;
  readonly recorder: HttpRecorder;
  readonly metricsPath: string;
  /** True when a request path must not be recorded; undefined when nothing is excluded. */
  readonly excluded: PathExcluder | undefined;
  readonly labels: CompiledLabels<Req, Res> | undefined;
  readonly abortedStatusCode: number;
  readonly recordSizes: boolean;
  /** The /metrics handler, or undefined when there is nothing to serve. */
  readonly handler: MetricsHandler | undefined;
  /** A metrics server on its own port with the same sources and auth (throws when there is nothing to serve). */
  createMetricsServer(options?: AdapterMetricsServerOptions): MetricsServer;
  /** The error thrown for an endpoint with nothing to serve. */
  nothingToServe(): Error;
}

/**
 * Validates and resolves an adapter's options (see {@link HttpAdapterOptions}); `client` is
 * the prom-client module the adapter imports. Throws clear errors at start-up.
 */
export function resolveHttpAdapter<Req, Res>(
  options: HttpAdapterOptions<Req, Res>,
  client: PromClientWithDefaults | undefined,
): ResolvedHttpAdapter<Req, Res> {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox: options must be an object');
  const setup = setupInstrumentation(
    {
      glassbox: options.glassbox,
      registry: options.registry,
      glassboxOptions: options.glassboxOptions,
      defaultMetrics: options.defaultMetrics ?? HTTP_ADAPTER_DEFAULTS.defaultMetrics,
      sources: options.metrics?.sources,
    },
    client,
  );
  const glassbox = setup.glassbox;
  const metricsPath = options.metricsPath ?? HTTP_ADAPTER_DEFAULTS.metricsPath;
  if (typeof metricsPath !== 'string' || !metricsPath.startsWith('/'))
    throw new TypeError('Glassbox: metricsPath must start with "/"');
  const excludeMetrics = options.excludeMetricsPath ?? HTTP_ADAPTER_DEFAULTS.excludeMetricsPath;
  const excluded = pathExcluder([...(options.excludePaths ?? []), ...(excludeMetrics ? [metricsPath] : [])]);
  const labels = compileLabels(options.customLabels ?? []);
  const abortedStatusCode = validateStatusCode(
    'abortedStatusCode',
    options.abortedStatusCode ?? HTTP_ADAPTER_DEFAULTS.abortedStatusCode,
  );
  const recordSizes = options.recordSizes ?? HTTP_ADAPTER_DEFAULTS.recordSizes;
  const recorder = createHttpRecorder(glassbox, {
    unmatchedRoute: options.unmatchedRoute ?? HTTP_ADAPTER_DEFAULTS.unmatchedRoute,
    groupStatusCodes: options.groupStatusCodes ?? HTTP_ADAPTER_DEFAULTS.groupStatusCodes,
    recordSizes,
    extraLabelNames: labels?.names ?? [],
  });
  const handlerOptions: MetricsHandlerOptions = { ...options.metrics, sources: setup.sources, glassbox };
  const canServe = setup.sources.length > 0;
  const handler = canServe ? createMetricsHandler(handlerOptions) : undefined;
  const nothingToServe = () =>
    new Error(
      'Glassbox: nothing to serve at /metrics: a given glassbox instance needs options.registry or options.metrics.sources',
    );
  return {
    glassbox,
    recorder,
    metricsPath,
    excluded,
    labels,
    abortedStatusCode,
    recordSizes,
    handler,
    nothingToServe,
    createMetricsServer(serverOptions = {}) {
      if (!canServe) throw nothingToServe();
      return createMetricsServer({
        ...handlerOptions,
        ...serverOptions,
        path: serverOptions.path ?? metricsPath,
      });
    },
  };
}
