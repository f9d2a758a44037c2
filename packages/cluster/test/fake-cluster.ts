/**
 * An in-process stand-in for node:cluster, for unit tests of the primary's protocol
 * handling: messages cross a JSON round trip on a later tick, as over the real IPC
 * channel, and workers can be made to hang, answer late, fail to send or exit.
 */
import { EventEmitter } from 'node:events';
import type { ClusterLike, ClusterWorkerHandle, WorkerProcessLike } from '../src/index.js';

const copy = (msg: unknown): unknown => JSON.parse(JSON.stringify(msg));

export class FakeWorkerProcess extends EventEmitter implements WorkerProcessLike {
  constructor(private readonly worker: FakeWorker) {
    super();
  }
  send = (msg: unknown, _h?: undefined, _o?: undefined, cb?: (error: Error | null) => void): boolean => {
    const w = this.worker;
    if (!w.connected) {
      setImmediate(() => cb?.(new Error('ERR_IPC_CHANNEL_CLOSED')));
      return false;
    }
    const data = copy(msg);
    const deliver = () => {
      if (w.connected) w.cluster.emit('message', w, data);
    };
    if (w.held !== undefined) w.held.push(deliver);
    else setImmediate(deliver);
    setImmediate(() => cb?.(null));
    return true;
  };
}

export class FakeWorker implements ClusterWorkerHandle {
  connected = true;
  dead = false;
  /** Drop the primary's `collect` requests (a worker that hangs). */
  hang = false;
  /** Make `send` from the primary fail. */
  failSend = false;
  /** Number of `collect` requests the primary sent to this worker. */
  collectRequests = 0;
  /** While set, this worker's messages to the primary are held back (see {@link release}). */
  held: Array<() => void> | undefined;
  readonly process: FakeWorkerProcess;
  constructor(
    readonly id: number,
    readonly cluster: FakeCluster,
  ) {
    this.process = new FakeWorkerProcess(this);
  }
  send(msg: unknown, cb?: (error: Error | null) => void): boolean {
    if (!this.connected || this.failSend) {
      setImmediate(() => cb?.(new Error('ERR_IPC_CHANNEL_CLOSED')));
      return false;
    }
    const data = copy(msg) as { type?: string };
    if (data.type === 'collect') this.collectRequests++;
    setImmediate(() => {
      if (this.hang && data.type === 'collect') return;
      if (this.connected) this.process.emit('message', data);
      cb?.(null);
    });
    return true;
  }
  /** Holds this worker's messages to the primary until {@link release}. */
  hold(): void {
    this.held ??= [];
  }
  /** Delivers the held messages, in order, and stops holding. */
  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const deliver of held) deliver();
  }
  isConnected(): boolean {
    return this.connected;
  }
  isDead(): boolean {
    return this.dead;
  }
  /** The worker process dies: disconnect, exit, removed from `workers`. */
  exit(): void {
    this.connected = false;
    this.dead = true;
    this.cluster.emit('disconnect', this);
    this.cluster.emit('exit', this, null, 'SIGKILL');
    delete this.cluster.workers[String(this.id)];
  }
}

export class FakeCluster extends EventEmitter implements ClusterLike {
  readonly isPrimary = true;
  readonly workers: Record<string, FakeWorker | undefined> = {};
  private next = 1;
  fork(): FakeWorker {
    const w = new FakeWorker(this.next++, this);
    this.workers[String(w.id)] = w;
    return w;
  }
}

/** Resolves after pending timers and immediates of the given delay ran. */
export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
