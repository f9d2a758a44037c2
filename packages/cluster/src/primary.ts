/**
 * The primary side: asks every worker for a snapshot over the cluster IPC channel,
 * waits at most `timeoutMs`, merges what came back and serves it as a `MetricsSource`
 * for the exporter. A dead, slow or Glassbox-less worker never hangs or crashes the
 * scrape: it is left out (or fails the scrape, by option) and counted by reason.
 */
import nodeCluster from 'node:cluster';
import {
  type BoundCounter,
  type BoundGauge,
  consoleLogger,
  createGlassbox,
  type Glassbox,
  type Logger,
  type NativeBackend,
  nativeBackend,
  silentLogger,
} from '@glassbox/core';
import type { ExpositionFormat, MetricsSource } from '@glassbox/exporter';
import { mergeSnapshots, type Participant, renderFamilies } from './merge.js';
import { clusterMetrics, WORKER_FAILURE_REASONS, type WorkerFailureReason } from './metrics.js';
import {
  type CollectMessage,
  isClusterMessage,
  message,
  type ScrapeResultMessage,
  type WelcomeMessage,
} from './protocol.js';
import {
  type ClusterRegistryLike,
  type SnapshotMetric,
  snapshotInMemory,
  snapshotRegistry,
} from './snapshot.js';

/** The part of a `node:cluster` Worker the primary uses. */
export interface ClusterWorkerHandle {
  readonly id: number;
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  isConnected(): boolean;
  isDead(): boolean;
}

/** The part of the `node:cluster` module the primary uses (injectable for tests). */
export interface ClusterLike {
  readonly isPrimary?: boolean;
  readonly workers?: Readonly<Record<string, ClusterWorkerHandle | undefined>> | undefined;
  on(event: 'message', listener: (worker: ClusterWorkerHandle, message: unknown) => void): unknown;
  on(event: 'exit' | 'disconnect', listener: (worker: ClusterWorkerHandle) => void): unknown;
  off(event: 'message', listener: (worker: ClusterWorkerHandle, message: unknown) => void): unknown;
  off(event: 'exit' | 'disconnect', listener: (worker: ClusterWorkerHandle) => void): unknown;
}

/** Options of {@link setupClusterPrimary}. */
export interface ClusterPrimaryOptions {
  /**
   * The primary's Glassbox instance: the `glassbox_cluster_*` metrics are recorded on it
   * (they reach the output when it records into {@link ClusterPrimaryOptions.registry} or
   * {@link ClusterPrimaryOptions.backend}).
   * Without one, an internal instance on an in-memory backend records them and they are
   * merged into the output.
   * @default an internal instance
   */
  readonly glassbox?: Glassbox;
  /**
   * The primary's own prom-client registry, merged as one more process (worker label
   * `primary`). Serve it this way rather than as a second exporter source, so metric
   * families present in both (such as `glassbox_instrumentation_errors_total`) are
   * merged instead of exposed twice.
   * @default undefined
   */
  readonly registry?: ClusterRegistryLike;
  /**
   * The primary's own Glassbox native backend (`nativeBackend()`), merged like
   * {@link ClusterPrimaryOptions.registry}.
   * @default undefined
   */
  readonly backend?: NativeBackend;
  /**
   * How long a scrape waits for the workers' answers. Keep it below the exporter's
   * `timeoutMs` (10 s by default) and Prometheus' `scrape_timeout`.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /**
   * What a scrape does when a worker is missing (timed out, exited, no Glassbox, error):
   * `'partial'` serves the workers that answered (the miss is counted in
   * `glassbox_cluster_worker_scrape_failures_total`); `'fail'` makes `collect` throw, so
   * the exporter answers 500 and Prometheus marks the target down.
   * @default 'partial'
   */
  readonly onWorkerFailure?: 'partial' | 'fail';
  /** Label that tells workers apart on gauges whose rule is `worker`. @default 'worker' */
  readonly workerLabel?: string;
  /** Answer scrapes that reached a worker (the worker asks the primary). @default true */
  readonly serveWorkers?: boolean;
  /** Where warnings go (each cause once); `null` silences them. @default console */
  readonly logger?: Logger | null;
  /** The cluster module. @default the `node:cluster` module */
  readonly cluster?: ClusterLike;
}

/** Defaults of {@link ClusterPrimaryOptions}. */
export const CLUSTER_PRIMARY_DEFAULTS = Object.freeze({
  timeoutMs: 5000,
  onWorkerFailure: 'partial' as const,
  workerLabel: 'worker',
  serveWorkers: true,
});

/** One worker missing from a scrape. */
export interface WorkerFailure {
  readonly worker: number;
  readonly reason: WorkerFailureReason;
}

/** What happened in one scrape. */
export interface ScrapeReport {
  /** Workers asked. */
  readonly asked: number;
  /** Ids of the workers whose metrics are included. */
  readonly answered: readonly number[];
  /** Workers left out, with the reason. */
  readonly failures: readonly WorkerFailure[];
  /** Time spent asking and waiting, in milliseconds. */
  readonly durationMs: number;
}

/** The aggregated view: a `MetricsSource` for `createMetricsHandler`/`createMetricsServer`. */
export interface ClusterPrimary extends MetricsSource {
  /** Gathers, merges and renders the cluster's metrics. Rejects only with `onWorkerFailure: 'fail'` or after close. */
  collect(format: ExpositionFormat): Promise<string>;
  /** The outcome of the last finished scrape. */
  lastScrape(): ScrapeReport | undefined;
  /** Stops listening to the cluster; scrapes in progress finish at once with what they have. */
  close(): void;
}

/** Thrown by `collect` with `onWorkerFailure: 'fail'` when a worker is missing. */
export class ClusterScrapeError extends Error {
  override readonly name = 'ClusterScrapeError';
  constructor(readonly report: ScrapeReport) {
    super(
      `Glassbox cluster: ${report.failures.length} of ${report.asked} workers missing from the scrape (${report.failures
        .map((f) => `worker ${f.worker}: ${f.reason}`)
        .join(', ')})`,
    );
  }
}

interface Gather {
  readonly id: string;
  readonly started: number;
  readonly asked: number;
  /** Worker id → whether it had announced itself when asked. */
  readonly pending: Map<number, boolean>;
  readonly answers: Map<number, SnapshotMetric[]>;
  readonly failures: WorkerFailure[];
  finish(): void;
}

function nonce(): string {
  return `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Sets up metric aggregation in the cluster primary. Call it before (or right after)
 * forking; the returned source is served by the exporter:
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { createMetricsServer } from '@glassbox/exporter';
 * import { setupClusterPrimary } from '@glassbox/cluster';
 * if (cluster.isPrimary) {
 *   const metrics = setupClusterPrimary({ timeoutMs: 3000 });
 *   await createMetricsServer({ sources: [metrics], port: 9464 }).start();
 *   for (let i = 0; i < 4; i++) cluster.fork();
 * }
 * ```
 */
export function setupClusterPrimary(options: ClusterPrimaryOptions = {}): ClusterPrimary {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox cluster: options must be an object');
  const cluster = options.cluster ?? (nodeCluster as unknown as ClusterLike);
  if (cluster === null || typeof cluster !== 'object' || typeof cluster.on !== 'function')
    throw new TypeError('Glassbox cluster: options.cluster must be the node:cluster module (or one like it)');
  if (cluster.isPrimary === false)
    throw new Error(
      'Glassbox cluster: setupClusterPrimary() must run in the cluster primary; call setupClusterWorker() in workers',
    );
  const timeoutMs = options.timeoutMs ?? CLUSTER_PRIMARY_DEFAULTS.timeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new RangeError(`Glassbox cluster: timeoutMs must be a positive number, got ${String(timeoutMs)}`);
  const mode = options.onWorkerFailure ?? CLUSTER_PRIMARY_DEFAULTS.onWorkerFailure;
  if (mode !== 'partial' && mode !== 'fail')
    throw new TypeError("Glassbox cluster: onWorkerFailure must be 'partial' or 'fail'");
  const workerLabel = options.workerLabel ?? CLUSTER_PRIMARY_DEFAULTS.workerLabel;
  if (
    typeof workerLabel !== 'string' ||
    !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(workerLabel) ||
    workerLabel.startsWith('__')
  )
    throw new TypeError(`Glassbox cluster: workerLabel "${String(workerLabel)}" is not a valid label name`);
  const serveWorkers = options.serveWorkers ?? CLUSTER_PRIMARY_DEFAULTS.serveWorkers;
  const registry = options.registry;
  if (registry !== undefined && (registry === null || typeof registry.getMetricsAsJSON !== 'function'))
    throw new TypeError(
      'Glassbox cluster: options.registry must be a prom-client Registry (getMetricsAsJSON)',
    );
  const ownBackend = options.backend;
  if (ownBackend !== undefined && (ownBackend === null || typeof ownBackend.metricNames !== 'function'))
    throw new TypeError('Glassbox cluster: options.backend must be a Glassbox nativeBackend()');
  const logger = options.logger === null ? silentLogger : (options.logger ?? consoleLogger);

  let internal: NativeBackend | undefined;
  let glassbox = options.glassbox;
  if (glassbox === undefined) {
    internal = nativeBackend();
    glassbox = createGlassbox({
      backend: internal,
      logger: options.logger === null ? null : (options.logger ?? consoleLogger),
    });
  }
  const failureCounters = new Map<WorkerFailureReason, BoundCounter>();
  const failuresMetric = glassbox.counter(clusterMetrics.workerScrapeFailuresTotal);
  for (const reason of WORKER_FAILURE_REASONS) {
    const series = failuresMetric.bind({ reason });
    series.inc(0); // exposed as 0 from the start, so rate() and increase() see the first miss
    failureCounters.set(reason, series);
  }
  const workersGauge: BoundGauge = glassbox.gauge(clusterMetrics.workers).bind();
  const answeredGauge: BoundGauge = glassbox.gauge(clusterMetrics.workersAnswered).bind();
  const lateCounter: BoundCounter = glassbox.counter(clusterMetrics.lateAnswersTotal).bind();
  lateCounter.inc(0);
  const durationGauge: BoundGauge = glassbox.gauge(clusterMetrics.collectDuration).bind();

  const warned = new Set<string>();
  const warn = (key: string, text: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    try {
      logger.warn(`Glassbox cluster: ${text}; further occurrences are counted, not logged`);
    } catch {
      // a broken logger must not reach the host
    }
  };

  const prefix = nonce();
  let seq = 0;
  let closed = false;
  let last: ScrapeReport | undefined;
  const announced = new Set<number>();
  /** Workers already counted as exited: a dead worker still listed is not counted (or asked) again. */
  const goneCounted = new Set<number>();
  const active = new Map<string, Gather>();

  const send = (worker: ClusterWorkerHandle, msg: unknown, onError?: (error: unknown) => void): void => {
    try {
      worker.send(msg, (error) => {
        if (error) onError?.(error);
      });
    } catch (error) {
      onError?.(error);
    }
  };

  const settle = (g: Gather, workerId: number, outcome: SnapshotMetric[] | WorkerFailureReason): void => {
    if (!g.pending.has(workerId)) return;
    g.pending.delete(workerId);
    if (typeof outcome === 'string') {
      g.failures.push({ worker: workerId, reason: outcome });
      if (outcome === 'exited') goneCounted.add(workerId);
    } else g.answers.set(workerId, outcome);
    // Done once every worker that announced Glassbox has answered or failed; workers
    // that never announced themselves are not waited for.
    for (const wasAnnounced of g.pending.values()) if (wasAnnounced) return;
    g.finish();
  };

  const onMessage = (worker: ClusterWorkerHandle, msg: unknown): void => {
    if (!isClusterMessage(msg) || worker === null || typeof worker !== 'object') return;
    try {
      switch (msg.type) {
        case 'hello':
          announced.add(worker.id);
          send(worker, message<WelcomeMessage>({ type: 'welcome', probe: false }));
          break;
        case 'snapshot': {
          announced.add(worker.id);
          const g = typeof msg.id === 'string' ? active.get(msg.id) : undefined;
          if (g === undefined) {
            if (typeof msg.id === 'string' && msg.id.startsWith(`${prefix}.`)) lateCounter.inc();
            return;
          }
          if (typeof msg.error === 'string' || !Array.isArray(msg.metrics)) {
            warn('error', `worker ${worker.id} could not snapshot its metrics: ${String(msg.error)}`);
            settle(g, worker.id, 'error');
          } else settle(g, worker.id, msg.metrics);
          break;
        }
        case 'scrape': {
          if (!serveWorkers || typeof msg.id !== 'string') return;
          const format: ExpositionFormat = msg.format === 'openmetrics' ? 'openmetrics' : 'prometheus';
          primary.collect(format).then(
            (text) => send(worker, message<ScrapeResultMessage>({ type: 'scrape-result', id: msg.id, text })),
            (error: unknown) =>
              send(
                worker,
                message<ScrapeResultMessage>({
                  type: 'scrape-result',
                  id: msg.id,
                  error: error instanceof Error ? error.message : 'collect failed',
                }),
              ),
          );
          break;
        }
        default:
          break;
      }
    } catch (error) {
      warn(
        'message',
        `handling a worker message failed (${error instanceof Error ? error.message : 'error'})`,
      );
    }
  };

  const onGone = (worker: ClusterWorkerHandle): void => {
    if (worker === null || typeof worker !== 'object') return;
    for (const g of active.values()) settle(g, worker.id, 'exited');
  };
  const onExit = (worker: ClusterWorkerHandle): void => {
    onGone(worker);
    if (worker !== null && typeof worker === 'object') announced.delete(worker.id);
  };

  cluster.on('message', onMessage);
  cluster.on('disconnect', onGone);
  cluster.on('exit', onExit);

  // Workers that set up Glassbox before this primary did: ask them to announce again.
  for (const worker of Object.values(cluster.workers ?? {})) {
    if (worker?.isConnected() && !worker.isDead())
      send(worker, message<WelcomeMessage>({ type: 'welcome', probe: true }));
  }

  function gather(): Promise<Gather> {
    return new Promise((resolve) => {
      const id = `${prefix}.${++seq}`;
      const listed = Object.values(cluster.workers ?? {}).filter(
        (w): w is ClusterWorkerHandle => w !== undefined,
      );
      const ids = new Set(listed.map((w) => w.id));
      for (const gone of goneCounted) if (!ids.has(gone)) goneCounted.delete(gone);
      const workers = listed.filter((w) => !goneCounted.has(w.id));
      workers.sort((a, b) => a.id - b.id);
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const g: Gather = {
        id,
        started: performance.now(),
        asked: workers.length,
        pending: new Map(),
        answers: new Map(),
        failures: [],
        finish() {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          active.delete(id);
          for (const [workerId, wasAnnounced] of g.pending)
            g.failures.push({ worker: workerId, reason: wasAnnounced ? 'timeout' : 'no_glassbox' });
          g.pending.clear();
          g.failures.sort((a, b) => a.worker - b.worker);
          resolve(g);
        },
      };
      active.set(id, g);
      const request = message<CollectMessage>({ type: 'collect', id });
      for (const worker of workers) {
        if (worker.isDead() || !worker.isConnected()) {
          g.failures.push({ worker: worker.id, reason: 'exited' });
          goneCounted.add(worker.id);
          continue;
        }
        g.pending.set(worker.id, announced.has(worker.id));
      }
      for (const worker of workers) {
        if (g.pending.has(worker.id)) send(worker, request, () => settle(g, worker.id, 'exited'));
      }
      if (closed) {
        g.finish();
        return;
      }
      timer = setTimeout(() => g.finish(), timeoutMs);
      timer.unref?.();
      // Nothing to wait for (no announced worker): finish once the sends are flushed.
      let waiting = false;
      for (const wasAnnounced of g.pending.values()) waiting ||= wasAnnounced;
      if (!waiting) setImmediate(() => g.finish());
    });
  }

  let inflight: Promise<{ g: Gather; report: ScrapeReport }> | undefined;

  /** Records one round's outcome in the cluster metrics (once per round, however many scrapes share it). */
  function record(g: Gather): { g: Gather; report: ScrapeReport } {
    const report: ScrapeReport = {
      asked: g.asked,
      answered: [...g.answers.keys()].sort((a, b) => a - b),
      failures: g.failures,
      durationMs: performance.now() - g.started,
    };
    last = report;
    for (const f of g.failures) {
      failureCounters.get(f.reason)?.inc();
      warn(`fail:${f.reason}`, `worker ${f.worker} missing from a scrape (${f.reason})`);
    }
    workersGauge.set(report.asked);
    answeredGauge.set(report.answered.length);
    durationGauge.set(report.durationMs / 1000);
    return { g, report };
  }

  function snapshotsOfPrimary(): Promise<SnapshotMetric[][]> {
    const parts: Array<Promise<SnapshotMetric[]>> = [];
    if (internal !== undefined) parts.push(Promise.resolve(snapshotInMemory(internal)));
    if (ownBackend !== undefined && ownBackend !== internal)
      parts.push(Promise.resolve(snapshotInMemory(ownBackend)));
    if (registry !== undefined) parts.push(snapshotRegistry(registry, glassbox));
    return Promise.all(parts);
  }

  const primary: ClusterPrimary = {
    formats: ['prometheus', 'openmetrics'],
    async collect(format: ExpositionFormat): Promise<string> {
      if (closed) throw new Error('Glassbox cluster: the cluster source is closed');
      // Scrapes that arrive while the workers are being asked share that round (two
      // Prometheus replicas, a scrape through a worker): a worker never gets a pile of requests.
      let round = inflight;
      if (round === undefined) {
        round = gather().then(record);
        inflight = round;
        void round.finally(() => {
          if (inflight === round) inflight = undefined;
        });
      }
      const { g, report } = await round;
      if (mode === 'fail' && g.failures.length > 0) throw new ClusterScrapeError(report);

      const participants: Participant[] = (await snapshotsOfPrimary()).map((metrics) => ({
        worker: 'primary',
        metrics,
      }));
      for (const id of report.answered) {
        participants.push({ worker: String(id), metrics: g.answers.get(id) ?? [] });
      }
      const families = mergeSnapshots(participants, {
        workerLabel,
        onConflict: (metric, problem) => warn(`conflict:${metric}:${problem}`, `${metric}: ${problem}`),
      });
      return renderFamilies(families, format);
    },
    lastScrape: () => last,
    close() {
      if (closed) return;
      closed = true;
      cluster.off('message', onMessage);
      cluster.off('disconnect', onGone);
      cluster.off('exit', onExit);
      for (const g of [...active.values()]) g.finish();
    },
  };
  return primary;
}
