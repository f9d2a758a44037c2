import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import { readConfig } from './config.js';

const SERVICE = 'ml-service';
const GRACE_MS = 3000;
const config = readConfig();
const app = await createApp(config);
await app.listen({ port: config.port, host: config.host });
const port = (app.server.address() as AddressInfo).port;
const metricsPort = (app.glassbox.metricsServer?.server?.address() as AddressInfo | undefined)?.port;
console.log(JSON.stringify({ service: SERVICE, msg: 'listening', port, metricsPort }));

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  console.log(JSON.stringify({ service: SERVICE, msg: 'shutting down', signal }));
  // In-flight requests get a grace period; then remaining connections are cut.
  setTimeout(() => app.server.closeAllConnections(), GRACE_MS).unref();
  // Closes the HTTP server, the metrics server (plugin onClose) and the drift timers.
  await app.close();
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
