/**
 * The native backend: Glassbox's own storage and the default backend of every adapter.
 * One small object per series (a Float64Array of per-bucket counts per histogram
 * series), handed to the exporter as metric families without copying: the exporter's
 * renderer keeps each series' label text and unchanged counter lines between scrapes.
 *
 * Its read-back methods (`value`, `distribution`, `series`) serve users' tests; they
 * read the same families the exporter renders (see `@glassbox/core/testing`).
 */
import type { Backend, BackendHistogramSeries, BackendMetric } from './backend.js';
import type { Exemplar, MetricFamily, MetricPoint, MetricsSource } from './families.js';
import type { ResolvedDefinition } from './naming.js';
import { validateOptions } from './options.js';
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
  /** Histograms: the latest exemplar per bucket, created at the first traced observation. */
  exemplars: Array<Exemplar | undefined> | undefined;
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

/** The metrics of one backend, by exposed name, and their families in creation order. */
interface State {
  readonly stores: Map<string, Store>;
  readonly families: MetricFamily[];
}

function createStore(state: State, def: ResolvedDefinition): Store {
  if (state.stores.has(def.name))
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
  state.stores.set(def.name, s);
  state.families.push(family);
  return s;
}

function cellOf(s: Store, values: readonly string[]): Cell {
  const key = keyOf(values);
  let c = s.cells.get(key);
  if (c === undefined) {
    const buckets = s.def.buckets;
    c = {
      labelValues: [...values],
      value: 0,
      sum: 0,
      bucketCounts: buckets === undefined ? undefined : new Float64Array(buckets.length + 1),
      exemplars: undefined,
      renderCache: undefined,
    };
    s.cells.set(key, c);
  }
  return c;
}

function metricOf<S>(s: Store, make: (c: Cell) => S): BackendMetric<S> {
  return {
    series: (values) => make(cellOf(s, values)),
    remove: (values) => {
      s.cells.delete(keyOf(values));
    },
  };
}

function histogramSeries(def: ResolvedDefinition): (c: Cell) => BackendHistogramSeries {
  const bounds = Float64Array.from(def.buckets ?? []);
  const n = bounds.length;
  return (c) => {
    const counts = c.bucketCounts as Float64Array;
    const add = (v: number): number => {
      let i = 0;
      while (i < n && v > (bounds[i] as number)) i++;
      counts[i] = (counts[i] as number) + 1;
      c.sum += v;
      c.value += 1;
      return i;
    };
    return {
      observe: add,
      observeWithExemplar: (v, trace) => {
        const i = add(v);
        if (c.exemplars === undefined) c.exemplars = new Array<Exemplar | undefined>(n + 1).fill(undefined);
        // One per bucket, the latest wins: memory is bounded by the bucket count.
        c.exemplars[i] = {
          labels: { trace_id: trace.traceId, span_id: trace.spanId },
          value: v,
          timestamp: Date.now() / 1000,
        };
      },
    };
  };
}

function resetAll(state: State): void {
  for (const s of state.stores.values()) {
    for (const c of s.cells.values()) {
      c.value = 0;
      c.sum = 0;
      c.bucketCounts?.fill(0);
      c.exemplars = undefined;
    }
  }
}

/** Creates the native backend (see {@link NativeBackend}). */
export function nativeBackend(options: NativeBackendOptions = {}): NativeBackend {
  validateOptions('Glassbox nativeBackend', options, {});
  const state: State = { stores: new Map(), families: [] };
  const read = readBack(() => state.families);
  return {
    name: 'native',
    collect: () => state.families,
    counter: (def) =>
      metricOf(createStore(state, def), (c) => ({
        inc: (v: number) => {
          c.value += v;
        },
      })),
    gauge: (def) =>
      metricOf(createStore(state, def), (c) => ({
        set: (v: number) => {
          c.value = v;
        },
        inc: (v: number) => {
          c.value += v;
        },
      })),
    histogram: (def) => metricOf(createStore(state, def), histogramSeries(def)),
    value: read.value,
    distribution: read.distribution,
    series: read.series,
    metricNames: read.metricNames,
    definition: (name) => state.stores.get(name)?.def,
    reset: () => resetAll(state),
  };
}
