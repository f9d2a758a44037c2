/**
 * Small PromQL helpers: the metric names an expression references (so tests and the
 * generator itself can check every name against the catalog), and template-variable
 * substitution for running dashboard queries outside Grafana.
 */

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
  'atan2',
]);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** The value of the string literal starting at `start` and the index after its closing quote. */
function readString(src: string, start: number): { value: string; end: number } {
  const quote = src[start];
  let j = start + 1;
  let value = '';
  while (j < src.length && src[j] !== quote) {
    if (src[j] === '\\' && quote !== '`') {
      value += src[j + 1] ?? '';
      j += 2;
      continue;
    }
    value += src[j];
    j++;
  }
  return { value, end: j + 1 };
}

/** An identifier of a PromQL expression: a selected metric, a label name, or a `{__name__="x"}` string. */
export interface PromqlToken {
  readonly kind: 'metric' | 'label' | 'name';
  /** The name (for `name`, the string's value). */
  readonly word: string;
  /** Position in the expression (for `name`, of the whole string literal). */
  readonly start: number;
  readonly end: number;
}

interface ScanState {
  braceDepth: number;
  bracketDepth: number;
  parenDepth: number;
  skipParenDepth: number;
  pendingGrouping: boolean;
}

function scanString(src: string, i: number, s: ScanState, out: PromqlToken[]): number {
  const { value, end } = readString(src, i);
  // {__name__="foo"} or {__name__=~"foo"}: a literal name selector.
  const before = src.slice(Math.max(0, i - 16), i);
  if (s.braceDepth > 0 && /__name__\s*=\s*$/.test(before))
    out.push({ kind: 'name', word: value, start: i, end });
  return end;
}

function trackDepth(c: string, s: ScanState): void {
  if (c === '{') s.braceDepth++;
  else if (c === '}') s.braceDepth--;
  else if (c === '[') s.bracketDepth++;
  else if (c === ']') s.bracketDepth--;
  else if (c === '(') {
    s.parenDepth++;
    if (s.pendingGrouping) {
      s.skipParenDepth = s.parenDepth;
      s.pendingGrouping = false;
    }
  } else if (c === ')') {
    if (s.parenDepth === s.skipParenDepth) s.skipParenDepth = -1;
    s.parenDepth--;
  }
}

function scanWord(src: string, i: number, s: ScanState, out: PromqlToken[]): number {
  let j = i;
  while (j < src.length && /[a-zA-Z0-9_:]/.test(src[j] as string)) j++;
  const word = src.slice(i, j);
  if (s.bracketDepth > 0) return j;
  if (s.braceDepth > 0 || s.skipParenDepth !== -1) {
    out.push({ kind: 'label', word, start: i, end: j });
    return j;
  }
  const lower = word.toLowerCase();
  if (GROUPING.has(lower)) {
    s.pendingGrouping = true;
    return j;
  }
  s.pendingGrouping = false;
  if (KEYWORDS.has(lower)) return j;
  let k = j;
  while (k < src.length && /\s/.test(src[k] as string)) k++;
  if (src[k] === '(') return j; // a function or an aggregation
  if (/^(by|without)\b/i.test(src.slice(k))) return j; // `sum by (x) (...)`
  out.push({ kind: 'metric', word, start: i, end: j });
  return j;
}

function skipWhile(src: string, i: number, re: RegExp): number {
  let j = i;
  while (j < src.length && re.test(src[j] as string)) j++;
  return j;
}

/**
 * The identifiers of a PromQL expression that name metrics or labels, in order:
 * selected metrics (`foo`, `foo{a="b"}`), `{__name__="foo"}` strings, and label names
 * (in braces and in `by`/`without`/`on`/`ignoring`/`group_*` clauses). Function and
 * aggregation names, keywords, durations and string literals are skipped.
 */
export function scanPromql(src: string): PromqlToken[] {
  const out: PromqlToken[] = [];
  const s: ScanState = {
    braceDepth: 0,
    bracketDepth: 0,
    parenDepth: 0,
    skipParenDepth: -1,
    pendingGrouping: false,
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '"' || c === "'" || c === '`') i = scanString(src, i, s, out);
    else if (c === '#') i = skipWhile(src, i, /[^\n]/);
    // Numbers and durations (5m, 1e3, 0x1f): skip the whole token.
    else if (/[0-9.]/.test(c)) i = Math.max(skipWhile(src, i, /[0-9a-zA-Z_.]/), i + 1);
    else if (/[a-zA-Z_:]/.test(c)) i = scanWord(src, i, s, out);
    // Grafana variables outside strings ($__rate_interval in a range).
    else if (c === '$') i = skipWhile(src, i + 1, /[a-zA-Z0-9_{}]/);
    else {
      trackDepth(c, s);
      if (!/\s/.test(c) && c !== ',' && s.pendingGrouping && c !== '(') s.pendingGrouping = false;
      i++;
    }
  }
  return out;
}

/**
 * The metric names a PromQL expression selects, in order of first appearance: bare
 * selectors (`foo`, `foo{a="b"}`) and `{__name__="foo"}`. Function and aggregation
 * names, label names (in braces and grouping clauses), keywords, durations and
 * string literals are not metric names.
 */
export function metricNamesIn(expr: string): string[] {
  const names: string[] = [];
  for (const t of scanPromql(expr)) if (t.kind !== 'label' && !names.includes(t.word)) names.push(t.word);
  return names;
}

/**
 * Rewrites the metric and label names of an expression (`metric`/`label` return the new
 * name, or undefined to keep it) and adds `matchers` to every selector of a metric for
 * which `scoped` is true: `foo` → `foo{a="b"}`, `foo{x="y"}` → `foo{a="b", x="y"}`.
 */
export function rewritePromql(
  expr: string,
  map: {
    metric: (name: string) => string | undefined;
    label: (name: string) => string | undefined;
    scoped: (name: string) => boolean;
    matchers: readonly string[];
  },
): string {
  let out = '';
  let last = 0;
  for (const t of scanPromql(expr)) {
    if (t.kind === 'name') continue;
    const renamed = (t.kind === 'metric' ? map.metric(t.word) : map.label(t.word)) ?? t.word;
    out += expr.slice(last, t.start) + renamed;
    last = t.end;
    if (t.kind !== 'metric' || !map.scoped(t.word) || map.matchers.length === 0) continue;
    const m = /^\s*\{\s*(\}?)/.exec(expr.slice(last));
    if (m === null) out += `{${map.matchers.join(', ')}}`;
    else {
      out += `{${map.matchers.join(', ')}${m[1] === '}' ? '}' : ', '}`;
      last += (m[0] as string).length;
    }
  }
  return out + expr.slice(last);
}

/** Values substituted for Grafana variables by {@link substituteVariables}. */
export const DEFAULT_VARIABLE_VALUES: Readonly<Record<string, string>> = Object.freeze({
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
});

/**
 * Replaces Grafana template variables (`$job`, `${job}`, `[[job]]`, `$__rate_interval`)
 * so a dashboard query can run against Prometheus directly. Unknown variables become
 * `.*` (inside a regex matcher, "all").
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>> = {}): string {
  const all = { ...DEFAULT_VARIABLE_VALUES, ...values };
  const pick = (name: string) => all[name] ?? '.*';
  return expr
    .replace(/\$\{([a-zA-Z0-9_]+)(?::[a-z]+)?\}/g, (_, n: string) => pick(n))
    .replace(/\[\[([a-zA-Z0-9_]+)\]\]/g, (_, n: string) => pick(n))
    .replace(/\$([a-zA-Z0-9_]+)/g, (_, n: string) => pick(n));
}
