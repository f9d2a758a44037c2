/**
 * Start-up validation of public options objects, shared by every Glassbox package.
 *
 * JavaScript callers (and TypeScript callers passing a variable) get no compile-time
 * check of option names, so a typo such as `outcome:` for `outcomes:` or `metricsRote`
 * would silently fall back to a default. `validateOptions` turns that into an Error at
 * start-up that names the key, suggests the nearest valid one and lists them all.
 *
 * Usage, at the top of a factory (before defaults are applied):
 *
 * ```ts
 * validateOptions('Glassbox batch', options, {
 *   name: { type: 'string', required: true },
 *   itemOutcomes: 'array',
 *   now: 'function',
 * });
 * ```
 *
 * Rules:
 * - `options` must be a plain object (not `null`, an array or a primitive): `TypeError`.
 * - Every own enumerable string key must be in `spec`: otherwise an `Error` like
 *   `Glassbox model: unknown option "outcome" (did you mean "outcomes"?); valid options: name, version, outcomes, …`.
 * - A key whose value is `undefined` counts as absent (so `{ logger: undefined }` and
 *   `exactOptionalPropertyTypes` callers behave the same); a `required` key must be present.
 * - A present value must have one of the rule's types, and be one of `oneOf` when
 *   given: otherwise a `TypeError` naming the key, the expected type and what was given
 *   (a string's content only for `oneOf`, so a misplaced secret never reaches a message).
 *
 * Ranges, formats and cross-field rules (a positive integer, a non-empty string, a
 * valid metric name) stay with the caller, after this check, with their own messages.
 */

/** A type an option value may have. */
export type OptionType =
  /** `typeof value === 'string'` */
  | 'string'
  /** `typeof value === 'number'` (range checks are the caller's) */
  | 'number'
  /** a number with `Number.isInteger` */
  | 'integer'
  | 'boolean'
  | 'function'
  /** a non-null object that is not an array (plain objects, class instances, Maps, ...) */
  | 'object'
  /** `Array.isArray(value)` */
  | 'array'
  /** exactly `null` (e.g. `logger: null` to silence) */
  | 'null';

/** The full form of a rule. */
export interface OptionRuleObject {
  /** The accepted type, or several (a union). */
  readonly type: OptionType | readonly OptionType[];
  /** The key must be present with a value other than `undefined`. @default false */
  readonly required?: boolean;
  /** The value must be one of these (compared with `===`). @default undefined (any value of the type) */
  readonly oneOf?: readonly (string | number | boolean)[];
}

/** How one option is checked: a type, a list of accepted types, or {@link OptionRuleObject}. */
export type OptionRule = OptionType | readonly OptionType[] | OptionRuleObject;

/** The valid keys of an options object and the rule of each. */
export type OptionsSpec = Readonly<Record<string, OptionRule>>;

const ARTICLE: Readonly<Record<OptionType, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  function: 'a function',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function hasType(value: unknown, type: OptionType): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

/**
 * A short description of a value for an error message. A string's content is shown only
 * when `showString` (an enumeration value); otherwise it could be a secret (a token).
 */
export function describeValue(value: unknown, showString = false): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    if (!showString) return 'a string';
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : String(typeof value);
}

/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution);
    }
    previous = current;
  }
  return previous[y.length] as number;
}

/**
 * The candidate nearest to `key`, when it is near enough to be a likely typo: the
 * closest in edits, if at most a third of the key's length (at least 2); otherwise one
 * that contains the key or is contained in it (`route` → `metricsRoute`), if any.
 */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3))) return best;
  const lower = key.toLowerCase();
  if (lower.length < 3) return undefined;
  return candidates.find((c) => {
    const other = c.toLowerCase();
    return other.includes(lower) || (other.length >= 3 && lower.includes(other));
  });
}

function ruleOf(rule: OptionRule): OptionRuleObject {
  return typeof rule === 'string' || Array.isArray(rule)
    ? { type: rule as OptionType | readonly OptionType[] }
    : (rule as OptionRuleObject);
}

function checkValue(component: string, name: string, value: unknown, rule: OptionRuleObject): void {
  const types: readonly OptionType[] = typeof rule.type === 'string' ? [rule.type] : rule.type;
  if (!types.some((t) => hasType(value, t)))
    throw new TypeError(
      `${component}: option "${name}" must be ${types.map((t) => ARTICLE[t]).join(' or ')}, got ${describeValue(value)}`,
    );
  if (rule.oneOf !== undefined && !rule.oneOf.includes(value as string | number | boolean))
    throw new TypeError(
      `${component}: option "${name}" must be one of ${rule.oneOf.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(value, true)}`,
    );
}

/**
 * Validates an options object against a spec at start-up; see the module comment for
 * the rules. Throws; returns nothing.
 *
 * @param component prefix of every message, as the package names itself: `'Glassbox'`,
 *   `'Glassbox model'`, `'Glassbox amqplib'`, ...
 * @param options what the caller passed.
 * @param spec the valid keys and the rule of each.
 * @param path where `options` sits, for nested objects: `'qualityBounds.accuracy'` makes
 *   the messages say `option "qualityBounds.accuracy.min"`. @default '' (top level)
 * @throws TypeError when `options` is not an object, a required key is missing, or a value
 *   has the wrong type or is not one of `oneOf`.
 * @throws Error when a key is not in `spec`.
 */
export function validateOptions(component: string, options: unknown, spec: OptionsSpec, path = ''): void {
  const where = path === '' ? 'options' : path;
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${component}: ${where} must be an object, got ${describeValue(options)}`);
  const prefix = path === '' ? '' : `${path}.`;
  const valid = Object.keys(spec);
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (Object.hasOwn(spec, key)) continue;
    const near = nearestKey(key, valid);
    const hint = near === undefined ? '' : ` (did you mean "${prefix}${near}"?)`;
    const list = valid.length === 0 ? 'none' : valid.join(', ');
    throw new Error(
      `${component}: unknown option "${prefix}${key}"${hint}; valid options${path === '' ? '' : ` of ${path}`}: ${list}`,
    );
  }
  for (const key of valid) {
    const rule = ruleOf(spec[key] as OptionRule);
    const value = given[key];
    if (value === undefined) {
      if (rule.required === true) throw new TypeError(`${component}: option "${prefix}${key}" is required`);
      continue;
    }
    checkValue(component, `${prefix}${key}`, value, rule);
  }
}
