/**
 * A standalone metrics server on its own port, with explicit start()/close(): nothing
 * listens until `start()` is called, and port 0 picks a free port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './handler.js';

/** Options of {@link createMetricsServer}: the handler's, plus where to listen. */
export interface MetricsServerOptions extends MetricsHandlerOptions {
  /** Port to listen on; 0 picks a free one. @default 9464 */
  readonly port?: number;
  /** Interface to bind. @default '0.0.0.0' */
  readonly host?: string;
  /** Path that serves metrics; other paths get 404. @default '/metrics' */
  readonly path?: string;
}

/** Defaults of {@link MetricsServerOptions}. */
export const METRICS_SERVER_DEFAULTS = Object.freeze({ port: 9464, host: '0.0.0.0', path: '/metrics' });

/** A standalone metrics server. */
export interface MetricsServer {
  /** Starts listening; resolves with the bound address. Rejects when the port is taken. */
  start(): Promise<{ port: number; host: string; url: string }>;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
  /** The handler it serves, for tests or other servers. */
  readonly handler: MetricsHandler;
  /** The underlying node:http server (created at start). */
  readonly server: Server | undefined;
}

/** Creates a standalone metrics server (see {@link MetricsServerOptions}); call `start()` to listen. */
export function createMetricsServer(options: MetricsServerOptions = {}): MetricsServer {
  if (options === null || typeof options !== 'object')
    throw new TypeError('Glassbox exporter: createMetricsServer options must be an object');
  const port = options.port ?? METRICS_SERVER_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`Glassbox exporter: port must be an integer 0..65535, got ${String(port)}`);
  const host = options.host ?? METRICS_SERVER_DEFAULTS.host;
  const path = options.path ?? METRICS_SERVER_DEFAULTS.path;
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new TypeError('Glassbox exporter: path must start with "/"');
  if (typeof host !== 'string') throw new TypeError('Glassbox exporter: host must be a string');
  const { port: _port, host: _host, path: _path, ...handlerOptions } = options;
  const handler = createMetricsHandler(handlerOptions);
  let server: Server | undefined;
  return {
    handler,
    get server() {
      return server;
    },
    start() {
      if (server !== undefined)
        return Promise.reject(new Error('Glassbox exporter: the metrics server is already started'));
      const s = createServer((req, res) => {
        const url = req.url ?? '/';
        const q = url.indexOf('?');
        const pathname = q >= 0 ? url.slice(0, q) : url;
        if (pathname === path) handler(req, res);
        else {
          res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('Not Found\n');
        }
      });
      server = s;
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => {
          server = undefined;
          reject(error);
        };
        s.once('error', onError);
        s.listen(port, host, () => {
          s.off('error', onError);
          const addr = s.address() as AddressInfo;
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ port: addr.port, host: addr.address, url: `http://${shownHost}:${addr.port}${path}` });
        });
      });
    },
    close() {
      const s = server;
      server = undefined;
      if (s === undefined) return Promise.resolve();
      return new Promise((resolve, reject) => {
        s.close((error) => (error ? reject(error) : resolve()));
        s.closeAllConnections?.();
      });
    },
  };
}
