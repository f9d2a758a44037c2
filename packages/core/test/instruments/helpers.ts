import { createGlassbox, type Glassbox, type NativeBackend, nativeBackend } from '@glassbox/core';
import { vi } from 'vitest';

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

/** A deterministic PRNG (mulberry32) for reservoir tests. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
