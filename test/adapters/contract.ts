/**
 * The contract every app in the shared adapter behaviour suite implements
 * (Express, Fastify, Nest-on-Express, Nest-on-Fastify). Each app serves the same
 * routes with the same responses, so the suite can assert the same scraped results
 * for the same traffic:
 *
 * - `GET /users/:id`         → 200, JSON `{"id":"<id>"}`; route label `/users/:id`
 * - `GET /api/v1/users/:id`  → 200, JSON `{"id":"<id>"}`; registered through a mount
 *                              path / nested router / prefix / controller path, so the
 *                              label is the full template `/api/v1/users/:id`
 * - `GET /boom`              → the handler throws; the framework answers 500
 * - `GET /slow`              → waits 300 ms, then 200 `slow`; route label `/slow`
 * - `GET /metrics`           → the exporter's handler (auth when `token` is set)
 * - anything else            → the framework's own 404; route label = the unmatched value
 */
import type { Glassbox, MetricsSource } from '@glassbox/core';

export interface SuiteAppOptions {
  /** The instance to record into. */
  readonly glassbox: Glassbox;
  /** What `glassbox` records into, served at /metrics (the native backend, or a prom-client registry's source). */
  readonly source: MetricsSource;
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** When false, the app runs with no Glassbox at all (baseline for byte-for-byte comparisons). */
  readonly instrument: boolean;
}

export interface StartedApp {
  /** Base URL, e.g. `http://127.0.0.1:40123` (listening on port 0). */
  readonly url: string;
  close(): Promise<void>;
}

export interface SuiteApp {
  readonly name: string;
  start(options: SuiteAppOptions): Promise<StartedApp>;
}
