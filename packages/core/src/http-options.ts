/**
 * Options every HTTP adapter shares, handled once here: excluded paths, bounded custom
 * labels and the status recorded for aborted requests. Validated at start-up; the
 * returned functions never throw.
 */
import type { Glassbox, LabelValue } from './glassbox.js';

/** One custom label: a name, the values it may take, and a hook that reads it from a request. */
export interface CustomLabel<Req, Res> {
  /** Label name, added to `http_requests_total` and `http_request_duration_seconds`. */
  readonly name: string;
  /**
   * The values this label may take. Anything else the hook returns (or a hook that
   * throws) is recorded as {@link CustomLabel.fallback}, so the label stays bounded.
   */
  readonly values: readonly string[];
  /** Value recorded when the hook returns something outside {@link CustomLabel.values}. @default 'other' */
  readonly fallback?: string;
  /** Reads the value when the request is recorded (after the response). */
  readonly value: (req: Req, res: Res) => LabelValue | undefined;
}

/** Default fallback value of a custom label. */
export const CUSTOM_LABEL_FALLBACK = 'other';

/** Returns true for a request path that must not be recorded. */
export type PathExcluder = (url: string) => boolean;

/**
 * True when `url`'s path (the part before `?`) is exactly `path`: how adapters recognise
 * their metrics path on every request. Allocates nothing.
 */
export function matchesPath(url: string | undefined, path: string): boolean {
  if (url === undefined || !url.startsWith(path)) return false;
  return url.length === path.length || url.charCodeAt(path.length) === 63; // '?'
}

/** Builds the excluder: exact paths (query ignored) and regular expressions tested on the path. */
export function pathExcluder(paths: readonly (string | RegExp)[]): PathExcluder | undefined {
  if (!Array.isArray(paths))
    throw new TypeError('Glassbox: excludePaths must be an array of strings or RegExps');
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const p of paths) {
    if (typeof p === 'string') {
      if (!p.startsWith('/')) throw new TypeError(`Glassbox: excluded path "${p}" must start with "/"`);
      exact.add(p);
    } else if (p instanceof RegExp) patterns.push(p);
    else throw new TypeError('Glassbox: excludePaths must contain strings or RegExps');
  }
  if (exact.size === 0 && patterns.length === 0) return undefined;
  return (url: string) => {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (exact.has(path)) return true;
    for (let i = 0; i < patterns.length; i++) {
      const re = patterns[i] as RegExp;
      re.lastIndex = 0;
      if (re.test(path)) return true;
    }
    return false;
  };
}

/** Custom labels, validated, with a function that computes their bounded values. */
export interface CompiledLabels<Req, Res> {
  readonly names: readonly string[];
  values(req: Req, res: Res, onError: (error: unknown) => void): LabelValue[];
}

/** Validates custom labels at start-up. */
export function compileLabels<Req, Res>(
  labels: readonly CustomLabel<Req, Res>[],
): CompiledLabels<Req, Res> | undefined {
  if (!Array.isArray(labels)) throw new TypeError('Glassbox: customLabels must be an array');
  if (labels.length === 0) return undefined;
  const names: string[] = [];
  const allowed: Set<string>[] = [];
  const fallbacks: string[] = [];
  const hooks: Array<(req: Req, res: Res) => LabelValue | undefined> = [];
  for (const label of labels) {
    if (label === null || typeof label !== 'object' || typeof label.name !== 'string' || label.name === '')
      throw new TypeError('Glassbox: every custom label needs a name');
    if (names.includes(label.name))
      throw new TypeError(`Glassbox: custom label "${label.name}" is given twice`);
    if (typeof label.value !== 'function')
      throw new TypeError(`Glassbox: custom label "${label.name}" needs a value(req, res) function`);
    if (
      !Array.isArray(label.values) ||
      label.values.length === 0 ||
      label.values.some((v: unknown) => typeof v !== 'string')
    )
      throw new TypeError(
        `Glassbox: custom label "${label.name}" needs a non-empty list of allowed string values`,
      );
    const fallback = label.fallback ?? CUSTOM_LABEL_FALLBACK;
    if (typeof fallback !== 'string')
      throw new TypeError(`Glassbox: custom label "${label.name}": fallback must be a string`);
    names.push(label.name);
    allowed.push(new Set(label.values));
    fallbacks.push(fallback);
    hooks.push(label.value);
  }
  return {
    names,
    values(req, res, onError) {
      const out: LabelValue[] = new Array(hooks.length);
      for (let i = 0; i < hooks.length; i++) {
        let v: LabelValue | undefined;
        try {
          v = (hooks[i] as (req: Req, res: Res) => LabelValue | undefined)(req, res);
        } catch (error) {
          onError(error);
          v = undefined;
        }
        const s = typeof v === 'string' ? v : v === undefined ? undefined : String(v);
        out[i] = s !== undefined && (allowed[i] as Set<string>).has(s) ? s : (fallbacks[i] as string);
      }
      return out;
    },
  };
}

/** Status recorded when the client disconnects before the response is complete: nginx's 499. */
export const ABORTED_STATUS_CODE = 499;

/** Validates an `abortedStatusCode` option (an integer 100..999). */
export function validateStatusCode(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 100 || value > 999)
    throw new RangeError(`Glassbox: ${name} must be an integer 100..999, got ${String(value)}`);
  return value;
}

/** Reads a `Content-Length` header value as bytes; undefined when absent or malformed. */
export function parseContentLength(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * A `routeOf(req, res, matched)` hook's label: what it returns, or the matched template
 * when it throws or returns something other than a string or `undefined` (counted in
 * `glassbox_instrumentation_errors_total{component}`). Never throws.
 */
export function applyRouteOf<Req, Res>(
  glassbox: Glassbox,
  component: string,
  hook: (req: Req, res: Res, matched: string | undefined) => unknown,
  req: Req,
  res: Res,
  matched: string | undefined,
): string | undefined {
  try {
    const label: unknown = hook(req, res, matched);
    if (label === undefined || typeof label === 'string') return label;
    glassbox.reportError(
      component,
      'routeOf returned neither a string nor undefined',
      new TypeError(typeof label),
    );
  } catch (error) {
    glassbox.reportError(component, 'routeOf threw', error);
  }
  return matched;
}
