/**
 * The runner's own WASI preview1 host. Not `node:wasi` (its documentation says
 * it is no sandbox) and not jco's preview2 shim defaults (which hand over the
 * host's filesystem and environment): this host gives the guest stdin, stdout
 * and stderr in memory, exactly the arguments and environment it was handed,
 * a filesystem view of granted directories only (sandbox-fs.ts), clocks,
 * random, poll_oneoff and proc_exit. Every preview1 function is implemented
 * as the witx and its docs describe it, with Wasmtime's answers where the
 * specification leaves the choice open (README, "The reference runtime",
 * lists the choices and where safety overrides the specification): rights
 * are tracked per descriptor and only ever shrink (fd_fdstat_set_rights,
 * inheritance through path_open); a path stays beneath the descriptor it is
 * relative to; hard links and renames only join two writable grants; a
 * symlink may only point inside its grant. There are no sockets: every
 * descriptor answers sock_* with NOTSOCK.
 *
 * One host serves many instances in turn: its import object is built once
 * and reused (so a fresh instance costs no closures), and {@link WasiHost.begin}
 * resets the per-request state.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { DIRECTORY_RIGHTS, ERRNO, FDFLAGS, FILE_RIGHTS, FILETYPE, FSTFLAGS, LOOKUP_SYMLINK_FOLLOW, OFLAGS, PREVIEW1_FUNCTIONS, RIGHTS, WRITE_RIGHTS } from './wasi-constants.ts';
import { setFileTimes, type NewTime } from './file-times.ts';
import { errnoOfHost, resolvePath, symlinkStaysInside, WasiError, type Resolved, type ResolvedGrant } from './sandbox-fs.ts';

/** Thrown by proc_exit to unwind the guest; carries the exit code. */
export class ProcExit {
  readonly code: number;
  constructor(code: number) {
    this.code = code;
  }
}

/** Thrown when the guest writes more than the output cap; unwinds the guest. */
export class OutputCapExceeded {
  readonly capBytes: number;
  constructor(capBytes: number) {
    this.capBytes = capBytes;
  }
}

/** Where stdin bytes come from: a whole buffer (cold) or a source that blocks for the next frame (warm). */
export interface StdinSource {
  /** Next chunk, or null at end of input. Called only when the previous chunk is used up. */
  next(): Uint8Array | null;
}

/** Options fixed for the host's lifetime. */
export interface WasiHostOptions {
  grants: readonly ResolvedGrant[];
  /** stdout + stderr bytes one request may write before it is stopped. */
  outputCapBytes: number;
}

interface StdioEntry {
  kind: 'stdio';
  which: 0 | 1 | 2;
}

/** A directory's entries as last read (fd_readdir with cookie 0 reads them again). */
interface DirListing {
  names: string[];
}

interface DirEntry {
  kind: 'dir';
  grant: ResolvedGrant;
  parts: string[];
  preopen: boolean;
  rightsBase: number;
  rightsInheriting: number;
  listing: DirListing | null;
}

interface FileEntry {
  kind: 'file';
  grant: ResolvedGrant;
  hostFd: number;
  position: number;
  /** `fdflags` of the descriptor (append, nonblock, and the sync flags it was opened with). */
  fdflags: number;
  rightsBase: number;
  rightsInheriting: number;
}

type FdEntry = StdioEntry | DirEntry | FileEntry;

const STDERR_KEPT_BYTES = 64 * 1024;

// Stdio entries are never changed (a call that would change one answers without doing so), so every request shares them.
const STDIN_ENTRY: StdioEntry = Object.freeze({ kind: 'stdio', which: 0 });
const STDOUT_ENTRY: StdioEntry = Object.freeze({ kind: 'stdio', which: 1 });
const STDERR_ENTRY: StdioEntry = Object.freeze({ kind: 'stdio', which: 2 });
const EMPTY = new Uint8Array(0);

/** Rights of stdin, stdout and stderr as every request starts with them. */
const STDIO_RIGHTS = [RIGHTS.FD_READ | RIGHTS.POLL_FD_READWRITE, RIGHTS.FD_WRITE | RIGHTS.POLL_FD_READWRITE, RIGHTS.FD_WRITE | RIGHTS.POLL_FD_READWRITE] as const;

/** Rights of a preopened directory: everything a directory can do, and everything for what is opened under it; a read-only grant keeps none of the write rights. */
const PREOPEN_BASE_WRITABLE = DIRECTORY_RIGHTS;
const PREOPEN_INHERITING_WRITABLE = DIRECTORY_RIGHTS | FILE_RIGHTS;
const PREOPEN_BASE_READONLY = DIRECTORY_RIGHTS & ~WRITE_RIGHTS;
const PREOPEN_INHERITING_READONLY = (DIRECTORY_RIGHTS | FILE_RIGHTS) & ~WRITE_RIGHTS;

/** The fdflags that ask the host for synchronous writes. */
const SYNC_FDFLAGS = FDFLAGS.DSYNC | FDFLAGS.RSYNC | FDFLAGS.SYNC;

/** Rights as the host keeps them: the defined bits of a u64 rights value, or -1 when it has a bit no right uses. */
function rightsOf(value: bigint): number {
  return value >= 0n && value < 1n << 30n ? Number(value) : -1;
}

/** witx `filetype` of a host stat. */
function filetypeOf(stat: fs.Stats | fs.BigIntStats): number {
  if (stat.isFile()) return FILETYPE.REGULAR_FILE;
  if (stat.isDirectory()) return FILETYPE.DIRECTORY;
  if (stat.isSymbolicLink()) return FILETYPE.SYMBOLIC_LINK;
  if (stat.isBlockDevice()) return FILETYPE.BLOCK_DEVICE;
  if (stat.isCharacterDevice()) return FILETYPE.CHARACTER_DEVICE;
  if (stat.isSocket()) return FILETYPE.SOCKET_STREAM;
  return FILETYPE.UNKNOWN;
}

/** One timestamp of a set_times call: the value, the current time, or unchanged; both flags at once are invalid. */
function newTime(flags: number, set: number, now: number, value: bigint): NewTime {
  if (flags & set && flags & now) throw new WasiError(ERRNO.INVAL);
  if (flags & set) return value;
  return flags & now ? 'now' : null;
}

/** Checks fstflags and turns them into the two new times; throws INVAL for an undefined bit or a time given both ways. */
function newTimes(flags: number, atim: bigint, mtim: bigint): [NewTime, NewTime] {
  if (flags & ~(FSTFLAGS.ATIM | FSTFLAGS.ATIM_NOW | FSTFLAGS.MTIM | FSTFLAGS.MTIM_NOW)) throw new WasiError(ERRNO.INVAL);
  return [newTime(flags, FSTFLAGS.ATIM, FSTFLAGS.ATIM_NOW, atim), newTime(flags, FSTFLAGS.MTIM, FSTFLAGS.MTIM_NOW, mtim)];
}

const encoder = new TextEncoder();

/** Encodes strings as WASI wants them for args/environ: each NUL-terminated, back to back. */
export function encodeStringList(values: readonly string[]): { bytes: Uint8Array; count: number } {
  return { bytes: encoder.encode(values.map((value) => `${value}\0`).join('')), count: values.length };
}

/** Encodes an environment record as WASI wants it (`KEY=VALUE`, each NUL-terminated): {@link encodeStringList} without the intermediate list, for the per-request path. */
export function encodeEnvironment(env: Readonly<Record<string, string>>): { bytes: Uint8Array; count: number } {
  let text = '';
  let count = 0;
  for (const key in env) {
    text += `${key}=${env[key]}\0`;
    count++;
  }
  return { bytes: Buffer.from(text, 'utf8'), count };
}

/** Thrown by a host call that would block past the run's deadline (inline execution): the run is stopped as at its deadline. */
export class DeadlineReached {}

/** A WASI preview1 host that enforces its grants. */
export class WasiHost {
  /** The `wasi_snapshot_preview1` import object, built once. */
  readonly imports: Record<string, (...args: never[]) => number | void>;
  private readonly grants: readonly ResolvedGrant[];
  private readonly outputCapBytes: number;
  private memory: WebAssembly.Memory | null = null;
  private buffer: ArrayBuffer | null = null;
  private dv: DataView = new DataView(new ArrayBuffer(8));
  private u8: Uint8Array = new Uint8Array(0);
  private fds: (FdEntry | undefined)[] = [];
  /** Rights of the three stdio entries (shared, frozen objects), by `which`; reset by {@link begin}. */
  private readonly stdioRights: number[] = [...STDIO_RIGHTS];
  private args = encodeStringList([]);
  private env = encodeStringList([]);
  private stdin: Uint8Array = EMPTY;
  private stdinOffset = 0;
  private stdinSource: StdinSource | null = null;
  private out: Uint8Array = new Uint8Array(64 * 1024);
  private outLength = 0;
  private err: Uint8Array = new Uint8Array(4096);
  private errLength = 0;
  private writtenBytes = 0;
  /** Inline execution: the run's deadline (Date.now() epoch, ms), past which a blocking call ends the run; null in a worker. */
  deadlineEpochMs: number | null = null;

  constructor(options: WasiHostOptions) {
    this.grants = options.grants;
    this.outputCapBytes = options.outputCapBytes;
    this.imports = this.buildImports();
  }

  /**
   * Prepares the host for one instance: its memory, arguments, environment and
   * stdin. Closes whatever the previous instance left open.
   */
  begin(memory: WebAssembly.Memory, args: { bytes: Uint8Array; count: number }, env: { bytes: Uint8Array; count: number }, stdin: Uint8Array | StdinSource): void {
    this.end();
    this.memory = memory;
    this.buffer = null;
    this.args = args;
    this.env = env;
    if (stdin instanceof Uint8Array) {
      this.stdin = stdin;
      this.stdinSource = null;
    } else {
      this.stdin = EMPTY;
      this.stdinSource = stdin;
    }
    this.stdinOffset = 0;
    this.outLength = 0;
    this.errLength = 0;
    this.writtenBytes = 0;
    this.fds.length = 0;
    this.fds.push(STDIN_ENTRY, STDOUT_ENTRY, STDERR_ENTRY);
    this.stdioRights[0] = STDIO_RIGHTS[0];
    this.stdioRights[1] = STDIO_RIGHTS[1];
    this.stdioRights[2] = STDIO_RIGHTS[2];
    for (const grant of this.grants) {
      this.fds.push({
        kind: 'dir',
        grant,
        parts: [],
        preopen: true,
        rightsBase: grant.writable ? PREOPEN_BASE_WRITABLE : PREOPEN_BASE_READONLY,
        rightsInheriting: grant.writable ? PREOPEN_INHERITING_WRITABLE : PREOPEN_INHERITING_READONLY,
        listing: null,
      });
    }
  }

  /** Closes every host file the instance opened and forgets its memory. */
  end(): void {
    for (const entry of this.fds) {
      if (entry?.kind === 'file') {
        try {
          fs.closeSync(entry.hostFd);
        } catch {
          // Already closed by the host on a failed open; nothing to release.
        }
      }
    }
    this.fds.length = 0;
    this.memory = null;
    this.buffer = null;
  }

  /** stdout written since {@link begin} or the last {@link takeStdout} (a view: copy it before the next request). */
  stdoutView(): Uint8Array {
    return this.out.subarray(0, this.outLength);
  }

  /** Returns a copy of stdout so far and empties it (loop mode: one response per frame). */
  takeStdout(): Uint8Array {
    const copy = this.out.slice(0, this.outLength);
    this.outLength = 0;
    this.writtenBytes = this.errLength;
    return copy;
  }

  /** stderr written so far (the first 64 KiB). */
  stderrText(): string {
    if (this.errLength === 0) return '';
    return Buffer.from(this.err.buffer, 0, this.errLength).toString('utf8');
  }

  private refresh(): void {
    const current = (this.memory as WebAssembly.Memory).buffer;
    if (current !== this.buffer) {
      this.buffer = current;
      this.dv = new DataView(current);
      this.u8 = new Uint8Array(current);
    }
  }

  private string(ptr: number, length: number): string {
    return Buffer.from(this.u8.buffer, this.u8.byteOffset + ptr, length).toString('utf8');
  }

  private append(which: 1 | 2, ptr: number, length: number): void {
    this.writtenBytes += length;
    if (this.writtenBytes > this.outputCapBytes) throw new OutputCapExceeded(this.outputCapBytes);
    if (which === 1) {
      if (this.outLength + length > this.out.length) {
        const grown = new Uint8Array(Math.max(this.out.length * 2, this.outLength + length));
        grown.set(this.out.subarray(0, this.outLength));
        this.out = grown;
      }
      this.out.set(this.u8.subarray(ptr, ptr + length), this.outLength);
      this.outLength += length;
      return;
    }
    const kept = Math.min(length, STDERR_KEPT_BYTES - this.errLength);
    if (kept <= 0) return;
    if (this.errLength + kept > this.err.length) {
      const grown = new Uint8Array(Math.min(STDERR_KEPT_BYTES, Math.max(this.err.length * 2, this.errLength + kept)));
      grown.set(this.err.subarray(0, this.errLength));
      this.err = grown;
    }
    this.err.set(this.u8.subarray(ptr, ptr + kept), this.errLength);
    this.errLength += kept;
  }

  private readStdin(ptr: number, length: number): number {
    if (this.stdinOffset >= this.stdin.length && this.stdinSource) {
      const chunk = this.stdinSource.next();
      this.refresh();
      this.stdin = chunk ?? EMPTY;
      this.stdinOffset = 0;
      if (!chunk) this.stdinSource = null;
    }
    const count = Math.min(length, this.stdin.length - this.stdinOffset);
    if (count <= 0) return 0;
    this.u8.set(this.stdin.subarray(this.stdinOffset, this.stdinOffset + count), ptr);
    this.stdinOffset += count;
    return count;
  }

  private entry(fd: number): FdEntry | undefined {
    return this.fds[fd];
  }

  /** A directory descriptor holding `right`: BADF when `fd` is not an open directory (Wasmtime's answer for a file too), NOTCAPABLE without the right. */
  private dirOf(fd: number, right: number): DirEntry {
    const entry = this.fds[fd];
    if (!entry || entry.kind !== 'dir') throw new WasiError(ERRNO.BADF);
    if ((entry.rightsBase & right) !== right) throw new WasiError(ERRNO.NOTCAPABLE);
    return entry;
  }

  /** A regular-file descriptor holding `rights`: BADF for anything else (stdio, a directory), NOTCAPABLE without the rights. */
  private fileOf(fd: number, rights: number): FileEntry {
    const entry = this.fds[fd];
    if (!entry || entry.kind !== 'file') throw new WasiError(ERRNO.BADF);
    if ((entry.rightsBase & rights) !== rights) throw new WasiError(ERRNO.NOTCAPABLE);
    return entry;
  }

  /** {@link fileOf} for the calls that use a position: stdio answers SPIPE (it cannot seek). */
  private seekableOf(fd: number, rights: number): FileEntry {
    if (this.fds[fd]?.kind === 'stdio') throw new WasiError(ERRNO.SPIPE);
    return this.fileOf(fd, rights);
  }

  private hostPathOf(dir: DirEntry): string {
    return path.join(dir.grant.hostRoot, ...dir.parts);
  }

  private resolveAt(dir: DirEntry, pathPtr: number, pathLength: number, follow: boolean): Resolved {
    return resolvePath(dir.grant, dir.parts, this.string(pathPtr, pathLength), follow);
  }

  private writeFilestat(ptr: number, stat: fs.BigIntStats | null, filetype: number): void {
    const dv = this.dv;
    dv.setBigUint64(ptr, stat ? stat.dev : 0n, true);
    dv.setBigUint64(ptr + 8, stat ? stat.ino : 0n, true);
    dv.setUint8(ptr + 16, filetype);
    for (let i = 17; i < 24; i++) dv.setUint8(ptr + i, 0);
    dv.setBigUint64(ptr + 24, stat ? stat.nlink : 0n, true);
    dv.setBigUint64(ptr + 32, stat ? stat.size : 0n, true);
    dv.setBigUint64(ptr + 40, stat ? stat.atimeNs : 0n, true);
    dv.setBigUint64(ptr + 48, stat ? stat.mtimeNs : 0n, true);
    dv.setBigUint64(ptr + 56, stat ? stat.ctimeNs : 0n, true);
  }

  private allocateFd(entry: FdEntry): number {
    for (let fd = 3; fd < this.fds.length; fd++) {
      if (!this.fds[fd]) {
        this.fds[fd] = entry;
        return fd;
      }
    }
    if (this.fds.length >= 1024) throw new WasiError(ERRNO.MFILE);
    this.fds.push(entry);
    return this.fds.length - 1;
  }

  private iovecs(iovs: number, count: number, each: (ptr: number, length: number) => number): number {
    let total = 0;
    for (let i = 0; i < count; i++) {
      const ptr = this.dv.getUint32(iovs + i * 8, true);
      const length = this.dv.getUint32(iovs + i * 8 + 4, true);
      if (ptr + length > this.u8.length) throw new WasiError(ERRNO.FAULT);
      const done = each(ptr, length);
      total += done;
      if (done < length) break;
    }
    return total;
  }

  /** Where a write at the descriptor's position goes: the end of the file in append mode. */
  private writePosition(file: FileEntry): number {
    return file.fdflags & FDFLAGS.APPEND ? fs.fstatSync(file.hostFd).size : file.position;
  }

  private buildImports(): Record<string, (...args: never[]) => number | void> {
    const guard =
      <A extends unknown[]>(fn: (...args: A) => number) =>
      (...args: A): number => {
        try {
          return fn(...args);
        } catch (error) {
          if (error instanceof ProcExit || error instanceof OutputCapExceeded || error instanceof DeadlineReached) throw error;
          return errnoOfHost(error);
        }
      };
    // Sockets: the host grants none, so every open descriptor is not a socket.
    const notSocket = guard((fd: number): number => (this.entry(fd) ? ERRNO.NOTSOCK : ERRNO.BADF));

    const functions: Record<string, (...args: never[]) => number | void> = {
      args_sizes_get: (countPtr: number, sizePtr: number): number => {
        this.refresh();
        this.dv.setUint32(countPtr, this.args.count, true);
        this.dv.setUint32(sizePtr, this.args.bytes.length, true);
        return ERRNO.SUCCESS;
      },
      args_get: (argvPtr: number, bufPtr: number): number => this.writeStringList(this.args, argvPtr, bufPtr),
      environ_sizes_get: (countPtr: number, sizePtr: number): number => {
        this.refresh();
        this.dv.setUint32(countPtr, this.env.count, true);
        this.dv.setUint32(sizePtr, this.env.bytes.length, true);
        return ERRNO.SUCCESS;
      },
      environ_get: (environPtr: number, bufPtr: number): number => this.writeStringList(this.env, environPtr, bufPtr),
      // Realtime and monotonic only: the CPU-time clocks of one instance cannot be told apart from its thread's others (Wasmtime answers BADF too).
      clock_res_get: (id: number, resPtr: number): number => {
        if (id > 3) return ERRNO.INVAL;
        if (id > 1) return ERRNO.BADF;
        this.refresh();
        this.dv.setBigUint64(resPtr, id === 0 ? 1000n : 1n, true);
        return ERRNO.SUCCESS;
      },
      clock_time_get: (id: number, _precision: bigint, timePtr: number): number => {
        if (id > 3) return ERRNO.INVAL;
        if (id > 1) return ERRNO.BADF;
        this.refresh();
        this.dv.setBigUint64(timePtr, id === 0 ? realtimeNs() : process.hrtime.bigint(), true);
        return ERRNO.SUCCESS;
      },
      random_get: (ptr: number, length: number): number => {
        this.refresh();
        if (ptr + length > this.u8.length) return ERRNO.FAULT;
        randomFillSync(this.u8, ptr, length);
        return ERRNO.SUCCESS;
      },
      proc_exit: (code: number): void => {
        throw new ProcExit(code);
      },
      // No signals inside the sandbox.
      proc_raise: (): number => ERRNO.NOTSUP,
      sched_yield: (): number => ERRNO.SUCCESS,
      fd_write: guard((fd: number, iovs: number, count: number, writtenPtr: number): number => {
        this.refresh();
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        let written: number;
        if (entry.kind === 'stdio') {
          if (entry.which === 0) return ERRNO.BADF;
          if (((this.stdioRights[entry.which] as number) & RIGHTS.FD_WRITE) === 0) return ERRNO.NOTCAPABLE;
          const which = entry.which;
          written = this.iovecs(iovs, count, (ptr, length) => {
            this.append(which, ptr, length);
            return length;
          });
        } else {
          const file = this.fileOf(fd, RIGHTS.FD_WRITE);
          written = this.iovecs(iovs, count, (ptr, length) => {
            const n = fs.writeSync(file.hostFd, this.u8, ptr, length, this.writePosition(file));
            file.position = file.fdflags & FDFLAGS.APPEND ? fs.fstatSync(file.hostFd).size : file.position + n;
            return n;
          });
        }
        this.dv.setUint32(writtenPtr, written, true);
        return ERRNO.SUCCESS;
      }),
      fd_read: guard((fd: number, iovs: number, count: number, readPtr: number): number => {
        this.refresh();
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        let read: number;
        if (entry.kind === 'stdio') {
          if (entry.which !== 0) return ERRNO.BADF;
          if (((this.stdioRights[0] as number) & RIGHTS.FD_READ) === 0) return ERRNO.NOTCAPABLE;
          read = this.iovecs(iovs, count, (ptr, length) => this.readStdin(ptr, length));
        } else {
          const file = this.fileOf(fd, RIGHTS.FD_READ);
          read = this.iovecs(iovs, count, (ptr, length) => {
            const n = fs.readSync(file.hostFd, this.u8, ptr, length, file.position);
            file.position += n;
            return n;
          });
        }
        this.refresh();
        this.dv.setUint32(readPtr, read, true);
        return ERRNO.SUCCESS;
      }),
      fd_pread: guard((fd: number, iovs: number, count: number, offset: bigint, readPtr: number): number => {
        this.refresh();
        const file = this.seekableOf(fd, RIGHTS.FD_READ | RIGHTS.FD_SEEK);
        let position = Number(offset);
        const read = this.iovecs(iovs, count, (ptr, length) => {
          const n = fs.readSync(file.hostFd, this.u8, ptr, length, position);
          position += n;
          return n;
        });
        this.dv.setUint32(readPtr, read, true);
        return ERRNO.SUCCESS;
      }),
      fd_pwrite: guard((fd: number, iovs: number, count: number, offset: bigint, writtenPtr: number): number => {
        this.refresh();
        const file = this.seekableOf(fd, RIGHTS.FD_WRITE | RIGHTS.FD_SEEK);
        // As on Linux (and in Wasmtime), a descriptor in append mode appends whatever the offset.
        let position = file.fdflags & FDFLAGS.APPEND ? fs.fstatSync(file.hostFd).size : Number(offset);
        const written = this.iovecs(iovs, count, (ptr, length) => {
          const n = fs.writeSync(file.hostFd, this.u8, ptr, length, position);
          position += n;
          return n;
        });
        this.dv.setUint32(writtenPtr, written, true);
        return ERRNO.SUCCESS;
      }),
      fd_seek: guard((fd: number, offset: bigint, whence: number, newOffsetPtr: number): number => {
        this.refresh();
        // fd_tell's right covers a seek that leaves the offset where it is.
        const tellOnly = whence === 1 && offset === 0n;
        const file = this.seekableOf(fd, 0);
        if (!(file.rightsBase & (tellOnly ? RIGHTS.FD_SEEK | RIGHTS.FD_TELL : RIGHTS.FD_SEEK))) return ERRNO.NOTCAPABLE;
        const base = whence === 0 ? 0 : whence === 1 ? file.position : whence === 2 ? fs.fstatSync(file.hostFd).size : -1;
        if (base < 0) return ERRNO.INVAL;
        const next = base + Number(offset);
        if (next < 0) return ERRNO.INVAL;
        file.position = next;
        this.dv.setBigUint64(newOffsetPtr, BigInt(next), true);
        return ERRNO.SUCCESS;
      }),
      fd_tell: guard((fd: number, offsetPtr: number): number => {
        this.refresh();
        const file = this.seekableOf(fd, 0);
        if (!(file.rightsBase & (RIGHTS.FD_TELL | RIGHTS.FD_SEEK))) return ERRNO.NOTCAPABLE;
        this.dv.setBigUint64(offsetPtr, BigInt(file.position), true);
        return ERRNO.SUCCESS;
      }),
      fd_close: guard((fd: number): number => {
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        if (entry.kind === 'file') fs.closeSync(entry.hostFd);
        this.fds[fd] = undefined;
        return ERRNO.SUCCESS;
      }),
      fd_renumber: guard((from: number, to: number): number => {
        const entry = this.entry(from);
        const target = this.entry(to);
        if (!entry || !target) return ERRNO.BADF;
        if (from === to) return ERRNO.SUCCESS;
        if (target.kind === 'file') fs.closeSync(target.hostFd);
        this.fds[to] = entry;
        this.fds[from] = undefined;
        return ERRNO.SUCCESS;
      }),
      fd_fdstat_get: guard((fd: number, ptr: number): number => {
        this.refresh();
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        let filetype: number;
        let flags = 0;
        let base: number;
        let inheriting: number;
        if (entry.kind === 'stdio') {
          // Not a character device: the guest's stdio then buffers fully, as it does on a pipe.
          filetype = FILETYPE.UNKNOWN;
          base = this.stdioRights[entry.which] as number;
          inheriting = base;
        } else {
          filetype = entry.kind === 'dir' ? FILETYPE.DIRECTORY : FILETYPE.REGULAR_FILE;
          flags = entry.kind === 'file' ? entry.fdflags : 0;
          base = entry.rightsBase;
          inheriting = entry.rightsInheriting;
        }
        this.dv.setUint8(ptr, filetype);
        this.dv.setUint8(ptr + 1, 0);
        this.dv.setUint16(ptr + 2, flags, true);
        this.dv.setUint32(ptr + 4, 0, true);
        this.dv.setBigUint64(ptr + 8, BigInt(base), true);
        this.dv.setBigUint64(ptr + 16, BigInt(inheriting), true);
        return ERRNO.SUCCESS;
      }),
      fd_fdstat_set_flags: guard((fd: number, flags: number): number => {
        const file = this.fileOf(fd, 0);
        // The sync flags are chosen at path_open; only append and nonblock change later (as in Wasmtime).
        if (flags & SYNC_FDFLAGS) return ERRNO.INVAL;
        if (flags & ~(FDFLAGS.APPEND | FDFLAGS.NONBLOCK)) return ERRNO.INVAL;
        if (!(file.rightsBase & RIGHTS.FD_FDSTAT_SET_FLAGS)) return ERRNO.NOTCAPABLE;
        file.fdflags = (file.fdflags & SYNC_FDFLAGS) | flags;
        return ERRNO.SUCCESS;
      }),
      fd_fdstat_set_rights: guard((fd: number, baseValue: bigint, inheritingValue: bigint): number => {
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        const base = rightsOf(baseValue);
        const inheriting = rightsOf(inheritingValue);
        if (entry.kind === 'stdio') {
          const held = this.stdioRights[entry.which] as number;
          if (base < 0 || inheriting < 0 || (base & ~held) !== 0 || (inheriting & ~held) !== 0) return ERRNO.NOTCAPABLE;
          this.stdioRights[entry.which] = base;
          return ERRNO.SUCCESS;
        }
        // Rights only ever shrink.
        if (base < 0 || inheriting < 0 || (base & ~entry.rightsBase) !== 0 || (inheriting & ~entry.rightsInheriting) !== 0) return ERRNO.NOTCAPABLE;
        entry.rightsBase = base;
        entry.rightsInheriting = inheriting;
        return ERRNO.SUCCESS;
      }),
      fd_filestat_get: guard((fd: number, ptr: number): number => {
        this.refresh();
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        if (entry.kind === 'stdio') {
          this.writeFilestat(ptr, null, FILETYPE.UNKNOWN);
          return ERRNO.SUCCESS;
        }
        if (!(entry.rightsBase & RIGHTS.FD_FILESTAT_GET)) return ERRNO.NOTCAPABLE;
        if (entry.kind === 'dir') this.writeFilestat(ptr, fs.statSync(this.hostPathOf(entry), { bigint: true }), FILETYPE.DIRECTORY);
        else this.writeFilestat(ptr, fs.fstatSync(entry.hostFd, { bigint: true }), FILETYPE.REGULAR_FILE);
        return ERRNO.SUCCESS;
      }),
      fd_filestat_set_size: guard((fd: number, size: bigint): number => {
        const file = this.fileOf(fd, RIGHTS.FD_FILESTAT_SET_SIZE);
        fs.ftruncateSync(file.hostFd, Number(size));
        return ERRNO.SUCCESS;
      }),
      fd_filestat_set_times: guard((fd: number, atim: bigint, mtim: bigint, flags: number): number => {
        const [atime, mtime] = newTimes(flags, atim, mtim);
        const entry = this.entry(fd);
        if (!entry || entry.kind === 'stdio') return ERRNO.BADF;
        if (!(entry.rightsBase & RIGHTS.FD_FILESTAT_SET_TIMES)) return ERRNO.NOTCAPABLE;
        setFileTimes(entry.kind === 'file' ? { fd: entry.hostFd } : { path: this.hostPathOf(entry), follow: true }, atime, mtime);
        return ERRNO.SUCCESS;
      }),
      fd_sync: guard((fd: number): number => {
        fs.fsyncSync(this.fileOf(fd, RIGHTS.FD_SYNC).hostFd);
        return ERRNO.SUCCESS;
      }),
      fd_datasync: guard((fd: number): number => {
        fs.fdatasyncSync(this.fileOf(fd, RIGHTS.FD_DATASYNC).hostFd);
        return ERRNO.SUCCESS;
      }),
      // Advice is a hint (Node has no posix_fadvise): checked, then taken as given.
      fd_advise: guard((fd: number, _offset: bigint, _length: bigint, advice: number): number => {
        if (advice > 5) return ERRNO.INVAL;
        this.fileOf(fd, RIGHTS.FD_ADVISE);
        return ERRNO.SUCCESS;
      }),
      // Node has no fallocate, and growing the size without reserving the blocks would promise space that is not reserved: NOTSUP, as Wasmtime answers.
      fd_allocate: guard((fd: number): number => {
        this.fileOf(fd, RIGHTS.FD_ALLOCATE);
        return ERRNO.NOTSUP;
      }),
      fd_prestat_get: guard((fd: number, ptr: number): number => {
        this.refresh();
        const entry = this.entry(fd);
        if (!entry || entry.kind !== 'dir' || !entry.preopen) return ERRNO.BADF;
        this.dv.setUint32(ptr, 0, true);
        this.dv.setUint32(ptr + 4, Buffer.byteLength(entry.grant.guestPath), true);
        return ERRNO.SUCCESS;
      }),
      fd_prestat_dir_name: guard((fd: number, ptr: number, length: number): number => {
        this.refresh();
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        if (entry.kind !== 'dir' || !entry.preopen) return ERRNO.NOTDIR;
        const name = Buffer.from(entry.grant.guestPath);
        if (length < name.length) return ERRNO.NAMETOOLONG;
        this.u8.set(name, ptr);
        return ERRNO.SUCCESS;
      }),
      fd_readdir: guard((fd: number, buf: number, bufLength: number, cookie: bigint, usedPtr: number): number => {
        this.refresh();
        this.dv.setUint32(usedPtr, this.readDirectory(this.dirOf(fd, RIGHTS.FD_READDIR), buf, bufLength, cookie), true);
        return ERRNO.SUCCESS;
      }),
      path_open: guard(
        (dirFd: number, lookupFlags: number, pathPtr: number, pathLength: number, oflags: number, rightsBase: bigint, rightsInheriting: bigint, fdflags: number, fdPtr: number): number => {
          this.refresh();
          const opener = this.entry(dirFd);
          if (!opener || opener.kind === 'stdio') return ERRNO.BADF;
          if (opener.kind === 'file') return ERRNO.NOTDIR;
          // Creating a directory is path_create_directory's job (Linux answers EINVAL to O_CREAT|O_DIRECTORY too).
          if (oflags & OFLAGS.CREAT && oflags & OFLAGS.DIRECTORY) return ERRNO.INVAL;
          let needed = RIGHTS.PATH_OPEN;
          if (oflags & OFLAGS.CREAT) needed |= RIGHTS.PATH_CREATE_FILE;
          if (oflags & OFLAGS.TRUNC) needed |= RIGHTS.PATH_FILESTAT_SET_SIZE;
          const dir = this.dirOf(dirFd, needed);
          const base = Number(rightsBase & 0x3fffffffn);
          const inheriting = Number(rightsInheriting & 0x3fffffffn) & dir.rightsInheriting;
          const wantsWrite = (oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) !== 0 || (fdflags & FDFLAGS.APPEND) !== 0 || (base & RIGHTS.FD_WRITE) !== 0;
          if (wantsWrite && !dir.grant.writable) return ERRNO.NOTCAPABLE;
          const resolved = this.resolveAt(dir, pathPtr, pathLength, (lookupFlags & LOOKUP_SYMLINK_FOLLOW) !== 0);
          if (resolved.stat?.isSymbolicLink()) return ERRNO.LOOP;
          if (resolved.stat?.isDirectory()) {
            if (oflags & OFLAGS.EXCL && oflags & OFLAGS.CREAT) return ERRNO.EXIST;
            // A directory opens for reading only (open(2) answers EISDIR to write access or O_TRUNC).
            if (base & RIGHTS.FD_WRITE || oflags & OFLAGS.TRUNC) return ERRNO.ISDIR;
            const opened: DirEntry = { kind: 'dir', grant: dir.grant, parts: resolved.parts, preopen: false, rightsBase: base & dir.rightsInheriting & DIRECTORY_RIGHTS, rightsInheriting: inheriting, listing: null };
            this.dv.setUint32(fdPtr, this.allocateFd(opened), true);
            return ERRNO.SUCCESS;
          }
          if (oflags & OFLAGS.DIRECTORY) return resolved.stat ? ERRNO.NOTDIR : ERRNO.NOENT;
          if (!resolved.stat && !(oflags & OFLAGS.CREAT)) return ERRNO.NOENT;
          if (resolved.stat && !resolved.stat.isFile()) return ERRNO.ACCES;
          const writable = dir.grant.writable && (base & RIGHTS.FD_WRITE) !== 0;
          let flags = (writable ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | fs.constants.O_NOFOLLOW;
          if (oflags & OFLAGS.CREAT) flags |= fs.constants.O_CREAT;
          if (oflags & OFLAGS.EXCL) flags |= fs.constants.O_EXCL;
          if (oflags & OFLAGS.TRUNC) flags |= fs.constants.O_TRUNC;
          if (fdflags & (FDFLAGS.SYNC | FDFLAGS.RSYNC)) flags |= fs.constants.O_SYNC;
          else if (fdflags & FDFLAGS.DSYNC) flags |= fs.constants.O_DSYNC;
          const hostFd = fs.openSync(resolved.hostPath, flags, 0o644);
          const fileRights = base & dir.rightsInheriting & FILE_RIGHTS & (dir.grant.writable ? FILE_RIGHTS : ~WRITE_RIGHTS);
          const opened: FileEntry = { kind: 'file', grant: dir.grant, hostFd, position: 0, fdflags: fdflags & (FDFLAGS.APPEND | FDFLAGS.NONBLOCK | SYNC_FDFLAGS), rightsBase: fileRights, rightsInheriting: inheriting };
          this.dv.setUint32(fdPtr, this.allocateFd(opened), true);
          return ERRNO.SUCCESS;
        },
      ),
      path_filestat_get: guard((dirFd: number, lookupFlags: number, pathPtr: number, pathLength: number, ptr: number): number => {
        this.refresh();
        const dir = this.dirOf(dirFd, RIGHTS.PATH_FILESTAT_GET);
        const resolved = this.resolveAt(dir, pathPtr, pathLength, (lookupFlags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        if (!resolved.stat) return ERRNO.NOENT;
        const stat = fs.lstatSync(resolved.hostPath, { bigint: true });
        this.writeFilestat(ptr, stat, filetypeOf(stat));
        return ERRNO.SUCCESS;
      }),
      path_filestat_set_times: guard((dirFd: number, lookupFlags: number, pathPtr: number, pathLength: number, atim: bigint, mtim: bigint, flags: number): number => {
        this.refresh();
        const [atime, mtime] = newTimes(flags, atim, mtim);
        const dir = this.dirOf(dirFd, RIGHTS.PATH_FILESTAT_SET_TIMES);
        const resolved = this.resolveAt(dir, pathPtr, pathLength, (lookupFlags & LOOKUP_SYMLINK_FOLLOW) !== 0);
        if (!resolved.stat) return ERRNO.NOENT;
        // Resolution already followed a final symlink when asked to: what is left is changed itself.
        setFileTimes({ path: resolved.hostPath, follow: false }, atime, mtime);
        return ERRNO.SUCCESS;
      }),
      path_create_directory: guard((dirFd: number, pathPtr: number, pathLength: number): number => {
        this.refresh();
        const resolved = this.resolveAt(this.dirOf(dirFd, RIGHTS.PATH_CREATE_DIRECTORY), pathPtr, pathLength, false);
        if (resolved.stat) return ERRNO.EXIST;
        fs.mkdirSync(resolved.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_remove_directory: guard((dirFd: number, pathPtr: number, pathLength: number): number => {
        this.refresh();
        const resolved = this.resolveAt(this.dirOf(dirFd, RIGHTS.PATH_REMOVE_DIRECTORY), pathPtr, pathLength, false);
        // A grant's root is never removed.
        if (resolved.parts.length === 0) return ERRNO.NOTCAPABLE;
        if (!resolved.stat) return ERRNO.NOENT;
        if (!resolved.stat.isDirectory()) return ERRNO.NOTDIR;
        fs.rmdirSync(resolved.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_unlink_file: guard((dirFd: number, pathPtr: number, pathLength: number): number => {
        this.refresh();
        const resolved = this.resolveAt(this.dirOf(dirFd, RIGHTS.PATH_UNLINK_FILE), pathPtr, pathLength, false);
        if (!resolved.stat) return ERRNO.NOENT;
        if (resolved.stat.isDirectory()) return ERRNO.ISDIR;
        fs.unlinkSync(resolved.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_rename: guard((fromFd: number, fromPtr: number, fromLength: number, toFd: number, toPtr: number, toLength: number): number => {
        this.refresh();
        const source = this.resolveAt(this.dirOf(fromFd, RIGHTS.PATH_RENAME_SOURCE), fromPtr, fromLength, false);
        const target = this.resolveAt(this.dirOf(toFd, RIGHTS.PATH_RENAME_TARGET), toPtr, toLength, false);
        if (source.parts.length === 0 || target.parts.length === 0) return ERRNO.NOTCAPABLE;
        if (!source.stat) return ERRNO.NOENT;
        fs.renameSync(source.hostPath, target.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_link: guard((fromFd: number, fromFlags: number, fromPtr: number, fromLength: number, toFd: number, toPtr: number, toLength: number): number => {
        this.refresh();
        const from = this.dirOf(fromFd, RIGHTS.PATH_LINK_SOURCE);
        const to = this.dirOf(toFd, RIGHTS.PATH_LINK_TARGET);
        // As in Wasmtime: a link is made to the entry itself, never through a symlink.
        if (fromFlags & LOOKUP_SYMLINK_FOLLOW) return ERRNO.INVAL;
        const source = this.resolveAt(from, fromPtr, fromLength, false);
        const target = this.resolveAt(to, toPtr, toLength, false);
        if (!source.stat) return ERRNO.NOENT;
        if (source.stat.isDirectory()) return ERRNO.PERM;
        if (target.stat) return ERRNO.EXIST;
        fs.linkSync(source.hostPath, target.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_symlink: guard((targetPtr: number, targetLength: number, dirFd: number, pathPtr: number, pathLength: number): number => {
        this.refresh();
        const dir = this.dirOf(dirFd, RIGHTS.PATH_SYMLINK);
        const target = this.string(targetPtr, targetLength);
        const link = this.resolveAt(dir, pathPtr, pathLength, false);
        if (link.stat) return ERRNO.EXIST;
        // Safety over the specification: a link may only point inside the grant.
        if (!symlinkStaysInside(link.parts, target)) return ERRNO.NOTCAPABLE;
        fs.symlinkSync(target, link.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_readlink: guard((dirFd: number, pathPtr: number, pathLength: number, buf: number, bufLength: number, usedPtr: number): number => {
        this.refresh();
        const resolved = this.resolveAt(this.dirOf(dirFd, RIGHTS.PATH_READLINK), pathPtr, pathLength, false);
        if (!resolved.stat) return ERRNO.NOENT;
        if (!resolved.stat.isSymbolicLink()) return ERRNO.INVAL;
        const target = Buffer.from(fs.readlinkSync(resolved.hostPath));
        const used = Math.min(target.length, bufLength);
        this.u8.set(target.subarray(0, used), buf);
        this.dv.setUint32(usedPtr, used, true);
        return ERRNO.SUCCESS;
      }),
      poll_oneoff: guard((inPtr: number, outPtr: number, count: number, eventsPtr: number): number => this.pollOneoff(inPtr, outPtr, count, eventsPtr)),
      sock_accept: notSocket,
      sock_recv: notSocket,
      sock_send: notSocket,
      sock_shutdown: notSocket,
    };
    for (const name of PREVIEW1_FUNCTIONS) functions[name] ??= (): number => ERRNO.NOSYS;
    return functions;
  }

  private writeStringList(list: { bytes: Uint8Array; count: number }, pointersPtr: number, bufPtr: number): number {
    this.refresh();
    this.u8.set(list.bytes, bufPtr);
    let offset = 0;
    for (let i = 0; i < list.count; i++) {
      this.dv.setUint32(pointersPtr + i * 4, bufPtr + offset, true);
      offset = list.bytes.indexOf(0, offset) + 1;
    }
    return ERRNO.SUCCESS;
  }

  /**
   * fd_readdir: `.` and `..` first (cookies 1 and 2), then the entries sorted
   * by name; an entry's `d_next` is its index + 1, the cookie that resumes
   * after it. Inodes are the host's (`.` and `..` both carry the directory's
   * own, as Wasmtime does, so the host's parent of a grant stays unseen). The
   * last record is cut at the end of the buffer: a full buffer means "more".
   */
  private readDirectory(dir: DirEntry, buf: number, bufLength: number, cookie: bigint): number {
    const hostDir = this.hostPathOf(dir);
    if (cookie === 0n || !dir.listing) dir.listing = { names: fs.readdirSync(hostDir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
    const names = dir.listing.names;
    const dirIno = fs.statSync(hostDir, { bigint: true }).ino;
    const header = new DataView(new ArrayBuffer(24));
    const headerBytes = new Uint8Array(header.buffer);
    let used = 0;
    for (let index = Number(cookie); index < names.length + 2 && used < bufLength; index++) {
      const name = index === 0 ? '.' : index === 1 ? '..' : (names[index - 2] as string);
      let ino = dirIno;
      let type: number = FILETYPE.DIRECTORY;
      if (index > 1) {
        const stat = fs.lstatSync(path.join(hostDir, name), { bigint: true, throwIfNoEntry: false });
        ino = stat ? stat.ino : 0n;
        type = stat ? filetypeOf(stat) : FILETYPE.UNKNOWN;
      }
      const nameBytes = Buffer.from(name);
      header.setBigUint64(0, BigInt(index + 1), true);
      header.setBigUint64(8, ino, true);
      header.setUint32(16, nameBytes.length, true);
      header.setUint32(20, type, true);
      const headerFits = Math.min(24, bufLength - used);
      this.u8.set(headerBytes.subarray(0, headerFits), buf + used);
      used += headerFits;
      const nameFits = Math.min(nameBytes.length, bufLength - used);
      this.u8.set(nameBytes.subarray(0, nameFits), buf + used);
      used += nameFits;
    }
    return used;
  }

  /**
   * poll_oneoff: clock subscriptions sleep (bounded by the request's deadline,
   * enforced outside); fd subscriptions are ready at once (stdio is in
   * memory, files never block). A subscription on a descriptor that is not
   * open, or is a directory, fails the call with BADF, as in Wasmtime.
   */
  private pollOneoff(inPtr: number, outPtr: number, count: number, eventsPtr: number): number {
    this.refresh();
    if (count === 0) return ERRNO.INVAL;
    let sleepNs = -1n;
    let clockIndex = -1;
    let events = 0;
    const monotonicNow = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const sub = inPtr + i * 48;
      const tag = this.dv.getUint8(sub + 8);
      if (tag === 0) {
        const id = this.dv.getUint32(sub + 16, true);
        if (id > 1) return ERRNO.INVAL;
        const timeout = this.dv.getBigUint64(sub + 24, true);
        const absolute = (this.dv.getUint16(sub + 40, true) & 1) !== 0;
        const relative = absolute ? timeout - (id === 0 ? realtimeNs() : monotonicNow) : timeout;
        const wait = relative > 0n ? relative : 0n;
        if (sleepNs < 0n || wait < sleepNs) {
          sleepNs = wait;
          clockIndex = i;
        }
        continue;
      }
      const entry = this.fds[this.dv.getUint32(sub + 16, true)];
      if (!entry || entry.kind === 'dir') return ERRNO.BADF;
    }
    for (let i = 0; i < count; i++) {
      const sub = inPtr + i * 48;
      const tag = this.dv.getUint8(sub + 8);
      if (tag === 0) continue;
      const event = outPtr + events * 32;
      this.dv.setBigUint64(event, this.dv.getBigUint64(sub, true), true);
      this.dv.setUint16(event + 8, ERRNO.SUCCESS, true);
      this.dv.setUint8(event + 10, tag);
      this.dv.setBigUint64(event + 16, 1n, true);
      this.dv.setUint16(event + 24, 0, true);
      events++;
    }
    if (events === 0 && clockIndex >= 0) {
      const sleepMs = Number(sleepNs) / 1e6;
      const leftMs = this.deadlineEpochMs === null ? Infinity : this.deadlineEpochMs - Date.now();
      if (sleepMs > leftMs) {
        if (leftMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, leftMs);
        throw new DeadlineReached();
      }
      if (sleepMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, sleepMs);
      this.refresh();
      const event = outPtr;
      this.dv.setBigUint64(event, this.dv.getBigUint64(inPtr + clockIndex * 48, true), true);
      this.dv.setUint16(event + 8, 0, true);
      this.dv.setUint8(event + 10, 0);
      this.dv.setBigUint64(event + 16, 0n, true);
      this.dv.setUint16(event + 24, 0, true);
      events = 1;
    }
    this.dv.setUint32(eventsPtr, events, true);
    return ERRNO.SUCCESS;
  }
}

/** Wall-clock time in ns since the epoch. */
function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}
