/**
 * The only exposition renderer: metric families (core's data model) to the Prometheus
 * text format 0.0.4 or OpenMetrics 1.0.0. Escaping, number formatting, family naming
 * and validation of what is rendered are defined here and nowhere else.
 *
 * The renderer keeps, on each point object (`MetricPoint.renderCache`), the rendered
 * label text and (for counters and gauges) the last sample line with the value it was
 * rendered for: a producer that hands over the same point objects on every scrape (the
 * native backend) gets its unchanged series rendered from cache. Families are rendered in chunks of about
 * `seriesPerChunk` series with a yield to the event loop between chunks, so a large
 * scrape never blocks the process for long. A family or point that cannot be rendered
 * validly (bad metric or label name, a broken producer) is left out and reported; the
 * rest of the scrape is served.
 */
import type { Exemplar, MetricFamily, MetricPoint } from '@glassbox/core';

/** The two exposition formats. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Content types, with their versions. */
export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = Object.freeze({
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
});

/** Options of {@link createRenderer}. */
export interface RendererOptions {
  /**
   * Series rendered between two yields to the event loop. Lower means shorter stalls
   * and a slightly slower scrape.
   * @default 500
   */
  readonly seriesPerChunk?: number | undefined;
  /**
   * Called once per family left out of a scrape (name, reason); must not throw.
   * @default undefined
   */
  readonly onInvalid?: ((family: string, reason: string) => void) | undefined;
}

/** Defaults of {@link RendererOptions}. */
export const RENDERER_DEFAULTS = Object.freeze({ seriesPerChunk: 500 });

/** Renders families (see the module doc for what it keeps between scrapes). */
export interface Renderer {
  /** Renders in chunks (OpenMetrics without `# EOF`), yielding to the event loop between chunks. */
  render(families: readonly MetricFamily[], format: ExpositionFormat): Promise<string[]>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value (both formats): backslash, newline, double quote. */
export function escapeLabelValue(value: string): string {
  return /[\\\n"]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
    : value;
}

/** Escapes HELP text: backslash and newline; OpenMetrics also the double quote. */
export function escapeHelp(text: string, format: ExpositionFormat): string {
  const s = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? s.replace(/"/g, '\\"') : s;
}

/** Formats a sample value: `NaN`, `+Inf`, `-Inf`, or the shortest round-trip decimal. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** `a="x",b="y"` for label names and values. */
export function labelText(names: readonly string[], values: readonly string[]): string {
  let out = '';
  for (let i = 0; i < names.length; i++)
    out += `${i === 0 ? '' : ','}${names[i]}="${escapeLabelValue(values[i] ?? '')}"`;
  return out;
}

function exemplarText(e: Exemplar | undefined): string {
  if (e === undefined) return '';
  let labels = '';
  for (const k in e.labels)
    labels += `${labels === '' ? '' : ','}${k}="${escapeLabelValue(e.labels[k] as string)}"`;
  const ts = e.timestamp === undefined ? '' : ` ${formatValue(e.timestamp)}`;
  return ` # {${labels}} ${formatValue(e.value)}${ts}`;
}

/** Header lines and sample-name parts of a family, per format. */
interface Head {
  readonly text: string;
  /** Name of the value sample (counters: `_total`; info: `_info`). */
  readonly sample: string;
}

function head(f: MetricFamily, format: ExpositionFormat): Head {
  const om = format === 'openmetrics';
  if (!om) {
    const type = f.type === 'unknown' ? 'untyped' : f.type === 'info' ? 'gauge' : f.type;
    return {
      text: `# HELP ${f.name} ${escapeHelp(f.help, format)}\n# TYPE ${f.name} ${type}\n`,
      sample: f.name,
    };
  }
  let family = f.name;
  let sample = f.name;
  if (f.type === 'counter') {
    family = f.name.endsWith('_total') ? f.name.slice(0, -6) : f.name;
    sample = `${family}_total`;
  } else if (f.type === 'info') {
    family = f.name.endsWith('_info') ? f.name.slice(0, -5) : f.name;
    sample = `${family}_info`;
  }
  return { text: `# TYPE ${family} ${f.type}\n# HELP ${family} ${escapeHelp(f.help, format)}\n`, sample };
}

/** The reason a family cannot be rendered, or undefined when it can. */
function invalidFamily(f: MetricFamily): string | undefined {
  if (f === null || typeof f !== 'object') return 'not a metric family';
  if (typeof f.name !== 'string' || !METRIC_NAME.test(f.name)) return 'invalid metric name';
  if (
    !Array.isArray(f.labelNames) ||
    !f.labelNames.every((l) => LABEL_NAME.test(l) && l !== 'le' && l !== 'quantile')
  )
    return 'invalid label name';
  if (
    f.type === 'histogram' &&
    (!Array.isArray(f.bounds) || f.bounds.some((b, i) => i > 0 && b <= (f.bounds?.[i - 1] as number)))
  )
    return 'histogram bounds must ascend';
  if (f.points === null || typeof f.points !== 'object' || !(Symbol.iterator in f.points))
    return 'points are not iterable';
  return undefined;
}

/**
 * What the renderer keeps on a counter or gauge point (`MetricPoint.renderCache`)
 * between scrapes; histogram and summary points keep just their label text (a string).
 */
class LineCache {
  /** Last rendered line, and the value it shows. */
  line: string | undefined = undefined;
  value = Number.NaN;
  /** Label text without braces. */
  constructor(readonly labels: string) {}
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A point's label text (without braces), or undefined when its own label names are invalid. */
function freshLabels(valid: WeakSet<readonly string[]>, f: MetricFamily, p: MetricPoint): string | undefined {
  const names = p.labelNames ?? f.labelNames;
  if (names !== f.labelNames && !valid.has(names)) {
    if (!names.every((l) => LABEL_NAME.test(l))) return undefined;
    valid.add(names);
  }
  return labelText(names, p.labelValues);
}

/** Keeps `value` on the point for the next scrape (a WeakMap of 100k points made every major GC slow). */
function keep<T>(p: MetricPoint, value: T): T {
  if (Object.isExtensible(p)) p.renderCache = value;
  return value;
}

function labelsOf(valid: WeakSet<readonly string[]>, f: MetricFamily, p: MetricPoint): string | undefined {
  const cached = p.renderCache;
  if (typeof cached === 'string') return cached;
  const labels = freshLabels(valid, f, p);
  return labels === undefined ? undefined : keep(p, labels);
}

function lineCacheOf(
  valid: WeakSet<readonly string[]>,
  f: MetricFamily,
  p: MetricPoint,
): LineCache | undefined {
  const cached = p.renderCache;
  if (cached instanceof LineCache) return cached;
  const labels = freshLabels(valid, f, p);
  return labels === undefined ? undefined : keep(p, new LineCache(labels));
}

function scalar(h: Head, c: LineCache, p: MetricPoint, om: boolean): string {
  const ex = om ? exemplarText(p.exemplars?.[0]) : '';
  if (ex === '' && c.line !== undefined && Object.is(c.value, p.value)) return c.line;
  const line = `${h.sample}${c.labels === '' ? '' : `{${c.labels}}`} ${formatValue(p.value)}${ex}\n`;
  if (ex === '') {
    c.line = line;
    c.value = p.value;
  }
  return line;
}

/** Per family: `name_bucket{` and the `le` parts, with and without a leading comma. */
interface Buckets {
  readonly name: string;
  readonly le: readonly string[];
  readonly leAfterLabels: readonly string[];
}

function bucketsOf(f: MetricFamily): Buckets {
  const les = [...(f.bounds ?? []).map(formatValue), '+Inf'];
  return {
    name: `${f.name}_bucket{`,
    le: les.map((le) => `le="${le}"} `),
    leAfterLabels: les.map((le) => `,le="${le}"} `),
  };
}

function histogram(f: MetricFamily, b: Buckets, labels: string, p: MetricPoint, om: boolean): string {
  const counts = p.bucketCounts;
  const le = labels === '' ? b.le : b.leAfterLabels;
  if (counts === undefined || counts.length !== le.length)
    throw new Error('bucket counts do not match the bounds');
  // few concatenations per line: at 100k series every extra string piece is GC work
  const prefix = b.name + labels;
  const exemplars = om ? p.exemplars : undefined;
  let cumulative = 0;
  let out = '';
  for (let i = 0; i < le.length; i++) {
    cumulative += counts[i] as number;
    out +=
      exemplars === undefined
        ? `${prefix}${le[i]}${cumulative}\n`
        : `${prefix}${le[i]}${cumulative}${exemplarText(exemplars[i])}\n`;
  }
  const sum = p.sum ?? 0;
  // OpenMetrics: _sum and _count are counters; a histogram with negative buckets or a
  // negative (or NaN) sum exposes neither (the +Inf bucket still carries the count).
  if (om && (!(sum >= 0) || (f.bounds?.[0] ?? 0) < 0)) return out;
  const braces = labels === '' ? '' : `{${labels}}`;
  return `${out}${f.name}_sum${braces} ${formatValue(sum)}\n${f.name}_count${braces} ${cumulative}\n`;
}

function summary(f: MetricFamily, labels: string, p: MetricPoint): string {
  const qs = f.quantiles ?? [];
  const values = p.quantileValues ?? [];
  const sep = labels === '' ? '' : ',';
  let out = '';
  for (let i = 0; i < qs.length; i++)
    out += `${f.name}{${labels}${sep}quantile="${formatValue(qs[i] as number)}"} ${formatValue(values[i] as number)}\n`;
  const braces = labels === '' ? '' : `{${labels}}`;
  return `${out}${f.name}_sum${braces} ${formatValue(p.sum ?? 0)}\n${f.name}_count${braces} ${formatValue(p.value)}\n`;
}

/** One family's rendering state during a scrape. */
interface FamilyState {
  readonly f: MetricFamily;
  readonly h: Head;
  readonly b: Buckets | undefined;
  readonly om: boolean;
  readonly valid: WeakSet<readonly string[]>;
}

function point({ f, h, b, om, valid }: FamilyState, p: MetricPoint): string {
  if (f.type === 'histogram' || f.type === 'summary') {
    const labels = labelsOf(valid, f, p);
    if (labels === undefined) throw new Error('invalid label name');
    return b !== undefined ? histogram(f, b, labels, p, om) : summary(f, labels, p);
  }
  const c = lineCacheOf(valid, f, p);
  if (c === undefined) throw new Error('invalid label name');
  return scalar(h, c, p, om);
}

/** Creates a renderer (see {@link Renderer}). */
export function createRenderer(options: RendererOptions = {}): Renderer {
  const perChunk = options.seriesPerChunk ?? RENDERER_DEFAULTS.seriesPerChunk;
  if (!Number.isInteger(perChunk) || perChunk < 1)
    throw new RangeError('Glassbox exporter: seriesPerChunk must be a positive integer');
  const validNames = new WeakSet<readonly string[]>();
  const invalid = (family: string, reason: string) => {
    try {
      options.onInvalid?.(family, reason);
    } catch {
      // a broken callback must not break the scrape
    }
  };

  async function render(families: readonly MetricFamily[], format: ExpositionFormat): Promise<string[]> {
    const om = format === 'openmetrics';
    const parts: string[] = [];
    let budget = perChunk;
    for (const f of families) {
      const reason = invalidFamily(f);
      if (reason !== undefined) {
        invalid(typeof f?.name === 'string' ? f.name : '?', reason);
        continue;
      }
      const state: FamilyState = {
        f,
        h: head(f, format),
        b: f.type === 'histogram' ? bucketsOf(f) : undefined,
        om,
        valid: validNames,
      };
      let out = state.h.text;
      let failed: string | undefined;
      for (const p of f.points) {
        try {
          out += point(state, p);
        } catch (error) {
          failed ??= error instanceof Error ? error.message : 'point could not be rendered';
        }
        if (--budget === 0) {
          parts.push(out);
          out = '';
          budget = perChunk;
          await yieldToLoop();
        }
      }
      if (failed !== undefined) invalid(f.name, `series left out: ${failed}`);
      if (!om) out += '\n';
      parts.push(out);
    }
    return parts;
  }

  return { render };
}

/** Renders families to one string (OpenMetrics without `# EOF`): tests and small bodies. */
export async function renderFamilies(
  families: readonly MetricFamily[],
  format: ExpositionFormat,
): Promise<string> {
  return (await createRenderer({ seriesPerChunk: Number.MAX_SAFE_INTEGER }).render(families, format)).join(
    '',
  );
}
