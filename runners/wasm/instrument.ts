/**
 * Interruption checks for instances that run on the calling thread (inline
 * execution): the module is rewritten at load time so that every function
 * entry and every loop header reads one word of a shared memory and traps
 * when it is set, the way Wasmtime's epoch interruption works. A watchdog
 * thread (deadline-watch.ts) sets the word when a run passes its deadline; the
 * guest then traps at its next check, so an infinite loop stops without the
 * thread that runs it being terminated.
 *
 * The decoder knows the instruction set clang and common toolchains emit (MVP,
 * sign extension, saturating conversions, bulk memory, reference types, SIMD,
 * threads, tail calls). A module using anything else (exceptions, GC) is left
 * unrewritten and the runner runs it in a worker instead.
 */
import { usageError } from '../../core/errors.ts';

/** Module and field name of the shared interruption memory an instrumented module imports. */
export const INTERRUPT_IMPORT = { module: 'wsb', name: 'interrupt' } as const;

const SECTION_IMPORT = 2;
const SECTION_CODE = 10;
const IMPORT_KIND_MEMORY = 2;

/** Thrown inside the decoder for an instruction it does not know. */
class Unsupported {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

function encodeU32(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

class Cursor {
  offset: number;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.offset = offset;
  }
  byte(): number {
    if (this.offset >= this.bytes.length) throw usageError('truncated WebAssembly module');
    return this.bytes[this.offset++] as number;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 35) throw usageError('malformed LEB128 in WebAssembly module');
    }
  }
  /** Skips a signed or unsigned LEB128 of any width. */
  leb(): void {
    while (this.byte() & 0x80);
  }
  skip(count: number): void {
    this.offset += count;
    if (this.offset > this.bytes.length) throw usageError('truncated WebAssembly module');
  }
}

function skipHeapOrValueType(cursor: Cursor): void {
  const b = cursor.byte();
  // (ref null ht) and (ref ht) carry a heap type; every other value type is one byte.
  if (b === 0x63 || b === 0x64) cursor.leb();
}

function skipBlockType(cursor: Cursor): void {
  const b = cursor.bytes[cursor.offset] as number;
  if (b === 0x40 || (b >= 0x6e && b <= 0x7f)) cursor.offset++;
  else if (b === 0x63 || b === 0x64) skipHeapOrValueType(cursor);
  else cursor.leb();
}

function skipMemarg(cursor: Cursor): void {
  const align = cursor.u32();
  if (align & 0x40) cursor.u32();
  cursor.leb();
}

function skipFc(cursor: Cursor): void {
  const op = cursor.u32();
  if (op <= 7) return;
  if (op === 8 || op === 10 || op === 12 || op === 14) {
    cursor.u32();
    cursor.u32();
  } else if (op === 9 || op === 11 || op === 13 || (op >= 15 && op <= 17)) cursor.u32();
  else throw new Unsupported(`0xfc ${op}`);
}

function skipSimd(cursor: Cursor): void {
  const op = cursor.u32();
  if (op <= 11 || op === 92 || op === 93) skipMemarg(cursor);
  else if (op === 12 || op === 13) cursor.skip(16);
  else if (op >= 21 && op <= 34) cursor.skip(1);
  else if (op >= 84 && op <= 91) {
    skipMemarg(cursor);
    cursor.skip(1);
  }
}

function skipAtomic(cursor: Cursor): void {
  const op = cursor.u32();
  if (op === 3) cursor.skip(1);
  else skipMemarg(cursor);
}

/**
 * Walks one function body's instructions and returns the offsets just after
 * each `loop` block type (where a check goes).
 */
function loopHeads(cursor: Cursor, end: number): number[] {
  const heads: number[] = [];
  while (cursor.offset < end) {
    const op = cursor.byte();
    if (op === 0x03) {
      skipBlockType(cursor);
      heads.push(cursor.offset);
    } else if (op === 0x02 || op === 0x04) skipBlockType(cursor);
    else if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || op === 0xd1 || op === 0xd3 || op === 0xd4) continue;
    else if (op === 0x0c || op === 0x0d || op === 0x10 || op === 0x12 || op === 0x14 || op === 0x15 || op === 0xd2 || op === 0xd5 || op === 0xd6) cursor.u32();
    else if (op === 0x11 || op === 0x13) {
      cursor.u32();
      cursor.u32();
    } else if (op === 0x0e) {
      const count = cursor.u32();
      for (let i = 0; i <= count; i++) cursor.u32();
    } else if (op === 0x1c) {
      const count = cursor.u32();
      for (let i = 0; i < count; i++) skipHeapOrValueType(cursor);
    } else if (op >= 0x20 && op <= 0x26) cursor.u32();
    else if (op >= 0x28 && op <= 0x3e) skipMemarg(cursor);
    else if (op === 0x3f || op === 0x40) cursor.u32();
    else if (op === 0x41 || op === 0x42) cursor.leb();
    else if (op === 0x43) cursor.skip(4);
    else if (op === 0x44) cursor.skip(8);
    else if (op >= 0x45 && op <= 0xc4) continue;
    else if (op === 0xd0) cursor.leb();
    else if (op === 0xfc) skipFc(cursor);
    else if (op === 0xfd) skipSimd(cursor);
    else if (op === 0xfe) skipAtomic(cursor);
    else throw new Unsupported(`opcode 0x${op.toString(16)}`);
  }
  return heads;
}

/** The check: `if (i32.load memory[index] offset 0 at address 0) unreachable`. */
function checkSequence(memoryIndex: number): Uint8Array {
  const load = memoryIndex === 0 ? [0x28, 0x02, 0x00] : [0x28, 0x42, ...encodeU32(memoryIndex), 0x00];
  return Uint8Array.from([0x41, 0x00, ...load, 0x04, 0x40, 0x00, 0x0b]);
}

function instrumentCode(payload: Uint8Array, memoryIndex: number): Uint8Array {
  const cursor = new Cursor(payload);
  const count = cursor.u32();
  const check = checkSequence(memoryIndex);
  const parts: Uint8Array[] = [Uint8Array.from(encodeU32(count))];
  for (let i = 0; i < count; i++) {
    const size = cursor.u32();
    const start = cursor.offset;
    const end = start + size;
    const localGroups = cursor.u32();
    for (let g = 0; g < localGroups; g++) {
      cursor.u32();
      skipHeapOrValueType(cursor);
    }
    const bodyStart = cursor.offset;
    const heads = loopHeads(cursor, end);
    if (cursor.offset !== end) throw usageError('malformed function body in WebAssembly module');
    const pieces: Uint8Array[] = [];
    let total = 0;
    const push = (from: number, to: number): void => {
      pieces.push(payload.subarray(from, to));
      total += to - from;
    };
    push(start, bodyStart);
    pieces.push(check);
    total += check.length;
    let at = bodyStart;
    for (const head of heads) {
      push(at, head);
      pieces.push(check);
      total += check.length;
      at = head;
    }
    push(at, end);
    parts.push(Uint8Array.from(encodeU32(total)));
    parts.push(...pieces);
  }
  return Buffer.concat(parts);
}

interface RawSection {
  id: number;
  payload: Uint8Array;
}

function sections(bytes: Uint8Array): RawSection[] {
  const cursor = new Cursor(bytes, 8);
  const out: RawSection[] = [];
  while (cursor.offset < bytes.length) {
    const id = cursor.byte();
    const size = cursor.u32();
    out.push({ id, payload: bytes.subarray(cursor.offset, cursor.offset + size) });
    cursor.skip(size);
  }
  return out;
}

/**
 * Adds the interruption checks and the shared-memory import they read
 * ({@link INTERRUPT_IMPORT}, one page, appended last so every other index
 * stays where it was). `memoryCount` is how many memories the module has
 * (0 or 1, all imported): the new memory's index. Returns null, with the
 * reason, when the module uses an instruction the decoder does not know.
 */
export function addInterruptChecks(bytes: Uint8Array, memoryCount: number): { bytes: Uint8Array } | { unsupported: string } {
  const all = sections(bytes);
  const importEntry = [
    ...encodeU32(INTERRUPT_IMPORT.module.length),
    ...Buffer.from(INTERRUPT_IMPORT.module),
    ...encodeU32(INTERRUPT_IMPORT.name.length),
    ...Buffer.from(INTERRUPT_IMPORT.name),
    IMPORT_KIND_MEMORY,
    // Flags 3: shared, with a maximum; one page.
    0x03,
    0x01,
    0x01,
  ];
  const out: RawSection[] = [];
  let importsDone = false;
  try {
    for (const section of all) {
      if (section.id === SECTION_IMPORT) {
        const cursor = new Cursor(section.payload);
        const count = cursor.u32();
        out.push({ id: SECTION_IMPORT, payload: Uint8Array.from([...encodeU32(count + 1), ...section.payload.subarray(cursor.offset), ...importEntry]) });
        importsDone = true;
        continue;
      }
      if (!importsDone && section.id !== 0 && section.id > SECTION_IMPORT) {
        out.push({ id: SECTION_IMPORT, payload: Uint8Array.from([1, ...importEntry]) });
        importsDone = true;
      }
      out.push(section.id === SECTION_CODE ? { id: SECTION_CODE, payload: instrumentCode(section.payload, memoryCount) } : section);
    }
  } catch (error) {
    if (error instanceof Unsupported) return { unsupported: error.reason };
    throw error;
  }
  if (!importsDone) out.push({ id: SECTION_IMPORT, payload: Uint8Array.from([1, ...importEntry]) });
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  for (const section of out) parts.push(Uint8Array.from([section.id, ...encodeU32(section.payload.length)]), section.payload);
  return { bytes: Buffer.concat(parts) };
}
