/**
 * The runner's own WASI preview1 host. Not `node:wasi` (its documentation says
 * it is no sandbox) and not jco's preview2 shim defaults (which hand over the
 * host's filesystem and environment): this host gives the guest stdin, stdout
 * and stderr in memory, exactly the arguments and environment it was handed,
 * a filesystem view of granted directories only (sandbox-fs.ts), clocks,
 * random and proc_exit; every other call answers ENOSYS or ENOTCAPABLE.
 *
 * One host serves many instances in turn: its import object is built once
 * and reused (so a fresh instance costs no closures), and {@link WasiHost.begin}
 * resets the per-request state.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { ERRNO, FDFLAGS, FILETYPE, FILE_READ_RIGHTS, OFLAGS, PREVIEW1_FUNCTIONS, RIGHTS, WRITE_RIGHTS, ALL_RIGHTS } from './wasi-constants.ts';
import { errnoOfHost, resolvePath, WasiError, type ResolvedGrant } from './sandbox-fs.ts';

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

interface DirEntry {
  kind: 'dir';
  grant: ResolvedGrant;
  parts: string[];
  preopen: boolean;
  rightsBase: bigint;
  rightsInheriting: bigint;
}

interface FileEntry {
  kind: 'file';
  grant: ResolvedGrant;
  hostFd: number;
  position: number;
  append: boolean;
  rightsBase: bigint;
}

type FdEntry = StdioEntry | DirEntry | FileEntry;

const STDERR_KEPT_BYTES = 64 * 1024;

// Stdio entries are never changed (a call that would change one answers without doing so), so every request shares them.
const STDIN_ENTRY: StdioEntry = Object.freeze({ kind: 'stdio', which: 0 });
const STDOUT_ENTRY: StdioEntry = Object.freeze({ kind: 'stdio', which: 1 });
const STDERR_ENTRY: StdioEntry = Object.freeze({ kind: 'stdio', which: 2 });
const EMPTY = new Uint8Array(0);
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
    for (const grant of this.grants) {
      const rights = grant.writable ? ALL_RIGHTS : ALL_RIGHTS & ~WRITE_RIGHTS;
      this.fds.push({ kind: 'dir', grant, parts: [], preopen: true, rightsBase: rights, rightsInheriting: rights });
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

  private dirOf(fd: number, right: bigint): DirEntry {
    const entry = this.fds[fd];
    if (!entry) throw new WasiError(ERRNO.BADF);
    if (entry.kind !== 'dir') throw new WasiError(ERRNO.NOTDIR);
    if (!(entry.rightsBase & right)) throw new WasiError(ERRNO.NOTCAPABLE);
    return entry;
  }

  private fileOf(fd: number, right: bigint): FileEntry {
    const entry = this.fds[fd];
    if (!entry) throw new WasiError(ERRNO.BADF);
    if (entry.kind === 'dir') throw new WasiError(ERRNO.ISDIR);
    if (entry.kind !== 'file') throw new WasiError(ERRNO.SPIPE);
    if (!(entry.rightsBase & right)) throw new WasiError(ERRNO.NOTCAPABLE);
    return entry;
  }

  private writeFilestat(ptr: number, stat: fs.BigIntStats | null, filetype: number): void {
    const dv = this.dv;
    dv.setBigUint64(ptr, stat ? stat.dev : 0n, true);
    dv.setBigUint64(ptr + 8, stat ? stat.ino : 0n, true);
    dv.setUint8(ptr + 16, filetype);
    for (let i = 17; i < 24; i++) dv.setUint8(ptr + i, 0);
    dv.setBigUint64(ptr + 24, stat ? stat.nlink : 1n, true);
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
      clock_res_get: (id: number, resPtr: number): number => {
        if (id > 3) return ERRNO.INVAL;
        this.refresh();
        this.dv.setBigUint64(resPtr, id === 0 ? 1000n : 1n, true);
        return ERRNO.SUCCESS;
      },
      clock_time_get: (id: number, _precision: bigint, timePtr: number): number => {
        if (id > 3) return ERRNO.INVAL;
        this.refresh();
        const ns = id === 0 ? BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6)) : process.hrtime.bigint();
        this.dv.setBigUint64(timePtr, ns, true);
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
      sched_yield: (): number => ERRNO.SUCCESS,
      fd_write: guard((fd: number, iovs: number, count: number, writtenPtr: number): number => {
        this.refresh();
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        let written: number;
        if (entry.kind === 'stdio') {
          if (entry.which === 0) return ERRNO.BADF;
          const which = entry.which;
          written = this.iovecs(iovs, count, (ptr, length) => {
            this.append(which, ptr, length);
            return length;
          });
        } else {
          const file = this.fileOf(fd, RIGHTS.FD_WRITE);
          written = this.iovecs(iovs, count, (ptr, length) => {
            const n = fs.writeSync(file.hostFd, this.u8, ptr, length, file.append ? null : file.position);
            file.position = file.append ? fs.fstatSync(file.hostFd).size : file.position + n;
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
        const file = this.fileOf(fd, RIGHTS.FD_READ | RIGHTS.FD_SEEK);
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
        const file = this.fileOf(fd, RIGHTS.FD_WRITE | RIGHTS.FD_SEEK);
        let position = Number(offset);
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
        const file = this.fileOf(fd, RIGHTS.FD_SEEK);
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
        const file = this.fileOf(fd, RIGHTS.FD_TELL);
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
        let base: bigint;
        let inheriting = 0n;
        if (entry.kind === 'stdio') {
          // Not a character device: the guest's stdio then buffers fully, as it does on a pipe.
          filetype = FILETYPE.UNKNOWN;
          base = (entry.which === 0 ? RIGHTS.FD_READ : RIGHTS.FD_WRITE) | RIGHTS.POLL_FD_READWRITE;
        } else if (entry.kind === 'dir') {
          filetype = FILETYPE.DIRECTORY;
          base = entry.rightsBase;
          inheriting = entry.rightsInheriting;
        } else {
          filetype = FILETYPE.REGULAR_FILE;
          flags = entry.append ? FDFLAGS.APPEND : 0;
          base = entry.rightsBase;
        }
        this.dv.setUint8(ptr, filetype);
        this.dv.setUint8(ptr + 1, 0);
        this.dv.setUint16(ptr + 2, flags, true);
        this.dv.setUint32(ptr + 4, 0, true);
        this.dv.setBigUint64(ptr + 8, base, true);
        this.dv.setBigUint64(ptr + 16, inheriting, true);
        return ERRNO.SUCCESS;
      }),
      fd_fdstat_set_flags: guard((fd: number, flags: number): number => {
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        if (entry.kind !== 'file') return flags === 0 ? ERRNO.SUCCESS : ERRNO.NOTSUP;
        if (flags & ~FDFLAGS.APPEND) return ERRNO.NOTSUP;
        if (flags & FDFLAGS.APPEND && !(entry.rightsBase & RIGHTS.FD_WRITE)) return ERRNO.NOTCAPABLE;
        entry.append = (flags & FDFLAGS.APPEND) !== 0;
        return ERRNO.SUCCESS;
      }),
      fd_fdstat_set_rights: guard((fd: number, base: bigint, inheriting: bigint): number => {
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        if (entry.kind === 'stdio') return ERRNO.SUCCESS;
        // Rights may only shrink.
        if ((base & ~entry.rightsBase) !== 0n) return ERRNO.NOTCAPABLE;
        entry.rightsBase = base;
        if (entry.kind === 'dir') entry.rightsInheriting &= inheriting;
        return ERRNO.SUCCESS;
      }),
      fd_filestat_get: guard((fd: number, ptr: number): number => {
        this.refresh();
        const entry = this.entry(fd);
        if (!entry) return ERRNO.BADF;
        if (entry.kind === 'stdio') this.writeFilestat(ptr, null, FILETYPE.UNKNOWN);
        else if (entry.kind === 'dir') this.writeFilestat(ptr, fs.statSync(path.join(entry.grant.hostRoot, ...entry.parts), { bigint: true }), FILETYPE.DIRECTORY);
        else this.writeFilestat(ptr, fs.fstatSync(entry.hostFd, { bigint: true }), FILETYPE.REGULAR_FILE);
        return ERRNO.SUCCESS;
      }),
      fd_filestat_set_size: guard((fd: number, size: bigint): number => {
        const file = this.fileOf(fd, RIGHTS.FD_FILESTAT_SET_SIZE);
        fs.ftruncateSync(file.hostFd, Number(size));
        return ERRNO.SUCCESS;
      }),
      fd_sync: guard((fd: number): number => {
        const file = this.fileOf(fd, RIGHTS.FD_SYNC);
        fs.fsyncSync(file.hostFd);
        return ERRNO.SUCCESS;
      }),
      fd_datasync: guard((fd: number): number => {
        const file = this.fileOf(fd, RIGHTS.FD_DATASYNC);
        fs.fdatasyncSync(file.hostFd);
        return ERRNO.SUCCESS;
      }),
      fd_advise: guard((fd: number): number => (this.entry(fd) ? ERRNO.SUCCESS : ERRNO.BADF)),
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
        if (!entry || entry.kind !== 'dir' || !entry.preopen) return ERRNO.BADF;
        const name = Buffer.from(entry.grant.guestPath);
        if (length < name.length) return ERRNO.INVAL;
        this.u8.set(name, ptr);
        return ERRNO.SUCCESS;
      }),
      fd_readdir: guard((fd: number, buf: number, bufLength: number, cookie: bigint, usedPtr: number): number => {
        this.refresh();
        const dir = this.dirOf(fd, RIGHTS.FD_READDIR);
        const hostDir = path.join(dir.grant.hostRoot, ...dir.parts);
        const listed = fs.readdirSync(hostDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const entries: { name: string; type: number; ino: bigint }[] = [
          { name: '.', type: FILETYPE.DIRECTORY, ino: 0n },
          { name: '..', type: FILETYPE.DIRECTORY, ino: 0n },
          ...listed.map((d) => ({
            name: d.name,
            type: d.isDirectory() ? FILETYPE.DIRECTORY : d.isFile() ? FILETYPE.REGULAR_FILE : d.isSymbolicLink() ? FILETYPE.SYMBOLIC_LINK : FILETYPE.UNKNOWN,
            ino: 0n,
          })),
        ];
        let used = 0;
        const scratch = new Uint8Array(24);
        const scratchView = new DataView(scratch.buffer);
        for (let index = Number(cookie); index < entries.length && used < bufLength; index++) {
          const item = entries[index] as (typeof entries)[number];
          const name = Buffer.from(item.name);
          scratchView.setBigUint64(0, BigInt(index + 1), true);
          scratchView.setBigUint64(8, item.ino, true);
          scratchView.setUint32(16, name.length, true);
          scratchView.setUint32(20, item.type, true);
          const record = Buffer.concat([scratch, name]);
          const fits = Math.min(record.length, bufLength - used);
          this.u8.set(record.subarray(0, fits), buf + used);
          used += fits;
        }
        this.dv.setUint32(usedPtr, used, true);
        return ERRNO.SUCCESS;
      }),
      path_open: guard(
        (dirFd: number, lookupFlags: number, pathPtr: number, pathLength: number, oflags: number, rightsBase: bigint, rightsInheriting: bigint, fdflags: number, fdPtr: number): number => {
          this.refresh();
          const dir = this.dirOf(dirFd, RIGHTS.PATH_OPEN);
          const guestPath = this.string(pathPtr, pathLength);
          const wantsWrite = (oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) !== 0 || (fdflags & FDFLAGS.APPEND) !== 0 || (rightsBase & (RIGHTS.FD_WRITE | RIGHTS.FD_ALLOCATE | RIGHTS.FD_FILESTAT_SET_SIZE)) !== 0n;
          if (wantsWrite && !dir.grant.writable) return ERRNO.NOTCAPABLE;
          const resolved = resolvePath(dir.grant, dir.parts, guestPath, (lookupFlags & 1) !== 0);
          if (resolved.stat?.isSymbolicLink()) return ERRNO.LOOP;
          if (resolved.stat?.isDirectory()) {
            if (wantsWrite && (oflags & (OFLAGS.CREAT | OFLAGS.TRUNC)) !== 0) return ERRNO.ISDIR;
            if (oflags & OFLAGS.EXCL && oflags & OFLAGS.CREAT) return ERRNO.EXIST;
            const inherited = dir.rightsInheriting;
            const fd = this.allocateFd({ kind: 'dir', grant: dir.grant, parts: resolved.parts, preopen: false, rightsBase: rightsBase & inherited, rightsInheriting: rightsInheriting & inherited });
            this.dv.setUint32(fdPtr, fd, true);
            return ERRNO.SUCCESS;
          }
          if (oflags & OFLAGS.DIRECTORY) return resolved.stat ? ERRNO.NOTDIR : ERRNO.NOENT;
          if (!resolved.stat && !(oflags & OFLAGS.CREAT)) return ERRNO.NOENT;
          if (resolved.stat && !resolved.stat.isFile()) return ERRNO.ACCES;
          const writable = dir.grant.writable && (rightsBase & RIGHTS.FD_WRITE) !== 0n;
          let flags = (writable ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | fs.constants.O_NOFOLLOW;
          if (oflags & OFLAGS.CREAT) flags |= fs.constants.O_CREAT;
          if (oflags & OFLAGS.EXCL) flags |= fs.constants.O_EXCL;
          if (oflags & OFLAGS.TRUNC) flags |= fs.constants.O_TRUNC;
          const hostFd = fs.openSync(resolved.hostPath, flags, 0o644);
          const granted = dir.rightsInheriting & rightsBase & (writable ? ALL_RIGHTS : FILE_READ_RIGHTS);
          const fd = this.allocateFd({ kind: 'file', grant: dir.grant, hostFd, position: 0, append: (fdflags & FDFLAGS.APPEND) !== 0, rightsBase: granted });
          this.dv.setUint32(fdPtr, fd, true);
          return ERRNO.SUCCESS;
        },
      ),
      path_filestat_get: guard((dirFd: number, lookupFlags: number, pathPtr: number, pathLength: number, ptr: number): number => {
        this.refresh();
        const dir = this.dirOf(dirFd, RIGHTS.PATH_FILESTAT_GET);
        const resolved = resolvePath(dir.grant, dir.parts, this.string(pathPtr, pathLength), (lookupFlags & 1) !== 0);
        if (!resolved.stat) return ERRNO.NOENT;
        const stat = fs.lstatSync(resolved.hostPath, { bigint: true });
        const type = stat.isDirectory() ? FILETYPE.DIRECTORY : stat.isFile() ? FILETYPE.REGULAR_FILE : stat.isSymbolicLink() ? FILETYPE.SYMBOLIC_LINK : FILETYPE.UNKNOWN;
        this.writeFilestat(ptr, stat, type);
        return ERRNO.SUCCESS;
      }),
      path_create_directory: guard((dirFd: number, pathPtr: number, pathLength: number): number => {
        this.refresh();
        const dir = this.dirOf(dirFd, RIGHTS.PATH_CREATE_DIRECTORY);
        const resolved = resolvePath(dir.grant, dir.parts, this.string(pathPtr, pathLength), false);
        if (resolved.stat) return ERRNO.EXIST;
        fs.mkdirSync(resolved.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_remove_directory: guard((dirFd: number, pathPtr: number, pathLength: number): number => {
        this.refresh();
        const dir = this.dirOf(dirFd, RIGHTS.PATH_REMOVE_DIRECTORY);
        const resolved = resolvePath(dir.grant, dir.parts, this.string(pathPtr, pathLength), false);
        if (resolved.parts.length === 0) return ERRNO.NOTCAPABLE;
        fs.rmdirSync(resolved.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_unlink_file: guard((dirFd: number, pathPtr: number, pathLength: number): number => {
        this.refresh();
        const dir = this.dirOf(dirFd, RIGHTS.PATH_UNLINK_FILE);
        const resolved = resolvePath(dir.grant, dir.parts, this.string(pathPtr, pathLength), false);
        if (resolved.stat?.isDirectory()) return ERRNO.ISDIR;
        fs.unlinkSync(resolved.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_rename: guard((fromFd: number, fromPtr: number, fromLength: number, toFd: number, toPtr: number, toLength: number): number => {
        this.refresh();
        const from = this.dirOf(fromFd, RIGHTS.PATH_RENAME_SOURCE);
        const to = this.dirOf(toFd, RIGHTS.PATH_RENAME_TARGET);
        const source = resolvePath(from.grant, from.parts, this.string(fromPtr, fromLength), false);
        const target = resolvePath(to.grant, to.parts, this.string(toPtr, toLength), false);
        if (source.parts.length === 0 || target.parts.length === 0) return ERRNO.NOTCAPABLE;
        fs.renameSync(source.hostPath, target.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_symlink: guard((targetPtr: number, targetLength: number, dirFd: number, pathPtr: number, pathLength: number): number => {
        this.refresh();
        const dir = this.dirOf(dirFd, RIGHTS.PATH_SYMLINK);
        const target = this.string(targetPtr, targetLength);
        const link = resolvePath(dir.grant, dir.parts, this.string(pathPtr, pathLength), false);
        if (link.stat) return ERRNO.EXIST;
        // A link may only point inside the grant (lexically); following it is checked again anyway.
        if (target.startsWith('/')) return ERRNO.NOTCAPABLE;
        const depth = link.parts.length - 1;
        let level = depth;
        for (const piece of target.split('/')) {
          if (piece === '..') level--;
          else if (piece !== '' && piece !== '.') level++;
          if (level < 0) return ERRNO.NOTCAPABLE;
        }
        fs.symlinkSync(target, link.hostPath);
        return ERRNO.SUCCESS;
      }),
      path_readlink: guard((dirFd: number, pathPtr: number, pathLength: number, buf: number, bufLength: number, usedPtr: number): number => {
        this.refresh();
        const dir = this.dirOf(dirFd, RIGHTS.PATH_READLINK);
        const resolved = resolvePath(dir.grant, dir.parts, this.string(pathPtr, pathLength), false);
        if (!resolved.stat) return ERRNO.NOENT;
        if (!resolved.stat.isSymbolicLink()) return ERRNO.INVAL;
        const target = Buffer.from(fs.readlinkSync(resolved.hostPath));
        const used = Math.min(target.length, bufLength);
        this.u8.set(target.subarray(0, used), buf);
        this.dv.setUint32(usedPtr, used, true);
        return ERRNO.SUCCESS;
      }),
      path_link: (): number => ERRNO.NOTSUP,
      poll_oneoff: guard((inPtr: number, outPtr: number, count: number, eventsPtr: number): number => this.pollOneoff(inPtr, outPtr, count, eventsPtr)),
      proc_raise: (): number => ERRNO.NOSYS,
      sock_accept: (): number => ERRNO.NOTCAPABLE,
      sock_recv: (): number => ERRNO.NOTCAPABLE,
      sock_send: (): number => ERRNO.NOTCAPABLE,
      sock_shutdown: (): number => ERRNO.NOTCAPABLE,
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

  /** poll_oneoff: clock subscriptions sleep (bounded by the request's deadline, enforced outside); fd subscriptions are ready at once. */
  private pollOneoff(inPtr: number, outPtr: number, count: number, eventsPtr: number): number {
    this.refresh();
    if (count === 0) return ERRNO.INVAL;
    let sleepNs = -1n;
    let clockIndex = -1;
    let events = 0;
    const nowNs = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const sub = inPtr + i * 48;
      const tag = this.dv.getUint8(sub + 8);
      if (tag === 0) {
        const timeout = this.dv.getBigUint64(sub + 24, true);
        const absolute = (this.dv.getUint16(sub + 40, true) & 1) !== 0;
        const relative = absolute ? timeout - nowNs : timeout;
        const wait = relative > 0n ? relative : 0n;
        if (sleepNs < 0n || wait < sleepNs) {
          sleepNs = wait;
          clockIndex = i;
        }
      } else {
        const event = outPtr + events * 32;
        const fd = this.dv.getUint32(sub + 16, true);
        this.dv.setBigUint64(event, this.dv.getBigUint64(sub, true), true);
        this.dv.setUint16(event + 8, this.fds[fd] ? ERRNO.SUCCESS : ERRNO.BADF, true);
        this.dv.setUint8(event + 10, tag);
        this.dv.setBigUint64(event + 16, 0n, true);
        this.dv.setUint16(event + 24, 0, true);
        events++;
      }
    }
    if (events === 0 && clockIndex >= 0) {
      let sleepMs = Number(sleepNs) / 1e6;
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
      events = 1;
    }
    this.dv.setUint32(eventsPtr, events, true);
    return ERRNO.SUCCESS;
  }
}
