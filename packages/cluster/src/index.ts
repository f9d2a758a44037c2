export type { ClusterWorkerHandle, WorkerFailure } from './gather.js';
export type { MergedFamily, MergeOptions, Participant } from './merge.js';
export { MERGE_DEFAULTS, mergeSnapshots, remapCounts } from './merge.js';
export type { WorkerFailureReason } from './metrics.js';
export { clusterMetrics, WORKER_FAILURE_REASONS } from './metrics.js';
export type {
  ClusterLike,
  ClusterPrimary,
  ClusterPrimaryOptions,
  ScrapeReport,
} from './primary.js';
export { CLUSTER_PRIMARY_DEFAULTS, ClusterScrapeError, setupClusterPrimary } from './primary.js';
export type { ClusterMessage } from './protocol.js';
export { isClusterMessage, MESSAGE_KEY, PROTOCOL_VERSION } from './protocol.js';
export type {
  ClusterRegistryLike,
  DistributionSeries,
  ScalarSeries,
  SnapshotExemplar,
  SnapshotMetric,
  SnapshotRule,
  SnapshotValue,
} from './snapshot.js';
export {
  decodeValue,
  encodeValue,
  gaugeRules,
  snapshotFromFamilies,
  snapshotFromPromJson,
  snapshotRegistry,
  snapshotSource,
} from './snapshot.js';
export type { SnapshotProblem, SnapshotProblemHandler } from './validate.js';
export { validateSnapshot } from './validate.js';
export type { ClusterWorker, ClusterWorkerOptions, WorkerProcessLike } from './worker.js';
export { CLUSTER_WORKER_DEFAULTS, setupClusterWorker } from './worker.js';
