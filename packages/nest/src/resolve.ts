/**
 * Start-up: validates the module options and builds what the module provides (the
 * Glassbox instance, the RED recorder, the metrics handler). A bad option throws here,
 * while the application boots; nothing is validated or thrown while recording.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CompiledLabels,
  createHttpRecorder,
  type Glassbox,
  type HttpRecorder,
  type PathExcluder,
  validateOptions,
} from '@glassbox/core';
import { compileLabels, pathExcluder, validateStatusCode } from '@glassbox/core/adapter';
import {
  createMetricsHandler,
  type MetricsHandler,
  type MetricsSource,
  setupInstrumentation,
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
 * Validates {@link GlassboxModuleOptions}, applies the defaults and builds the instance,
 * the recorder and the metrics handler. Throws a clear Error on bad options.
 */
export function resolveGlassboxOptions(options: GlassboxModuleOptions): ResolvedGlassboxOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox nest: GlassboxModule options must be an object');
  checkKeys(options);
  const http = options.http ?? {};
  const metrics = options.metrics ?? {};

  // Everything that can be checked without side effects first.
  const httpEnabled = checkBoolean('http.enabled', http.enabled ?? GLASSBOX_NEST_DEFAULTS.httpEnabled);
  const recordSizes = checkBoolean(
    'http.recordSizes',
    http.recordSizes ?? GLASSBOX_NEST_DEFAULTS.recordSizes,
  );
  const exclude = pathExcluder(http.excludePaths ?? GLASSBOX_NEST_DEFAULTS.excludePaths);
  const labels = compileLabels<IncomingMessage, ServerResponse>(
    http.customLabels ?? GLASSBOX_NEST_DEFAULTS.customLabels,
  );
  const abortedStatusCode = validateStatusCode(
    'http.abortedStatusCode',
    http.abortedStatusCode ?? GLASSBOX_NEST_DEFAULTS.abortedStatusCode,
  );
  const metricsEnabled =
    metrics.enabled === undefined ? undefined : checkBoolean('metrics.enabled', metrics.enabled);
  const path = checkPath('metrics.path', metrics.path ?? GLASSBOX_NEST_DEFAULTS.metricsPath);

  const { glassbox, sources } = setupInstrumentation(options, client);

  const recorder = httpEnabled
    ? createHttpRecorder(glassbox, {
        unmatchedRoute: http.unmatchedRoute ?? GLASSBOX_NEST_DEFAULTS.unmatchedRoute,
        groupStatusCodes: http.groupStatusCodes ?? GLASSBOX_NEST_DEFAULTS.groupStatusCodes,
        recordSizes,
        extraLabelNames: labels?.names ?? [],
      })
    : null;

  let metricsHandler: MetricsHandler | null = null;
  if (metricsEnabled !== false) {
    if (sources.length > 0) {
      const { enabled: _enabled, path: _path, ...handlerOptions } = metrics;
      metricsHandler = createMetricsHandler({ ...handlerOptions, sources, glassbox });
    } else if (metricsEnabled === true) {
      throw new TypeError(
        'Glassbox nest: metrics.enabled is true but there is nothing to serve: pass `registry` or `sources` with `glassbox`',
      );
    }
  }

  return Object.freeze({
    options,
    glassbox,
    recorder,
    sources,
    metricsHandler,
    metricsPath: metricsHandler === null ? undefined : path,
    exclude,
    labels,
    abortedStatusCode,
    recordSizes,
  });
}
