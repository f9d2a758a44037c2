import { createGlassbox, type Glassbox, type NativeBackend, nativeBackend } from '@glassbox/core';
import { vi } from 'vitest';
import { mulberry32 } from '../../src/stats/random.js';

export interface Setup {
  readonly glassbox: Glassbox;
  readonly backend: NativeBackend;
  readonly warn: ReturnType<typeof vi.fn>;
  /** `glassbox_instrumentation_errors_total{component}`. */
  errors(component: string): number;
}

export function setup(): Setup {
  const backend = nativeBackend();
  const warn = vi.fn();
  const glassbox = createGlassbox({ backend, logger: { warn } });
  return {
    glassbox,
    backend,
    warn,
    // no error series for a component means no error was reported
    errors: (component) => backend.value('glassbox_instrumentation_errors_total', { component }) ?? 0,
  };
}

/** Microtask turns until `p` settles (0 when it settles in the first turn after the call). */
export async function ticksUntilSettled(p: PromiseLike<unknown>): Promise<number> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  let ticks = 0;
  while (!settled && ticks < 1000) {
    await Promise.resolve();
    ticks++;
  }
  return ticks;
}

/** A deterministic PRNG (mulberry32, the one the drift calibration uses) for reservoir tests. */
export const seeded: (seed: number) => () => number = mulberry32;
