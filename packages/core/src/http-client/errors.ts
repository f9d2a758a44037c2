/**
 * The bounded `status_code` values of outbound requests that got no response, and the
 * classifier that maps an error (as undici and node:http report it) to one of them.
 */

/**
 * `status_code` values of an outbound request that failed before its response headers
 * arrived. A declared, bounded set: every failure is exactly one of these.
 *
 * - `error_dns`: the host name did not resolve (`ENOTFOUND`, `EAI_AGAIN`, ...).
 * - `error_connect`: the connection was refused or the host unreachable (`ECONNREFUSED`, `EHOSTUNREACH`, ...).
 * - `error_timeout`: a connect, headers or body timeout, an `AbortSignal.timeout()`, or a
 *   node:http request destroyed after its `'timeout'` event.
 * - `error_reset`: the connection was reset or closed by the other side (`ECONNRESET`, `EPIPE`,
 *   undici's `UND_ERR_SOCKET`).
 * - `error_tls`: the TLS handshake or certificate check failed.
 * - `error_aborted`: the caller aborted the request (an `AbortSignal` without a timeout).
 * - `error_other`: anything else.
 */
export const HTTP_CLIENT_ERROR_STATUSES = Object.freeze([
  'error_dns',
  'error_connect',
  'error_timeout',
  'error_reset',
  'error_tls',
  'error_aborted',
  'error_other',
] as const);

/** One of {@link HTTP_CLIENT_ERROR_STATUSES}. */
export type HttpClientErrorStatus = (typeof HTTP_CLIENT_ERROR_STATUSES)[number];

const BY_CODE: Readonly<Record<string, HttpClientErrorStatus>> = {
  ENOTFOUND: 'error_dns',
  EAI_AGAIN: 'error_dns',
  EAI_FAIL: 'error_dns',
  EAI_NONAME: 'error_dns',
  EAI_NODATA: 'error_dns',
  ECONNREFUSED: 'error_connect',
  EHOSTUNREACH: 'error_connect',
  EHOSTDOWN: 'error_connect',
  ENETUNREACH: 'error_connect',
  ENETDOWN: 'error_connect',
  EADDRNOTAVAIL: 'error_connect',
  ETIMEDOUT: 'error_timeout',
  ESOCKETTIMEDOUT: 'error_timeout',
  UND_ERR_CONNECT_TIMEOUT: 'error_timeout',
  UND_ERR_HEADERS_TIMEOUT: 'error_timeout',
  UND_ERR_BODY_TIMEOUT: 'error_timeout',
  ECONNRESET: 'error_reset',
  ECONNABORTED: 'error_reset',
  EPIPE: 'error_reset',
  UND_ERR_SOCKET: 'error_reset',
  EPROTO: 'error_tls',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'error_tls',
  SELF_SIGNED_CERT_IN_CHAIN: 'error_tls',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'error_tls',
  UNABLE_TO_GET_ISSUER_CERT: 'error_tls',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'error_tls',
  CERT_HAS_EXPIRED: 'error_tls',
  CERT_NOT_YET_VALID: 'error_tls',
  CERT_UNTRUSTED: 'error_tls',
  CERT_REVOKED: 'error_tls',
  HOSTNAME_MISMATCH: 'error_tls',
  ABORT_ERR: 'error_aborted',
  UND_ERR_ABORTED: 'error_aborted',
};

const BY_NAME: Readonly<Record<string, HttpClientErrorStatus>> = {
  TimeoutError: 'error_timeout',
  ConnectTimeoutError: 'error_timeout',
  HeadersTimeoutError: 'error_timeout',
  BodyTimeoutError: 'error_timeout',
  AbortError: 'error_aborted',
  RequestAbortedError: 'error_aborted',
  SocketError: 'error_reset',
};

function read(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

function classifyOne(error: object): HttpClientErrorStatus | undefined {
  const code = read(error, 'code');
  if (typeof code === 'string') {
    const byCode = BY_CODE[code];
    if (byCode !== undefined) return byCode;
    if (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) return 'error_tls';
  }
  const name = read(error, 'name');
  return typeof name === 'string' ? BY_NAME[name] : undefined;
}

/**
 * Maps an outbound request's error to one of {@link HTTP_CLIENT_ERROR_STATUSES} by its
 * `code`, then its `name`, following `cause` (up to four links): an abort whose cause is
 * a timeout (node:http with `signal: AbortSignal.timeout(ms)`) is `error_timeout`.
 * Never reads the message; never throws.
 */
export function classifyHttpClientError(error: unknown): HttpClientErrorStatus {
  let first: HttpClientErrorStatus | undefined;
  let link: unknown = error;
  for (let depth = 0; depth < 5 && link !== null && typeof link === 'object'; depth++) {
    const status = classifyOne(link);
    if (status === 'error_timeout') return status;
    first ??= status;
    link = read(link, 'cause');
  }
  return first ?? 'error_other';
}
