/** Start-up validation of the module options: a bad option throws here, never at record time. */
import type { Glassbox } from '@glassbox/core';
import { GLASSBOX_NEST_DEFAULTS, type GlassboxModuleOptions } from './options.js';

/** The module options after validation, with every default applied. */
export interface ResolvedGlassboxOptions {
  readonly glassbox: Glassbox;
  readonly options: GlassboxModuleOptions;
  readonly httpEnabled: boolean;
  readonly excludePaths: readonly string[];
  readonly abortedStatusCode: number;
  /** The metrics path, or `undefined` when no endpoint is served. */
  readonly metricsPath: string | undefined;
}

function checkPath(name: string, path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('?') || path.includes('#'))
    throw new TypeError(
      `Glassbox nest: ${name} must be a path starting with "/" (no query), got ${String(path)}`,
    );
  return path;
}

/** Validates {@link GlassboxModuleOptions} and applies the defaults. Throws a clear Error on bad options. */
export function resolveGlassboxOptions(options: GlassboxModuleOptions): ResolvedGlassboxOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox nest: GlassboxModule options are required ({ glassbox, http?, metrics? })');
  const { glassbox } = options;
  if (
    glassbox === null ||
    typeof glassbox !== 'object' ||
    typeof glassbox.counter !== 'function' ||
    typeof glassbox.reportError !== 'function'
  )
    throw new TypeError('Glassbox nest: options.glassbox must be a Glassbox instance (createGlassbox(...))');
  const http = options.http ?? {};
  if (http === null || typeof http !== 'object')
    throw new TypeError('Glassbox nest: options.http must be an object');
  const httpEnabled = http.enabled ?? GLASSBOX_NEST_DEFAULTS.httpEnabled;
  if (typeof httpEnabled !== 'boolean') throw new TypeError('Glassbox nest: http.enabled must be a boolean');
  const rawExclude = http.excludePaths ?? GLASSBOX_NEST_DEFAULTS.excludePaths;
  if (!Array.isArray(rawExclude))
    throw new TypeError('Glassbox nest: http.excludePaths must be an array of paths');
  const excludePaths = rawExclude.map((p, i) => checkPath(`http.excludePaths[${i}]`, p));
  const abortedStatusCode = http.abortedStatusCode ?? GLASSBOX_NEST_DEFAULTS.abortedStatusCode;
  if (!Number.isInteger(abortedStatusCode) || abortedStatusCode < 100 || abortedStatusCode > 999)
    throw new RangeError(
      `Glassbox nest: http.abortedStatusCode must be an integer 100..999, got ${abortedStatusCode}`,
    );
  const extraNames = http.extraLabelNames ?? [];
  if (extraNames.length > 0 && typeof http.extraLabelValues !== 'function')
    throw new TypeError(
      'Glassbox nest: http.extraLabelNames is set, so http.extraLabelValues(req, res) is required',
    );
  if (extraNames.length === 0 && http.extraLabelValues !== undefined)
    throw new TypeError('Glassbox nest: http.extraLabelValues is set without http.extraLabelNames');

  let metricsPath: string | undefined;
  if (options.metrics !== undefined) {
    if (options.metrics === null || typeof options.metrics !== 'object')
      throw new TypeError('Glassbox nest: options.metrics must be an object');
    metricsPath = checkPath('metrics.path', options.metrics.path ?? GLASSBOX_NEST_DEFAULTS.metricsPath);
    if (!excludePaths.includes(metricsPath)) excludePaths.push(metricsPath);
  }
  return Object.freeze({
    glassbox,
    options,
    httpEnabled,
    excludePaths: Object.freeze(excludePaths),
    abortedStatusCode,
    metricsPath,
  });
}
