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

/** Whether a child can lead a process group of its own (`detached: true`) and be signalled with it: POSIX, not Windows. */
export const HAS_PROCESS_GROUPS = process.platform !== 'win32';

/** Process groups started by this process and not yet known to be empty: killed when this process exits. */
const ownedGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Records a child spawned as the leader of its own process group
 * (`detached: true`). Why: a detached child is out of reach of the signals
 * that end this process's own group, so whatever is still in its group when
 * this process exits (even by `process.exit`) is killed then.
 */
export function ownProcessGroup(pid: number): void {
  if (!HAS_PROCESS_GROUPS) return;
  ownedGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const group of ownedGroups) signalQuietly(-group);
    });
  }
}

/** SIGKILL to a pid (or to a group when negative); a process already gone is no error. */
function signalQuietly(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ESRCH') throw error;
  }
}

/**
 * Kills, at once, the process group that `pid` leads (started with
 * `detached: true`): the process and every descendant still in its group,
 * also after the leader itself has exited (the group lives while a member
 * does, and its id is not reused until then). Where there are no process
 * groups, kills the process alone.
 */
export function killProcessGroup(pid: number): void {
  signalQuietly(HAS_PROCESS_GROUPS ? -pid : pid);
  ownedGroups.delete(pid);
}

/** Parent and process group of every process, from /proc (empty without /proc). */
function processTable(): Map<number, { ppid: number; pgid: number }> {
  const table = new Map<number, { ppid: number; pgid: number }>();
  if (!hasProc()) return table;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // After the parenthesised command name: state, ppid, pgrp.
      const [, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(ppid), pgid: Number(pgid) });
    } catch {
      // Gone while listing.
    }
  }
  return table;
}

/** Pids of every descendant of `rootPid` (children, theirs, ...), from /proc's parent links; empty without /proc. */
export function descendantPids(rootPid: number, table: ReadonlyMap<number, { ppid: number }> = processTable()): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, entry] of table) children.set(entry.ppid, [...(children.get(entry.ppid) ?? []), pid]);
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Kills a process and everything it started: the process is stopped first
 * (SIGSTOP: it can fork no more), its descendants are found by their parent
 * links, then the process, each descendant and each process group a
 * descendant leads (a detached grandchild's own children) get SIGKILL; with
 * `group`, the group `pid` leads too. This process's own group is never
 * signalled. A descendant that left its group and was re-parented to init
 * before the walk (a double-forked daemon) is out of reach: only a cgroup or
 * a container holds those.
 */
export function killProcessTree(pid: number, options: { group: boolean }): void {
  try {
    process.kill(pid, 'SIGSTOP');
  } catch {
    // Already gone: its group and re-parented descendants may still be there.
  }
  const table = processTable();
  const ownGroup = table.get(process.pid)?.pgid;
  const descendants = descendantPids(pid, table);
  if (options.group) killProcessGroup(pid);
  else signalQuietly(pid);
  for (const descendant of descendants) {
    signalQuietly(descendant);
    const pgid = table.get(descendant)?.pgid;
    if (HAS_PROCESS_GROUPS && pgid === descendant && pgid !== ownGroup) killProcessGroup(descendant);
  }
}
