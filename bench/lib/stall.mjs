// Event-loop stall probes: a setInterval(1 ms) gap probe (longest gap between two
// ticks) and perf_hooks.monitorEventLoopDelay (max delay, 1 ms resolution).
import { monitorEventLoopDelay } from 'node:perf_hooks';

export function stallProbe() {
  let last = 0;
  let maxGap = 0;
  let timer;
  let h;
  return {
    arm() {
      maxGap = 0;
      last = performance.now();
      timer = setInterval(() => {
        const now = performance.now();
        if (now - last > maxGap) maxGap = now - last;
        last = now;
      }, 1);
      h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
    },
    /** Stops the probes; call after the loop had a chance to tick once more. */
    disarm() {
      const now = performance.now();
      if (now - last > maxGap) maxGap = now - last;
      clearInterval(timer);
      h.disable();
      const eldMax = h.max / 1e6;
      return { maxGap, eldMax: Number.isFinite(eldMax) ? eldMax : 0 };
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
