/**
 * Rounds of snapshot requests: the primary asks every listed worker for a snapshot and
 * a round ends when every worker that announced Glassbox has answered or failed, or at
 * the timeout. Workers that never announced themselves are not waited for.
 */
import type { WorkerFailureReason } from './metrics.js';
import { type CollectMessage, message } from './protocol.js';
import type { SnapshotMetric } from './snapshot.js';

/** The part of a `node:cluster` Worker the primary uses. */
export interface ClusterWorkerHandle {
  readonly id: number;
  send(message: unknown, callback?: (error: Error | null) => void): boolean;
  isConnected(): boolean;
  isDead(): boolean;
}

/** One worker missing from a scrape. */
export interface WorkerFailure {
  readonly worker: number;
  readonly reason: WorkerFailureReason;
}

/** One round of requests and what came back. */
export interface Round {
  readonly started: number;
  readonly asked: number;
  /** Worker id → whether it had announced itself when asked. */
  readonly pending: Map<number, boolean>;
  readonly answers: Map<number, readonly SnapshotMetric[]>;
  readonly failures: WorkerFailure[];
  finish(): void;
}

/** Sends a message to a worker; a failure (thrown or called back) goes to `onError`. */
export function sendTo(worker: ClusterWorkerHandle, msg: unknown, onError?: (error: unknown) => void): void {
  try {
    worker.send(msg, (error) => {
      if (error) onError?.(error);
    });
  } catch (error) {
    onError?.(error);
  }
}

/** The rounds of one primary. */
export interface Rounds {
  /** Workers that announced Glassbox (hello or an answer). */
  readonly announced: Set<number>;
  /** Asks the listed workers; resolves when the round is over. */
  start(workers: readonly ClusterWorkerHandle[]): Promise<Round>;
  /** True while the round of this request id waits for answers. */
  isOpen(id: string): boolean;
  /** Settles a worker in the round of this request id (nothing when that round is over). */
  settle(id: string, workerId: number, outcome: readonly SnapshotMetric[] | WorkerFailureReason): void;
  /** True for an id this primary issued (an answer after its round ended is late, not foreign). */
  issued(id: string): boolean;
  /** A worker disconnected or exited: every open round stops waiting for it. */
  gone(workerId: number): void;
  /** Ends every open round with what it has. */
  finishAll(): void;
  /** True once {@link finishAll} ran: later rounds end at once. */
  closed: boolean;
}

function nonce(): string {
  return `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Opens a round that ends at `timeoutMs` at the latest; `onEnd` runs once when it ends. */
function openRound(asked: number, timeoutMs: number, onEnd: (g: Round) => void): Round {
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const g: Round = {
    started: performance.now(),
    asked,
    pending: new Map(),
    answers: new Map(),
    failures: [],
    finish() {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      for (const [workerId, wasAnnounced] of g.pending)
        g.failures.push({ worker: workerId, reason: wasAnnounced ? 'timeout' : 'no_glassbox' });
      g.pending.clear();
      g.failures.sort((a, b) => a.worker - b.worker);
      onEnd(g);
    },
  };
  timer = setTimeout(() => g.finish(), timeoutMs);
  timer.unref?.();
  return g;
}

/**
 * Records a worker's outcome in a round; the round ends once every worker that had
 * announced Glassbox has answered or failed. An exited worker goes into `gone`.
 */
function settleIn(
  g: Round,
  workerId: number,
  outcome: readonly SnapshotMetric[] | WorkerFailureReason,
  gone: Set<number>,
): void {
  if (!g.pending.has(workerId)) return;
  g.pending.delete(workerId);
  if (typeof outcome === 'string') {
    g.failures.push({ worker: workerId, reason: outcome });
    if (outcome === 'exited') gone.add(workerId);
  } else g.answers.set(workerId, outcome);
  for (const wasAnnounced of g.pending.values()) if (wasAnnounced) return;
  g.finish();
}

/** Creates the rounds of one primary, each waiting at most `timeoutMs`. */
export function createRounds(timeoutMs: number): Rounds {
  const prefix = nonce();
  let seq = 0;
  const active = new Map<string, Round>();
  /** Workers already counted as exited: a dead worker still listed is not counted (or asked) again. */
  const goneCounted = new Set<number>();

  /** The workers to ask: listed, not already counted as exited, by id. */
  function toAsk(listed: readonly ClusterWorkerHandle[]): ClusterWorkerHandle[] {
    const ids = new Set(listed.map((w) => w.id));
    for (const gone of goneCounted) if (!ids.has(gone)) goneCounted.delete(gone);
    return listed.filter((w) => !goneCounted.has(w.id)).sort((a, b) => a.id - b.id);
  }

  const rounds: Rounds = {
    announced: new Set(),
    closed: false,
    start(listed) {
      return new Promise((resolve) => {
        const id = `${prefix}.${++seq}`;
        const workers = toAsk(listed);
        const g = openRound(workers.length, timeoutMs, (ended) => {
          active.delete(id);
          resolve(ended);
        });
        active.set(id, g);
        for (const worker of workers) {
          if (worker.isDead() || !worker.isConnected()) {
            g.failures.push({ worker: worker.id, reason: 'exited' });
            goneCounted.add(worker.id);
          } else g.pending.set(worker.id, rounds.announced.has(worker.id));
        }
        const request = message<CollectMessage>({ type: 'collect', id });
        for (const worker of workers)
          if (g.pending.has(worker.id))
            sendTo(worker, request, () => settleIn(g, worker.id, 'exited', goneCounted));
        if (rounds.closed) g.finish();
        // Nothing to wait for (no announced worker): finish once the sends are flushed.
        else if (![...g.pending.values()].some(Boolean)) setImmediate(() => g.finish());
      });
    },
    isOpen: (id) => active.has(id),
    settle(id, workerId, outcome) {
      const g = active.get(id);
      if (g !== undefined) settleIn(g, workerId, outcome, goneCounted);
    },
    issued: (id) => id.startsWith(`${prefix}.`),
    gone(workerId) {
      for (const g of [...active.values()]) settleIn(g, workerId, 'exited', goneCounted);
    },
    finishAll() {
      rounds.closed = true;
      for (const g of [...active.values()]) g.finish();
    },
  };
  return rounds;
}
