import { Controller, Get } from '@nestjs/common';
import { Public } from './api-key.guard.js';
import { JobPublisher } from './workflows/job-publisher.service.js';

@Controller('health')
export class HealthController {
  constructor(private readonly publisher: JobPublisher) {}

  @Public()
  @Get()
  health() {
    return { status: 'ok', broker: this.publisher.connected ? 'connected' : 'disconnected' };
  }
}
