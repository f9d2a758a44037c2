import { randomUUID } from 'node:crypto';
import { instrumentChannel } from '@glassbox/amqplib';
import type { BatchTriggers, Glassbox } from '@glassbox/core';
import { InjectGlassbox } from '@glassbox/nest';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import amqp from 'amqplib';
import { CONFIG, type Config, queueArguments } from '../config.js';

export const BATCH_TRIGGERS = Symbol('BATCH_TRIGGERS');

export interface TriggeredJob {
  readonly runId: string;
  readonly jobName: string;
  readonly queue: string;
}

/** Publishes job messages to the batch queue (publish outcomes recorded by @glassbox/amqplib). */
@Injectable()
export class JobPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobPublisher.name);
  private connection: amqp.ChannelModel | undefined;
  private channel: amqp.ConfirmChannel | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @InjectGlassbox() private readonly glassbox: Glassbox,
    @Inject(BATCH_TRIGGERS) private readonly triggers: BatchTriggers,
  ) {}

  get connected(): boolean {
    return this.channel !== undefined;
  }

  async onModuleInit(): Promise<void> {
    this.connection = await amqp.connect(this.config.rabbitmqUrl);
    this.connection.on('error', (error: Error) =>
      this.logger.error(`broker connection error: ${error.message}`),
    );
    this.connection.on('close', () => {
      this.channel = undefined;
    });
    // Confirm channel: a publish counts as ack/nack once the broker answers.
    const channel = instrumentChannel(await this.connection.createConfirmChannel(), {
      glassbox: this.glassbox,
    });
    await channel.assertQueue(`${this.config.queue}.dlq`, { durable: true });
    await channel.assertQueue(this.config.queue, {
      durable: true,
      arguments: queueArguments(this.config.queue),
    });
    this.channel = channel;
  }

  async trigger(jobName: string, params: Record<string, unknown> = {}): Promise<TriggeredJob> {
    const channel = this.channel;
    if (channel === undefined) throw new ServiceUnavailableException('the message broker is not connected');
    const runId = randomUUID();
    const body = { jobName, runId, triggeredAt: new Date().toISOString(), params };
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(
        this.config.queue,
        Buffer.from(JSON.stringify(body)),
        {
          persistent: true,
          contentType: 'application/json',
          messageId: runId,
          timestamp: Math.floor(Date.now() / 1000),
        },
        (error) =>
          error ? reject(new ServiceUnavailableException('the broker refused the job')) : resolve(),
      );
    });
    this.triggers.trigger(jobName); // batch_job_triggers_total{batch_job}
    return { runId, jobName, queue: this.config.queue };
  }

  async onApplicationShutdown(): Promise<void> {
    const { connection, channel } = this;
    this.channel = undefined;
    this.connection = undefined;
    try {
      await channel?.close();
      await connection?.close();
    } catch (error) {
      this.logger.warn(`closing the broker connection failed: ${(error as Error).message}`);
    }
  }
}
