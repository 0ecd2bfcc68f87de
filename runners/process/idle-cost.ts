/**
 * Idle cost of waiting processes: resident memory and CPU used over a short
 * window, read from /proc where there is one, from `ps` elsewhere.
 */
import { sleep } from '../../core/clock.ts';
import { hasProc, procUsage, processUsage, ticksPerSecond, type ProcessUsage } from '../../core/proc.ts';
import type { IdleCost } from '../types.ts';

/** Sampling window for the CPU figure. @default 250 */
export const IDLE_WINDOW_MS = 250;

/**
 * Resident memory (at the end of the window) and CPU (over the window) of the
 * given processes together. Processes that exit during the window are left out.
 */
export async function processIdleCost(pids: readonly number[], windowMs = IDLE_WINDOW_MS, signal?: AbortSignal): Promise<IdleCost> {
  const useProc = hasProc();
  const sampleAll = async (): Promise<Map<number, ProcessUsage>> => {
    const samples = new Map<number, ProcessUsage>();
    for (const pid of pids) {
      const usage = await processUsage(pid);
      if (usage) samples.set(pid, usage);
    }
    return samples;
  };
  const before = pids.length ? await sampleAll() : new Map<number, ProcessUsage>();
  // Why a window: a waiting process's CPU is near zero; only a difference over time shows whether it polls.
  await sleep(windowMs, signal);
  const after = pids.length ? await sampleAll() : new Map<number, ProcessUsage>();
  let rssBytes = 0;
  let cpuNs = 0;
  let slots = 0;
  for (const [pid, end] of after) {
    const start = before.get(pid);
    if (!start) continue;
    slots++;
    rssBytes += end.rssBytes;
    cpuNs += end.cpuNs - start.cpuNs;
  }
  const method = useProc
    ? `sum of VmRSS from /proc/<pid>/status (shared pages counted per process); CPU from utime+stime in /proc/<pid>/stat over ${windowMs} ms (1/${ticksPerSecond()} s ticks)`
    : `sum of RSS from ps; CPU from ps cputime over ${windowMs} ms (1 s resolution)`;
  return { slots, rssBytes, cpuCores: cpuNs / (windowMs * 1e6), method };
}

/**
 * Resolves once a freshly spawned process stops using CPU (its start-up is
 * over and it waits on stdin), or after `maxMs`. Without /proc it resolves at once.
 */
export async function waitUntilIdle(pid: number, maxMs = 3000, signal?: AbortSignal): Promise<void> {
  if (!hasProc()) return;
  // Why two quiet polls 20 ms apart: CPU time advances in 1/CLK_TCK steps (10 ms), so a process still starting up shows a change within that span.
  const pollMs = 20;
  let previous = procUsage(pid)?.cpuNs;
  let quiet = 0;
  for (let waitedMs = 0; waitedMs < maxMs && previous !== undefined; waitedMs += pollMs) {
    await sleep(pollMs, signal);
    const current = procUsage(pid)?.cpuNs;
    quiet = current === previous ? quiet + 1 : 0;
    if (quiet >= 2) return;
    previous = current;
  }
}
