/**
 * The worker side: answers the primary's requests with a compact snapshot built from
 * the metric families of the worker's registry or backend, and offers a `MetricsSource` that asks the primary for the whole
 * cluster's metrics, so a scrape that reaches any worker sees every worker.
 */
import type { Glassbox, MetricsSource } from '@glassbox/core';
import { validateOptions } from '@glassbox/core';
import { type MergedFamily, mergeSnapshots } from './merge.js';
import {
  type HelloMessage,
  isClusterMessage,
  message,
  type ScrapeMessage,
  type SnapshotMessage,
} from './protocol.js';
import {
  type ClusterRegistryLike,
  type SnapshotMetric,
  snapshotRegistry,
  snapshotSource,
} from './snapshot.js';

/** The part of `process` a worker uses (injectable for tests). */
export interface WorkerProcessLike {
  send?:
    | ((
        message: unknown,
        sendHandle?: undefined,
        options?: undefined,
        callback?: (error: Error | null) => void,
      ) => boolean)
    | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Options of {@link setupClusterWorker}. */
export interface ClusterWorkerOptions {
  /**
   * The worker's prom-client registry (the one its Glassbox `promClientBackend` records
   * into, default metrics included). Give this or {@link ClusterWorkerOptions.backend}.
   * @default undefined
   */
  readonly registry?: ClusterRegistryLike;
  /**
   * The worker's Glassbox native backend (`nativeBackend()`), when it records without
   * prom-client, or any other metrics source (its families are snapshotted; gauges
   * follow the family's `aggregate` rule). Give this or {@link ClusterWorkerOptions.registry}.
   * @default undefined
   */
  readonly backend?: MetricsSource;
  /**
   * The worker's Glassbox instance: its definitions give each gauge its aggregation rule
   * (by exposed name, so naming options need nothing more), and snapshot failures are
   * counted in its `glassbox_instrumentation_errors_total{component="cluster"}`. Without
   * it, gauges follow prom-client's `aggregator` field (`sum` by default).
   * @default undefined
   */
  readonly glassbox?: Glassbox;
  /**
   * How long a scrape that reached this worker waits for the primary's aggregated
   * answer. Keep it above the primary's `timeoutMs` and below the exporter's.
   * @default 7000
   */
  readonly timeoutMs?: number;
  /** The worker process. @default process */
  readonly process?: WorkerProcessLike;
}

/** Defaults of {@link ClusterWorkerOptions}. */
export const CLUSTER_WORKER_DEFAULTS = Object.freeze({ timeoutMs: 7000 });

/** A worker set up for aggregation; as a `MetricsSource` it serves the whole cluster's metrics. */
export interface ClusterWorker extends MetricsSource {
  /** Asks the primary for the aggregated metrics (families). Rejects when no primary answers in time. */
  collect(): Promise<MergedFamily[]>;
  /** True once a Glassbox primary has acknowledged this worker. */
  readonly connected: boolean;
  /** Stops answering the primary and listening for messages. */
  close(): void;
}

/** Options resolved and checked at set-up. */
interface WorkerConfig {
  readonly snapshot: () => Promise<SnapshotMetric[]>;
  readonly glassbox: Glassbox | undefined;
  readonly timeoutMs: number;
  readonly proc: WorkerProcessLike;
}

function resolveWorkerOptions(options: ClusterWorkerOptions): WorkerConfig {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox cluster: options are required');
  validateOptions('Glassbox cluster', options, {
    registry: 'object',
    backend: 'object',
    glassbox: 'object',
    timeoutMs: 'number',
    process: 'object',
  });
  const { registry, backend, glassbox } = options;
  if ((registry === undefined) === (backend === undefined))
    throw new TypeError(
      'Glassbox cluster: setupClusterWorker needs exactly one of { registry } (the prom-client Registry the worker records into) or { backend } (its nativeBackend())',
    );
  if (registry !== undefined && (registry === null || typeof registry.getMetricsAsJSON !== 'function'))
    throw new TypeError(
      'Glassbox cluster: options.registry must be a prom-client Registry (getMetricsAsJSON)',
    );
  if (backend !== undefined && (backend === null || typeof backend.collect !== 'function'))
    throw new TypeError(
      'Glassbox cluster: options.backend must be a Glassbox nativeBackend() (or another metrics source)',
    );
  const timeoutMs = options.timeoutMs ?? CLUSTER_WORKER_DEFAULTS.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new RangeError(`Glassbox cluster: timeoutMs must be a positive number, got ${String(timeoutMs)}`);
  const proc = options.process ?? (process as unknown as WorkerProcessLike);
  if (typeof proc.send !== 'function')
    throw new Error(
      'Glassbox cluster: setupClusterWorker() needs an IPC channel to the primary (run it in a node:cluster worker)',
    );
  const snapshot = () =>
    backend !== undefined
      ? snapshotSource(backend, glassbox)
      : snapshotRegistry(registry as ClusterRegistryLike, glassbox);
  return { snapshot, glassbox, timeoutMs, proc };
}

/** Sends to the primary; a failure (thrown, called back, or no channel) goes to `onError`. */
function sender(proc: WorkerProcessLike): (msg: unknown, onError?: (error: Error) => void) => void {
  return (msg, onError) => {
    try {
      const ok = proc.send?.(msg, undefined, undefined, (error) => {
        if (error) onError?.(error);
      });
      if (ok === undefined) onError?.(new Error('no IPC channel'));
    } catch (error) {
      onError?.(error instanceof Error ? error : new Error('send failed'));
    }
  };
}

interface Waiting {
  resolve(metrics: SnapshotMetric[]): void;
  reject(error: Error): void;
}

/** Waits for the primary's answer to scrape `id`, at most `timeoutMs`. */
function awaitAnswer(
  waiting: Map<string, Waiting>,
  id: string,
  timeoutMs: number,
): Promise<SnapshotMetric[]> {
  return new Promise<SnapshotMetric[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error(`Glassbox cluster: the primary did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref?.();
    waiting.set(id, {
      resolve: (metrics) => {
        clearTimeout(timer);
        resolve(metrics);
      },
      reject: (error) => {
        clearTimeout(timer);
        reject(error);
      },
    });
  });
}

/**
 * Sets up a cluster worker: from now on it answers the primary's snapshot requests.
 * Throws when the process has no IPC channel (not a cluster worker).
 *
 * @example
 * ```ts
 * const registry = new client.Registry();
 * const glassbox = createGlassbox({ backend: promClientBackend({ client, registry }) });
 * const clusterMetrics = setupClusterWorker({ registry, glassbox });
 * // optional: serve the whole cluster's metrics from this worker's port too
 * app.get('/metrics', createMetricsHandler({ sources: [clusterMetrics] }));
 * ```
 */
export function setupClusterWorker(options: ClusterWorkerOptions): ClusterWorker {
  const { snapshot, glassbox, timeoutMs, proc } = resolveWorkerOptions(options);
  const send = sender(proc);
  let connected = false;
  let closed = false;
  let seq = 0;
  const waiting = new Map<string, Waiting>();
  const report = (cause: string, error: unknown) => {
    try {
      glassbox?.reportError('cluster', cause, error);
    } catch {
      // never reach the host
    }
  };

  async function answer(id: string): Promise<void> {
    let reply: SnapshotMessage;
    try {
      reply = message<SnapshotMessage>({ type: 'snapshot', id, metrics: await snapshot() });
    } catch (error) {
      report('snapshotting the registry for the primary failed', error);
      const text = error instanceof Error ? error.message : 'snapshot failed';
      reply = message<SnapshotMessage>({ type: 'snapshot', id, error: text });
    }
    if (!closed) send(reply, (error) => report('sending the snapshot to the primary failed', error));
  }

  const onMessage = (msg: unknown): void => {
    if (closed || !isClusterMessage(msg)) return;
    if (msg.type === 'welcome') {
      connected = true;
      if (msg.probe) send(message<HelloMessage>({ type: 'hello' }));
    } else if (msg.type === 'collect' && typeof msg.id === 'string') void answer(msg.id);
    else if (msg.type === 'scrape-result' && typeof msg.id === 'string') {
      const w = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (Array.isArray(msg.metrics)) w?.resolve(msg.metrics);
      else w?.reject(new Error(`Glassbox cluster: the primary could not aggregate: ${String(msg.error)}`));
    }
  };
  proc.on('message', onMessage);
  send(message<HelloMessage>({ type: 'hello' }), (error) =>
    report('announcing to the primary failed', error),
  );

  return {
    get connected() {
      return connected;
    },
    async collect(): Promise<MergedFamily[]> {
      if (closed) throw new Error('Glassbox cluster: the worker source is closed');
      if (!connected)
        throw new Error(
          'Glassbox cluster: no Glassbox primary has answered this worker (is setupClusterPrimary() running in the primary? Under PM2 there is none: see the cluster guide)',
        );
      const id = `${process.pid}.${++seq}`;
      const answered = awaitAnswer(waiting, id, timeoutMs);
      send(message<ScrapeMessage>({ type: 'scrape', id }), (error) => {
        const w = waiting.get(id);
        waiting.delete(id);
        w?.reject(new Error(`Glassbox cluster: could not reach the primary (${error.message})`));
      });
      // The primary's answer is one process' snapshot of the merged metrics.
      return mergeSnapshots([{ worker: 'primary', metrics: await answered }]);
    },
    close() {
      if (closed) return;
      closed = true;
      proc.off('message', onMessage);
      for (const w of waiting.values()) w.reject(new Error('Glassbox cluster: the worker source is closed'));
      waiting.clear();
    },
  };
}
