import { randomUUID } from 'node:crypto';
import { type Counter, defineCounter, defineGauge, type Gauge, type Glassbox } from '@glassbox/core';
import { InjectGlassbox } from '@glassbox/nest';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { JOB_NAMES } from '../config.js';
import { JobPublisher, type TriggeredJob } from '../workflows/job-publisher.service.js';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected';

export interface Approval {
  readonly id: string;
  readonly jobName: string;
  readonly reason: string;
  readonly params: Record<string, unknown>;
  readonly requestedAt: string;
  status: ApprovalStatus;
  reviewer?: string;
  decidedAt?: string;
  run?: TriggeredJob;
}

/** Team metrics of the human-in-the-loop queue, defined once like the catalog's. */
export const hitlPending = defineGauge({
  name: 'hitl_approvals_pending',
  help: 'Human-in-the-loop approvals waiting for a decision',
});
export const hitlDecisions = defineCounter({
  name: 'hitl_decisions_total',
  help: 'Human-in-the-loop decisions, by decision',
  labelNames: ['decision'],
});

/** Jobs that need a human's approval before they run (e.g. a backfill over a year of data). */
@Injectable()
export class HitlService {
  private readonly approvals = new Map<string, Approval>();
  private readonly pending: Gauge<never>;
  private readonly decisions: Counter<'decision'>;

  constructor(
    private readonly publisher: JobPublisher,
    @InjectGlassbox() glassbox: Glassbox,
  ) {
    this.pending = glassbox.gauge(hitlPending);
    this.pending.set(undefined, 0);
    this.decisions = glassbox.counter(hitlDecisions);
  }

  list(status?: string): Approval[] {
    const all = [...this.approvals.values()];
    return status === undefined ? all : all.filter((a) => a.status === status);
  }

  request(body: { jobName?: unknown; reason?: unknown; params?: unknown }): Approval {
    if (typeof body.jobName !== 'string' || !(JOB_NAMES as readonly string[]).includes(body.jobName))
      throw new BadRequestException(`jobName must be one of ${JOB_NAMES.join(', ')}`);
    if (typeof body.reason !== 'string' || body.reason.length === 0)
      throw new BadRequestException('reason is required');
    const approval: Approval = {
      id: randomUUID(),
      jobName: body.jobName,
      reason: body.reason.slice(0, 500),
      params:
        typeof body.params === 'object' && body.params !== null
          ? (body.params as Record<string, unknown>)
          : {},
      requestedAt: new Date().toISOString(),
      status: 'pending',
    };
    this.approvals.set(approval.id, approval);
    this.pending.inc();
    return approval;
  }

  async decide(id: string, body: { decision?: unknown; reviewer?: unknown }): Promise<Approval> {
    const approval = this.approvals.get(id);
    if (approval === undefined) throw new NotFoundException('no such approval');
    if (body.decision !== 'approved' && body.decision !== 'rejected')
      throw new BadRequestException('decision must be "approved" or "rejected"');
    if (approval.status !== 'pending') throw new ConflictException(`already ${approval.status}`);
    approval.status = body.decision;
    approval.reviewer = typeof body.reviewer === 'string' ? body.reviewer.slice(0, 100) : 'unknown';
    approval.decidedAt = new Date().toISOString();
    this.pending.dec();
    this.decisions.inc({ decision: body.decision });
    if (body.decision === 'approved')
      approval.run = await this.publisher.trigger(approval.jobName, approval.params);
    return approval;
  }
}
