/**
 * The primary side: asks every worker for a snapshot over the cluster IPC channel,
 * waits at most `timeoutMs`, merges what came back and serves it as a `MetricsSource`
 * for the exporter. A dead, slow or Glassbox-less worker never hangs or crashes the
 * scrape: it is left out (or fails the scrape, by option) and counted by reason.
 */
import nodeCluster from 'node:cluster';
import {
  type BoundCounter,
  consoleLogger,
  createGlassbox,
  type Glassbox,
  type Logger,
  type MetricsSource,
  type NativeBackend,
  nativeBackend,
  silentLogger,
  validateOptions,
} from '@glassbox/core';
import {
  type ClusterWorkerHandle,
  createRounds,
  type Round,
  type Rounds,
  sendTo,
  type WorkerFailure,
} from './gather.js';
import { type MergedFamily, mergeSnapshots, type Participant } from './merge.js';
import { clusterMetrics, WORKER_FAILURE_REASONS, type WorkerFailureReason } from './metrics.js';
import {
  type ClusterMessage,
  isClusterMessage,
  type MESSAGE_KEY,
  message,
  type ScrapeResultMessage,
  type SnapshotMessage,
  type WelcomeMessage,
} from './protocol.js';
import {
  type ClusterRegistryLike,
  type SnapshotMetric,
  snapshotOfMerged,
  snapshotRegistry,
  snapshotSource,
} from './snapshot.js';
import { validateSnapshot } from './validate.js';

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
   * The primary's own Glassbox native backend (`nativeBackend()`, or any other metrics
   * source), merged like {@link ClusterPrimaryOptions.registry}.
   * @default undefined
   */
  readonly backend?: MetricsSource;
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
  /**
   * Gathers and merges the cluster's metrics into families (the exporter renders them).
   * Rejects only with `onWorkerFailure: 'fail'` or after close.
   */
  collect(): Promise<MergedFamily[]>;
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

/** Options resolved and checked at set-up. */
interface Config {
  readonly cluster: ClusterLike;
  readonly timeoutMs: number;
  readonly mode: 'partial' | 'fail';
  readonly workerLabel: string;
  readonly serveWorkers: boolean;
  readonly registry: ClusterRegistryLike | undefined;
  readonly backend: MetricsSource | undefined;
  readonly logger: Logger;
}

function resolveCluster(options: ClusterPrimaryOptions): ClusterLike {
  const cluster = options.cluster ?? (nodeCluster as unknown as ClusterLike);
  if (cluster === null || typeof cluster !== 'object' || typeof cluster.on !== 'function')
    throw new TypeError('Glassbox cluster: options.cluster must be the node:cluster module (or one like it)');
  if (cluster.isPrimary === false)
    throw new Error(
      'Glassbox cluster: setupClusterPrimary() must run in the cluster primary; call setupClusterWorker() in workers',
    );
  return cluster;
}

function resolveOptions(options: ClusterPrimaryOptions): Config {
  validateOptions('Glassbox cluster', options, {
    glassbox: 'object',
    registry: 'object',
    backend: 'object',
    timeoutMs: 'number',
    onWorkerFailure: { type: 'string', oneOf: ['partial', 'fail'] },
    workerLabel: 'string',
    serveWorkers: 'boolean',
    logger: ['object', 'null'],
    cluster: 'object',
  });
  const cluster = resolveCluster(options);
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
  const { registry, backend } = options;
  if (registry !== undefined && (registry === null || typeof registry.getMetricsAsJSON !== 'function'))
    throw new TypeError(
      'Glassbox cluster: options.registry must be a prom-client Registry (getMetricsAsJSON)',
    );
  if (backend !== undefined && (backend === null || typeof backend.collect !== 'function'))
    throw new TypeError(
      'Glassbox cluster: options.backend must be a Glassbox nativeBackend() (or another metrics source)',
    );
  const logger = options.logger === null ? silentLogger : (options.logger ?? consoleLogger);
  const serveWorkers = options.serveWorkers ?? CLUSTER_PRIMARY_DEFAULTS.serveWorkers;
  return { cluster, timeoutMs, mode, workerLabel, serveWorkers, registry, backend, logger };
}

/** A warning per cause, logged once; a broken logger never reaches the host. */
function onceWarner(logger: Logger): (key: string, text: string) => void {
  const warned = new Set<string>();
  return (key, text) => {
    if (warned.has(key)) return;
    warned.add(key);
    try {
      logger.warn(`Glassbox cluster: ${text}; further occurrences are counted, not logged`);
    } catch {
      // a broken logger must not reach the host
    }
  };
}

/** The cluster metrics of one primary, recorded once per round. */
interface Instruments {
  readonly late: BoundCounter;
  record(report: ScrapeReport): void;
}

function instruments(glassbox: Glassbox): Instruments {
  const failures = new Map<WorkerFailureReason, BoundCounter>();
  const failuresMetric = glassbox.counter(clusterMetrics.workerScrapeFailuresTotal);
  for (const reason of WORKER_FAILURE_REASONS) {
    const series = failuresMetric.bind({ reason });
    series.inc(0); // exposed as 0 from the start, so rate() and increase() see the first miss
    failures.set(reason, series);
  }
  const workers = glassbox.gauge(clusterMetrics.workers).bind();
  const answered = glassbox.gauge(clusterMetrics.workersAnswered).bind();
  const late = glassbox.counter(clusterMetrics.lateAnswersTotal).bind();
  late.inc(0);
  const duration = glassbox.gauge(clusterMetrics.collectDuration).bind();
  return {
    late,
    record(report) {
      for (const f of report.failures) failures.get(f.reason)?.inc();
      workers.set(report.asked);
      answered.set(report.answered.length);
      duration.set(report.durationMs / 1000);
    },
  };
}

/** What the message handler needs from its primary. */
interface Handling {
  readonly config: Config;
  readonly rounds: Rounds;
  readonly glassbox: Glassbox;
  readonly instruments: Instruments;
  readonly warn: (key: string, text: string) => void;
  readonly collect: () => Promise<MergedFamily[]>;
}

/** A snapshot arrived: validated (invalid parts dropped and counted), then settled in its round. */
function onSnapshot(h: Handling, worker: ClusterWorkerHandle, msg: SnapshotMessage): void {
  h.rounds.announced.add(worker.id);
  if (typeof msg.id !== 'string' || !h.rounds.isOpen(msg.id)) {
    if (typeof msg.id === 'string' && h.rounds.issued(msg.id)) h.instruments.late.inc();
    return;
  }
  if (typeof msg.error === 'string' || !Array.isArray(msg.metrics)) {
    h.warn('error', `worker ${worker.id} could not snapshot its metrics: ${String(msg.error)}`);
    h.rounds.settle(msg.id, worker.id, 'error');
    return;
  }
  const metrics = validateSnapshot(msg.metrics, (problem, metric) =>
    h.glassbox.reportError(
      'cluster',
      "a worker's snapshot had invalid parts; they were left out of the merge",
      new Error(`worker ${worker.id}, metric ${JSON.stringify(metric).slice(0, 200)}: ${problem}`),
    ),
  );
  h.rounds.settle(msg.id, worker.id, metrics);
}

/** A scrape reached a worker: the worker gets the merged families, compact. */
function onScrape(h: Handling, worker: ClusterWorkerHandle, id: string): void {
  const reply = (body: Omit<ScrapeResultMessage, typeof MESSAGE_KEY | 'type' | 'id'>) =>
    sendTo(worker, message<ScrapeResultMessage>({ type: 'scrape-result', id, ...body }));
  h.collect().then(
    (families) => reply({ metrics: snapshotOfMerged(families) }),
    (error: unknown) => reply({ error: error instanceof Error ? error.message : 'collect failed' }),
  );
}

function messageHandler(h: Handling): (worker: ClusterWorkerHandle, msg: unknown) => void {
  return (worker, msg) => {
    if (!isClusterMessage(msg) || worker === null || typeof worker !== 'object') return;
    try {
      const m: ClusterMessage = msg;
      if (m.type === 'hello') {
        h.rounds.announced.add(worker.id);
        sendTo(worker, message<WelcomeMessage>({ type: 'welcome', probe: false }));
      } else if (m.type === 'snapshot') onSnapshot(h, worker, m);
      else if (m.type === 'scrape' && h.config.serveWorkers && typeof m.id === 'string')
        onScrape(h, worker, m.id);
    } catch (error) {
      h.warn(
        'message',
        `handling a worker message failed (${error instanceof Error ? error.message : 'error'})`,
      );
    }
  };
}

/** The listed workers of the cluster, by id. */
function listedWorkers(cluster: ClusterLike): ClusterWorkerHandle[] {
  return Object.values(cluster.workers ?? {}).filter((w): w is ClusterWorkerHandle => w !== undefined);
}

/** The primary's own snapshots: its internal cluster metrics, its backend, its registry. */
function ownSnapshots(
  config: Config,
  glassbox: Glassbox,
  internal: MetricsSource | undefined,
): Promise<SnapshotMetric[][]> {
  const parts: Array<Promise<SnapshotMetric[]>> = [];
  if (internal !== undefined) parts.push(snapshotSource(internal));
  if (config.backend !== undefined && config.backend !== internal)
    parts.push(snapshotSource(config.backend, glassbox));
  if (config.registry !== undefined) parts.push(snapshotRegistry(config.registry, glassbox));
  return Promise.all(parts);
}

/** The Glassbox instance that records the cluster metrics: the user's, or an internal one. */
function ownGlassbox(
  options: ClusterPrimaryOptions,
  config: Config,
): { glassbox: Glassbox; internal: NativeBackend | undefined } {
  if (options.glassbox !== undefined) return { glassbox: options.glassbox, internal: undefined };
  const internal = nativeBackend();
  const logger = options.logger === null ? null : config.logger;
  return { glassbox: createGlassbox({ backend: internal, logger }), internal };
}

function reportOf(g: Round): ScrapeReport {
  return {
    asked: g.asked,
    answered: [...g.answers.keys()].sort((a, b) => a - b),
    failures: g.failures,
    durationMs: performance.now() - g.started,
  };
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
  const config = resolveOptions(options);
  const { cluster } = config;
  const { glassbox, internal } = ownGlassbox(options, config);
  const metrics = instruments(glassbox);
  const warn = onceWarner(config.logger);
  const rounds = createRounds(config.timeoutMs);
  let last: ScrapeReport | undefined;
  let inflight: Promise<{ g: Round; report: ScrapeReport }> | undefined;

  /** One round of requests, shared by the scrapes that arrive while it runs; recorded once. */
  function round(): Promise<{ g: Round; report: ScrapeReport }> {
    if (inflight !== undefined) return inflight;
    const r = rounds.start(listedWorkers(cluster)).then((g) => {
      const report = reportOf(g);
      last = report;
      metrics.record(report);
      for (const f of g.failures)
        warn(`fail:${f.reason}`, `worker ${f.worker} missing from a scrape (${f.reason})`);
      return { g, report };
    });
    inflight = r;
    void r.finally(() => {
      if (inflight === r) inflight = undefined;
    });
    return r;
  }

  async function collect(): Promise<MergedFamily[]> {
    if (rounds.closed) throw new Error('Glassbox cluster: the cluster source is closed');
    const { g, report } = await round();
    if (config.mode === 'fail' && g.failures.length > 0) throw new ClusterScrapeError(report);
    const participants: Participant[] = (await ownSnapshots(config, glassbox, internal)).map((m) => ({
      worker: 'primary',
      metrics: m,
    }));
    for (const id of report.answered)
      participants.push({ worker: String(id), metrics: g.answers.get(id) ?? [] });
    return mergeSnapshots(participants, {
      workerLabel: config.workerLabel,
      onConflict: (metric, problem) => warn(`conflict:${metric}:${problem}`, `${metric}: ${problem}`),
    });
  }

  const onMessage = messageHandler({ config, rounds, glassbox, instruments: metrics, warn, collect });
  const onGone = (worker: ClusterWorkerHandle): void => {
    if (worker !== null && typeof worker === 'object') rounds.gone(worker.id);
  };
  const onExit = (worker: ClusterWorkerHandle): void => {
    onGone(worker);
    if (worker !== null && typeof worker === 'object') rounds.announced.delete(worker.id);
  };
  cluster.on('message', onMessage);
  cluster.on('disconnect', onGone);
  cluster.on('exit', onExit);
  // Workers that set up Glassbox before this primary did: ask them to announce again.
  for (const worker of listedWorkers(cluster))
    if (worker.isConnected() && !worker.isDead())
      sendTo(worker, message<WelcomeMessage>({ type: 'welcome', probe: true }));

  return {
    collect,
    lastScrape: () => last,
    close() {
      if (rounds.closed) return;
      cluster.off('message', onMessage);
      cluster.off('disconnect', onGone);
      cluster.off('exit', onExit);
      rounds.finishAll();
    },
  };
}
