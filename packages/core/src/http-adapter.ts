/**
 * Recording composition for the HTTP adapters: their options validated and resolved at
 * start-up into a Glassbox instance, the sources `/metrics` serves and an HTTP recorder,
 * in one place. An adapter keeps only its framework glue (hooks, route templates); the
 * exporter adds the `/metrics` handler on top (`resolveHttpAdapter`).
 */
import type { MetricsSource } from './families.js';
import type { Glassbox, GlassboxOptions } from './glassbox.js';
import { createHttpRecorder, HTTP_RECORDER_DEFAULTS, type HttpRecorder } from './http.js';
import {
  ABORTED_STATUS_CODE,
  type CompiledLabels,
  type CustomLabel,
  compileLabels,
  type PathExcluder,
  pathExcluder,
  validateStatusCode,
} from './http-options.js';
import { type PromClientWithDefaults, setupInstrumentation } from './instrumentation.js';
import type { OptionsSpec } from './options.js';
import type { PromRegistryLike } from './prom-client-backend.js';

/**
 * The recording options every HTTP adapter takes (Express, Fastify, Nest). `Req`/`Res`
 * are the framework's.
 */
export interface HttpRecordingOptions<Req, Res> {
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
}

/** Defaults of {@link HttpRecordingOptions}. */
export const HTTP_RECORDING_DEFAULTS = Object.freeze({
  unmatchedRoute: HTTP_RECORDER_DEFAULTS.unmatchedRoute,
  groupStatusCodes: HTTP_RECORDER_DEFAULTS.groupStatusCodes,
  recordSizes: HTTP_RECORDER_DEFAULTS.recordSizes,
  defaultMetrics: true,
  metricsPath: '/metrics',
  excludeMetricsPath: true,
  abortedStatusCode: ABORTED_STATUS_CODE,
});

/** The keys of {@link HttpRecordingOptions} and their types, for start-up validation. */
export const HTTP_RECORDING_OPTIONS_SPEC: OptionsSpec = Object.freeze({
  glassbox: 'object',
  registry: 'object',
  glassboxOptions: 'object',
  defaultMetrics: 'boolean',
  unmatchedRoute: 'string',
  groupStatusCodes: 'boolean',
  recordSizes: 'boolean',
  metricsPath: 'string',
  excludeMetricsPath: 'boolean',
  excludePaths: 'array',
  customLabels: 'array',
  abortedStatusCode: 'number',
});

/**
 * Recording options, validated and resolved at start-up. `R` is `HttpRecorder`, or
 * `HttpRecorder | undefined` when resolved with `record: false` (Nest's `http.enabled`).
 */
export interface ResolvedHttpRecording<Req, Res, R extends HttpRecorder | undefined = HttpRecorder> {
  readonly glassbox: Glassbox;
  /** What `/metrics` serves for this instance, in order (empty: nothing to serve). */
  readonly sources: readonly MetricsSource[];
  /** The RED recorder; undefined when resolved with `record: false` (no HTTP metric is defined). */
  readonly recorder: R;
  readonly metricsPath: string;
  /** True when a request path must not be recorded; undefined when nothing is excluded. */
  readonly excluded: PathExcluder | undefined;
  readonly labels: CompiledLabels<Req, Res> | undefined;
  readonly abortedStatusCode: number;
  readonly recordSizes: boolean;
}

/**
 * Validates and resolves an adapter's recording options (see {@link HttpRecordingOptions});
 * `client` is the prom-client module the adapter imports, `extraSources` more sources
 * to serve; `record: false` resolves everything but creates no recorder (so no HTTP
 * metric is defined). Throws clear errors at start-up.
 */
export function resolveHttpRecording<Req, Res>(
  options: HttpRecordingOptions<Req, Res>,
  client: PromClientWithDefaults | undefined,
  extraSources?: readonly MetricsSource[],
): ResolvedHttpRecording<Req, Res>;
export function resolveHttpRecording<Req, Res>(
  options: HttpRecordingOptions<Req, Res>,
  client: PromClientWithDefaults | undefined,
  extraSources: readonly MetricsSource[],
  record: boolean,
): ResolvedHttpRecording<Req, Res, HttpRecorder | undefined>;
export function resolveHttpRecording<Req, Res>(
  options: HttpRecordingOptions<Req, Res>,
  client: PromClientWithDefaults | undefined,
  extraSources: readonly MetricsSource[] = [],
  record = true,
): ResolvedHttpRecording<Req, Res, HttpRecorder | undefined> {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox: options must be an object');
  const setup = setupInstrumentation(
    {
      glassbox: options.glassbox,
      registry: options.registry,
      glassboxOptions: options.glassboxOptions,
      defaultMetrics: options.defaultMetrics ?? HTTP_RECORDING_DEFAULTS.defaultMetrics,
      sources: extraSources,
    },
    client,
  );
  const metricsPath = options.metricsPath ?? HTTP_RECORDING_DEFAULTS.metricsPath;
  if (typeof metricsPath !== 'string' || !metricsPath.startsWith('/'))
    throw new TypeError('Glassbox: metricsPath must start with "/"');
  const excludeMetrics = options.excludeMetricsPath ?? HTTP_RECORDING_DEFAULTS.excludeMetricsPath;
  const labels = compileLabels(options.customLabels ?? []);
  const recordSizes = options.recordSizes ?? HTTP_RECORDING_DEFAULTS.recordSizes;
  return {
    glassbox: setup.glassbox,
    sources: setup.sources,
    metricsPath,
    excluded: pathExcluder([...(options.excludePaths ?? []), ...(excludeMetrics ? [metricsPath] : [])]),
    labels,
    abortedStatusCode: validateStatusCode(
      'abortedStatusCode',
      options.abortedStatusCode ?? HTTP_RECORDING_DEFAULTS.abortedStatusCode,
    ),
    recordSizes,
    recorder: record
      ? createHttpRecorder(setup.glassbox, {
          unmatchedRoute: options.unmatchedRoute ?? HTTP_RECORDING_DEFAULTS.unmatchedRoute,
          groupStatusCodes: options.groupStatusCodes ?? HTTP_RECORDING_DEFAULTS.groupStatusCodes,
          recordSizes,
          extraLabelNames: labels?.names ?? [],
        })
      : undefined,
  };
}
