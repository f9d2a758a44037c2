/**
 * What the adoption services share: a traffic generator (a few concurrent clients in a
 * loop, so Prometheus sees steady rates) and small helpers.
 */
import { buildDriftReference, type DriftReference } from '@glassbox/core';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One request of the generated traffic. */
export interface TrafficRequest {
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
}

/** A running traffic generator. */
export interface Traffic {
  /** Changes the number of concurrent clients (surplus ones stop after their request) and, optionally, their pause. */
  concurrency(n: number, pauseMs?: number): void;
  /** Stops every client and waits for their last request. */
  stop(): Promise<void>;
}

/**
 * Runs `concurrency` clients, each sending `next()` to `base` in a loop with `pauseMs`
 * between requests. Network errors are ignored (the service may be stopping).
 */
export function startTraffic(
  base: string,
  next: () => TrafficRequest,
  concurrency: number,
  pauseMs = 20,
): Traffic {
  let wanted = concurrency;
  let pause = pauseMs;
  let running = 0;
  let stopped = false;
  const loops: Promise<void>[] = [];
  const loop = async (id: number) => {
    running++;
    try {
      while (!stopped && id < wanted) {
        const r = next();
        await fetch(`${base}${r.path}`, {
          method: r.method ?? 'GET',
          ...(r.body === undefined
            ? {}
            : { body: JSON.stringify(r.body), headers: { 'content-type': 'application/json' } }),
        }).then(
          (res) => res.arrayBuffer(),
          () => undefined,
        );
        await sleep(pause);
      }
    } finally {
      running--;
    }
  };
  const grow = () => {
    for (let id = running; id < wanted; id++) loops.push(loop(id));
  };
  grow();
  return {
    concurrency(n, p) {
      wanted = n;
      if (p !== undefined) pause = p;
      if (running < wanted) grow();
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/**
 * An evenly spread sequence in [0, 1) (golden-ratio steps): every prefix covers the range
 * about uniformly, so outcome shares and score distributions hold from the first requests
 * (random draws can put the first few predictions all in one class).
 */
export function spread(): () => number {
  let x = 0;
  return () => {
    x = (x + 0.6180339887498949) % 1;
    return x;
  };
}

/**
 * A drift reference for one numeric feature, uniform over [low, high), built the way a
 * training job would (fewer calibration replicates than the default, to start fast).
 */
export function uniformReference(feature: string, low: number, high: number): DriftReference {
  const values = Array.from({ length: 500 }, (_, i) => low + ((i * 7919) % 500) * ((high - low) / 500));
  return buildDriftReference({ numeric: { [feature]: values } }, { replicates: 400 });
}
