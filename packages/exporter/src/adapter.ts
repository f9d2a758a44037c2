/**
 * An HTTP adapter's options resolved at start-up: the recording side from core
 * (`resolveHttpRecording`) plus the `/metrics` handler and a separate metrics server.
 */
import {
  type HttpRecorder,
  type HttpRecordingOptions,
  type OptionsSpec,
  type PromClientWithDefaults,
  type ResolvedHttpRecording,
  validateOptions,
} from '@glassbox/core';
import {
  HTTP_RECORDING_DEFAULTS,
  HTTP_RECORDING_OPTIONS_SPEC,
  resolveHttpRecording,
} from '@glassbox/core/adapter';
import { createMetricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './handler.js';
import { createMetricsServer, type MetricsServer } from './server.js';

/** Exporter options for an adapter's /metrics endpoint (the instance and sources come from the adapter). */
export type AdapterMetricsOptions = Omit<MetricsHandlerOptions, 'registry' | 'glassbox'>;

/** Options shared by the HTTP adapters (Express, Fastify): recording options plus `/metrics`. */
export interface HttpAdapterOptions<Req, Res> extends HttpRecordingOptions<Req, Res> {
  /** Options of the /metrics handler: auth (bearer tokens), timeout, gzip, extra sources. @default {} */
  readonly metrics?: AdapterMetricsOptions;
}

/** Defaults of {@link HttpAdapterOptions}. */
export const HTTP_ADAPTER_DEFAULTS = HTTP_RECORDING_DEFAULTS;

/** Where a separate metrics server listens. */
export interface AdapterMetricsServerOptions {
  /** Port; 0 picks a free one. @default 9464 */
  readonly port?: number;
  /** Interface to bind. @default '0.0.0.0' */
  readonly host?: string;
  /** Path served. @default the adapter's metricsPath */
  readonly path?: string;
}

/** What an adapter resolves: both by default; Nest turns either off with `http.enabled` / `metrics.enabled`. */
export interface HttpAdapterParts {
  /** Create the RED recorder (when false, no HTTP metric is defined). @default true */
  readonly record?: boolean;
  /** Create the /metrics handler when there is something to serve. @default true */
  readonly serve?: boolean;
}

/** An adapter's options, validated and resolved at start-up. */
export interface ResolvedHttpAdapter<Req, Res, R extends HttpRecorder | undefined = HttpRecorder>
  extends ResolvedHttpRecording<Req, Res, R> {
  /** The /metrics handler, or undefined when there is nothing to serve. */
  readonly handler: MetricsHandler | undefined;
  /** A metrics server on its own port with the same sources and auth (throws when there is nothing to serve). */
  createMetricsServer(options?: AdapterMetricsServerOptions): MetricsServer;
  /** The error thrown for an endpoint with nothing to serve. */
  nothingToServe(): Error;
}

/**
 * Validates and resolves an adapter's options (see {@link HttpAdapterOptions}); `client` is
 * the prom-client module the adapter imports, `adapterOptions` the keys the adapter adds
 * (`metricsRoute`, `routeOf`, ...) and their types: any other key is an Error naming the
 * nearest valid one, so a typo never goes unnoticed. `parts` turns the recorder or the
 * handler off (Nest's `http.enabled` / `metrics.enabled`). Throws clear errors at start-up.
 */
export function resolveHttpAdapter<Req, Res>(
  options: HttpAdapterOptions<Req, Res>,
  client: PromClientWithDefaults | undefined,
  adapterOptions?: OptionsSpec,
  component?: string,
): ResolvedHttpAdapter<Req, Res>;
export function resolveHttpAdapter<Req, Res>(
  options: HttpAdapterOptions<Req, Res>,
  client: PromClientWithDefaults | undefined,
  adapterOptions: OptionsSpec,
  component: string,
  parts: HttpAdapterParts,
): ResolvedHttpAdapter<Req, Res, HttpRecorder | undefined>;
export function resolveHttpAdapter<Req, Res>(
  options: HttpAdapterOptions<Req, Res>,
  client: PromClientWithDefaults | undefined,
  adapterOptions: OptionsSpec = {},
  component = 'Glassbox',
  parts: HttpAdapterParts = {},
): ResolvedHttpAdapter<Req, Res, HttpRecorder | undefined> {
  validateOptions(component, options, {
    ...HTTP_RECORDING_OPTIONS_SPEC,
    metrics: 'object',
    ...adapterOptions,
  });
  const recording = resolveHttpRecording(
    options,
    client,
    options?.metrics?.sources ?? [],
    parts.record ?? true,
  );
  const { glassbox, metricsPath, sources } = recording;
  const handlerOptions: MetricsHandlerOptions = { ...options.metrics, sources, glassbox };
  const canServe = sources.length > 0;
  const handler = canServe && (parts.serve ?? true) ? createMetricsHandler(handlerOptions) : undefined;
  const nothingToServe = () =>
    new Error(
      'Glassbox: nothing to serve at /metrics: a given glassbox instance needs options.registry or options.metrics.sources',
    );
  return {
    ...recording,
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
