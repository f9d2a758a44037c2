/**
 * The native backend: Glassbox's own storage (one small object per series, a
 * Float64Array of bucket counts per histogram series, label text rendered once when the
 * series is created; a counter or gauge keeps its rendered line until its next write)
 * and its own exposition renderer, which yields to the event loop between chunks so a
 * large scrape never blocks the process for long.
 *
 * It is also the in-memory backend for users' tests: every value can be read back by
 * labels. `inMemoryBackend()` and `nativeBackend()` are the same thing.
 */
import type { Backend, BackendMetric } from './backend.js';
import type { ResolvedDefinition } from './naming.js';

/** A histogram read back. */
export interface DistributionSnapshot {
  /** Number of observations. */
  readonly count: number;
  /** Sum of observations. */
  readonly sum: number;
  /** Cumulative counts per upper bound, `+Inf` last. */
  readonly buckets: ReadonlyArray<{ readonly le: number; readonly count: number }>;
}

/** One series read back. */
export interface SeriesSnapshot {
  readonly labels: Readonly<Record<string, string>>;
  /** Counter or gauge value; for histograms, the observation count. */
  readonly value: number;
  /** Present on histograms. */
  readonly distribution?: DistributionSnapshot;
}

/** Exposition formats the native backend renders. */
export type NativeExpositionFormat = 'prometheus' | 'openmetrics';

/** Options of {@link nativeBackend}. */
export interface NativeBackendOptions {
  /**
   * Series rendered between two yields to the event loop while serving a scrape. Lower
   * means shorter stalls and a slightly slower scrape.
   * @default 500
   */
  readonly seriesPerChunk?: number;
}

/** Defaults of {@link NativeBackendOptions}. */
export const NATIVE_BACKEND_DEFAULTS = Object.freeze({ seriesPerChunk: 500 });

/**
 * The native backend: a {@link Backend}, a metrics source for `@glassbox/exporter`
 * (`formats` + `collect`), and read-back methods for tests. Names are exposed names.
 */
export interface InMemoryBackend extends Backend {
  /** Formats `collect` renders (the exporter's source interface). */
  readonly formats: readonly NativeExpositionFormat[];
  /**
   * Renders every metric in the exposition format (OpenMetrics without the final
   * `# EOF`, which the exporter adds). Yields to the event loop between chunks.
   */
  collect(format: NativeExpositionFormat): Promise<string>;
  /**
   * The same text as `collect`, as chunks of about `seriesPerChunk` series, for the
   * exporter to stream without ever holding (or blocking on) one large string.
   */
  collectChunks(format: NativeExpositionFormat): Promise<string[]>;
  /** Sum of the values of the series matching `labels` (a subset filter); 0 when none match. */
  value(name: string, labels?: Readonly<Record<string, string>>): number;
  /** Merged distribution of the histogram series matching `labels`; undefined when none match. */
  distribution(name: string, labels?: Readonly<Record<string, string>>): DistributionSnapshot | undefined;
  /** Every series of a metric. */
  series(name: string): SeriesSnapshot[];
  /** Names of the metrics created. */
  metricNames(): string[];
  /** The resolved definition of a metric, by exposed name. */
  definition(name: string): ResolvedDefinition | undefined;
  /** Forgets every recorded value (metrics stay defined). */
  reset(): void;
}

interface Cell {
  readonly values: readonly string[];
  /** `a="x",b="y"` — rendered once. */
  readonly labelText: string;
  value: number;
  sum: number;
  counts: Float64Array | undefined;
  /** Rendered sample line of a counter or gauge (Prometheus text), kept until the next write. */
  text: string | undefined;
}

interface Store {
  readonly def: ResolvedDefinition;
  readonly cells: Map<string, Cell>;
  /** For histograms: `,le="0.1"} ` per bucket, `+Inf` last (or without the comma when no labels). */
  readonly leSuffix: readonly string[];
  readonly leSuffixBare: readonly string[];
}

function keyOf(values: readonly string[]): string {
  return values.length === 1 ? (values[0] as string) : values.join('\u0001');
}

/** Escapes a label value for the exposition formats. */
export function escapeLabelValue(value: string): string {
  return /[\\\n"]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
    : value;
}

function escapeHelp(value: string, openMetrics: boolean): string {
  const s = value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return openMetrics ? s.replace(/"/g, '\\"') : s;
}

/** Formats a sample value: `NaN`, `+Inf`, `-Inf`, or the shortest round-trip decimal. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Creates the native backend (see {@link InMemoryBackend}). */
export function nativeBackend(options: NativeBackendOptions = {}): InMemoryBackend {
  const chunk = options.seriesPerChunk ?? NATIVE_BACKEND_DEFAULTS.seriesPerChunk;
  if (!Number.isInteger(chunk) || chunk < 1)
    throw new RangeError('Glassbox: seriesPerChunk must be a positive integer');
  const stores = new Map<string, Store>();

  function store(def: ResolvedDefinition): Store {
    if (stores.has(def.name))
      throw new Error(`Glassbox: metric "${def.name}" is already defined in this backend`);
    const les = def.buckets === undefined ? [] : [...def.buckets.map(formatSampleValue), '+Inf'];
    const s: Store = {
      def,
      cells: new Map(),
      leSuffix: les.map((le) => `,le="${le}"} `),
      leSuffixBare: les.map((le) => `le="${le}"} `),
    };
    stores.set(def.name, s);
    return s;
  }

  function cell(s: Store, values: readonly string[]): Cell {
    const key = keyOf(values);
    let c = s.cells.get(key);
    if (c === undefined) {
      const names = s.def.labelNames;
      let labelText = '';
      for (let i = 0; i < names.length; i++) {
        labelText += `${i === 0 ? '' : ','}${names[i]}="${escapeLabelValue(values[i] ?? '')}"`;
      }
      const buckets = s.def.buckets;
      c = {
        values: [...values],
        labelText,
        value: 0,
        sum: 0,
        counts: buckets === undefined ? undefined : new Float64Array(buckets.length + 1),
        text: undefined,
      };
      s.cells.set(key, c);
    }
    return c;
  }

  function metric<S>(s: Store, make: (c: Cell) => S): BackendMetric<S> {
    return {
      series: (values) => make(cell(s, values)),
      remove: (values) => {
        s.cells.delete(keyOf(values));
      },
    };
  }

  function matching(
    name: string,
    labels: Readonly<Record<string, string>> = {},
  ): { s: Store | undefined; cells: Cell[] } {
    const s = stores.get(name);
    if (s === undefined) return { s, cells: [] };
    const idx = Object.entries(labels).map(([k, v]) => [s.def.labelNames.indexOf(k), v] as const);
    if (idx.some(([i]) => i < 0)) return { s, cells: [] };
    const cells = [...s.cells.values()].filter((c) => idx.every(([i, v]) => c.values[i] === v));
    return { s, cells };
  }

  function snapshot(def: ResolvedDefinition, cells: Cell[]): DistributionSnapshot {
    const bounds = def.buckets ?? [];
    const merged = new Float64Array(bounds.length + 1);
    let sum = 0;
    for (const c of cells) {
      sum += c.sum;
      if (c.counts) for (let i = 0; i < merged.length; i++) merged[i] = (merged[i] ?? 0) + (c.counts[i] ?? 0);
    }
    let cumulative = 0;
    const buckets = [...bounds, Number.POSITIVE_INFINITY].map((le, i) => {
      cumulative += merged[i] ?? 0;
      return { le, count: cumulative };
    });
    return { count: cumulative, sum, buckets };
  }

  async function collectChunks(format: NativeExpositionFormat): Promise<string[]> {
    const om = format === 'openmetrics';
    const parts: string[] = [];
    let budget = chunk;
    for (const s of [...stores.values()]) {
      const { def } = s;
      const kind = def.kind;
      const family = om && kind === 'counter' ? def.name.slice(0, -'_total'.length) : def.name;
      let out = om
        ? `# TYPE ${family} ${kind}\n# HELP ${family} ${escapeHelp(def.help, true)}\n`
        : `# HELP ${def.name} ${escapeHelp(def.help, false)}\n# TYPE ${def.name} ${kind}\n`;
      if (kind === 'histogram') {
        const bucketName = `${def.name}_bucket{`;
        const sumName = `${def.name}_sum`;
        const countName = `${def.name}_count`;
        // Histogram text is not cached (about 1.3 KB per series, 14 lines): rendering
        // it each scrape costs less than keeping it in memory between scrapes.
        for (const c of s.cells.values()) {
          const counts = c.counts as Float64Array;
          const le = c.labelText === '' ? s.leSuffixBare : s.leSuffix;
          const prefix = `${bucketName}${c.labelText}`;
          let cumulative = 0;
          let text = '';
          for (let i = 0; i < counts.length; i++) {
            cumulative += counts[i] as number;
            text += `${prefix}${le[i]}${cumulative}\n`;
          }
          const braces = c.labelText === '' ? '' : `{${c.labelText}}`;
          text += `${sumName}${braces} ${formatSampleValue(c.sum)}\n${countName}${braces} ${cumulative}\n`;
          out += text;
          if (--budget === 0) {
            parts.push(out);
            out = '';
            budget = chunk;
            await yieldToLoop();
          }
        }
      } else {
        for (const c of s.cells.values()) {
          let text = c.text;
          if (text === undefined) {
            text = `${def.name}${c.labelText === '' ? '' : `{${c.labelText}}`} ${formatSampleValue(c.value)}\n`;
            c.text = text;
          }
          out += text;
          if (--budget === 0) {
            parts.push(out);
            out = '';
            budget = chunk;
            await yieldToLoop();
          }
        }
      }
      if (!om) out += '\n';
      parts.push(out);
    }
    return parts;
  }

  return {
    name: 'native',
    formats: ['prometheus', 'openmetrics'],
    collect: async (format) => (await collectChunks(format)).join(''),
    collectChunks,
    counter: (def) =>
      metric(store(def), (c) => ({
        inc: (v: number) => {
          c.value += v;
          c.text = undefined;
        },
      })),
    gauge: (def) =>
      metric(store(def), (c) => ({
        set: (v: number) => {
          c.value = v;
          c.text = undefined;
        },
        inc: (v: number) => {
          c.value += v;
          c.text = undefined;
        },
      })),
    histogram: (def) => {
      const bounds = Float64Array.from(def.buckets ?? []);
      const n = bounds.length;
      return metric(store(def), (c) => {
        const counts = c.counts as Float64Array;
        return {
          observe: (v: number) => {
            let i = 0;
            while (i < n && v > (bounds[i] as number)) i++;
            counts[i] = (counts[i] as number) + 1;
            c.sum += v;
            c.value += 1;
          },
        };
      });
    },
    value(name, labels) {
      let total = 0;
      for (const c of matching(name, labels).cells) total += c.value;
      return total;
    },
    distribution(name, labels) {
      const { s, cells } = matching(name, labels);
      if (s === undefined || cells.length === 0) return undefined;
      return snapshot(s.def, cells);
    },
    series(name) {
      const s = stores.get(name);
      if (s === undefined) return [];
      return [...s.cells.values()].map((c) => {
        const labels = Object.fromEntries(s.def.labelNames.map((l, i) => [l, c.values[i] as string]));
        return c.counts === undefined
          ? { labels, value: c.value }
          : { labels, value: c.value, distribution: snapshot(s.def, [c]) };
      });
    },
    metricNames: () => [...stores.keys()],
    definition: (name) => stores.get(name)?.def,
    reset() {
      for (const s of stores.values()) {
        for (const c of s.cells.values()) {
          c.value = 0;
          c.sum = 0;
          c.counts?.fill(0);
          c.text = undefined;
        }
      }
    },
  };
}

/** The in-memory backend for tests: the native backend (see {@link nativeBackend}). */
export const inMemoryBackend: (options?: NativeBackendOptions) => InMemoryBackend = nativeBackend;
