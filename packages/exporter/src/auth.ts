/**
 * Bearer-token auth for /metrics. Tokens come from options, `METRICS_BEARER_TOKEN` or a
 * token file (one per line, re-read when it changes, so tokens rotate without a
 * restart). Comparison is constant-time over fixed-length SHA-256 digests, so neither
 * the token nor its length leaks through timing. Tokens never reach logs or errors.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { promises as fs, readFileSync, statSync } from 'node:fs';
import type { Logger } from '@glassbox/core';

/** Auth options of the metrics handler. */
export interface MetricsAuthOptions {
  /** Valid bearer tokens. Several may be valid at once (rotation). @default [] */
  readonly tokens?: string | readonly string[];
  /**
   * Path of a token file: one token per line, surrounding whitespace trimmed, empty
   * lines and lines starting with `#` ignored. Re-read when its size, mtime or inode
   * changes; a failed or empty re-read keeps the last good set.
   * @default undefined
   */
  readonly tokenFile?: string;
  /** Read a token from the `METRICS_BEARER_TOKEN` environment variable. @default true */
  readonly fromEnv?: boolean;
  /** How often (ms) the token file is checked for changes; 0 checks on every request. @default 1000 */
  readonly tokenFileCheckIntervalMs?: number;
  /** `realm` of the `WWW-Authenticate` challenge. @default 'metrics' */
  readonly realm?: string;
}

/** The environment variable read for a token. */
export const TOKEN_ENV_VAR = 'METRICS_BEARER_TOKEN';

/** Outcome of checking a request. */
export type AuthResult = 'ok' | 'missing' | 'invalid';

const digest = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();

function normalise(tokens: string | readonly string[] | undefined): string[] {
  if (tokens === undefined) return [];
  const list = typeof tokens === 'string' ? [tokens] : [...tokens];
  return list.map((t) => {
    if (typeof t !== 'string') throw new TypeError('Glassbox exporter: auth.tokens must be strings');
    return t.trim();
  });
}

function parseTokenFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** Checks bearer tokens; see {@link MetricsAuthOptions}. */
export class TokenAuth {
  /** True when any token source is configured: requests then need a valid token. */
  readonly enabled: boolean;
  readonly realm: string;
  private staticDigests: Buffer[];
  private fileDigests: Buffer[] = [];
  private fileStamp = '';
  private lastCheck = 0;
  private checking: Promise<void> | undefined;
  private readonly interval: number;

  constructor(
    options: MetricsAuthOptions = {},
    private readonly logger: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const tokens = normalise(options.tokens);
    if (
      (options.fromEnv ?? true) &&
      typeof env[TOKEN_ENV_VAR] === 'string' &&
      env[TOKEN_ENV_VAR].trim() !== ''
    ) {
      tokens.push(env[TOKEN_ENV_VAR].trim());
    }
    if (tokens.some((t) => t.length === 0)) throw new TypeError('Glassbox exporter: an auth token is empty');
    this.staticDigests = tokens.map((t) => digest(Buffer.from(t, 'utf8')));
    this.realm = options.realm ?? 'metrics';
    if (!/^[\x20-\x7e]*$/.test(this.realm) || this.realm.includes('"'))
      throw new TypeError('Glassbox exporter: auth.realm must be printable ASCII without quotes');
    this.interval = options.tokenFileCheckIntervalMs ?? 1000;
    if (!(this.interval >= 0))
      throw new RangeError('Glassbox exporter: tokenFileCheckIntervalMs must be >= 0');
    this.tokenFile = options.tokenFile;
    if (this.tokenFile !== undefined) {
      if (typeof this.tokenFile !== 'string' || this.tokenFile === '')
        throw new TypeError('Glassbox exporter: auth.tokenFile must be a path');
      this.readFileSyncOnce();
    }
    this.enabled = this.staticDigests.length > 0 || this.tokenFile !== undefined;
  }

  private readonly tokenFile: string | undefined;

  /** Number of tokens valid right now (for start-up checks; never the tokens). */
  tokenCount(): number {
    return this.staticDigests.length + this.fileDigests.length;
  }

  private readFileSyncOnce(): void {
    const file = this.tokenFile as string;
    try {
      const st = statSync(file);
      const tokens = parseTokenFile(readFileSync(file, 'utf8'));
      this.fileStamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (tokens.length > 0) this.fileDigests = tokens.map((t) => digest(Buffer.from(t, 'utf8')));
      else this.logger.warn(`exporter: token file ${file} has no tokens`);
    } catch (error) {
      this.logger.warn(
        `exporter: cannot read token file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    this.lastCheck = Date.now();
  }

  private async refresh(): Promise<void> {
    const file = this.tokenFile as string;
    try {
      const st = await fs.stat(file);
      const stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
      if (stamp === this.fileStamp) return;
      const tokens = parseTokenFile(await fs.readFile(file, 'utf8'));
      if (tokens.length === 0) {
        this.logger.warn(`exporter: token file ${file} has no tokens; keeping the previous set`);
        return;
      }
      this.fileDigests = tokens.map((t) => digest(Buffer.from(t, 'utf8')));
      this.fileStamp = stamp;
    } catch (error) {
      this.logger.warn(
        `exporter: cannot re-read token file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); keeping the previous set`,
      );
    }
  }

  private async current(): Promise<void> {
    if (this.tokenFile === undefined) return;
    const now = Date.now();
    if (this.interval > 0 && now - this.lastCheck < this.interval) return;
    this.lastCheck = now;
    this.checking ??= this.refresh().finally(() => {
      this.checking = undefined;
    });
    await this.checking;
  }

  /** Checks the `Authorization` header of a request. Never throws. */
  async check(header: string | undefined): Promise<AuthResult> {
    if (!this.enabled) return 'ok';
    if (header === undefined || header.length === 0) return 'missing';
    try {
      await this.current();
    } catch {
      // keep the last good set
    }
    // RFC 6750: `Bearer` scheme (case-insensitive), then the token.
    const match = /^bearer[ \t]+([^ \t]+)[ \t]*$/i.exec(header);
    if (match === null) return 'invalid';
    // Header values arrive as latin1 strings: recover the raw bytes so UTF-8 tokens compare correctly.
    const presented = digest(Buffer.from(match[1] as string, 'latin1'));
    let ok = false;
    for (const d of this.staticDigests) ok = timingSafeEqual(presented, d) || ok;
    for (const d of this.fileDigests) ok = timingSafeEqual(presented, d) || ok;
    return ok ? 'ok' : 'invalid';
  }
}
