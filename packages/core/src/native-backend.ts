/**
 * The native backend: Glassbox's own storage and the default backend of every adapter.
 * One small object per series (a Float64Array of per-bucket counts per histogram
 * series), handed to the exporter as metric families without copying: the exporter's
 * renderer keeps each series' label text and unchanged counter lines between scrapes.
 *
 * Its read-back methods (`value`, `distribution`, `series`) serve users' tests; they
 * read the same families the exporter renders (see `@glassbox/core/testing`).
 */
import type { Backend, BackendMetric } from './backend.js';
import type { MetricFamily, MetricPoint, MetricsSource } from './families.js';
import type { ResolvedDefinition } from './naming.js';
import {
  type DistributionSnapshot,
  type MetricsReadBack,
  readBack,
  type SeriesSnapshot,
} from './read-back.js';

export type { DistributionSnapshot, SeriesSnapshot };

/** Options of {@link nativeBackend}. */
export type NativeBackendOptions = {};

/** Defaults of {@link NativeBackendOptions}. */
export const NATIVE_BACKEND_DEFAULTS = Object.freeze({});

/**
 * The native backend: a {@link Backend}, a {@link MetricsSource} for the exporter, and
 * read-back for tests ({@link MetricsReadBack}). Names are exposed names.
 */
export interface NativeBackend extends Backend, MetricsSource, MetricsReadBack {
  /** The families of every metric created, in creation order (the same objects each call). */
  collect(): readonly MetricFamily[];
  /** The resolved definition of a metric, by exposed name. */
  definition(name: string): ResolvedDefinition | undefined;
  /** Forgets every recorded value (metrics stay defined). */
  reset(): void;
}

/** One series: a {@link MetricPoint} the backend updates in place. */
interface Cell extends MetricPoint {
  readonly labelValues: readonly string[];
  value: number;
  sum: number;
  readonly bucketCounts: Float64Array | undefined;
  renderCache: unknown;
}

interface Store {
  readonly def: ResolvedDefinition;
  readonly cells: Map<string, Cell>;
  readonly family: MetricFamily;
}

function keyOf(values: readonly string[]): string {
  return values.length === 1 ? (values[0] as string) : values.join('\u0001');
}

/** Creates the native backend (see {@link NativeBackend}). */
export function nativeBackend(options: NativeBackendOptions = {}): NativeBackend {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox: nativeBackend options must be an object');
  const unknown = Object.keys(options);
  if (unknown.length > 0)
    throw new Error(`Glassbox: nativeBackend has no option "${unknown[0]}" (it takes none)`);
  const stores = new Map<string, Store>();
  const families: MetricFamily[] = [];

  function store(def: ResolvedDefinition): Store {
    if (stores.has(def.name))
      throw new Error(`Glassbox: metric "${def.name}" is already defined in this backend`);
    const cells = new Map<string, Cell>();
    const family: MetricFamily = {
      name: def.name,
      type: def.kind,
      help: def.help,
      labelNames: def.labelNames,
      bounds: def.buckets,
      aggregate: def.kind === 'gauge' ? def.aggregate : undefined,
      points: { [Symbol.iterator]: () => cells.values() },
    };
    const s: Store = { def, cells, family };
    stores.set(def.name, s);
    families.push(family);
    return s;
  }

  function cell(s: Store, values: readonly string[]): Cell {
    const key = keyOf(values);
    let c = s.cells.get(key);
    if (c === undefined) {
      const buckets = s.def.buckets;
      c = {
        labelValues: [...values],
        value: 0,
        sum: 0,
        bucketCounts: buckets === undefined ? undefined : new Float64Array(buckets.length + 1),
        renderCache: undefined,
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

  const read = readBack(() => families);
  return {
    name: 'native',
    collect: () => families,
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
      const bounds = Float64Array.from(def.buckets ?? []);
      const n = bounds.length;
      return metric(store(def), (c) => {
        const counts = c.bucketCounts as Float64Array;
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
    value: read.value,
    distribution: read.distribution,
    series: read.series,
    metricNames: read.metricNames,
    definition: (name) => stores.get(name)?.def,
    reset() {
      for (const s of stores.values()) {
        for (const c of s.cells.values()) {
          c.value = 0;
          c.sum = 0;
          c.bucketCounts?.fill(0);
        }
      }
    },
  };
}
