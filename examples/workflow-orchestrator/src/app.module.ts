import type { Instrumentation } from '@glassbox/exporter';
import { batchTriggersProvider, GlassboxModule } from '@glassbox/nest';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard.js';
import { CONFIG, type Config, JOB_NAMES } from './config.js';
import { HealthController } from './health.controller.js';
import { HitlController } from './hitl/hitl.controller.js';
import { HitlService } from './hitl/hitl.service.js';
import { BATCH_TRIGGERS, JobPublisher } from './workflows/job-publisher.service.js';
import { WorkflowsController } from './workflows/workflows.controller.js';

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static factory
export class AppModule {
  static register(config: Config, instrumentation: Instrumentation): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // RED metrics for every route (templates include the global prefix) and /metrics
        // with the bearer token from METRICS_BEARER_TOKEN; with METRICS_PORT set, main.ts
        // serves /metrics on its own port instead.
        GlassboxModule.forRoot({
          glassbox: instrumentation.glassbox,
          sources: instrumentation.sources,
          http: { excludePaths: ['/health'] },
          metrics: { enabled: config.metricsPort === undefined },
        }),
      ],
      controllers: [HealthController, WorkflowsController, HitlController],
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        batchTriggersProvider(BATCH_TRIGGERS, { jobs: JOB_NAMES }),
        JobPublisher,
        HitlService,
      ],
    };
  }
}
