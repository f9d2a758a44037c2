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

/**
 * The metric names a PromQL expression selects, in order of first appearance: bare
 * selectors (`foo`, `foo{a="b"}`) and `{__name__="foo"}`. Function and aggregation
 * names, label names (in braces and grouping clauses), keywords, durations and
 * string literals are not metric names.
 */
export function metricNamesIn(expr: string): string[] {
  const names: string[] = [];
  const add = (n: string) => {
    if (!names.includes(n)) names.push(n);
  };
  const src = expr;
  let i = 0;
  let braceDepth = 0;
  let bracketDepth = 0;
  let skipParenDepth = -1;
  let parenDepth = 0;
  let pendingGrouping = false;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      const { value, end } = readString(src, i);
      // {__name__="foo"} or {__name__=~"foo"}: a literal name selector.
      const before = src.slice(Math.max(0, i - 16), i);
      if (braceDepth > 0 && /__name__\s*=\s*$/.test(before)) add(value);
      i = end;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    if (c === '{') braceDepth++;
    else if (c === '}') braceDepth--;
    else if (c === '[') bracketDepth++;
    else if (c === ']') bracketDepth--;
    else if (c === '(') {
      parenDepth++;
      if (pendingGrouping) {
        skipParenDepth = parenDepth;
        pendingGrouping = false;
      }
    } else if (c === ')') {
      if (parenDepth === skipParenDepth) skipParenDepth = -1;
      parenDepth--;
    }
    if (/[0-9.]/.test(c)) {
      // Numbers and durations (5m, 1e3, 0x1f): skip the whole token.
      let j = i;
      while (j < src.length && /[0-9a-zA-Z_.]/.test(src[j] as string)) j++;
      i = Math.max(j, i + 1);
      continue;
    }
    if (/[a-zA-Z_:]/.test(c)) {
      let j = i;
      while (j < src.length && /[a-zA-Z0-9_:]/.test(src[j] as string)) j++;
      const word = src.slice(i, j);
      i = j;
      if (braceDepth > 0 || bracketDepth > 0 || skipParenDepth !== -1) continue;
      const lower = word.toLowerCase();
      if (GROUPING.has(lower)) {
        pendingGrouping = true;
        continue;
      }
      pendingGrouping = false;
      if (KEYWORDS.has(lower)) continue;
      let k = i;
      while (k < src.length && /\s/.test(src[k] as string)) k++;
      if (src[k] === '(') continue; // a function or an aggregation
      if (/^(by|without)\b/i.test(src.slice(k))) continue; // `sum by (x) (...)`
      add(word);
      continue;
    }
    if (c === '$') {
      // Grafana variables outside strings ($__rate_interval in a range).
      let j = i + 1;
      while (j < src.length && /[a-zA-Z0-9_{}]/.test(src[j] as string)) j++;
      i = j;
      continue;
    }
    if (!/\s/.test(c) && c !== ',' && pendingGrouping && c !== '(') pendingGrouping = false;
    i++;
  }
  return names;
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
