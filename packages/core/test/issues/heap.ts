/**
 * Retained heap of a piece of work, measured after full garbage collections: how the
 * regression tests of issue 16.5 see that a per-key cache stays bounded without any
 * test-only API. `gc` is reached through V8's flag at run time, so no CLI flag is needed.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Bytes still reachable after `run` returned (its garbage collected), in MB. */
export async function retainedMegabytes(run: () => void): Promise<number> {
  const before = await settledHeap();
  run();
  const after = await settledHeap();
  return (after - before) / 1e6;
}

/** `n` distinct snake_case names of about 40 characters, made inside `run` so only caches keep them. */
export function distinctName(i: number, prefix = 'metric'): string {
  return `${prefix}_${i.toString(36)}_${'x'.repeat(24)}`;
}
