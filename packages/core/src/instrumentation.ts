/**
 * Recording composition: one place that turns an adapter's options into a Glassbox
 * instance and the sources `/metrics` serves, so Express, Fastify and Nest (and a plain
 * worker) resolve them alike. The exporter only serves what this returns.
 *
 *
 * - `glassbox` given → record into it; serve `registry` and `sources` when given;
 * - `registry` given → a prom-client backend on it; serve it;
 * - neither → the native backend (fastest) plus prom-client's default process metrics
 *   in a private registry (`defaultMetrics: false` turns them off).
 */
import type { MetricsSource } from './families.js';
import { createGlassbox, GLASSBOX_DEFAULTS, type Glassbox, type GlassboxOptions } from './glassbox.js';
import { nativeBackend } from './native-backend.js';
import { type PromClientLike, type PromRegistryLike, promClientBackend } from './prom-client-backend.js';
import { promClientSource } from './prom-client-source.js';

/** The prom-client module, as far as process metrics need it. */
export interface PromClientWithDefaults extends PromClientLike {
  readonly Registry: new () => PromRegistryLike;
  /** Typed loosely so prom-client's own typings fit as they are. */
  collectDefaultMetrics(config: never): void;
}

/** Options of {@link setupInstrumentation}. */
export interface InstrumentationOptions {
  /** An existing Glassbox instance to record into. @default undefined */
  readonly glassbox?: Glassbox | undefined;
  /**
   * A prom-client registry: Glassbox's metrics are created in it (unless `glassbox` is
   * given) and `/metrics` serves it, next to your own metrics.
   * @default undefined
   */
  readonly registry?: PromRegistryLike | undefined;
  /** Options of the Glassbox created here (naming, series caps, logger); not with `glassbox`. @default {} */
  readonly glassboxOptions?: Omit<GlassboxOptions, 'backend'> | undefined;
  /**
   * Serve prom-client's default process metrics (`process_*`, `nodejs_*`) from a private
   * registry. Only when no `registry` is given (a registry of yours carries its own).
   * @default true
   */
  readonly defaultMetrics?: boolean | undefined;
  /** More sources for `/metrics` (e.g. the OpenTelemetry one). @default [] */
  readonly sources?: readonly MetricsSource[] | undefined;
}

/** What {@link setupInstrumentation} resolves. */
export interface Instrumentation {
  /** The instance to record into. */
  readonly glassbox: Glassbox;
  /** What `/metrics` serves, in order. Empty when a given `glassbox` comes with nothing to serve. */
  readonly sources: readonly MetricsSource[];
}

/**
 * Resolves an adapter's options (see {@link InstrumentationOptions}). `client` is the
 * prom-client module (`import * as client from 'prom-client'`), used for a `registry`
 * and for the default process metrics. Throws at start-up on contradictory options.
 */
export function setupInstrumentation(
  options: InstrumentationOptions,
  client: PromClientWithDefaults | undefined,
): Instrumentation {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox: options must be an object');
  const { glassbox, registry } = options;
  const extra = [...(options.sources ?? [])];
  if (glassbox !== undefined) {
    if (glassbox === null || typeof glassbox.counter !== 'function')
      throw new TypeError('Glassbox: options.glassbox must be a Glassbox instance (createGlassbox())');
    if (options.glassboxOptions !== undefined)
      throw new TypeError(
        'Glassbox: pass either glassbox (an existing instance) or glassboxOptions, not both',
      );
    return { glassbox, sources: [...(registry === undefined ? [] : [promClientSource(registry)]), ...extra] };
  }
  if (registry !== undefined) {
    if (client === undefined) throw new TypeError('Glassbox: a registry needs the prom-client module');
    const instance = createGlassbox({
      ...options.glassboxOptions,
      backend: promClientBackend({
        client,
        registry,
        exemplars: options.glassboxOptions?.exemplars ?? GLASSBOX_DEFAULTS.exemplars,
      }),
    });
    return { glassbox: instance, sources: [promClientSource(registry), ...extra] };
  }
  const native = nativeBackend();
  const instance = createGlassbox({ ...options.glassboxOptions, backend: native });
  const sources: MetricsSource[] = [native];
  if (options.defaultMetrics ?? true) {
    if (client === undefined || typeof client.collectDefaultMetrics !== 'function')
      throw new TypeError(
        'Glassbox: default process metrics need the prom-client module (or defaultMetrics: false)',
      );
    const processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry } as never);
    sources.push(promClientSource(processRegistry));
  }
  return { glassbox: instance, sources: [...sources, ...extra] };
}
