/**
 * Idle cost of waiting processes: resident memory and CPU used over a short
 * window, read from /proc where there is one, from `ps` elsewhere.
 */
import fs from 'node:fs';
import { execa, execaSync } from 'execa';
import { sleep } from '../../core/clock.ts';
import type { IdleCost } from '../types.ts';

/** Sampling window for the CPU figure. @default 250 */
export const IDLE_WINDOW_MS = 250;

interface Sample {
  rssBytes: number;
  cpuSeconds: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 when it cannot be asked). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number.parseInt(execaSync('getconf', ['CLK_TCK']).stdout, 10) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** VmRSS and utime+stime of one process from /proc; null when it is gone. */
function procSample(pid: number): Sample | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rssKib = Number.parseInt(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? '0', 10);
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssBytes: rssKib * 1024, cpuSeconds: ticks / ticksPerSecond() };
  } catch {
    return null;
  }
}

/** `[[dd-]hh:]mm:ss` from ps to seconds. */
function psTimeSeconds(text: string): number {
  const [days, clock] = text.includes('-') ? text.split('-') : ['0', text];
  return (clock ?? '').split(':').reduce((total, part) => total * 60 + Number(part), 0) + Number(days) * 86400;
}

/** RSS and CPU time of processes from `ps`, by pid. */
async function psSamples(pids: readonly number[]): Promise<Map<number, Sample>> {
  const samples = new Map<number, Sample>();
  const result = await execa('ps', ['-o', 'pid=,rss=,time=', '-p', pids.join(',')], { reject: false });
  for (const line of String(result.stdout).split('\n')) {
    const [pid, rssKib, time] = line.trim().split(/\s+/);
    if (pid && rssKib && time) samples.set(Number(pid), { rssBytes: Number(rssKib) * 1024, cpuSeconds: psTimeSeconds(time) });
  }
  return samples;
}

/**
 * Resident memory (at the end of the window) and CPU (over the window) of the
 * given processes together. Processes that exit during the window are left out.
 */
export async function processIdleCost(pids: readonly number[], windowMs = IDLE_WINDOW_MS, signal?: AbortSignal): Promise<IdleCost> {
  const useProc = fs.existsSync('/proc/self/status');
  const sampleAll = async (): Promise<Map<number, Sample>> => {
    if (!useProc) return psSamples(pids);
    const samples = new Map<number, Sample>();
    for (const pid of pids) {
      const sample = procSample(pid);
      if (sample) samples.set(pid, sample);
    }
    return samples;
  };
  const before = pids.length ? await sampleAll() : new Map<number, Sample>();
  // Why a window: a waiting process's CPU is near zero; only a difference over time shows whether it polls.
  await sleep(windowMs, signal);
  const after = pids.length ? await sampleAll() : new Map<number, Sample>();
  let rssBytes = 0;
  let cpuSeconds = 0;
  let slots = 0;
  for (const [pid, end] of after) {
    const start = before.get(pid);
    if (!start) continue;
    slots++;
    rssBytes += end.rssBytes;
    cpuSeconds += end.cpuSeconds - start.cpuSeconds;
  }
  const method = useProc
    ? `sum of VmRSS from /proc/<pid>/status (shared pages counted per process); CPU from utime+stime in /proc/<pid>/stat over ${windowMs} ms (1/${ticksPerSecond()} s ticks)`
    : `sum of RSS from ps; CPU from ps cputime over ${windowMs} ms (1 s resolution)`;
  return { slots, rssBytes, cpuCores: cpuSeconds / (windowMs / 1000), method };
}

/**
 * Resolves once a freshly spawned process stops using CPU (its start-up is
 * over and it waits on stdin), or after `maxMs`. Without /proc it resolves at once.
 */
export async function waitUntilIdle(pid: number, maxMs = 3000, signal?: AbortSignal): Promise<void> {
  if (!fs.existsSync('/proc/self/stat')) return;
  // Why two quiet polls 20 ms apart: CPU time advances in 1/CLK_TCK steps (10 ms), so a process still starting up shows a change within that span.
  const pollMs = 20;
  let previous = procSample(pid)?.cpuSeconds;
  let quiet = 0;
  for (let waitedMs = 0; waitedMs < maxMs && previous !== undefined; waitedMs += pollMs) {
    await sleep(pollMs, signal);
    const current = procSample(pid)?.cpuSeconds;
    quiet = current === previous ? quiet + 1 : 0;
    if (quiet >= 2) return;
    previous = current;
  }
}
