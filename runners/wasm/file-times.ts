/**
 * Sets a file's access and modification times to the nanosecond, for WASI's
 * `fd_filestat_set_times` and `path_filestat_set_times`. Node's utimes family
 * takes seconds as a double, which at today's epoch keeps about a quarter of
 * a microsecond: a guest that sets a time and reads it back would see another
 * value. So on Linux the host runs coreutils' `touch` (utimensat underneath,
 * nanoseconds kept; `-h` for a symlink itself, `-c` never creates), with an
 * open descriptor named by its /proc path; elsewhere it falls back to Node's
 * calls and their precision. Setting times is rare, so a process per call is
 * acceptable; no shell is involved and the path is already resolved inside
 * the grant.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

/** One time to set: nanoseconds since the epoch, the current time, or left alone. */
export type NewTime = bigint | 'now' | null;

/** What to change: a host path (a symlink itself when `follow` is false) or an open host descriptor. */
export type TimesTarget = { path: string; follow: boolean } | { fd: number };

const PRECISE = process.platform === 'linux' && fs.existsSync(`/proc/${process.pid}/fd`);

function touchDate(ns: bigint): string {
  return `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`;
}

function touch(target: string, follow: boolean, which: '-a' | '-m' | null, time: NewTime): void {
  const args = ['-c', ...(follow ? [] : ['-h']), ...(which ? [which] : []), ...(typeof time === 'bigint' ? ['-d', touchDate(time)] : []), '--', target];
  try {
    execFileSync('touch', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
    // touch reports the errno's text; the ones a guest can cause here are these.
    const code = /Permission denied/.test(stderr) ? 'EACCES' : /Operation not permitted/.test(stderr) ? 'EPERM' : /No such file/.test(stderr) ? 'ENOENT' : 'EIO';
    throw Object.assign(new Error(`touch: ${stderr.trim()}`), { code });
  }
}

function seconds(time: bigint | 'now'): number | Date {
  return time === 'now' ? new Date() : Number(time) / 1e9;
}

/** Sets the times of `target`; a time that is null is left as it is. */
export function setFileTimes(target: TimesTarget, atime: NewTime, mtime: NewTime): void {
  if (atime === null && mtime === null) return;
  if (PRECISE) {
    const hostPath = 'fd' in target ? `/proc/${process.pid}/fd/${target.fd}` : target.path;
    const follow = 'fd' in target ? true : target.follow;
    if (atime === mtime) touch(hostPath, follow, null, atime);
    else {
      if (atime !== null) touch(hostPath, follow, '-a', atime);
      if (mtime !== null) touch(hostPath, follow, '-m', mtime);
    }
    return;
  }
  const stat = 'fd' in target ? fs.fstatSync(target.fd, { bigint: true }) : target.follow ? fs.statSync(target.path, { bigint: true }) : fs.lstatSync(target.path, { bigint: true });
  const a = seconds(atime ?? stat.atimeNs);
  const m = seconds(mtime ?? stat.mtimeNs);
  if ('fd' in target) fs.futimesSync(target.fd, a, m);
  else if (target.follow) fs.utimesSync(target.path, a, m);
  else fs.lutimesSync(target.path, a, m);
}
