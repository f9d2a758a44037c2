import { Body, Controller, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { JOB_NAMES } from '../config.js';
import { JobPublisher } from './job-publisher.service.js';

@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly publisher: JobPublisher) {}

  /** Queues one run of a batch job for the batch worker. */
  @Post('jobs/:jobName/trigger')
  @HttpCode(202)
  async trigger(
    @Param('jobName') jobName: string,
    @Body() body: { params?: Record<string, unknown> } | undefined,
  ) {
    if (!(JOB_NAMES as readonly string[]).includes(jobName))
      throw new NotFoundException(`unknown job ${jobName}`);
    return this.publisher.trigger(jobName, body?.params ?? {});
  }
}
