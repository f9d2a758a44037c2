import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createGlassbox,
  type Glassbox,
  type HttpClientInstrument,
  instrumentHttpClient,
  type NativeBackend,
  nativeBackend,
  promClientBackend,
} from '@glassbox/core';
import { renderFamilies } from '@glassbox/exporter';
import * as client from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHttpClientInstrument } from '../src/http-client/instrument.js';

const REQUESTS = 'http_client_requests_total';
const DURATION = 'http_client_request_duration_seconds';

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = req.url ?? '/';
  if (path === '/slow') {
    const timer = setTimeout(() => res.end('late'), 3000);
    res.on('close', () => clearTimeout(timer));
    return;
  }
  if (path === '/reset') {
    req.socket.destroy();
    return;
  }
  if (path === '/headers-then-reset') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '1000' });
    res.write('partial');
    setTimeout(() => req.socket.destroy(), 20);
    return;
  }
  res.statusCode = Number(path.slice(1)) || 200;
  res.end('ok');
}

async function listen(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

let server: http.Server;
let port: number;
let other: http.Server;
let otherPort: number;
let deadPort: number;
let base: string;

beforeAll(async () => {
  server = http.createServer(handler);
  port = await listen(server);
  other = http.createServer(handler);
  otherPort = await listen(other);
  const dead = http.createServer();
  deadPort = await listen(dead);
  await new Promise((resolve) => dead.close(resolve));
  base = `http://127.0.0.1:${port}`;
});

afterAll(() => {
  for (const s of [server, other]) {
    s.closeAllConnections();
    s.close();
  }
});

interface Ctx {
  glassbox: Glassbox;
  backend: NativeBackend;
  errors(): number;
}

function makeGlassbox(): Ctx {
  const backend = nativeBackend();
  const glassbox = createGlassbox({ backend, logger: null });
  return {
    glassbox,
    backend,
    // no error series means no error was reported
    errors: () => backend.value('glassbox_instrumentation_errors_total', { component: 'http_client' }) ?? 0,
  };
}

/** `method host status` → count, for exact assertions. */
function counts(backend: NativeBackend): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of backend.series(REQUESTS))
    out[`${s.labels.method} ${s.labels.host} ${s.labels.status_code}`] = s.value;
  return out;
}

const handles: HttpClientInstrument[] = [];
function instrument(glassbox: Glassbox, options: Parameters<typeof instrumentHttpClient>[1] = {}) {
  const handle = instrumentHttpClient(glassbox, options);
  handles.push(handle);
  return handle;
}
afterEach(() => {
  for (const h of handles.splice(0)) h.stop();
});

/** node:http request that resolves with the status (body read) or rejects with the error. */
function httpGet(
  url: string,
  options: https.RequestOptions & { onRequest?: (req: http.ClientRequest) => void } = {},
  client: typeof http | typeof https = http,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = client.request(url, options, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    options.onRequest?.(req);
    req.end();
  });
}

async function fetchStatus(url: string, init?: RequestInit): Promise<number> {
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return res.status;
}

/** Settles after the channel messages of just-finished requests were delivered. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('fetch (Node’s bundled undici)', () => {
  it('counts responses by method, declared host and status, and times them', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { hosts: ['127.0.0.1'] });
    expect(await fetchStatus(`${base}/200`)).toBe(200);
    expect(await fetchStatus(`${base}/404`)).toBe(404);
    expect(await fetchStatus(`${base}/500`, { method: 'POST', body: 'x' })).toBe(500);
    await settle();
    expect(counts(c.backend)).toEqual({
      'GET 127.0.0.1 200': 1,
      'GET 127.0.0.1 404': 1,
      'POST 127.0.0.1 500': 1,
    });
    const get = c.backend.distribution(DURATION, { method: 'GET', host: '127.0.0.1' });
    expect(get?.count).toBe(2);
    expect(get?.sum).toBeGreaterThan(0);
    expect(get?.sum).toBeLessThan(5);
    expect(c.backend.distribution(DURATION, { method: 'POST', host: '127.0.0.1' })?.count).toBe(1);
    expect(c.errors()).toBe(0);
  });

  it('a response whose body is never read is counted once, at its headers', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { hosts: ['127.0.0.1'] });
    const res = await fetch(`${base}/200`);
    await res.body?.cancel();
    await settle();
    expect(counts(c.backend)).toEqual({ 'GET 127.0.0.1 200': 1 });
  });

  it('a body that fails after the headers does not count the request twice', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { hosts: ['127.0.0.1'] });
    const res = await fetch(`${base}/headers-then-reset`);
    await expect(res.text()).rejects.toThrow();
    await settle();
    expect(counts(c.backend)).toEqual({ 'GET 127.0.0.1 200': 1 });
  });

  it('failures get their own status: connect refused, DNS, timeout, reset, abort', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { hosts: ['127.0.0.1', 'nohost.invalid'] });
    await expect(fetch(`http://127.0.0.1:${deadPort}/`)).rejects.toThrow();
    await expect(fetch('http://nohost.invalid/')).rejects.toThrow();
    await expect(fetch(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await expect(fetch(`${base}/reset`)).rejects.toThrow();
    const ac = new AbortController();
    const aborted = fetch(`${base}/slow`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(aborted).rejects.toThrow();
    await settle();
    expect(counts(c.backend)).toEqual({
      'GET 127.0.0.1 error_connect': 1,
      'GET nohost.invalid error_dns': 1,
      'GET 127.0.0.1 error_timeout': 1,
      'GET 127.0.0.1 error_reset': 1,
      'GET 127.0.0.1 error_aborted': 1,
    });
    // The timed-out request took about its timeout.
    const d = c.backend.distribution(DURATION, { host: '127.0.0.1' });
    expect(d?.count).toBe(4);
    expect(d?.sum).toBeGreaterThanOrEqual(0.1);
  });
});

describe('node:http', () => {
  it('counts responses by method, declared host and status, and times them', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { hosts: ['127.0.0.1'] });
    expect(await httpGet(`${base}/200`)).toBe(200);
    expect(await httpGet(`${base}/404`)).toBe(404);
    expect(await httpGet(`${base}/500`, { method: 'DELETE' })).toBe(500);
    await settle();
    expect(counts(c.backend)).toEqual({
      'GET 127.0.0.1 200': 1,
      'GET 127.0.0.1 404': 1,
      'DELETE 127.0.0.1 500': 1,
    });
    expect(c.backend.distribution(DURATION, { method: 'GET', host: '127.0.0.1' })?.count).toBe(2);
  });

  it('failures: connect refused, DNS, timeout (option and signal), reset, abort', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { hosts: ['127.0.0.1', 'nohost.invalid'] });
    await expect(httpGet(`http://127.0.0.1:${deadPort}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(httpGet('http://nohost.invalid/')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    // The usual `timeout` idiom: destroy on 'timeout'. Node reports "socket hang up" (ECONNRESET).
    await expect(
      httpGet(`${base}/slow`, { timeout: 100, onRequest: (r) => r.on('timeout', () => r.destroy()) }),
    ).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(httpGet(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await expect(httpGet(`${base}/reset`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    const ac = new AbortController();
    const aborted = httpGet(`${base}/slow`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    await settle();
    expect(counts(c.backend)).toEqual({
      'GET 127.0.0.1 error_connect': 1,
      'GET nohost.invalid error_dns': 1,
      'GET 127.0.0.1 error_timeout': 2,
      'GET 127.0.0.1 error_reset': 1,
      'GET 127.0.0.1 error_aborted': 1,
    });
  });

  it('without the error channel (Node < 20.17 / 22.6) errorMonitor sees errors once and leaves them to the caller', async () => {
    const c = makeGlassbox();
    handles.push(
      startHttpClientInstrument(c.glassbox, { hosts: ['127.0.0.1'] }, { httpErrorChannel: false }),
    );
    const seen = vi.fn();
    await new Promise<void>((resolve) => {
      const req = http.request(`http://127.0.0.1:${deadPort}/`);
      req.on('error', (e) => {
        seen(e);
        resolve();
      });
      req.end();
    });
    await settle();
    expect(seen).toHaveBeenCalledTimes(1);
    expect(counts(c.backend)).toEqual({ 'GET 127.0.0.1 error_connect': 1 });
  });
});

describe('https (self-signed certificate made at test time)', () => {
  let dir: string;
  let tls: https.Server;
  let tlsPort: number;
  let ca: Buffer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'glassbox-tls-'));
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
        ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'));
    tls = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, handler);
    tlsPort = await listen(tls);
  });
  afterAll(() => {
    tls.closeAllConnections();
    tls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('https.request with the CA counts the status; without it, and fetch, fail as error_tls', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { hosts: [`localhost:${tlsPort}`] });
    const url = `https://localhost:${tlsPort}/201`;
    expect(await httpGet(url, { ca }, https)).toBe(201);
    await expect(httpGet(url, {}, https)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await expect(fetch(url)).rejects.toThrow();
    await settle();
    expect(counts(c.backend)).toEqual({
      [`GET localhost:${tlsPort} 201`]: 1,
      [`GET localhost:${tlsPort} error_tls`]: 2,
    });
  });
});

describe('the host label is bounded', () => {
  it('undeclared hosts are "other"; "name:port" matches only that port; "name" any port', async () => {
    const c = makeGlassbox();
    const h = instrument(c.glassbox, { hosts: [`127.0.0.1:${port}`, 'LOCALHOST'] });
    expect(h.hosts).toEqual([`127.0.0.1:${port}`, 'localhost', 'other']);
    await fetchStatus(`${base}/200`);
    await fetchStatus(`http://127.0.0.1:${otherPort}/200`);
    await httpGet(`http://127.0.0.1:${otherPort}/200`);
    await fetchStatus(`http://localhost:${otherPort}/204`);
    await httpGet(`http://localhost:${port}/204`);
    await httpGet(`${base}/202`);
    await settle();
    expect(counts(c.backend)).toEqual({
      [`GET 127.0.0.1:${port} 200`]: 1,
      [`GET 127.0.0.1:${port} 202`]: 1,
      'GET other 200': 2,
      'GET localhost 204': 2,
    });
  });

  it('no declared hosts: every request is "other"', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox);
    await fetchStatus(`${base}/200`);
    await httpGet(`${base}/200`);
    await settle();
    expect(counts(c.backend)).toEqual({ 'GET other 200': 2 });
  });

  it('groupStatusCodes records classes; error values stay', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { groupStatusCodes: true });
    await fetchStatus(`${base}/201`);
    await httpGet(`${base}/503`);
    await expect(fetch(`http://127.0.0.1:${deadPort}/`)).rejects.toThrow();
    await settle();
    expect(counts(c.backend)).toEqual({
      'GET other 2xx': 1,
      'GET other 5xx': 1,
      'GET other error_connect': 1,
    });
  });
});

describe('exposition', () => {
  it('native and prom-client backends expose the same exact lines', async () => {
    const native = nativeBackend();
    const registry = new client.Registry();
    const a = createGlassbox({ backend: native, logger: null });
    const b = createGlassbox({ backend: promClientBackend({ client, registry }), logger: null });
    instrument(a, { hosts: ['127.0.0.1'] });
    instrument(b, { hosts: ['127.0.0.1'] });
    await fetchStatus(`${base}/200`);
    await expect(fetch(`http://127.0.0.1:${deadPort}/`)).rejects.toThrow();
    await settle();
    const exposed: [string, string][] = [
      [await renderFamilies(native.collect(), 'prometheus'), 'method="GET",host="127.0.0.1",le="60"'],
      // prom-client puts `le` first
      [await registry.metrics(), 'le="60",method="GET",host="127.0.0.1"'],
    ];
    for (const [text, bucket60] of exposed) {
      expect(text).toContain('# TYPE http_client_requests_total counter');
      expect(text).toContain('http_client_requests_total{method="GET",host="127.0.0.1",status_code="200"} 1');
      expect(text).toContain(
        'http_client_requests_total{method="GET",host="127.0.0.1",status_code="error_connect"} 1',
      );
      expect(text).toContain('http_client_request_duration_seconds_count{method="GET",host="127.0.0.1"} 2');
      expect(text).toContain(`http_client_request_duration_seconds_bucket{${bucket60}} 2`);
    }
  });
});

describe('lifecycle and instances', () => {
  it('stop() stops counting, is idempotent, and the instance can be instrumented again', async () => {
    const c = makeGlassbox();
    const h = instrumentHttpClient(c.glassbox);
    await fetchStatus(`${base}/200`);
    await httpGet(`${base}/200`);
    await settle();
    expect(c.backend.value(REQUESTS)).toBe(2);
    h.stop();
    h.stop();
    expect(h.active).toBe(false);
    await fetchStatus(`${base}/200`);
    await httpGet(`${base}/200`);
    await settle();
    expect(c.backend.value(REQUESTS)).toBe(2);
    instrument(c.glassbox);
    await fetchStatus(`${base}/200`);
    await settle();
    expect(c.backend.value(REQUESTS)).toBe(3);
  });

  it('two instances each count every request; stopping one leaves the other', async () => {
    const a = makeGlassbox();
    const b = makeGlassbox();
    const ha = instrument(a.glassbox);
    instrument(b.glassbox, { hosts: ['127.0.0.1'] });
    await fetchStatus(`${base}/200`);
    await httpGet(`${base}/404`);
    await settle();
    expect(counts(a.backend)).toEqual({ 'GET other 200': 1, 'GET other 404': 1 });
    expect(counts(b.backend)).toEqual({ 'GET 127.0.0.1 200': 1, 'GET 127.0.0.1 404': 1 });
    ha.stop();
    await fetchStatus(`${base}/200`);
    await settle();
    expect(a.backend.value(REQUESTS)).toBe(2);
    expect(b.backend.value(REQUESTS)).toBe(3);
  });

  it('a second running instrument on the same instance is refused at start-up', () => {
    const c = makeGlassbox();
    instrument(c.glassbox);
    expect(() => instrumentHttpClient(c.glassbox)).toThrow(/already has a running http client instrument/);
  });

  it('undici: false / http: false limit what is recorded', async () => {
    const c = makeGlassbox();
    instrument(c.glassbox, { undici: false });
    await fetchStatus(`${base}/200`);
    await httpGet(`${base}/404`);
    await settle();
    expect(counts(c.backend)).toEqual({ 'GET other 404': 1 });
    const d = makeGlassbox();
    instrument(d.glassbox, { http: false });
    await fetchStatus(`${base}/200`);
    await httpGet(`${base}/404`);
    await settle();
    expect(counts(d.backend)).toEqual({ 'GET other 200': 1 });
  });
});
