/**
 * The guest's view of the host filesystem: only granted directories, each
 * rooted at its real path. Every guest path is resolved here, component by
 * component, before any host call touches it (WASI path resolution rules):
 * absolute paths are refused, `..` may not climb above the directory the
 * path is relative to (a descriptor is the capability: a path under it stays
 * beneath it, as Wasmtime's cap-std resolution has it), and symbolic links
 * are followed by the host itself under the same rule, so a link whose
 * target is absolute or climbs out is refused too. A trailing slash is kept
 * in the host path, so that the host's own rules for it apply (a trailing
 * slash names a directory).
 */
import fs from 'node:fs';
import path from 'node:path';
import { usageError } from '../../core/errors.ts';
import type { DirGrant } from '../types.ts';
import { ERRNO } from './wasi-constants.ts';

/** A granted directory, resolved to its real host path. */
export interface ResolvedGrant {
  /** Real path of the granted host directory (symlinks resolved once, at grant time). */
  hostRoot: string;
  /** The name the guest sees (its preopen name), e.g. `/data`. */
  guestPath: string;
  writable: boolean;
}

/** Where a guest path landed inside a grant. */
export interface Resolved {
  /** Components below the grant's root, no `.`/`..`, no symlinks among them except possibly the last. */
  parts: string[];
  /** Host path of those components, with a trailing `/` when the guest path had one (or its last symlink's target did). */
  hostPath: string;
  /** lstat of the final component, null when it does not exist. */
  stat: fs.Stats | null;
}

/** Most symlinks followed while resolving one path (Linux's limit). */
const MAX_SYMLINKS = 40;

/**
 * Checks grants before anything starts: the host directory must exist and be
 * a directory; the guest path defaults to the host path's name under `/`.
 */
export function resolveGrants(grants: readonly DirGrant[]): ResolvedGrant[] {
  return grants.map((grant) => {
    let hostRoot: string;
    try {
      hostRoot = fs.realpathSync(grant.hostPath);
    } catch {
      throw usageError(`--dir ${grant.hostPath}: no such directory`);
    }
    if (!fs.statSync(hostRoot).isDirectory()) throw usageError(`--dir ${grant.hostPath}: not a directory`);
    const guestPath = grant.guestPath || grant.hostPath;
    return { hostRoot, guestPath, writable: grant.writable ?? false };
  });
}

/** Parses `HOST[::GUEST]` the way `wasmtime run --dir` does; the guest path defaults to HOST. */
export function parseDirGrant(value: string, writable: boolean): DirGrant {
  const split = value.indexOf('::');
  const hostPath = split >= 0 ? value.slice(0, split) : value;
  const guestPath = split >= 0 ? value.slice(split + 2) : value;
  if (!hostPath || !guestPath) throw usageError(`--dir takes HOST[::GUEST], got "${value}"`);
  return { hostPath: path.resolve(hostPath), guestPath, writable };
}

/** A failed resolution carries the WASI errno the guest sees. */
export class WasiError extends Error {
  readonly errno: number;
  constructor(errno: number) {
    super(`wasi errno ${errno}`);
    this.errno = errno;
  }
}

function lstatOrNull(hostPath: string): fs.Stats | null {
  try {
    return fs.lstatSync(hostPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new WasiError(errnoOfHost(error));
  }
}

/**
 * Resolves `guestRelative` (relative to the directory `baseParts` of `grant`)
 * to host components beneath that directory. `followLast` follows a symlink
 * in the final component too (WASI's `lookupflags.symlink_follow`); a
 * trailing slash follows it as well.
 */
export function resolvePath(grant: ResolvedGrant, baseParts: readonly string[], guestRelative: string, followLast: boolean): Resolved {
  if (guestRelative.includes('\0')) throw new WasiError(ERRNO.INVAL);
  if (guestRelative.startsWith('/')) throw new WasiError(ERRNO.NOTCAPABLE);
  if (guestRelative === '') throw new WasiError(ERRNO.NOENT);
  const parts = [...baseParts];
  // `..` may not take the path above the directory it is relative to.
  const floor = baseParts.length;
  // Trailing slashes are kept apart, so that the last real component is the last one resolved.
  const pending = guestRelative.replace(/\/+$/, '').split('/').reverse();
  let symlinks = 0;
  let stat: fs.Stats | null = null;
  let trailingSlash = guestRelative.endsWith('/');
  while (pending.length) {
    const component = pending.pop() as string;
    const isLast = pending.length === 0;
    if (component === '' || component === '.') {
      if (isLast) stat = lstatOrNull(path.join(grant.hostRoot, ...parts));
      continue;
    }
    if (component === '..') {
      if (parts.length <= floor) throw new WasiError(ERRNO.NOTCAPABLE);
      parts.pop();
      if (isLast) stat = lstatOrNull(path.join(grant.hostRoot, ...parts));
      continue;
    }
    parts.push(component);
    const hostPath = path.join(grant.hostRoot, ...parts);
    stat = lstatOrNull(hostPath);
    if (stat === null) {
      if (!isLast) throw new WasiError(ERRNO.NOENT);
      continue;
    }
    if (stat.isSymbolicLink() && (!isLast || followLast || trailingSlash)) {
      if (++symlinks > MAX_SYMLINKS) throw new WasiError(ERRNO.LOOP);
      const target = fs.readlinkSync(hostPath);
      // An absolute target names the host's root, which the guest was never granted.
      if (target.startsWith('/')) throw new WasiError(ERRNO.NOTCAPABLE);
      parts.pop();
      if (isLast && target.endsWith('/')) trailingSlash = true;
      for (const piece of target.replace(/\/+$/, '').split('/').reverse()) pending.push(piece);
      continue;
    }
    if (!isLast && !stat.isDirectory()) throw new WasiError(ERRNO.NOTDIR);
  }
  if (trailingSlash && stat && !stat.isDirectory()) throw new WasiError(ERRNO.NOTDIR);
  const hostPath = path.join(grant.hostRoot, ...parts);
  return { parts, hostPath: trailingSlash && parts.length > floor ? `${hostPath}/` : hostPath, stat };
}

/**
 * Whether a symlink at `linkParts` (components below the grant's root, the
 * link's own name last) with `target` stays inside the grant, read lexically:
 * not absolute, and no `..` climbs above the root. Following a link is
 * checked again anyway; this keeps links that leave the grant from being
 * made at all, since other programs of the host may follow them.
 */
export function symlinkStaysInside(linkParts: readonly string[], target: string): boolean {
  if (target.startsWith('/')) return false;
  let level = linkParts.length - 1;
  for (const piece of target.split('/')) {
    if (piece === '..') level--;
    else if (piece !== '' && piece !== '.') level++;
    if (level < 0) return false;
  }
  return true;
}

/** Maps a Node fs error to the WASI errno the guest sees. */
export function errnoOfHost(error: unknown): number {
  if (error instanceof WasiError) return error.errno;
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT':
      return ERRNO.NOENT;
    case 'EEXIST':
      return ERRNO.EXIST;
    case 'ENOTDIR':
      return ERRNO.NOTDIR;
    case 'EISDIR':
      return ERRNO.ISDIR;
    case 'EACCES':
      return ERRNO.ACCES;
    case 'EPERM':
      return ERRNO.PERM;
    case 'ENOTEMPTY':
      return ERRNO.NOTEMPTY;
    case 'ELOOP':
      return ERRNO.LOOP;
    case 'EBADF':
      return ERRNO.BADF;
    case 'EINVAL':
      return ERRNO.INVAL;
    case 'ENOSPC':
      return ERRNO.NOSPC;
    case 'EMFILE':
      return ERRNO.MFILE;
    case 'ENAMETOOLONG':
      return ERRNO.NAMETOOLONG;
    case 'EXDEV':
      return ERRNO.XDEV;
    case 'EROFS':
      return ERRNO.ROFS;
    case 'EBUSY':
      return ERRNO.BUSY;
    case 'EMLINK':
      return ERRNO.MLINK;
    case 'EFBIG':
      return ERRNO.FBIG;
    case 'ENOTSUP':
    case 'EOPNOTSUPP':
      return ERRNO.NOTSUP;
    default:
      return ERRNO.IO;
  }
}
