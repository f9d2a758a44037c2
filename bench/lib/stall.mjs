// Event-loop stall probes: a setInterval(1 ms) gap probe — the longest wall-clock gap
// between two ticks, and the main thread's CPU time inside that gap
// (process.threadCpuUsage, Node ≥ 23.9; the process's CPU time before) — plus
// perf_hooks.monitorEventLoopDelay (max delay, 1 ms resolution). On a shared machine
// the wall-clock gap also contains time the process was not scheduled; the CPU-time gap
// is the work the loop really did without yielding.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const threadCpu =
  typeof process.threadCpuUsage === 'function' ? () => process.threadCpuUsage() : () => process.cpuUsage();
const cpuMs = () => {
  const u = threadCpu();
  return (u.user + u.system) / 1000;
};

export function stallProbe() {
  let last = 0;
  let lastCpu = 0;
  let maxGap = 0;
  let maxCpuGap = 0;
  let timer;
  let h;
  let cpu0 = 0;
  const sample = () => {
    const now = performance.now();
    const c = cpuMs();
    if (now - last > maxGap) maxGap = now - last;
    if (c - lastCpu > maxCpuGap) maxCpuGap = c - lastCpu;
    last = now;
    lastCpu = c;
  };
  return {
    arm() {
      maxGap = 0;
      maxCpuGap = 0;
      last = performance.now();
      lastCpu = cpuMs();
      cpu0 = process.cpuUsage();
      timer = setInterval(sample, 1);
      h = monitorEventLoopDelay({ resolution: 1 });
      h.enable();
    },
    /** Stops the probes; call after the loop had a chance to tick once more. */
    disarm() {
      sample();
      clearInterval(timer);
      h.disable();
      const eldMax = h.max / 1e6;
      const cpu = process.cpuUsage(cpu0);
      return {
        maxGap,
        maxCpuGap,
        eldMax: Number.isFinite(eldMax) ? eldMax : 0,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
