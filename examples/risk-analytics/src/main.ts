import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { readConfig } from './config.js';

const SERVICE = 'risk-analytics';
const GRACE_MS = 3000;
const config = readConfig();
const separateMetrics = config.metricsPort !== undefined;
const { app, metrics } = createApp({ serveMetrics: !separateMetrics });

const server = app.listen(config.port, config.host);
await new Promise<void>((resolve, reject) => {
  server.once('listening', resolve).once('error', reject);
});
const metricsServer =
  config.metricsPort === undefined
    ? undefined
    : metrics.createMetricsServer({ port: config.metricsPort, host: config.host });
const metricsPort = (await metricsServer?.start())?.port ?? (server.address() as AddressInfo).port;
// One JSON line the demo and the smoke test read the bound ports from.
console.log(
  JSON.stringify({
    service: SERVICE,
    msg: 'listening',
    port: (server.address() as AddressInfo).port,
    metricsPort,
  }),
);

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  console.log(JSON.stringify({ service: SERVICE, msg: 'shutting down', signal }));
  server.closeIdleConnections();
  // In-flight requests get a grace period; then remaining connections are cut.
  setTimeout(() => server.closeAllConnections(), GRACE_MS).unref();
  await Promise.all([new Promise<void>((resolve) => server.close(() => resolve())), metricsServer?.close()]);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
