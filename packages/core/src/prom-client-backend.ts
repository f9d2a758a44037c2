/**
 * A backend on prom-client 15 or `@prometheus-io/client` (its successor under the
 * Prometheus org). The caller passes the library module and the registry: nothing is
 * registered in the library's global registry.
 */
import type {
  Backend,
  BackendCounterSeries,
  BackendGaugeSeries,
  BackendHistogramSeries,
  BackendMetric,
} from './backend.js';
import type { ResolvedDefinition } from './naming.js';
import { validateOptions } from './options.js';
import type { TraceContext } from './trace-context.js';

/** The subset of a prom-client registry this backend uses. */
export interface PromRegistryLike {
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
  metrics(): Promise<string>;
  readonly contentType: string;
  /** Registers a metric created with `registers: []` (used for histograms with exemplars). */
  registerMetric?(metric: never): void;
}

interface PromChildCounter {
  inc(value?: number): void;
}
interface PromChildGauge {
  set(value: number): void;
  inc(value?: number): void;
}
interface PromChildHistogram {
  observe(value: number): void;
}
interface PromMetricWithLabels<C> {
  labels(...values: string[]): C;
  remove(...values: string[]): void;
}
/** A histogram created with `enableExemplars: true`: its own `observe` takes exemplar labels. */
interface PromExemplarHistogram extends PromMetricWithLabels<PromChildHistogram> {
  observe(o: {
    labels: Record<string, string>;
    value: number;
    exemplarLabels: { trace_id: string; span_id: string };
  }): void;
}

/**
 * A metric class of the library. The configuration parameter is typed loosely on
 * purpose, so both prom-client's and @prometheus-io/client's own typings fit as they are.
 */
export type PromMetricClass = new (config: never) => unknown;

/** The parts of the prom-client module this backend uses (`import * as client from 'prom-client'`). */
export interface PromClientLike {
  readonly Counter: PromMetricClass;
  readonly Gauge: PromMetricClass;
  readonly Histogram: PromMetricClass;
}

interface MetricConfig {
  name: string;
  help: string;
  labelNames: string[];
  registers: unknown[];
  buckets?: number[];
}

/** Options of {@link promClientBackend}. */
export interface PromClientBackendOptions {
  /** The library module: `import * as client from 'prom-client'` (or `@prometheus-io/client`). */
  readonly client: PromClientLike;
  /** The registry to register metrics in: `new client.Registry()`. Never the global one unless you pass it. */
  readonly registry: PromRegistryLike;
  /**
   * Create histograms with prom-client's `enableExemplars`, so an observation made in a
   * trace keeps its trace id on its bucket (OpenMetrics only). `createGlassbox({ exemplars:
   * false })` records none either way; this also leaves the histograms as plain ones.
   * @default true
   */
  readonly exemplars?: boolean;
}

/** Defaults of {@link PromClientBackendOptions}. */
export const PROM_CLIENT_BACKEND_DEFAULTS = Object.freeze({ exemplars: true });

function checkFree(registry: PromRegistryLike, name: string): void {
  if (registry.getSingleMetric(name) !== undefined)
    throw new Error(
      `Glassbox: a metric named "${name}" is already registered in this registry (two Glassbox instances on one registry, or a clash with your own metrics)`,
    );
}

function wrap<C, S>(metric: unknown, toSeries: (child: C) => S): BackendMetric<S> {
  const m = metric as PromMetricWithLabels<C>;
  return {
    series: (values) => toSeries(m.labels(...values)),
    remove: (values) => m.remove(...values),
  };
}

/**
 * A histogram with prom-client's exemplars. prom-client refuses `enableExemplars` on a
 * registry of the Prometheus text type (it renders exemplars itself only in
 * OpenMetrics); here the exporter renders and negotiates the format, so the histogram
 * is created unregistered and then registered. A child (`labels()`) cannot take
 * exemplars: a traced observation goes through the metric's own `observe`.
 */
function exemplarHistogram(
  client: PromClientLike,
  registry: PromRegistryLike,
  config: MetricConfig,
  def: ResolvedDefinition,
): BackendMetric<BackendHistogramSeries> {
  const metric = new client.Histogram({
    ...config,
    buckets: [...(def.buckets ?? [])],
    enableExemplars: true,
  } as never) as PromExemplarHistogram;
  (registry.registerMetric as (m: unknown) => void).call(registry, metric);
  const names = def.labelNames;
  return {
    series(values) {
      const child = metric.labels(...values);
      const labels: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) labels[names[i] as string] = values[i] as string;
      return {
        observe: (v) => child.observe(v),
        observeWithExemplar: (value: number, trace: TraceContext) =>
          metric.observe({
            labels,
            value,
            exemplarLabels: { trace_id: trace.traceId, span_id: trace.spanId },
          }),
      };
    },
    remove: (values) => metric.remove(...values),
  };
}

/**
 * Creates a backend on a prom-client (or `@prometheus-io/client`) registry.
 *
 * @example
 * ```ts
 * import * as client from 'prom-client';
 * const registry = new client.Registry();
 * const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }) });
 * ```
 */
export function promClientBackend(options: PromClientBackendOptions): Backend {
  if (options !== null && typeof options === 'object')
    validateOptions('Glassbox promClientBackend', options, {
      client: ['object', 'function'],
      registry: 'object',
      exemplars: 'boolean',
    });
  const { client, registry } = options ?? ({} as PromClientBackendOptions);
  if (
    client === undefined ||
    typeof client?.Counter !== 'function' ||
    typeof client?.Histogram !== 'function'
  )
    throw new TypeError(
      "Glassbox: promClientBackend needs { client } — the prom-client module (import * as client from 'prom-client')",
    );
  if (
    registry === undefined ||
    registry === null ||
    typeof registry.getSingleMetric !== 'function' ||
    typeof registry.metrics !== 'function'
  )
    throw new TypeError('Glassbox: promClientBackend needs { registry } — a prom-client Registry instance');
  const exemplars =
    (options.exemplars ?? PROM_CLIENT_BACKEND_DEFAULTS.exemplars) &&
    typeof registry.registerMetric === 'function';
  const config = (def: ResolvedDefinition): MetricConfig => ({
    name: def.name,
    help: def.help,
    labelNames: [...def.labelNames],
    registers: [registry],
  });
  return {
    name: 'prom-client',
    counter(def: ResolvedDefinition) {
      checkFree(registry, def.name);
      const metric = new client.Counter(config(def) as never);
      return wrap<PromChildCounter, BackendCounterSeries>(metric, (c) => ({ inc: (v) => c.inc(v) }));
    },
    gauge(def: ResolvedDefinition) {
      checkFree(registry, def.name);
      const metric = new client.Gauge(config(def) as never);
      return wrap<PromChildGauge, BackendGaugeSeries>(metric, (c) => ({
        set: (v) => c.set(v),
        inc: (v) => c.inc(v),
      }));
    },
    histogram(def: ResolvedDefinition) {
      checkFree(registry, def.name);
      if (exemplars) return exemplarHistogram(client, registry, { ...config(def), registers: [] }, def);
      const metric = new client.Histogram({ ...config(def), buckets: [...(def.buckets ?? [])] } as never);
      return wrap<PromChildHistogram, BackendHistogramSeries>(metric, (c) => ({
        observe: (v) => c.observe(v),
      }));
    },
  };
}
