/**
 * Consumer bookkeeping of one channel: which deliveries are in flight, which are still
 * outstanding on the broker, and whether the broker has refused a settlement (after
 * which it discards everything the channel sends, so nothing more is counted).
 */
import {
  type BoundCounter,
  type BoundGauge,
  type BoundHistogram,
  type Counter,
  currentTraceContext,
  type Gauge,
  type Histogram,
  type TraceContext,
} from '@glassbox/core';
import type { ConsumeOutcome, ResolvedOptions } from './options.js';
import type { MessageLike } from './types.js';
import { AMQP_NAME_LIMIT, CACHE_LIMIT, COMPONENT } from './util.js';

export const CONSUME_OUTCOMES: readonly ConsumeOutcome[] = ['ack', 'nack', 'requeue', 'reject', 'error'];

export interface ConsumerMetrics {
  readonly consumed: Counter<'queue' | 'outcome'>;
  readonly duration: Histogram<'queue' | 'outcome'>;
  readonly inFlight: Gauge<'queue'>;
  readonly redelivered: Counter<'queue'>;
  readonly age: Histogram<'queue'>;
}

export interface QueueSeries {
  readonly queue: string;
  readonly inFlight: BoundGauge;
  readonly redelivered: BoundCounter;
  readonly age: BoundHistogram;
  /** By outcome, in {@link CONSUME_OUTCOMES} order. */
  readonly counts: BoundCounter[];
  readonly durations: BoundHistogram[];
}

/** One delivery between its arrival and its settlement (or the end of its channel). */
export interface Delivery {
  /** Not yet counted: in `rabbitmq_messages_in_flight`, waiting for its outcome. */
  live: boolean;
  readonly series: QueueSeries;
  readonly start: number;
  readonly tag: number;
  readonly noAck: boolean;
  /** The trace the delivery was handled in: its duration's exemplar. */
  readonly trace: TraceContext | undefined;
}

/** The `traceparent` header of a message, when it has one. */
function traceparentOf(message: MessageLike): unknown {
  const headers = message.properties?.headers;
  return headers !== null && typeof headers === 'object'
    ? (headers as Record<string, unknown>).traceparent
    : undefined;
}

/** Bound of {@link DeliveredTags}: past it the oldest ranges are forgotten (their tags count as unknown). */
const TAG_RANGES_LIMIT = 64;

/**
 * The delivery tags this channel's instrumented consumers received, as ranges (tags are
 * channel-scoped and increase, so it is one range unless `get()` or an uninstrumented
 * consumer takes tags in between). A settlement of one of these tags that is no longer
 * outstanding is one the broker refuses.
 */
class DeliveredTags {
  private readonly ranges: Array<[number, number]> = [];

  add(tag: number): void {
    const last = this.ranges[this.ranges.length - 1];
    if (last !== undefined && tag === last[1] + 1) last[1] = tag;
    else if (last === undefined || tag > last[1]) {
      this.ranges.push([tag, tag]);
      if (this.ranges.length > TAG_RANGES_LIMIT) this.ranges.shift();
    }
  }

  has(tag: number): boolean {
    for (let i = this.ranges.length - 1; i >= 0; i--) {
      const r = this.ranges[i] as [number, number];
      if (tag > r[1]) return false;
      if (tag >= r[0]) return true;
    }
    return false;
  }
}

/**
 * Consumer bookkeeping of one channel. `tracked` holds the deliveries still outstanding on
 * the broker (acknowledgement mode), by tag; tags increase, so the map is in tag order.
 */
export class ConsumerState {
  readonly tracked = new Map<number, Delivery>();
  readonly untracked = new Set<Delivery>();
  readonly queues = new Map<string, QueueSeries>();
  delivered = new DeliveredTags();
  /** Deliveries not yet counted nor ended by the channel's close. */
  live = 0;
  /**
   * A settlement the broker refuses (a tag settled twice, settled after `recover()`, or of
   * a `noAck` delivery) was sent: the broker closes the channel with 406 PRECONDITION_FAILED
   * and discards every later frame of it, so nothing settled from then on is counted.
   */
  refused = false;

  constructor(
    readonly options: ResolvedOptions,
    readonly metrics: ConsumerMetrics,
  ) {}

  series(queue: string): QueueSeries {
    const cached = this.queues.get(queue);
    if (cached !== undefined) return cached;
    let label: string;
    try {
      label = String(this.options.queueLabel(queue));
    } catch (error) {
      this.options.glassbox.reportError(COMPONENT, 'queueLabel threw; the raw queue name is used', error);
      label = queue;
    }
    const m = this.metrics;
    const s: QueueSeries = {
      queue,
      inFlight: m.inFlight.bindValues([label]),
      redelivered: m.redelivered.bindValues([label]),
      age: m.age.bindValues([label]),
      counts: CONSUME_OUTCOMES.map((o) => m.consumed.bindValues([label, o])),
      durations: CONSUME_OUTCOMES.map((o) => m.duration.bindValues([label, o])),
    };
    if (this.queues.size < CACHE_LIMIT && queue.length <= AMQP_NAME_LIMIT) this.queues.set(queue, s);
    return s;
  }

  begin(series: QueueSeries, message: MessageLike, noAck: boolean): Delivery {
    const fields = message.fields;
    const tag = fields.deliveryTag;
    // The active span (an OpenTelemetry amqplib instrumentation runs the handler in the
    // consumer span), else the producer's traceparent header.
    const trace = this.options.glassbox.exemplars ? currentTraceContext(traceparentOf(message)) : undefined;
    const d: Delivery = { live: true, series, start: performance.now(), tag, noAck, trace };
    this.live++;
    series.inFlight.inc(1);
    if (fields.redelivered === true) series.redelivered.inc(1);
    const ts = message.properties?.timestamp;
    if (typeof ts === 'number' && Number.isFinite(ts)) {
      const age = Date.now() / 1000 - ts / this.options.timestampScale;
      // A small negative age is clock skew between producer and consumer: 0. A large
      // one means the producer writes another unit: dropped, and said once.
      if (age >= -60) series.age.observe(Math.max(age, 0));
      else
        this.options.glassbox.reportError(
          COMPONENT,
          'message timestamp lies in the future (does the producer write milliseconds? see timestampUnit); age not recorded',
        );
    }
    if (typeof tag === 'number') this.delivered.add(tag);
    if (noAck || typeof tag !== 'number') this.untracked.add(d);
    else this.tracked.set(tag, d);
    return d;
  }

  /** Counts the delivery's outcome once; it stays outstanding on the broker until {@link release}. */
  count(d: Delivery, outcome: ConsumeOutcome): void {
    if (!d.live) return;
    d.live = false;
    this.live--;
    const seconds = (performance.now() - d.start) / 1000;
    const i = CONSUME_OUTCOMES.indexOf(outcome);
    d.series.inFlight.dec(1);
    (d.series.counts[i] as BoundCounter).inc(1);
    (d.series.durations[i] as BoundHistogram).observe(seconds, d.trace);
  }

  /** The delivery is no longer outstanding on the broker. */
  release(d: Delivery): void {
    if (this.tracked.get(d.tag) === d) this.tracked.delete(d.tag);
    else this.untracked.delete(d);
  }

  finish(d: Delivery, outcome: ConsumeOutcome): void {
    this.count(d, outcome);
    this.release(d);
  }

  /** A settlement call went through amqplib: ends the delivery (or, with allUpTo, every delivery up to the tag; 0 = all). */
  settle(tag: unknown, allUpTo: boolean, outcome: ConsumeOutcome): void {
    if (typeof tag !== 'number' || this.refused) return;
    if (!(allUpTo && tag === 0) && !this.tracked.has(tag) && this.delivered.has(tag)) {
      // The broker answers a tag it no longer holds with 406 and ignores the rest of the channel.
      this.refused = true;
      return;
    }
    if (!allUpTo) {
      const d = this.tracked.get(tag);
      if (d !== undefined) this.finish(d, outcome);
      return;
    }
    for (const [t, d] of this.tracked) {
      if (tag !== 0 && t > tag) break;
      this.finish(d, outcome);
    }
  }

  /** The channel closed (by either side, or with its connection): nothing it delivered can be settled any more. */
  abandon(): void {
    for (const d of this.tracked.values()) this.drop(d);
    for (const d of this.untracked) this.drop(d);
    this.tracked.clear();
    this.untracked.clear();
    // Delivery tags are per channel lifetime: a reopened channel starts again at 1.
    this.delivered = new DeliveredTags();
    this.refused = false;
  }

  private drop(d: Delivery): void {
    if (!d.live) return;
    d.live = false;
    this.live--;
    d.series.inFlight.dec(1);
  }
}
