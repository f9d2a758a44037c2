/**
 * The IPC messages between the primary and its workers. Every message carries the
 * {@link MESSAGE_KEY} field, so the application's own `process.send` traffic (and
 * prom-client's `prom-client:*` messages) is never mistaken for ours and ours never
 * reaches the application's handlers as something it knows.
 */
import type { SnapshotMetric } from './snapshot.js';

/** Field present on every Glassbox cluster message; its value is the protocol version. */
export const MESSAGE_KEY = '$glassboxCluster';
/**
 * Protocol version. 2: a scrape that reached a worker is answered with the merged
 * metrics as a snapshot (the worker's exporter renders them), no longer as text.
 */
export const PROTOCOL_VERSION = 2;

interface Base {
  readonly [MESSAGE_KEY]: typeof PROTOCOL_VERSION;
}

/** Worker → primary: Glassbox is set up in this worker (sent at set-up and when probed). */
export interface HelloMessage extends Base {
  readonly type: 'hello';
}
/** Primary → worker: a primary is listening. `probe` asks already set-up workers to say hello again. */
export interface WelcomeMessage extends Base {
  readonly type: 'welcome';
  readonly probe: boolean;
}
/** Primary → worker: send a snapshot, answering with this id. */
export interface CollectMessage extends Base {
  readonly type: 'collect';
  readonly id: string;
}
/** Worker → primary: the snapshot for request `id`, or the error that prevented it. */
export interface SnapshotMessage extends Base {
  readonly type: 'snapshot';
  readonly id: string;
  readonly metrics?: SnapshotMetric[];
  readonly error?: string;
}
/** Worker → primary: send me the aggregated metrics (a scrape that reached a worker). */
export interface ScrapeMessage extends Base {
  readonly type: 'scrape';
  readonly id: string;
}
/** Primary → worker: the merged metrics for scrape `id` (one process' snapshot), or why it failed. */
export interface ScrapeResultMessage extends Base {
  readonly type: 'scrape-result';
  readonly id: string;
  readonly metrics?: SnapshotMetric[];
  readonly error?: string;
}

/** Any Glassbox cluster message. */
export type ClusterMessage =
  | HelloMessage
  | WelcomeMessage
  | CollectMessage
  | SnapshotMessage
  | ScrapeMessage
  | ScrapeResultMessage;

/** True for a message of this protocol (anything else is the application's). */
export function isClusterMessage(message: unknown): message is ClusterMessage {
  return (
    message !== null &&
    typeof message === 'object' &&
    (message as Record<string, unknown>)[MESSAGE_KEY] === PROTOCOL_VERSION &&
    typeof (message as Record<string, unknown>).type === 'string'
  );
}

/** Builds a message of this protocol. */
export function message<T extends ClusterMessage>(body: Omit<T, typeof MESSAGE_KEY>): T {
  return { [MESSAGE_KEY]: PROTOCOL_VERSION, ...body } as T;
}
