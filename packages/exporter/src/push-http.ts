/**
 * The Pushgateway's HTTP API, as far as the push client needs it: the grouping-key
 * path (`/metrics/job/<job>{/<label>/<value>}`, with the `@base64` form for values the
 * path cannot carry), one request with a timeout, and bounded retries. Nothing here
 * throws: a request resolves to an {@link Attempt} that says what happened.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** One grouping-key segment: `name/value`, or `name@base64/<base64url>` when the value has a `/` or is empty. */
function segment(name: string, value: string): string {
  if (value === '') return `${name}@base64/=`;
  if (value.includes('/')) return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url')}`;
  return `${name}/${encodeURIComponent(value)}`;
}

/**
 * The path of a group below the gateway's base URL: `metrics/job/<job>` then one
 * segment per label, in the order given (the gateway sorts them itself).
 */
export function groupingPath(job: string, labels: Readonly<Record<string, string>>): string {
  let path = `metrics/${segment('job', job)}`;
  for (const [name, value] of Object.entries(labels)) path += `/${segment(name, value)}`;
  return path;
}

/** Validates the grouping key at start-up; throws an Error naming the offending label. */
export function checkGroupingKey(
  where: string,
  job: unknown,
  instance: unknown,
  groupingKey: unknown,
): Record<string, string> {
  if (typeof job !== 'string' || job === '')
    throw new TypeError(`${where}: job must be a non-empty string (the grouping key's job label)`);
  const labels: Record<string, string> = {};
  if (instance !== undefined) {
    if (typeof instance !== 'string' || instance === '')
      throw new TypeError(`${where}: instance must be a non-empty string, or left out`);
    labels.instance = instance;
  }
  if (groupingKey === undefined) return labels;
  if (groupingKey === null || typeof groupingKey !== 'object' || Array.isArray(groupingKey))
    throw new TypeError(`${where}: groupingKey must be an object of label names to values`);
  for (const [name, value] of Object.entries(groupingKey)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__'))
      throw new TypeError(`${where}: groupingKey label "${name}" is not a valid label name`);
    if (name === 'job' || name === 'instance')
      throw new TypeError(`${where}: groupingKey must not set "${name}"; use the ${name} option`);
    if (typeof value !== 'string') throw new TypeError(`${where}: groupingKey.${name} must be a string`);
    labels[name] = value;
  }
  return labels;
}

/** Parses the gateway's base URL at start-up (http or https, no credentials, query or fragment). */
export function checkGatewayUrl(where: string, url: unknown): URL {
  if (typeof url !== 'string' || url === '')
    throw new TypeError(`${where}: url must be the gateway's base URL, e.g. http://pushgateway:9091`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`${where}: url is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError(`${where}: url must be http:// or https://`);
  if (parsed.username !== '' || parsed.password !== '')
    throw new TypeError(`${where}: put credentials in the auth option, not in the url`);
  if (parsed.search !== '' || parsed.hash !== '')
    throw new TypeError(`${where}: url must not have a query or a fragment`);
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return parsed;
}

/** What one request did. */
export interface Attempt {
  /** HTTP status, or undefined when no response arrived. */
  readonly status?: number;
  /** Why it failed (never holds a credential). */
  readonly reason?: string;
  /** Worth retrying: no response, a timeout, 429 or 5xx. */
  readonly retryable: boolean;
}

/** A request to send. */
export interface GatewayRequest {
  readonly method: 'PUT' | 'POST' | 'DELETE';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly timeoutMs: number;
}

const MAX_ERROR_BODY = 300;

/** Reads at most a few hundred bytes of an error response (the gateway says why it refused). */
function readReason(res: IncomingMessage, done: (text: string) => void): void {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    if (text.length < MAX_ERROR_BODY) text += chunk;
  });
  res.on('end', () => done(text.slice(0, MAX_ERROR_BODY).trim()));
  res.on('error', () => done(text.trim()));
}

/** Sends one request; resolves (never rejects) when it answered, failed or timed out. */
export function send(req: GatewayRequest): Promise<Attempt> {
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const finish = (a: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['Content-Length'] = String(req.body.length);
    let request: ReturnType<typeof httpRequest>;
    try {
      request = (req.url.protocol === 'https:' ? httpsRequest : httpRequest)(
        req.url,
        { method: req.method, headers, agent: false },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            res.resume();
            res.on('end', () => finish({ status, retryable: false }));
            res.on('error', () => finish({ status, retryable: false }));
            return;
          }
          readReason(res, (text) =>
            finish({
              status,
              reason: `HTTP ${status}${text === '' ? '' : `: ${text}`}`,
              retryable: status === 429 || status >= 500,
            }),
          );
        },
      );
    } catch (error) {
      // e.g. a header value node:http refuses
      resolve({ reason: error instanceof Error ? error.message : 'request failed', retryable: false });
      return;
    }
    const timer = setTimeout(() => {
      finish({ reason: `no answer within ${req.timeoutMs} ms`, retryable: true });
      request.destroy();
    }, req.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish({ reason: error.code ?? error.message, retryable: true }),
    );
    request.end(req.body);
  });
}

/** Retry settings, resolved. */
export interface RetryPolicy {
  /** Attempts in all, the first one included (1 = no retry). */
  readonly attempts: number;
  /** Wait before the second attempt; doubles after each failed attempt. */
  readonly backoffMs: number;
  /** Longest wait between two attempts. */
  readonly maxBackoffMs: number;
}

/** The wait before attempt `n + 1` (n >= 1): `backoffMs * 2^(n-1)`, capped. */
export function backoffDelay(policy: RetryPolicy, n: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (n - 1));
}

// Not unref'd: a job that awaits its push at the end must not exit during the wait.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends with retries (only retryable failures are retried); the last attempt and how many were made. */
export async function sendWithRetries(
  req: GatewayRequest,
  policy: RetryPolicy,
): Promise<Attempt & { readonly attempts: number }> {
  let last: Attempt = { retryable: false };
  for (let n = 1; n <= policy.attempts; n++) {
    last = await send(req);
    if (last.reason === undefined || !last.retryable || n === policy.attempts)
      return { ...last, attempts: n };
    await sleep(backoffDelay(policy, n));
  }
  return { ...last, attempts: policy.attempts };
}
