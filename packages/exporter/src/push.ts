/**
 * A Pushgateway client for jobs that exit (Kubernetes CronJobs, one-shot scripts): it
 * collects the same sources `/metrics` serves, renders them with the one renderer
 * (text format 0.0.4, which the Pushgateway takes) and pushes them to the job's group.
 * A push never throws and never rejects: a gateway that is down, slow or refusing costs
 * the job a bounded time (attempts × timeout + back-off), is counted in
 * `glassbox_instrumentation_errors_total{component="pushgateway"}` and logged once.
 */
import {
  consoleLogger,
  type Glassbox,
  type Logger,
  type MetricFamily,
  type MetricsSource,
  type OptionsSpec,
  type PromRegistryLike,
  promClientSource,
  silentLogger,
  validateOptions,
} from '@glassbox/core';
import { CONTENT_TYPES, createRenderer, type Renderer } from './exposition.js';
import {
  backoffDelay,
  checkGatewayUrl,
  checkGroupingKey,
  type GatewayRequest,
  groupingPath,
  type RetryPolicy,
  sendWithRetries,
} from './push-http.js';

const WHERE = 'Glassbox pushgateway';

/** Credentials for the gateway: a bearer token, or a user name and password (basic auth). */
export interface PushgatewayAuth {
  /** Sent as `Authorization: Bearer <token>` (a proxy in front of the gateway checks it). @default undefined */
  readonly bearer?: string;
  /** Basic-auth user (the gateway's own `--web.config.file` `basic_auth_users`); needs `password`. @default undefined */
  readonly username?: string;
  /** Basic-auth password; needs `username`. @default undefined */
  readonly password?: string;
}

/** How failed pushes are retried. Only failures worth retrying are: no answer, a timeout, 429, 5xx. */
export interface PushgatewayRetries {
  /** Attempts in all, the first included (1 = no retry); at most 10. @default 3 */
  readonly attempts?: number;
  /** Wait before the second attempt, doubled after each further failure. @default 500 */
  readonly backoffMs?: number;
  /** Longest wait between two attempts; at most 60000. @default 5000 */
  readonly maxBackoffMs?: number;
}

/** Options of {@link createPushgateway}. */
export interface PushgatewayOptions {
  /** Base URL of the gateway (`http://pushgateway.monitoring:9091`, a path prefix allowed). */
  readonly url: string;
  /**
   * The grouping key's `job` label. With the generated scrape job (`honor_labels: true`)
   * the pushed series keep it, so set it to the job label your rules select
   * (the mixin's `scrape.jobName`, `glassbox` by default) to have the batch alerts see them.
   */
  readonly job: string;
  /**
   * The grouping key's `instance` label. Leave it out for a job whose runs replace each
   * other; never use a pod name or host name here (every run would leave a group behind).
   * @default undefined (no instance label)
   */
  readonly instance?: string;
  /** More grouping-key labels (not `job` or `instance`); values may hold `/` or be empty. @default {} */
  readonly groupingKey?: Readonly<Record<string, string>>;
  /**
   * `'post'` replaces, in the group, only the metrics this push carries; `'put'` replaces
   * the whole group. POST is the default so that a family a push leaves out keeps its last
   * value: {@link runAndPush} leaves out `batch_job_last_success_timestamp_seconds` when a run
   * fails, so the last success survives failed runs and `BatchJobStale` still measures
   * from it. Use PUT when the group must hold exactly one run's metrics (a metric the job
   * stopped writing then disappears at the next push instead of lingering).
   * @default 'post'
   */
  readonly method?: 'put' | 'post';
  /** Credentials: `{ bearer }` or `{ username, password }`. Never logged. @default undefined */
  readonly auth?: PushgatewayAuth;
  /** Retries of a failed push or delete, bounded. @default { attempts: 3, backoffMs: 500, maxBackoffMs: 5000 } */
  readonly retries?: PushgatewayRetries;
  /** Time one attempt may take (connect, send, answer); at most 120000. @default 5000 */
  readonly timeoutMs?: number;
  /**
   * For {@link runAndPush}: after a successful run, delete the group instead of pushing
   * (for one-shot jobs whose success leaves nothing to watch; the staleness alert cannot
   * watch a deleted group). A failed run is still pushed.
   * @default false
   */
  readonly deleteOnSuccess?: boolean;
  /** A prom-client registry to push (shortcut for `sources: [promClientSource(registry)]`). @default undefined */
  readonly registry?: PromRegistryLike;
  /** Sources to push, concatenated in order (e.g. the native backend). @default [] */
  readonly sources?: readonly MetricsSource[];
  /**
   * Instance whose `glassbox_instrumentation_errors_total{component="pushgateway"}` counts
   * failed pushes (logged once through its logger); its naming options name the families
   * {@link runAndPush} leaves out.
   * @default undefined
   */
  readonly glassbox?: Glassbox;
  /** Logger for failures when no `glassbox` is given (once per cause); `null` silences. @default console */
  readonly logger?: Logger | null;
}

/** Defaults of {@link PushgatewayOptions}. */
export const PUSHGATEWAY_DEFAULTS = Object.freeze({
  method: 'post' as const,
  timeoutMs: 5_000,
  deleteOnSuccess: false,
  retries: Object.freeze({ attempts: 3, backoffMs: 500, maxBackoffMs: 5_000 }),
});

/** What a push or delete did. */
export interface PushResult {
  /** The gateway accepted it. */
  readonly ok: boolean;
  /** Requests made (0 when collecting the metrics failed). */
  readonly attempts: number;
  /** HTTP status of the last answer, when one arrived. */
  readonly status?: number;
  /** Why it failed (no credentials in it). */
  readonly error?: string;
}

/** Options of one {@link Pushgateway.push}. */
export interface PushOptions {
  /** Exposed metric names to leave out of this push (with POST, the gateway keeps their last values). @default [] */
  readonly omit?: readonly string[];
}

/** A client for one group of a Pushgateway. */
export interface Pushgateway {
  /** The group's URL (no credentials). */
  readonly url: string;
  /** Whether {@link runAndPush} deletes the group after a successful run. */
  readonly deleteOnSuccess: boolean;
  /** The instance failures are counted on, when given. */
  readonly glassbox: Glassbox | undefined;
  /** The longest a push can take: the collect timing out, or every attempt timing out with every back-off waited. */
  readonly maxDurationMs: number;
  /** Collects the sources and pushes them to the group. Never throws or rejects. */
  push(options?: PushOptions): Promise<PushResult>;
  /** Deletes the group. Never throws or rejects. */
  delete(): Promise<PushResult>;
}

const OPTIONS_SPEC: OptionsSpec = {
  url: { type: 'string', required: true },
  job: { type: 'string', required: true },
  instance: 'string',
  groupingKey: 'object',
  method: { type: 'string', oneOf: ['put', 'post'] },
  auth: 'object',
  retries: 'object',
  timeoutMs: 'number',
  deleteOnSuccess: 'boolean',
  registry: 'object',
  sources: 'array',
  glassbox: 'object',
  logger: ['object', 'null'],
};

function authHeader(auth: PushgatewayAuth | undefined): Record<string, string> {
  if (auth === undefined) return {};
  validateOptions(`${WHERE} auth`, auth, { bearer: 'string', username: 'string', password: 'string' });
  const { bearer, username, password } = auth;
  for (const [k, v] of Object.entries({ bearer, username, password }))
    if (v !== undefined && /[\r\n\0]/.test(v))
      throw new TypeError(
        `${WHERE}: auth.${k} contains a line break or NUL (a secret read from a file with its newline?)`,
      );
  if (bearer !== undefined) {
    if (username !== undefined || password !== undefined)
      throw new TypeError(`${WHERE}: auth takes { bearer } or { username, password }, not both`);
    if (bearer.trim() === '') throw new TypeError(`${WHERE}: auth.bearer is blank`);
    return { Authorization: `Bearer ${bearer}` };
  }
  if (username === undefined || password === undefined || username === '')
    throw new TypeError(`${WHERE}: basic auth needs a non-empty username and a password`);
  if (username.includes(':')) throw new TypeError(`${WHERE}: auth.username must not contain ":"`);
  return { Authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
}

function inRange(name: string, value: number, min: number, max: number, integer = false): number {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
    throw new RangeError(`${WHERE}: ${name} must be ${integer ? 'an integer ' : ''}from ${min} to ${max}`);
  return value;
}

function retryPolicy(retries: PushgatewayRetries | undefined): RetryPolicy {
  const r = retries ?? {};
  validateOptions(`${WHERE} retries`, r, {
    attempts: 'integer',
    backoffMs: 'number',
    maxBackoffMs: 'number',
  });
  const d = PUSHGATEWAY_DEFAULTS.retries;
  const maxBackoffMs = inRange('retries.maxBackoffMs', r.maxBackoffMs ?? d.maxBackoffMs, 0, 60_000);
  return {
    attempts: inRange('retries.attempts', r.attempts ?? d.attempts, 1, 10, true),
    backoffMs: inRange('retries.backoffMs', r.backoffMs ?? d.backoffMs, 0, maxBackoffMs),
    maxBackoffMs,
  };
}

function sourcesOf(options: PushgatewayOptions): MetricsSource[] {
  const sources: MetricsSource[] = [...(options.sources ?? [])];
  if (options.registry !== undefined) sources.unshift(promClientSource(options.registry));
  if (sources.length === 0) throw new TypeError(`${WHERE}: pass a registry or at least one source`);
  for (const s of sources)
    if (s === null || typeof s !== 'object' || typeof s.collect !== 'function')
      throw new TypeError(`${WHERE}: every source needs a collect() method returning metric families`);
  return sources;
}

/** Failure reporting: counted on the Glassbox instance (warned once per cause), or warned once per cause. */
function reporter(options: PushgatewayOptions): (cause: string, detail: string) => void {
  const { glassbox } = options;
  const logger = options.logger === null ? silentLogger : (options.logger ?? consoleLogger);
  const warned = new Set<string>();
  return (cause, detail) => {
    if (glassbox !== undefined) {
      glassbox.reportError('pushgateway', cause, new Error(detail));
      return;
    }
    if (warned.has(cause)) return;
    warned.add(cause);
    try {
      logger.warn(`pushgateway: ${cause} (${detail})`);
    } catch {
      // never reach the job
    }
  };
}

/** The resolved client state. */
interface PushState {
  readonly url: URL;
  readonly method: 'PUT' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly policy: RetryPolicy;
  readonly timeoutMs: number;
  readonly sources: readonly MetricsSource[];
  readonly renderer: Renderer;
  readonly report: (cause: string, detail: string) => void;
}

/** Resolves with `work`, or rejects when it takes longer than `ms` (a hung source must not hang the job). */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`collect did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function collectBody(state: PushState, omit: ReadonlySet<string>): Promise<Buffer> {
  const lists = await within(
    Promise.all(state.sources.map((s) => Promise.resolve().then(() => s.collect()))),
    state.timeoutMs,
  );
  const families: MetricFamily[] = [];
  for (const list of lists) {
    if (!Array.isArray(list)) throw new TypeError('collect() did not return an array');
    for (const f of list) if (!omit.has(f.name)) families.push(f);
  }
  const chunks = await state.renderer.render(families, 'prometheus');
  return Buffer.from(chunks.join(''), 'utf8');
}

async function doPush(state: PushState, options: PushOptions | undefined): Promise<PushResult> {
  let body: Buffer;
  try {
    body = await collectBody(state, new Set(options?.omit ?? []));
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'collect failed';
    state.report('collecting the metrics to push failed', reason);
    return { ok: false, attempts: 0, error: reason };
  }
  const req: GatewayRequest = {
    method: state.method,
    url: state.url,
    headers: { ...state.headers, 'Content-Type': CONTENT_TYPES.prometheus },
    body,
    timeoutMs: state.timeoutMs,
  };
  return finish(state, 'push', await sendWithRetries(req, state.policy));
}

function finish(
  state: PushState,
  what: 'push' | 'delete',
  a: { status?: number; reason?: string; attempts: number },
): PushResult {
  const status = a.status === undefined ? {} : { status: a.status };
  if (a.reason === undefined) return { ok: true, attempts: a.attempts, ...status };
  const error = `${a.reason}; ${a.attempts} attempt${a.attempts === 1 ? '' : 's'}`;
  state.report(`${what} to the Pushgateway failed`, `${state.url.origin}: ${error}`);
  return { ok: false, attempts: a.attempts, ...status, error };
}

/**
 * Creates a client for one group (`job`, `instance`, `groupingKey`) of a Pushgateway.
 * Throws at creation on bad options; {@link Pushgateway.push} and
 * {@link Pushgateway.delete} never throw. Calls run one after the other, in call order.
 *
 * @example
 * ```ts
 * const gateway = createPushgateway({ url: 'http://pushgateway:9091', job: 'glassbox', instance: 'nightly-scoring', sources: [backend], glassbox });
 * await gateway.push();
 * ```
 */
export function createPushgateway(options: PushgatewayOptions): Pushgateway {
  validateOptions(WHERE, options, OPTIONS_SPEC);
  const base = checkGatewayUrl(WHERE, options.url);
  const labels = checkGroupingKey(WHERE, options.job, options.instance, options.groupingKey);
  const url = new URL(groupingPath(options.job, labels), base);
  const policy = retryPolicy(options.retries);
  const timeoutMs = inRange('timeoutMs', options.timeoutMs ?? PUSHGATEWAY_DEFAULTS.timeoutMs, 1, 120_000);
  const report = reporter(options);
  const state: PushState = {
    url,
    method: (options.method ?? PUSHGATEWAY_DEFAULTS.method) === 'put' ? 'PUT' : 'POST',
    headers: authHeader(options.auth),
    policy,
    timeoutMs,
    sources: sourcesOf(options),
    renderer: createRenderer({
      onInvalid: (family, reason) =>
        report('a metric family was left out of the push', `${family}: ${reason}`),
    }),
    report,
  };
  let waits = 0;
  for (let n = 1; n < policy.attempts; n++) waits += backoffDelay(policy, n);
  // One call at a time, in call order, so a delete never overtakes the push before it.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = (what: 'push' | 'delete', work: () => Promise<PushResult>): Promise<PushResult> => {
    // anything unexpected still ends as a counted failure, never as a rejection
    const guarded = () =>
      work().catch((error: unknown) =>
        finish(state, what, { reason: error instanceof Error ? error.message : 'failed', attempts: 0 }),
      );
    const next = queue.then(guarded, guarded);
    queue = next;
    return next;
  };
  return {
    url: url.href,
    deleteOnSuccess: options.deleteOnSuccess ?? PUSHGATEWAY_DEFAULTS.deleteOnSuccess,
    glassbox: options.glassbox,
    maxDurationMs: timeoutMs + policy.attempts * timeoutMs + waits,
    push: (o) => serial('push', () => doPush(state, o)),
    delete: () =>
      serial('delete', async () =>
        finish(
          state,
          'delete',
          await sendWithRetries({ method: 'DELETE', url, headers: state.headers, timeoutMs }, policy),
        ),
      ),
  };
}
