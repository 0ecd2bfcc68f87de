/**
 * The WASI preview2 host the jco engine path runs against: the same grants as
 * the V8 path's preview1 host (wasi-host.ts), written for the interfaces that
 * jco's preview1 adapter imports. It replaces @bytecodealliance/preview2-shim
 * entirely (whose defaults hand over the host's filesystem, environment and
 * network): arguments and environment only as granted, stdio in memory,
 * preopens only for granted directories (paths resolved by sandbox-fs.ts),
 * clocks and random; sockets and every interface not listed here refuse.
 *
 * Differences from the V8 path, said rather than hidden: preview2 has no
 * `notcapable` error code, so a refused escape reaches the guest as
 * `not-permitted` (EPERM) instead of ENOTCAPABLE, and it has no rights: what
 * the preview1 adapter makes of rights is its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { ERRNO } from './wasi-constants.ts';
import { setFileTimes, type NewTime } from './file-times.ts';
import { errnoOfHost, resolvePath, symlinkStaysInside, type ResolvedGrant } from './sandbox-fs.ts';
import { OutputCapExceeded, ProcExit } from './wasi-host.ts';

const ERROR_CODES: Record<number, string> = {
  [ERRNO.ACCES]: 'access',
  [ERRNO.BADF]: 'bad-descriptor',
  [ERRNO.EXIST]: 'exist',
  [ERRNO.INVAL]: 'invalid',
  [ERRNO.IO]: 'io',
  [ERRNO.ISDIR]: 'is-directory',
  [ERRNO.LOOP]: 'loop',
  [ERRNO.NAMETOOLONG]: 'name-too-long',
  [ERRNO.NOENT]: 'no-entry',
  [ERRNO.NOSPC]: 'insufficient-space',
  [ERRNO.NOTDIR]: 'not-directory',
  [ERRNO.NOTEMPTY]: 'not-empty',
  [ERRNO.NOTSUP]: 'unsupported',
  [ERRNO.PERM]: 'not-permitted',
  [ERRNO.NOTCAPABLE]: 'not-permitted',
  [ERRNO.ROFS]: 'read-only',
  [ERRNO.XDEV]: 'cross-device',
};

/** Throws a filesystem error code the way jco's bindings expect (`payload` becomes the `err` case). */
function fail(error: unknown): never {
  if (error instanceof ProcExit || error instanceof OutputCapExceeded) throw error;
  throw { payload: ERROR_CODES[errnoOfHost(error)] ?? 'io' };
}

function refuse(code: string): never {
  throw { payload: code };
}

/** A pollable that is always ready (the guest's requests never wait on the network). */
class Pollable {
  private readonly untilNs: bigint;
  constructor(untilNs = 0n) {
    this.untilNs = untilNs;
  }
  ready(): boolean {
    return process.hrtime.bigint() >= this.untilNs;
  }
  block(): void {
    const waitNs = this.untilNs - process.hrtime.bigint();
    if (waitNs > 0n) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(waitNs) / 1e6);
  }
}

/** An input stream over bytes in memory, or over a host file from an offset. */
class InputStream {
  private readonly source: { bytes: Uint8Array; offset: number } | { fd: number; position: number };
  constructor(source: { bytes: Uint8Array; offset: number } | { fd: number; position: number }) {
    this.source = source;
  }
  read(length: bigint): Uint8Array {
    const want = Number(length);
    if ('bytes' in this.source) {
      const { bytes, offset } = this.source;
      if (offset >= bytes.length) throw { tag: 'closed' };
      const chunk = bytes.slice(offset, offset + want);
      this.source.offset += chunk.length;
      return chunk;
    }
    const buffer = new Uint8Array(want);
    let n: number;
    try {
      n = fs.readSync(this.source.fd, buffer, 0, want, this.source.position);
    } catch (error) {
      throw { tag: 'last-operation-failed', val: new IoError(String(error)) };
    }
    if (n === 0 && want > 0) throw { tag: 'closed' };
    this.source.position += n;
    return buffer.subarray(0, n);
  }
  blockingRead(length: bigint): Uint8Array {
    return this.read(length);
  }
  skip(length: bigint): bigint {
    return BigInt(this.read(length).length);
  }
  blockingSkip(length: bigint): bigint {
    return this.skip(length);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** Where an output stream's bytes go. */
interface Sink {
  write(bytes: Uint8Array): void;
}

/** An output stream into memory (stdout, stderr) or a host file. */
class OutputStream {
  private readonly sink: Sink;
  constructor(sink: Sink) {
    this.sink = sink;
  }
  checkWrite(): bigint {
    return 1n << 20n;
  }
  write(bytes: Uint8Array): void {
    this.sink.write(bytes);
  }
  blockingWriteAndFlush(bytes: Uint8Array): void {
    this.sink.write(bytes);
  }
  flush(): void {}
  blockingFlush(): void {}
  writeZeroes(length: bigint): void {
    this.sink.write(new Uint8Array(Number(length)));
  }
  blockingWriteZeroesAndFlush(length: bigint): void {
    this.writeZeroes(length);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
  splice(): bigint {
    throw { tag: 'closed' };
  }
  blockingSplice(): bigint {
    throw { tag: 'closed' };
  }
}

/** wasi:io/error's resource. */
class IoError {
  private readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
  toDebugString(): string {
    return this.message;
  }
}

/** wasi:filesystem's `new-timestamp` as the host's {@link NewTime}. */
function newTime(value: { tag: string; val?: { seconds: bigint; nanoseconds: number } }): NewTime {
  if (value.tag === 'now') return 'now';
  if (value.tag === 'timestamp' && value.val) return value.val.seconds * 1_000_000_000n + BigInt(value.val.nanoseconds);
  return null;
}

function timestamp(ns: bigint): { seconds: bigint; nanoseconds: number } {
  return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
}

function typeOf(stat: fs.Stats | fs.BigIntStats): string {
  if (stat.isDirectory()) return 'directory';
  if (stat.isFile()) return 'regular-file';
  if (stat.isSymbolicLink()) return 'symbolic-link';
  return 'unknown';
}

function describeStat(stat: fs.BigIntStats): object {
  return {
    type: typeOf(stat),
    linkCount: stat.nlink,
    size: stat.size,
    dataAccessTimestamp: timestamp(stat.atimeNs),
    dataModificationTimestamp: timestamp(stat.mtimeNs),
    statusChangeTimestamp: timestamp(stat.ctimeNs),
  };
}

/** Per-request state of the host: output buffers, stdin, and the files opened (closed at the end). */
export class JcoRequestState {
  stdout: Uint8Array[] = [];
  stderr: Uint8Array[] = [];
  writtenBytes = 0;
  readonly openFds: Set<number> = new Set();
  readonly outputCapBytes: number;
  constructor(outputCapBytes: number) {
    this.outputCapBytes = outputCapBytes;
  }
  account(length: number): void {
    this.writtenBytes += length;
    if (this.writtenBytes > this.outputCapBytes) throw new OutputCapExceeded(this.outputCapBytes);
  }
  closeAll(): void {
    for (const fd of this.openFds) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already closed; nothing to release.
      }
    }
    this.openFds.clear();
  }
}

/**
 * Builds the import object of a transpiled component (jco `instantiation`
 * mode) for one request. Interfaces it does not know refuse every call.
 */
export function createJcoImports(options: { grants: readonly ResolvedGrant[]; args: readonly string[]; env: readonly string[]; stdin: Uint8Array; state: JcoRequestState }): Record<string, unknown> {
  const { state } = options;
  const stdin = new InputStream({ bytes: options.stdin, offset: 0 });
  const stdout = new OutputStream({
    write: (bytes) => {
      state.account(bytes.length);
      state.stdout.push(bytes.slice());
    },
  });
  const stderr = new OutputStream({
    write: (bytes) => {
      state.account(bytes.length);
      state.stderr.push(bytes.slice());
    },
  });

  class DirectoryEntryStream {
    private readonly entries: { type: string; name: string }[];
    private index = 0;
    constructor(entries: { type: string; name: string }[]) {
      this.entries = entries;
    }
    readDirectoryEntry(): { type: string; name: string } | undefined {
      return this.entries[this.index++];
    }
  }

  class Descriptor {
    private readonly grant: ResolvedGrant;
    private readonly parts: string[];
    private readonly fd: number | null;
    private readonly writable: boolean;
    constructor(grant: ResolvedGrant, parts: string[], fd: number | null, writable: boolean) {
      this.grant = grant;
      this.parts = parts;
      this.fd = fd;
      this.writable = writable;
    }
    private hostPath(): string {
      return path.join(this.grant.hostRoot, ...this.parts);
    }
    private resolve(guestPath: string, follow: boolean) {
      if (this.fd !== null) refuse('not-directory');
      try {
        return resolvePath(this.grant, this.parts, guestPath, follow);
      } catch (error) {
        return fail(error);
      }
    }
    private needWrite(): void {
      if (!this.grant.writable) refuse('not-permitted');
    }
    getType(): string {
      return this.fd === null ? 'directory' : 'regular-file';
    }
    getFlags(): object {
      return { read: true, write: this.writable, mutateDirectory: this.fd === null && this.grant.writable };
    }
    stat(): object {
      try {
        return describeStat(this.fd === null ? fs.statSync(this.hostPath(), { bigint: true }) : fs.fstatSync(this.fd, { bigint: true }));
      } catch (error) {
        return fail(error);
      }
    }
    statAt(flags: { symlinkFollow?: boolean }, guestPath: string): object {
      const resolved = this.resolve(guestPath, flags.symlinkFollow ?? false);
      if (!resolved.stat) refuse('no-entry');
      return describeStat(fs.lstatSync(resolved.hostPath, { bigint: true }));
    }
    metadataHash(): { lower: bigint; upper: bigint } {
      const stat = this.fd === null ? fs.statSync(this.hostPath(), { bigint: true }) : fs.fstatSync(this.fd, { bigint: true });
      return { lower: stat.ino, upper: stat.dev };
    }
    metadataHashAt(flags: { symlinkFollow?: boolean }, guestPath: string): { lower: bigint; upper: bigint } {
      const resolved = this.resolve(guestPath, flags.symlinkFollow ?? false);
      if (!resolved.stat) refuse('no-entry');
      return { lower: BigInt(resolved.stat.ino), upper: BigInt(resolved.stat.dev) };
    }
    isSameObject(other: Descriptor): boolean {
      return other === this;
    }
    openAt(
      pathFlags: { symlinkFollow?: boolean },
      guestPath: string,
      openFlags: { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean },
      flags: { read?: boolean; write?: boolean; mutateDirectory?: boolean },
    ): Descriptor {
      const wantsWrite = Boolean(openFlags.create || openFlags.truncate || flags.write);
      if (wantsWrite && !this.grant.writable) refuse('not-permitted');
      const resolved = this.resolve(guestPath, pathFlags.symlinkFollow ?? false);
      if (resolved.stat?.isSymbolicLink()) refuse('loop');
      if (resolved.stat?.isDirectory()) {
        if (openFlags.create && openFlags.exclusive) refuse('exist');
        if (flags.write) refuse('is-directory');
        return new Descriptor(this.grant, resolved.parts, null, false);
      }
      if (openFlags.directory) refuse(resolved.stat ? 'not-directory' : 'no-entry');
      if (!resolved.stat && !openFlags.create) refuse('no-entry');
      let mode = (flags.write ? fs.constants.O_RDWR : fs.constants.O_RDONLY) | fs.constants.O_NOFOLLOW;
      if (openFlags.create) mode |= fs.constants.O_CREAT;
      if (openFlags.exclusive) mode |= fs.constants.O_EXCL;
      if (openFlags.truncate) mode |= fs.constants.O_TRUNC;
      try {
        const fd = fs.openSync(resolved.hostPath, mode, 0o644);
        state.openFds.add(fd);
        return new Descriptor(this.grant, resolved.parts, fd, Boolean(flags.write));
      } catch (error) {
        return fail(error);
      }
    }
    readViaStream(offset: bigint): InputStream {
      if (this.fd === null) refuse('is-directory');
      return new InputStream({ fd: this.fd, position: Number(offset) });
    }
    writeViaStream(offset: bigint): OutputStream {
      if (this.fd === null) refuse('is-directory');
      if (!this.writable) refuse('bad-descriptor');
      const fd = this.fd;
      let position = Number(offset);
      return new OutputStream({
        write: (bytes) => {
          position += fs.writeSync(fd, bytes, 0, bytes.length, position);
        },
      });
    }
    appendViaStream(): OutputStream {
      if (this.fd === null) refuse('is-directory');
      if (!this.writable) refuse('bad-descriptor');
      const fd = this.fd;
      return new OutputStream({ write: (bytes) => void fs.writeSync(fd, bytes, 0, bytes.length, fs.fstatSync(fd).size) });
    }
    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      if (this.fd === null) refuse('is-directory');
      const buffer = new Uint8Array(Number(length));
      const n = fs.readSync(this.fd, buffer, 0, buffer.length, Number(offset));
      return [buffer.subarray(0, n), n === 0];
    }
    write(bytes: Uint8Array, offset: bigint): bigint {
      if (this.fd === null) refuse('is-directory');
      if (!this.writable) refuse('bad-descriptor');
      return BigInt(fs.writeSync(this.fd, bytes, 0, bytes.length, Number(offset)));
    }
    readDirectory(): DirectoryEntryStream {
      if (this.fd !== null) refuse('not-directory');
      const entries = fs
        .readdirSync(this.hostPath(), { withFileTypes: true })
        .map((entry) => ({ name: entry.name, type: entry.isDirectory() ? 'directory' : entry.isFile() ? 'regular-file' : entry.isSymbolicLink() ? 'symbolic-link' : 'unknown' }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return new DirectoryEntryStream(entries);
    }
    createDirectoryAt(guestPath: string): void {
      this.needWrite();
      const resolved = this.resolve(guestPath, false);
      if (resolved.stat) refuse('exist');
      fs.mkdirSync(resolved.hostPath);
    }
    removeDirectoryAt(guestPath: string): void {
      this.needWrite();
      const resolved = this.resolve(guestPath, false);
      if (resolved.parts.length === 0) refuse('not-permitted');
      try {
        fs.rmdirSync(resolved.hostPath);
      } catch (error) {
        fail(error);
      }
    }
    unlinkFileAt(guestPath: string): void {
      this.needWrite();
      const resolved = this.resolve(guestPath, false);
      if (resolved.stat?.isDirectory()) refuse('is-directory');
      try {
        fs.unlinkSync(resolved.hostPath);
      } catch (error) {
        fail(error);
      }
    }
    renameAt(from: string, target: Descriptor, to: string): void {
      this.needWrite();
      target.needWrite();
      const source = this.resolve(from, false);
      const destination = target.resolve(to, false);
      if (source.parts.length === 0 || destination.parts.length === 0) refuse('not-permitted');
      try {
        fs.renameSync(source.hostPath, destination.hostPath);
      } catch (error) {
        fail(error);
      }
    }
    readlinkAt(guestPath: string): string {
      const resolved = this.resolve(guestPath, false);
      if (!resolved.stat) refuse('no-entry');
      if (!resolved.stat.isSymbolicLink()) refuse('invalid');
      return fs.readlinkSync(resolved.hostPath);
    }
    symlinkAt(target: string, guestPath: string): void {
      this.needWrite();
      const link = this.resolve(guestPath, false);
      if (link.stat) refuse('exist');
      // A link may only point inside the grant, as on the V8 path.
      if (!symlinkStaysInside(link.parts, target)) refuse('not-permitted');
      try {
        fs.symlinkSync(target, link.hostPath);
      } catch (error) {
        fail(error);
      }
    }
    linkAt(oldFlags: { symlinkFollow?: boolean }, oldPath: string, target: Descriptor, newPath: string): void {
      this.needWrite();
      target.needWrite();
      if (oldFlags.symlinkFollow) refuse('invalid');
      const source = this.resolve(oldPath, false);
      const destination = target.resolve(newPath, false);
      if (!source.stat) refuse('no-entry');
      if (source.stat.isDirectory()) refuse('not-permitted');
      if (destination.stat) refuse('exist');
      try {
        fs.linkSync(source.hostPath, destination.hostPath);
      } catch (error) {
        fail(error);
      }
    }
    sync(): void {}
    syncData(): void {}
    advise(): void {}
    setSize(size: bigint): void {
      if (this.fd === null) refuse('is-directory');
      if (!this.writable) refuse('bad-descriptor');
      fs.ftruncateSync(this.fd, Number(size));
    }
    setTimes(atime: { tag: string; val?: { seconds: bigint; nanoseconds: number } }, mtime: { tag: string; val?: { seconds: bigint; nanoseconds: number } }): void {
      if (!this.grant.writable) refuse('not-permitted');
      try {
        setFileTimes(this.fd === null ? { path: this.hostPath(), follow: true } : { fd: this.fd }, newTime(atime), newTime(mtime));
      } catch (error) {
        fail(error);
      }
    }
    setTimesAt(
      flags: { symlinkFollow?: boolean },
      guestPath: string,
      atime: { tag: string; val?: { seconds: bigint; nanoseconds: number } },
      mtime: { tag: string; val?: { seconds: bigint; nanoseconds: number } },
    ): void {
      this.needWrite();
      const resolved = this.resolve(guestPath, flags.symlinkFollow ?? false);
      if (!resolved.stat) refuse('no-entry');
      try {
        setFileTimes({ path: resolved.hostPath, follow: false }, newTime(atime), newTime(mtime));
      } catch (error) {
        fail(error);
      }
    }
  }

  const preopens = options.grants.map((grant) => [new Descriptor(grant, [], null, false), grant.guestPath] as const);
  const environment = options.env.map((entry) => {
    const equals = entry.indexOf('=');
    return [entry.slice(0, equals), entry.slice(equals + 1)] as [string, string];
  });
  class TerminalInput {}
  class TerminalOutput {}

  const known: Record<string, unknown> = {
    'wasi:cli/environment': { getEnvironment: () => environment, getArguments: () => [...options.args], initialCwd: () => undefined },
    'wasi:cli/exit': {
      exit: (status: { tag: string }) => {
        throw new ProcExit(status.tag === 'ok' ? 0 : 1);
      },
      exitWithCode: (code: number) => {
        throw new ProcExit(code);
      },
    },
    'wasi:cli/stdin': { getStdin: () => stdin },
    'wasi:cli/stdout': { getStdout: () => stdout },
    'wasi:cli/stderr': { getStderr: () => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:filesystem/preopens': { getDirectories: () => preopens },
    'wasi:filesystem/types': { Descriptor, DirectoryEntryStream, filesystemErrorCode: () => undefined },
    'wasi:io/error': { Error: IoError },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:io/poll': {
      Pollable,
      poll: (list: Pollable[]) => {
        for (const pollable of list) pollable.block();
        return new Uint32Array(list.map((_, index) => index));
      },
    },
    'wasi:clocks/wall-clock': {
      now: () => timestamp(BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6))),
      resolution: () => ({ seconds: 0n, nanoseconds: 1000 }),
    },
    'wasi:clocks/monotonic-clock': {
      now: () => process.hrtime.bigint(),
      resolution: () => 1n,
      subscribeDuration: (ns: bigint) => new Pollable(process.hrtime.bigint() + ns),
      subscribeInstant: (at: bigint) => new Pollable(at),
    },
    'wasi:random/random': {
      getRandomBytes: (length: bigint) => randomFillSync(new Uint8Array(Number(length))),
      getRandomU64: () => randomFillSync(new BigUint64Array(1))[0],
    },
    'wasi:random/insecure': {
      getInsecureRandomBytes: (length: bigint) => randomFillSync(new Uint8Array(Number(length))),
      getInsecureRandomU64: () => randomFillSync(new BigUint64Array(1))[0],
    },
    'wasi:random/insecure-seed': { insecureSeed: () => [0n, 0n] },
  };
  const denied = new Proxy(
    {},
    {
      get: () =>
        function denied(): never {
          throw { payload: 'access-denied' };
        },
    },
  );
  return new Proxy(known, { get: (target, name) => (typeof name === 'string' && name in target ? target[name] : denied) });
}

