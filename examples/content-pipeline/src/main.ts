import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { instrumentHttpClient } from '@glassbox/core';
import { createMetricsServer, setupInstrumentation } from '@glassbox/exporter';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import * as client from 'prom-client';
import { AppModule } from './app.module.js';
import { readConfig } from './config.js';
import { HttpLlmProvider } from './llm/http-provider.js';
import { startStubProvider } from './llm/stub-server.js';

const SERVICE = 'content-pipeline';
const GRACE_MS = 3000;

async function bootstrap(): Promise<void> {
  const config = readConfig();
  // Native backend + process metrics; shared by the module and a separate metrics server.
  const instrumentation = setupInstrumentation({}, client);
  // The LLM provider is an outside HTTP dependency: a real one at LLM_BASE_URL, or a local
  // stand-in started here. Its host is declared, so the `host` label stays bounded.
  const stub = config.llmBaseUrl === undefined ? await startStubProvider() : undefined;
  const llmBaseUrl = stub?.url ?? config.llmBaseUrl ?? '';
  const outbound = instrumentHttpClient(instrumentation.glassbox, { hosts: [new URL(llmBaseUrl).hostname] });
  const provider = new HttpLlmProvider(llmBaseUrl, config.llmApiKey);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config, instrumentation, provider),
    new FastifyAdapter(),
    { logger: ['error', 'warn'] },
  );
  app.setGlobalPrefix('api/v1', { exclude: ['health'] });
  await app.listen(config.port, config.host);
  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : createMetricsServer({
          sources: instrumentation.sources,
          glassbox: instrumentation.glassbox,
          port: config.metricsPort,
          host: config.host,
        });
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const metricsPort = (await metricsServer?.start())?.port ?? port;
  console.log(JSON.stringify({ service: SERVICE, msg: 'listening', port, metricsPort }));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(JSON.stringify({ service: SERVICE, msg: 'shutting down', signal }));
    // In-flight requests get a grace period; then remaining connections are cut.
    setTimeout(() => app.getHttpServer().closeAllConnections(), GRACE_MS).unref();
    // app.close() runs the shutdown hooks: running jobs finish first.
    await Promise.all([app.close(), metricsServer?.close()]);
    outbound.stop();
    await stub?.close();
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

bootstrap().catch((error: unknown) => {
  console.error(`${SERVICE}: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
