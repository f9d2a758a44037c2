/**
 * The bounded `host` label of outbound requests: hosts the service declares keep their
 * name, everything else is `other`. Validated at start-up; lookups never throw and are
 * cached (a bounded cache) so the hot path parses nothing for a host it has seen.
 */
import { checkLabelValue } from '../instruments/shared.js';

/** `host` label value of every request to a host that was not declared. */
export const HTTP_CLIENT_OTHER_HOST = 'other';

/** Entries kept in a host cache; past this, lookups are computed each time (still bounded labels). */
const CACHE_LIMIT = 1024;

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  'http:': 80,
  'https:': 443,
  'ws:': 80,
  'wss:': 443,
};

/** The effective port of a protocol without an explicit port (80 when unknown). */
export function defaultPort(protocol: string | undefined): number {
  return (protocol !== undefined && DEFAULT_PORTS[protocol]) || 80;
}

/** Canonical host name as a URL spells it (lower case, IPv6 in brackets), or undefined. */
function canonicalHostname(host: string): string | undefined {
  if (host.length === 0) return undefined;
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  try {
    const url = new URL(`http://${bracketed}/`);
    const bare = url.port === '' && url.pathname === '/' && url.search === '' && url.hash === '';
    return bare && url.username === '' && url.password === '' ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}

function invalid(index: number, entry: unknown, why: string): TypeError {
  return new TypeError(
    `Glassbox http client: hosts[${index}] ${JSON.stringify(entry)} ${why}; expected "name", "name:port" or "*.suffix" (e.g. "api.openai.com", "models.internal:8443", "*.svc.cluster.local")`,
  );
}

/** The port node:http connects to: from the Host header it wrote, else the protocol's default. */
function httpPort(protocol: unknown, host: string, header: unknown): number {
  const fallback = defaultPort(typeof protocol === 'string' ? protocol : undefined);
  if (typeof header !== 'string') return fallback;
  const colon = header.lastIndexOf(':');
  if (colon <= 0 || header.endsWith(']')) return fallback;
  const name = header.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(header.slice(colon + 1));
  return name.toLowerCase() === host.toLowerCase() && Number.isInteger(port) ? port : fallback;
}

interface Declared {
  /** `name:port` and `name` entries by their canonical spelling (also the label). */
  readonly exact: Map<string, string>;
  /** `*.suffix` entries as [".suffix", label], longest suffix first. */
  readonly wildcards: [string, string][];
}

function parseEntry(index: number, entry: unknown, out: Declared): void {
  if (typeof entry !== 'string') throw invalid(index, entry, 'is not a string');
  checkLabelValue(`hosts[${index}]`, entry);
  const lower = entry.toLowerCase();
  if (lower.startsWith('*.')) {
    const name = canonicalHostname(lower.slice(2));
    if (name === undefined || name.startsWith('[')) throw invalid(index, entry, 'is not a valid wildcard');
    out.wildcards.push([`.${name}`, `*.${name}`]);
    return;
  }
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(lower);
  const name = m?.[1] === undefined ? undefined : canonicalHostname(m[1]);
  if (m === null || name === undefined) throw invalid(index, entry, 'is not a host name');
  if (m[2] !== undefined) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw invalid(index, entry, 'has a port outside 1..65535');
    out.exact.set(`${name}:${port}`, `${name}:${port}`);
  } else out.exact.set(name, name);
}

/** Maps the host a request went to onto its bounded `host` label. */
export interface HostLabeler {
  /** Every label a request may get: the declared hosts (canonical spelling) and `other`. */
  readonly labels: readonly string[];
  /** Label of a request to `origin` (`http://host:port`, as undici reports it). */
  forOrigin(origin: string): string;
  /** Label of a request to `host` on `port` (a host name in any spelling, IPv6 with or without brackets). */
  forHost(host: string, port: number): string;
  /**
   * Label of a node:http request: `host` as `request.host` reports it, the port from the
   * `Host` header Node wrote (`name:port` when the port is not the protocol's default),
   * else the protocol's default port.
   */
  forHttp(protocol: unknown, host: unknown, hostHeader: unknown): string;
}

/**
 * Validates the declared hosts and builds the labeler. A `name` entry matches the host on
 * any port; `name:port` only that port (the protocol's default port when the URL has
 * none); `*.suffix` any subdomain of `suffix` on any port. Names compare in their
 * canonical spelling (lower case, IPv6 in brackets). Throws a TypeError naming the bad
 * entry at start-up.
 */
export function compileHosts(hosts: unknown): HostLabeler {
  if (!Array.isArray(hosts)) throw new TypeError('Glassbox http client: hosts must be an array of strings');
  const declared: Declared = { exact: new Map(), wildcards: [] };
  for (let i = 0; i < hosts.length; i++) parseEntry(i, hosts[i], declared);
  declared.wildcards.sort((a, b) => b[0].length - a[0].length);
  const labels = [...declared.exact.values(), ...declared.wildcards.map((w) => w[1])];
  if (labels.includes(HTTP_CLIENT_OTHER_HOST))
    throw new TypeError(
      `Glassbox http client: "${HTTP_CLIENT_OTHER_HOST}" cannot be declared as a host: it is the label of undeclared hosts`,
    );
  labels.push(HTTP_CLIENT_OTHER_HOST);

  const match = (name: string | undefined, port: number): string => {
    if (name === undefined) return HTTP_CLIENT_OTHER_HOST;
    const hit = declared.exact.get(`${name}:${port}`) ?? declared.exact.get(name);
    if (hit !== undefined) return hit;
    for (const [suffix, label] of declared.wildcards) if (name.endsWith(suffix)) return label;
    return HTTP_CLIENT_OTHER_HOST;
  };
  const originCache = new Map<string, string>();
  const hostCache = new Map<string, string>();
  const remember = (cache: Map<string, string>, key: string, label: string): string => {
    if (cache.size < CACHE_LIMIT) cache.set(key, label);
    return label;
  };
  // node:http: protocol → host → Host header → label (no string is built on a hit).
  const httpCache = new Map<unknown, Map<unknown, Map<unknown, string>>>();
  let httpCached = 0;
  const forHost = (host: string, port: number): string => {
    const key = `${host}\u0000${port}`;
    const cached = hostCache.get(key);
    if (cached !== undefined) return cached;
    return remember(hostCache, key, match(canonicalHostname(host), port));
  };

  return {
    labels,
    forOrigin(origin) {
      const cached = originCache.get(origin);
      if (cached !== undefined) return cached;
      let label = HTTP_CLIENT_OTHER_HOST;
      try {
        const url = new URL(origin);
        label = match(url.hostname, url.port === '' ? defaultPort(url.protocol) : Number(url.port));
      } catch {
        // An origin that does not parse is "other".
      }
      return remember(originCache, origin, label);
    },
    forHost,
    forHttp(protocol, host, hostHeader) {
      let byHost = httpCache.get(protocol);
      const cached = byHost?.get(host)?.get(hostHeader);
      if (cached !== undefined) return cached;
      const name = typeof host === 'string' ? host : '';
      const label = forHost(name, httpPort(protocol, name, hostHeader));
      if (httpCached < CACHE_LIMIT) {
        httpCached++;
        if (byHost === undefined) {
          byHost = new Map();
          httpCache.set(protocol, byHost);
        }
        let byHeader = byHost.get(host);
        if (byHeader === undefined) {
          byHeader = new Map();
          byHost.set(host, byHeader);
        }
        byHeader.set(hostHeader, label);
      }
      return label;
    },
  };
}
