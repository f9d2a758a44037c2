/**
 * Start-up: validates the module options and builds what the module provides (the
 * Glassbox instance, the RED recorder, the metrics handler). A bad option throws here,
 * while the application boots; nothing is validated or thrown while recording.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CompiledLabels,
  type Glassbox,
  type HttpRecorder,
  type Logger,
  type PathExcluder,
  validateOptions,
} from '@glassbox/core';
import { pathExcluder, validateStatusCode } from '@glassbox/core/adapter';
import {
  type HttpAdapterOptions,
  type MetricsHandler,
  type MetricsSource,
  resolveHttpAdapter,
} from '@glassbox/exporter';
import * as client from 'prom-client';
import { GLASSBOX_NEST_DEFAULTS, type GlassboxModuleOptions } from './options.js';

/** What the module built from its options, once, at start-up (injectable as `GLASSBOX_OPTIONS`). */
export interface ResolvedGlassboxOptions {
  /** The options as given. */
  readonly options: GlassboxModuleOptions;
  /** The instance metrics are recorded in. */
  readonly glassbox: Glassbox;
  /** The RED recorder, or `null` when `http.enabled` is false. */
  readonly recorder: HttpRecorder | null;
  /** What `/metrics` serves (e.g. for `createMetricsServer({ sources })` on another port). */
  readonly sources: readonly MetricsSource[];
  /** The metrics handler, or `null` when no endpoint is served. */
  readonly metricsHandler: MetricsHandler | null;
  /** The metrics path, or `undefined` when no endpoint is served. */
  readonly metricsPath: string | undefined;
  /** The excluder built from `http.excludePaths` (the metrics path is checked apart). */
  readonly exclude: PathExcluder | undefined;
  /** Custom labels, compiled. */
  readonly labels: CompiledLabels<IncomingMessage, ServerResponse> | undefined;
  /** Status recorded for requests whose client left first. */
  readonly abortedStatusCode: number;
  /** Whether sizes are recorded. */
  readonly recordSizes: boolean;
  /**
   * The exporter's messages (an open endpoint, a token file without tokens), held until
   * the module passes them to Nest's logger; `undefined` when `metrics.logger` is given.
   */
  readonly exporterLog: DeferredLogger | undefined;
}

/**
 * A logger that holds messages until {@link attach} names where they go, then forwards
 * everything: the metrics handler is created when `forRoot` runs, before the Nest
 * application (and its logger) exists, and its start-up warnings belong in the app's log.
 */
export class DeferredLogger implements Logger {
  private target: Logger | undefined;
  private readonly held: Array<[level: 'warn' | 'error', message: string]> = [];
  warn(message: string): void {
    this.write('warn', message);
  }
  error(message: string): void {
    this.write('error', message);
  }
  /** Sends the held messages (once) and everything later to `target`. */
  attach(target: Logger): void {
    if (this.target !== undefined) return;
    this.target = target;
    for (const [level, message] of this.held.splice(0)) this.write(level, message);
  }
  private write(level: 'warn' | 'error', message: string): void {
    const target = this.target;
    if (target === undefined) {
      if (this.held.length < 100) this.held.push([level, message]);
      return;
    }
    if (level === 'error' && target.error !== undefined) target.error(message);
    else target.warn(message);
  }
}

function checkPath(name: string, path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('?') || path.includes('#'))
    throw new TypeError(
      `Glassbox nest: ${name} must be a path starting with "/" (no query), got ${String(path)}`,
    );
  return path;
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`Glassbox nest: ${name} must be a boolean`);
  return value;
}

/**
 * An unknown key (a typo such as `metricsPath` at the top level, or `http.excludePath`)
 * is an Error naming the nearest valid one; the metrics handler checks its own keys
 * under `metrics`.
 */
function checkKeys(options: GlassboxModuleOptions): void {
  validateOptions('Glassbox nest', options, {
    glassbox: 'object',
    registry: 'object',
    glassboxOptions: 'object',
    defaultMetrics: 'boolean',
    sources: 'array',
    http: 'object',
    metrics: 'object',
  });
  validateOptions(
    'Glassbox nest',
    options.http ?? {},
    {
      enabled: 'boolean',
      unmatchedRoute: 'string',
      groupStatusCodes: 'boolean',
      recordSizes: 'boolean',
      excludePaths: 'array',
      customLabels: 'array',
      abortedStatusCode: 'number',
    },
    'http',
  );
}

/**
 * The module's nested options (`http`, `metrics`) in the flat shape every HTTP adapter
 * takes, so one resolver (the exporter's `resolveHttpAdapter`) builds the instance, the
 * sources, the recorder and the handler for Express, Fastify and Nest alike. The metrics
 * path is checked by the module itself (it is left out of recording only when served).
 */
function adapterOptions(
  options: GlassboxModuleOptions,
  metricsPath: string,
  exporterLog: DeferredLogger | undefined,
): HttpAdapterOptions<IncomingMessage, ServerResponse> {
  const { http = {}, metrics = {}, sources, ...instrumentation } = options;
  const { enabled: _httpEnabled, ...recording } = http;
  const { enabled: _metricsEnabled, path: _path, ...handler } = metrics;
  const given = Object.fromEntries(
    Object.entries({ ...instrumentation, ...recording }).filter(([, value]) => value !== undefined),
  ) as HttpAdapterOptions<IncomingMessage, ServerResponse>;
  return {
    ...given,
    metricsPath,
    excludeMetricsPath: false,
    metrics: {
      ...handler,
      ...(sources === undefined ? {} : { sources }),
      ...(exporterLog === undefined ? {} : { logger: exporterLog }),
    },
  };
}

/**
 * Validates {@link GlassboxModuleOptions}, applies the defaults and builds the instance,
 * the recorder and the metrics handler. Throws a clear Error on bad options.
 */
export function resolveGlassboxOptions(options: GlassboxModuleOptions): ResolvedGlassboxOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox nest: GlassboxModule options must be an object');
  checkKeys(options);
  const http = options.http ?? {};
  const metrics = options.metrics ?? {};

  // Checked under the module's own names (`http.…`, `metrics.…`) before anything is built.
  const httpEnabled = checkBoolean('http.enabled', http.enabled ?? GLASSBOX_NEST_DEFAULTS.httpEnabled);
  if (http.recordSizes !== undefined) checkBoolean('http.recordSizes', http.recordSizes);
  pathExcluder(http.excludePaths ?? GLASSBOX_NEST_DEFAULTS.excludePaths);
  validateStatusCode(
    'http.abortedStatusCode',
    http.abortedStatusCode ?? GLASSBOX_NEST_DEFAULTS.abortedStatusCode,
  );
  const metricsEnabled =
    metrics.enabled === undefined ? undefined : checkBoolean('metrics.enabled', metrics.enabled);
  const path = checkPath('metrics.path', metrics.path ?? GLASSBOX_NEST_DEFAULTS.metricsPath);

  const exporterLog = 'logger' in metrics ? undefined : new DeferredLogger();
  const adapter = resolveHttpAdapter(
    adapterOptions(options, path, exporterLog),
    client,
    {},
    'Glassbox nest',
    {
      record: httpEnabled,
      serve: metricsEnabled !== false,
    },
  );
  if (metricsEnabled === true && adapter.handler === undefined)
    throw new TypeError(
      'Glassbox nest: metrics.enabled is true but there is nothing to serve: pass `registry` or `sources` with `glassbox`',
    );

  return Object.freeze({
    options,
    glassbox: adapter.glassbox,
    recorder: adapter.recorder ?? null,
    sources: adapter.sources,
    metricsHandler: adapter.handler ?? null,
    metricsPath: adapter.handler === undefined ? undefined : path,
    exclude: adapter.excluded,
    labels: adapter.labels,
    abortedStatusCode: adapter.abortedStatusCode,
    recordSizes: adapter.recordSizes,
    exporterLog,
  });
}
