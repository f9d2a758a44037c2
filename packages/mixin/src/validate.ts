/**
 * Small validators for the mixin config: each throws a {@link MixinConfigError} that
 * names the offending field.
 */
import { durationSeconds, MixinConfigError } from './config-types.js';

/** A label name. */
export const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** True for a plain object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Throws for a key of `value` that is not in `allowed` (or when `value` is not an object). */
export function checkKeys(field: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined) return;
  if (!isObject(value)) throw new MixinConfigError(field, 'must be an object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      throw new MixinConfigError(
        field === '' ? key : `${field}.${key}`,
        `unknown option (known: ${allowed.join(', ')})`,
      );
  }
}

/** A non-empty string (optionally matching `pattern`), or the fallback when undefined. */
export function str(
  field: string,
  value: unknown,
  fallback: string,
  pattern?: RegExp,
  hint?: string,
): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0)
    throw new MixinConfigError(field, 'must be a non-empty string');
  if (pattern !== undefined && !pattern.test(value))
    throw new MixinConfigError(field, hint ?? `must match ${pattern}`);
  return value;
}

/** A Prometheus duration, or the fallback when undefined. */
export function duration(field: string, value: unknown, fallback: string): string {
  const v = str(field, value, fallback);
  durationSeconds(v, field);
  return v;
}

/** An object of strings (copied), or a copy of the fallback when undefined. */
export function stringRecord(
  field: string,
  value: unknown,
  fallback: Readonly<Record<string, string>>,
): Record<string, string> {
  if (value === undefined) return { ...fallback };
  if (!isObject(value)) throw new MixinConfigError(field, 'must be an object of strings');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new MixinConfigError(`${field}.${k}`, 'must be a string');
  }
  return { ...(value as Record<string, string>) };
}

/** A list of non-empty strings (copied), or a copy of the fallback when undefined. */
export function stringList(field: string, value: unknown, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0))
    throw new MixinConfigError(field, 'must be a list of non-empty strings');
  return [...(value as string[])];
}

/** Throws when `value` is not a valid regular expression. */
export function validRegex(field: string, value: string): void {
  try {
    new RegExp(value);
  } catch {
    throw new MixinConfigError(field, `"${value}" is not a valid regular expression`);
  }
}

/** Labels (valid names, not `__`-reserved) with string values. */
export function labelRecord(field: string, value: unknown): Record<string, string> {
  const out = stringRecord(field, value, {});
  for (const k of Object.keys(out)) {
    if (!LABEL.test(k) || k.startsWith('__'))
      throw new MixinConfigError(`${field}.${k}`, 'not a valid label name');
  }
  return out;
}

/** `host:port` targets. */
export function checkTargets(field: string, list: readonly string[]): void {
  for (const [i, t] of list.entries()) {
    if (!/^[^\s/]+:\d+$/.test(t)) throw new MixinConfigError(`${field}[${i}]`, `"${t}" must be host:port`);
  }
}
