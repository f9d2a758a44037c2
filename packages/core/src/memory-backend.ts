/**
 * An in-memory backend with read-back, for users' tests: record through the same
 * instruments as production, then assert on values by labels.
 */
import type { Backend, BackendMetric } from './backend.js';
import type { ResolvedDefinition } from './naming.js';

/** A histogram read back from the in-memory backend. */
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

/** The in-memory backend: a {@link Backend} plus read-back methods. Names are the exposed names. */
export interface InMemoryBackend extends Backend {
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
  readonly labels: readonly string[];
  value: number;
  sum: number;
  counts: Float64Array | undefined;
}

interface Store {
  readonly def: ResolvedDefinition;
  readonly cells: Map<string, Cell>;
}

function keyOf(values: readonly string[]): string {
  return values.join('\u0001');
}

/** Creates an in-memory backend (see {@link InMemoryBackend}). */
export function inMemoryBackend(): InMemoryBackend {
  const stores = new Map<string, Store>();

  function store(def: ResolvedDefinition): Store {
    if (stores.has(def.name))
      throw new Error(`Glassbox: metric "${def.name}" is already defined in this backend`);
    const s: Store = { def, cells: new Map() };
    stores.set(def.name, s);
    return s;
  }

  function cell(s: Store, values: readonly string[]): Cell {
    const key = keyOf(values);
    let c = s.cells.get(key);
    if (c === undefined) {
      const buckets = s.def.buckets;
      c = {
        labels: [...values],
        value: 0,
        sum: 0,
        counts: buckets === undefined ? undefined : new Float64Array(buckets.length + 1),
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
  ): { s: Store; cells: Cell[] } {
    const s = stores.get(name);
    if (s === undefined) return { s: undefined as unknown as Store, cells: [] };
    const idx = Object.entries(labels).map(([k, v]) => [s.def.labelNames.indexOf(k), v] as const);
    if (idx.some(([i]) => i < 0)) return { s, cells: [] };
    const cells = [...s.cells.values()].filter((c) => idx.every(([i, v]) => c.labels[i] === v));
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

  return {
    name: 'memory',
    counter: (def) =>
      metric(store(def), (c) => ({
        inc: (v: number) => {
          c.value += v;
        },
      })),
    gauge: (def) =>
      metric(store(def), (c) => ({
        set: (v: number) => {
          c.value = v;
        },
        inc: (v: number) => {
          c.value += v;
        },
      })),
    histogram: (def) => {
      const bounds = def.buckets ?? [];
      return metric(store(def), (c) => ({
        observe: (v: number) => {
          let i = 0;
          while (i < bounds.length && v > (bounds[i] as number)) i++;
          const counts = c.counts as Float64Array;
          counts[i] = (counts[i] ?? 0) + 1;
          c.sum += v;
          c.value += 1;
        },
      }));
    },
    value(name, labels) {
      let total = 0;
      for (const c of matching(name, labels).cells) total += c.value;
      return total;
    },
    distribution(name, labels) {
      const { s, cells } = matching(name, labels);
      if (cells.length === 0) return undefined;
      return snapshot(s.def, cells);
    },
    series(name) {
      const s = stores.get(name);
      if (s === undefined) return [];
      return [...s.cells.values()].map((c) => {
        const labels = Object.fromEntries(s.def.labelNames.map((l, i) => [l, c.labels[i] as string]));
        return c.counts === undefined
          ? { labels, value: c.value }
          : { labels, value: c.value, distribution: snapshot(s.def, [c]) };
      });
    },
    metricNames: () => [...stores.keys()],
    definition: (name) => stores.get(name)?.def,
    reset() {
      for (const s of stores.values()) s.cells.clear();
    },
  };
}
