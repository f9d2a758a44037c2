/**
 * Helpers shared by the instruments: pass-through wrapping of sync/async functions,
 * bounded label sets, and the default error classifier.
 */
import type { BoundCounter, Glassbox } from '../glassbox.js';
import type { OptionsSpec } from '../options.js';

/**
 * Makes a bound counter series visible at 0 before its first increment (prom-client
 * only exposes a labelled child once it has been written), so dashboards and
 * `rate()` see every declared series from the start.
 */
export function zeroed(counter: BoundCounter): BoundCounter {
  counter.inc(0);
  return counter;
}

/** True for a promise or any thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Seconds since `start` (a `performance.now()` reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** True for a native promise (also one from another realm). */
export function isNativePromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise || Object.prototype.toString.call(value) === '[object Promise]';
}

/**
 * Calls `fn`, then `onValue`/`onError` once it settles, and returns exactly what `fn`
 * returned or throws exactly what it threw: a sync result stays sync, a promise is
 * returned as the same object (so its rejection reaches the caller at the same
 * moment). The callbacks never throw into the host: failures go to `reportError`.
 *
 * Two observable differences remain, both documented:
 * - observing a native promise attaches a handler, so a rejection the caller never
 *   handles is no longer reported by Node as unhandled;
 * - a thenable that is not a native promise (a lazy query builder, for example) is
 *   returned untouched and not observed — calling its `then()` could run it twice —
 *   and that is counted; return a real promise (an `async` function) to record it.
 */
export function passThrough<R>(
  glassbox: Glassbox,
  component: string,
  fn: () => R,
  onValue: (value: unknown) => void,
  onError: (error: unknown) => void,
): R {
  let result: R;
  try {
    result = fn();
  } catch (error) {
    guard(glassbox, component, onError, error);
    throw error;
  }
  if (isNativePromise(result)) {
    result.then(
      (value) => guard(glassbox, component, onValue, value),
      (error) => guard(glassbox, component, onError, error),
    );
    return result;
  }
  if (isThenable(result)) {
    glassbox.reportError(
      component,
      'a wrapped function returned a thenable that is not a native promise; not observed (return a Promise to record it)',
    );
    return result;
  }
  guard(glassbox, component, onValue, result);
  return result;
}

function guard(glassbox: Glassbox, component: string, fn: (v: unknown) => void, value: unknown): void {
  try {
    fn(value);
  } catch (error) {
    glassbox.reportError(component, 'recording failed', error);
  }
}

/**
 * Validates a declared label value at start-up: a non-empty string of at most 128
 * characters without control characters. (Cardinality is bounded by declaring the
 * values, not by their spelling: `3.1.0+build.7` or `account age` are fine.)
 */
export function checkLabelValue(what: string, value: unknown): string {
  let ok = typeof value === 'string' && value.length > 0 && value.length <= 128;
  if (ok) {
    for (let i = 0; i < (value as string).length; i++) {
      const c = (value as string).charCodeAt(i);
      if (c < 0x20 || c === 0x7f) ok = false;
    }
  }
  if (!ok)
    throw new TypeError(
      `Glassbox: ${what} must be a non-empty string of at most 128 characters without control characters, got ${JSON.stringify(value)}`,
    );
  return value as string;
}

/**
 * A declared, bounded set of label values: `resolve` maps anything outside it to
 * the fixed `other` value and counts that in `glassbox_instrumentation_errors_total`.
 */
export class BoundedValues {
  readonly values: ReadonlySet<string>;
  constructor(
    private readonly glassbox: Glassbox,
    private readonly component: string,
    private readonly what: string,
    declared: readonly string[],
    readonly other: string,
  ) {
    const set = new Set<string>();
    for (const v of declared) set.add(checkLabelValue(what, v));
    checkLabelValue(`${what} (the value for undeclared ones)`, other);
    this.values = set;
  }

  resolve(value: unknown): string {
    if (typeof value === 'string' && this.values.has(value)) return value;
    if (value === this.other) return this.other;
    this.glassbox.reportError(
      this.component,
      `${this.what} outside the declared set; recorded as "${this.other}"`,
    );
    return this.other;
  }

  /** Every value a series may carry, `other` last. */
  all(): string[] {
    return [...this.values, this.other];
  }
}

/** Built-in error types of the default classifier. */
export const DEFAULT_ERROR_TYPES = Object.freeze([
  'timeout',
  'cancelled',
  'validation',
  'connection',
  'rate_limited',
  'internal',
  'error',
  'non_error',
]);

const BY_NAME: Readonly<Record<string, string>> = {
  TimeoutError: 'timeout',
  AbortError: 'cancelled',
  ValidationError: 'validation',
  ZodError: 'validation',
  ValiError: 'validation',
  TypeError: 'internal',
  RangeError: 'internal',
  ReferenceError: 'internal',
  SyntaxError: 'internal',
};

const BY_CODE: Readonly<Record<string, string>> = {
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  ABORT_ERR: 'cancelled',
  ECONNREFUSED: 'connection',
  ECONNRESET: 'connection',
  ENOTFOUND: 'connection',
  EAI_AGAIN: 'connection',
  EPIPE: 'connection',
  ERR_VALIDATION: 'validation',
};

function ownString(value: unknown, key: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  try {
    const v = (value as Record<string, unknown>)[key];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The default error classifier: by `code` (`ETIMEDOUT` → timeout, `ECONNREFUSED` →
 * connection, ...), then by `name` (`TimeoutError`, `AbortError`, `ValidationError`,
 * `ZodError`, built-in `TypeError`/`RangeError` → internal), then by HTTP-ish
 * `status` 429 → rate_limited; anything else that is an Error → `error`, anything
 * thrown that is not an Error → `non_error`. Never looks at the message.
 */
export function defaultErrorClassifier(error: unknown): string {
  if (!(error instanceof Error) && (error === null || typeof error !== 'object')) return 'non_error';
  const code = ownString(error, 'code');
  if (code !== undefined && BY_CODE[code] !== undefined) return BY_CODE[code] as string;
  const name = ownString(error, 'name');
  if (name !== undefined && BY_NAME[name] !== undefined) return BY_NAME[name] as string;
  let status: unknown;
  try {
    status = (error as { status?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  } catch {
    status = undefined;
  }
  if (status === 429) return 'rate_limited';
  if (status === 408 || status === 504) return 'timeout';
  return error instanceof Error ? 'error' : 'non_error';
}

/** Options shared by instruments that classify errors. */
export interface ErrorClassificationOptions {
  /**
   * Error type by constructor name, `error.name` or `error.code` (checked in that
   * order), e.g. `{ ModelTimeout: 'timeout', FeatureStoreError: 'feature_store' }`.
   * The values join the set of allowed error types.
   * @default {}
   */
  readonly errorTypes?: Readonly<Record<string, string>>;
  /**
   * Custom classifier, asked first; return `undefined` to fall through to
   * {@link ErrorClassificationOptions.errorTypes} and the default classifier. A result
   * outside the allowed set (built-in types, `errorTypes` values, `extraErrorTypes`)
   * is recorded as `other` and counted. Never given the message to look at by us.
   * @default undefined
   */
  readonly classifyError?: (error: unknown) => string | undefined;
  /** More allowed error types, for values `classifyError` returns. @default [] */
  readonly extraErrorTypes?: readonly string[];
}

/** The keys of {@link ErrorClassificationOptions}, for the options specs of the instruments that extend it. */
export const ERROR_CLASSIFICATION_SPEC: OptionsSpec = Object.freeze({
  errorTypes: 'object',
  classifyError: 'function',
  extraErrorTypes: 'array',
});

/** Builds a bounded classifier from {@link ErrorClassificationOptions}. */
export function errorClassifier(
  glassbox: Glassbox,
  component: string,
  options: ErrorClassificationOptions,
): { classify(error: unknown): string; types: BoundedValues } {
  const mapping = options.errorTypes ?? {};
  if (mapping === null || typeof mapping !== 'object')
    throw new TypeError('Glassbox: errorTypes must be an object');
  const custom = options.classifyError;
  if (custom !== undefined && typeof custom !== 'function')
    throw new TypeError('Glassbox: classifyError must be a function');
  const declared = [...DEFAULT_ERROR_TYPES, ...Object.values(mapping), ...(options.extraErrorTypes ?? [])];
  const types = new BoundedValues(glassbox, component, 'error type', [...new Set(declared)], 'other');
  const lookup = (key: string | undefined) =>
    key !== undefined && Object.hasOwn(mapping, key) ? mapping[key] : undefined;
  return {
    types,
    classify(error: unknown): string {
      let type: string | undefined;
      if (custom !== undefined) {
        try {
          type = custom(error);
        } catch (e) {
          glassbox.reportError(component, 'classifyError threw', e);
        }
      }
      if (type === undefined && error !== null && typeof error === 'object') {
        let ctor: string | undefined;
        try {
          ctor = (error as { constructor?: { name?: unknown } }).constructor?.name as string | undefined;
        } catch {
          ctor = undefined;
        }
        type =
          lookup(typeof ctor === 'string' ? ctor : undefined) ??
          lookup(ownString(error, 'name')) ??
          lookup(ownString(error, 'code'));
      }
      return types.resolve(type ?? defaultErrorClassifier(error));
    },
  };
}
