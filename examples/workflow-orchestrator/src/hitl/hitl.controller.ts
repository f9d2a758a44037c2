import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { HitlService } from './hitl.service.js';

@Controller('hitl/approvals')
export class HitlController {
  constructor(private readonly hitl: HitlService) {}

  @Get()
  list(@Query('status') status?: string) {
    return this.hitl.list(status);
  }

  /** Asks a human to approve a job run. */
  @Post()
  request(@Body() body: { jobName?: unknown; reason?: unknown; params?: unknown }) {
    return this.hitl.request(body ?? {});
  }

  /** Records the decision; an approved job is triggered. */
  @Post(':id/decision')
  decide(@Param('id') id: string, @Body() body: { decision?: unknown; reviewer?: unknown }) {
    return this.hitl.decide(id, body ?? {});
  }
}
