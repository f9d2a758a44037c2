import { randomUUID } from 'node:crypto';
import type { BoundCounter, Gauge, Glassbox, Histogram, LlmInstrument } from '@glassbox/core';
import { InjectGlassbox } from '@glassbox/nest';
import { BadRequestException, Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, type Config } from '../config.js';
import { LLM_PROVIDER, type LlmProvider, qcScore as scoreContent } from '../llm/provider.js';
import { activeJobs, type JOB_STATUSES, jobsCompleted, qcScore } from './metrics.js';

export const LLM_INSTRUMENT = Symbol('LLM_INSTRUMENT');

export type JobStatus = 'queued' | 'generating' | 'checking' | (typeof JOB_STATUSES)[number];
const FORMATS = {
  blog: { model: 'gpt-4o', maxOutputTokens: 400 },
  email: { model: 'gpt-4o-mini', maxOutputTokens: 200 },
  social: { model: 'gpt-4o-mini', maxOutputTokens: 80 },
} as const;
type Format = keyof typeof FORMATS;

export interface ContentJob {
  readonly id: string;
  readonly topic: string;
  readonly format: Format;
  status: JobStatus;
  qcScore?: number;
  content?: string;
  error?: string;
  readonly createdAt: string;
  finishedAt?: string;
}

/** Generates content with an LLM, quality-checks it and delivers or blocks it. */
@Injectable()
export class JobsService implements OnApplicationShutdown {
  private readonly logger = new Logger(JobsService.name);
  private readonly jobs = new Map<string, ContentJob>();
  private readonly queue: ContentJob[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly active: Gauge<never>;
  private readonly completed: Record<(typeof JOB_STATUSES)[number], BoundCounter>;
  private readonly qc: Histogram<never>;
  private readonly generate: LlmProvider['generate'];

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LLM_PROVIDER) provider: LlmProvider,
    @Inject(LLM_INSTRUMENT) llm: LlmInstrument,
    @InjectGlassbox() glassbox: Glassbox,
  ) {
    this.active = glassbox.gauge(activeJobs);
    this.active.set(undefined, 0);
    const completed = glassbox.counter(jobsCompleted);
    // Bound once: every status series exists at 0 from the start.
    this.completed = {
      delivered: completed.bind({ status: 'delivered' }),
      blocked: completed.bind({ status: 'blocked' }),
      failed: completed.bind({ status: 'failed' }),
    };
    for (const c of Object.values(this.completed)) c.inc(0);
    this.qc = glassbox.histogram(qcScore);
    // Latency, tokens and cost of every generation, by provider and model.
    this.generate = llm.wrap(provider.generate.bind(provider), {
      model: ([request]) => request.model,
      usage: (generation) => generation.usage,
    });
  }

  create(body: { topic?: unknown; format?: unknown }): ContentJob {
    if (typeof body.topic !== 'string' || body.topic.trim().length === 0 || body.topic.length > 500)
      throw new BadRequestException('topic must be 1..500 characters');
    const format = body.format ?? 'blog';
    if (typeof format !== 'string' || !(format in FORMATS))
      throw new BadRequestException(`format must be one of ${Object.keys(FORMATS).join(', ')}`);
    const job: ContentJob = {
      id: randomUUID(),
      topic: body.topic,
      format: format as Format,
      status: 'queued',
      createdAt: new Date().toISOString(),
    };
    this.jobs.set(job.id, job);
    if (this.jobs.size > 10_000) this.jobs.delete(this.jobs.keys().next().value as string);
    this.queue.push(job);
    this.pump();
    return job;
  }

  get(id: string): ContentJob | undefined {
    return this.jobs.get(id);
  }

  private pump(): void {
    while (this.running.size < this.config.maxActiveJobs && this.queue.length > 0) {
      const job = this.queue.shift() as ContentJob;
      const p = this.process(job).finally(() => {
        this.running.delete(p);
        this.pump();
      });
      this.running.add(p);
    }
  }

  private async process(job: ContentJob): Promise<void> {
    this.active.inc();
    try {
      job.status = 'generating';
      const { model, maxOutputTokens } = FORMATS[job.format];
      const draft = await this.generate({
        model,
        system: 'You write accurate, compliant B2B content.',
        prompt: `Write a ${job.format} about: ${job.topic}`,
        maxOutputTokens,
      });
      job.status = 'checking';
      // A cheap judge model reviews the draft; its verdict is the QC score.
      const review = await this.generate({
        model: 'gpt-4o-mini',
        system: 'Score this content for accuracy and compliance from 0 to 1.',
        prompt: draft.text,
        maxOutputTokens: 20,
      });
      const score = scoreContent(draft.text + review.text, job.topic);
      this.qc.observe(undefined, score);
      job.qcScore = score;
      job.content = draft.text;
      this.finish(job, score < this.config.qcBlockThreshold ? 'blocked' : 'delivered');
    } catch (error) {
      job.error = error instanceof Error ? error.message : 'generation failed';
      this.finish(job, 'failed');
    } finally {
      this.active.dec();
    }
  }

  private finish(job: ContentJob, status: (typeof JOB_STATUSES)[number]): void {
    job.status = status;
    job.finishedAt = new Date().toISOString();
    this.completed[status].inc();
  }

  /** Lets running jobs finish (up to 10 s) before the process exits. */
  async onApplicationShutdown(): Promise<void> {
    this.queue.length = 0;
    if (this.running.size === 0) return;
    this.logger.log(`waiting for ${this.running.size} running jobs`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, 10_000);
      }),
    ]);
    clearTimeout(timer);
  }
}
