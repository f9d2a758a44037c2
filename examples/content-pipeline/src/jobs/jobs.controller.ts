import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { JobsService } from './jobs.service.js';

@Controller('content/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  /** Queues a content job; poll GET /content/jobs/:id for the result. */
  @Post()
  @HttpCode(202)
  create(@Body() body: { topic?: unknown; format?: unknown } | undefined) {
    const job = this.jobs.create(body ?? {});
    return { id: job.id, status: job.status };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    const job = this.jobs.get(id);
    if (job === undefined) throw new NotFoundException('no such job');
    return job;
  }
}
