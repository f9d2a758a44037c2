import type { Instrumentation } from '@glassbox/exporter';
import { GlassboxModule, llmInstrumentProvider } from '@glassbox/nest';
import { type DynamicModule, Module } from '@nestjs/common';
import { CONFIG, type Config } from './config.js';
import { HealthController } from './health.controller.js';
import { JobsController } from './jobs/jobs.controller.js';
import { JobsService, LLM_INSTRUMENT } from './jobs/jobs.service.js';
import { LLM_PROVIDER, type LlmProvider, MODELS, PRICES } from './llm/provider.js';

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static factory
export class AppModule {
  static register(config: Config, instrumentation: Instrumentation, provider: LlmProvider): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // RED metrics on the Fastify platform and /metrics (bearer token from
        // METRICS_BEARER_TOKEN); with METRICS_PORT set, main.ts serves /metrics instead.
        GlassboxModule.forRoot({
          glassbox: instrumentation.glassbox,
          sources: instrumentation.sources,
          http: { excludePaths: ['/health'] },
          metrics: { enabled: config.metricsPort === undefined },
        }),
      ],
      controllers: [HealthController, JobsController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: LLM_PROVIDER, useValue: provider },
        llmInstrumentProvider(LLM_INSTRUMENT, { provider: provider.name, prices: PRICES, models: MODELS }),
        JobsService,
      ],
    };
  }
}
