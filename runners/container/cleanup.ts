/**
 * No container outlives the run: every container the suite creates carries
 * labels naming the run, the host and the process; the live ones are tracked
 * here and removed on close, on error, on abort, and (as a last resort when
 * the process exits with containers still tracked) by a detached reaper.
 * Leftovers of a crashed earlier run are swept at start.
 */
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type Docker from 'dockerode';
import type { EngineAddress } from './engine.ts';
import { processAlive } from '../../core/proc.ts';

/** Label on everything the suite creates. */
export const SUITE_LABEL = 'wsb';
/** Label naming the run (host, pid, random part). */
export const RUN_LABEL = 'wsb.run';
/** Label naming the process that created it (a dead pid marks a leftover). */
export const PID_LABEL = 'wsb.pid';
/** Label naming the host of that process (a shared engine may serve several hosts). */
export const HOST_LABEL = 'wsb.host';

/** The id of this run: one per process. */
export const RUN_ID = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** The labels put on every container of this run. */
export function runLabels(extra: Record<string, string> = {}): Record<string, string> {
  return { [SUITE_LABEL]: '1', [RUN_LABEL]: RUN_ID, [PID_LABEL]: String(process.pid), [HOST_LABEL]: os.hostname(), ...extra };
}

interface Tracked {
  docker: Docker;
  address: EngineAddress;
}

const tracked = new Map<string, Tracked>();
let exitHookInstalled = false;

/** Records a container as live (to be removed before the run ends). */
export function trackContainer(id: string, docker: Docker, address: EngineAddress): void {
  tracked.set(id, { docker, address });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', reapOnExit);
  }
}

/** Removes a container (forced, with its anonymous volumes) and forgets it; a container already gone is fine. */
export async function removeContainer(id: string): Promise<void> {
  const entry = tracked.get(id);
  if (!entry) return;
  try {
    await entry.docker.getContainer(id).remove({ force: true, v: true });
    tracked.delete(id);
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    // 404: already gone; 409: removal already in progress (it will finish on its own).
    if (status === 404 || status === 409) tracked.delete(id);
    else throw error;
  }
}

/** Ids of the containers of this run still live. */
export function trackedContainerIds(): string[] {
  return [...tracked.keys()];
}

/**
 * Removes every container of this run still live, in parallel. Fast enough
 * to call from the CLI's abort path; failures are returned, not thrown.
 */
export async function removeTrackedContainers(): Promise<{ removed: number; failed: string[] }> {
  const ids = trackedContainerIds();
  const results = await Promise.allSettled(ids.map((id) => removeContainer(id)));
  const failed = ids.filter((_, index) => results[index]?.status === 'rejected');
  return { removed: ids.length - failed.length, failed };
}

/**
 * Removes containers left by earlier runs of this host whose process is gone
 * (a crash, a SIGKILL). Containers of live runs (another `wsb` on this host)
 * and of other hosts are left alone. Returns how many were removed.
 */
export async function sweepLeftovers(docker: Docker): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${SUITE_LABEL}=1`] } });
  const leftovers = containers.filter((info) => {
    const labels = info.Labels ?? {};
    if (labels[RUN_LABEL] === RUN_ID || labels[HOST_LABEL] !== os.hostname()) return false;
    const pid = Number(labels[PID_LABEL]);
    return !Number.isInteger(pid) || pid <= 0 || !processAlive(pid);
  });
  const results = await Promise.allSettled(leftovers.map((info) => docker.getContainer(info.Id).remove({ force: true, v: true })));
  return results.filter((result) => result.status === 'fulfilled').length;
}

const REAPER_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reaper.ts');

/** 'exit' handlers cannot wait: hand the live containers to a detached process that removes them. */
function reapOnExit(): void {
  if (tracked.size === 0) return;
  const byAddress = new Map<string, { address: EngineAddress; ids: string[] }>();
  for (const [id, entry] of tracked) {
    const key = entry.address.description;
    const group = byAddress.get(key) ?? { address: entry.address, ids: [] };
    group.ids.push(id);
    byAddress.set(key, group);
  }
  for (const { address, ids } of byAddress.values()) {
    const child = spawn(process.execPath, [REAPER_PATH, JSON.stringify(address), ...ids], { detached: true, stdio: 'ignore' });
    child.unref();
  }
}
