/**
 * Resource usage of processes by pid: resident memory and CPU time, from
 * /proc on Linux and `ps` elsewhere. Used for the idle cost of pre-warmed
 * slots and the CPU/RSS of the HTTP front under load.
 */
import fs from 'node:fs';
import { execa, execaSync } from 'execa';

/** A process's resident set and accumulated CPU time. */
export interface ProcessUsage {
  pid: number;
  rssBytes: number;
  /** User + system CPU time since the process started, ns. */
  cpuNs: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 when it cannot be asked). */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number.parseInt(execaSync('getconf', ['CLK_TCK']).stdout, 10) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Whether this machine has /proc (usage read from files, no `ps` process per sample). */
export function hasProc(): boolean {
  return fs.existsSync('/proc/self/status');
}

/** Usage of one process from /proc, synchronously; null when it is gone or there is no /proc. */
export function procUsage(pid: number): ProcessUsage | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return { pid, rssBytes: rssKib * 1024, cpuNs: (ticks / ticksPerSecond()) * 1e9 };
  } catch {
    return null;
  }
}

/** Usage of one process, or null when it is gone. */
export async function processUsage(pid: number): Promise<ProcessUsage | null> {
  if (hasProc()) return procUsage(pid);
  const result = await execa('ps', ['-o', 'rss=,time=', '-p', String(pid)], { reject: false });
  const match = /^\s*(\d+)\s+(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)/.exec(String(result.stdout));
  if (result.exitCode !== 0 || !match) return null;
  const [, rss, days, hours, minutes, seconds] = match;
  const cpuSeconds = Number(days ?? 0) * 86400 + Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds);
  return { pid, rssBytes: Number(rss) * 1024, cpuNs: cpuSeconds * 1e9 };
}

/** Summed usage of several processes (the ones that are gone count as zero). */
export async function totalUsage(pids: readonly number[]): Promise<{ rssBytes: number; cpuNs: number; alive: number }> {
  let rssBytes = 0;
  let cpuNs = 0;
  let alive = 0;
  for (const pid of pids) {
    const usage = await processUsage(pid);
    if (!usage) continue;
    rssBytes += usage.rssBytes;
    cpuNs += usage.cpuNs;
    alive++;
  }
  return { rssBytes, cpuNs, alive };
}

/** Memory the kernel says is available for new work, bytes (Linux: MemAvailable; elsewhere os.freemem). */
export async function availableMemoryBytes(): Promise<number> {
  if (process.platform === 'linux') {
    const meminfo = fs.readFileSync('/proc/meminfo', 'utf8');
    const kib = Number(/^MemAvailable:\s+(\d+)/m.exec(meminfo)?.[1]);
    if (Number.isFinite(kib)) return kib * 1024;
  }
  const os = await import('node:os');
  return os.freemem();
}

/** Whether a process of this host is still running (one we may not signal counts as running). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
