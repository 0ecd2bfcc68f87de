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
import { createHash } from 'node:crypto';
import { usageError } from '../../core/errors.ts';
import { assembleSections, ByteReader, encodeU32, readSections, type Section } from './wasm-bytes.ts';

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



function skipHeapOrValueType(cursor: ByteReader): void {
  const b = cursor.byte();
  // (ref null ht) and (ref ht) carry a heap type; every other value type is one byte.
  if (b === 0x63 || b === 0x64) cursor.leb();
}

function skipBlockType(cursor: ByteReader): void {
  const b = cursor.bytes[cursor.offset] as number;
  if (b === 0x40 || (b >= 0x6e && b <= 0x7f)) cursor.offset++;
  else if (b === 0x63 || b === 0x64) skipHeapOrValueType(cursor);
  else cursor.leb();
}

function skipMemarg(cursor: ByteReader): void {
  const align = cursor.u32();
  if (align & 0x40) cursor.u32();
  cursor.leb();
}

function skipFc(cursor: ByteReader): number {
  const op = cursor.u32();
  if (op <= 7) return op;
  if (op === 8 || op === 10 || op === 12 || op === 14) {
    cursor.u32();
    cursor.u32();
  } else if (op === 9 || op === 11 || op === 13 || (op >= 15 && op <= 17)) cursor.u32();
  else throw new Unsupported(`0xfc ${op}`);
  return op;
}

/** Instructions that change a table or a data or element segment: state a reset instance could not put back (reset.ts). */
const STATE_FC_OPS: Readonly<Record<number, string>> = { 8: 'memory.init', 9: 'data.drop', 12: 'table.init', 13: 'elem.drop', 14: 'table.copy', 15: 'table.grow', 17: 'table.fill' };
const TABLE_SET = 0x26;

function skipSimd(cursor: ByteReader): void {
  const op = cursor.u32();
  if (op <= 11 || op === 92 || op === 93) skipMemarg(cursor);
  else if (op === 12 || op === 13) cursor.skip(16);
  else if (op >= 21 && op <= 34) cursor.skip(1);
  else if (op >= 84 && op <= 91) {
    skipMemarg(cursor);
    cursor.skip(1);
  }
}

function skipAtomic(cursor: ByteReader): void {
  const op = cursor.u32();
  if (op === 3) cursor.skip(1);
  else skipMemarg(cursor);
}

/** Immediate kinds by opcode, so the walk is one table lookup per instruction. */
const NONE = 0;
const BLOCK = 1;
const LOOP = 2;
const U32 = 3;
const U32X2 = 4;
const BR_TABLE = 5;
const SELECT_T = 6;
const MEMARG = 7;
const LEB = 8;
const SKIP4 = 9;
const SKIP8 = 10;
const PREFIX_FC = 11;
const PREFIX_FD = 12;
const PREFIX_FE = 13;
const UNKNOWN = 255;

const IMMEDIATES = (() => {
  const table = new Uint8Array(256).fill(UNKNOWN);
  const set = (kind: number, ...ops: number[]): void => {
    for (const op of ops) table[op] = kind;
  };
  const range = (kind: number, from: number, to: number): void => {
    for (let op = from; op <= to; op++) table[op] = kind;
  };
  set(NONE, 0x00, 0x01, 0x05, 0x0b, 0x0f, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4);
  set(BLOCK, 0x02, 0x04);
  set(LOOP, 0x03);
  set(U32, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0xd2, 0xd5, 0xd6, 0x3f, 0x40);
  range(U32, 0x20, 0x26);
  set(U32X2, 0x11, 0x13);
  set(BR_TABLE, 0x0e);
  set(SELECT_T, 0x1c);
  range(MEMARG, 0x28, 0x3e);
  set(LEB, 0x41, 0x42, 0xd0);
  set(SKIP4, 0x43);
  set(SKIP8, 0x44);
  range(NONE, 0x45, 0xc4);
  set(PREFIX_FC, 0xfc);
  set(PREFIX_FD, 0xfd);
  set(PREFIX_FE, 0xfe);
  return table;
})();

/**
 * Walks one function body's instructions and returns the offsets just after
 * each `loop` block type (where a check goes); adds to `stateOps` the name of
 * every instruction that changes a table or a segment.
 */
function loopHeads(cursor: ByteReader, end: number, stateOps?: Set<string>): number[] {
  const heads: number[] = [];
  const bytes = cursor.bytes;
  while (cursor.offset < end) {
    const op = bytes[cursor.offset++] as number;
    if (op === TABLE_SET) stateOps?.add('table.set');
    switch (IMMEDIATES[op]) {
      case NONE:
        break;
      case BLOCK:
        skipBlockType(cursor);
        break;
      case LOOP:
        skipBlockType(cursor);
        heads.push(cursor.offset);
        break;
      case U32:
      case LEB:
        cursor.leb();
        break;
      case U32X2:
        cursor.leb();
        cursor.leb();
        break;
      case BR_TABLE: {
        const count = cursor.u32();
        for (let i = 0; i <= count; i++) cursor.leb();
        break;
      }
      case SELECT_T: {
        const count = cursor.u32();
        for (let i = 0; i < count; i++) skipHeapOrValueType(cursor);
        break;
      }
      case MEMARG:
        skipMemarg(cursor);
        break;
      case SKIP4:
        cursor.skip(4);
        break;
      case SKIP8:
        cursor.skip(8);
        break;
      case PREFIX_FC: {
        const name = STATE_FC_OPS[skipFc(cursor)];
        if (name) stateOps?.add(name);
        break;
      }
      case PREFIX_FD:
        skipSimd(cursor);
        break;
      case PREFIX_FE:
        skipAtomic(cursor);
        break;
      default:
        throw new Unsupported(`opcode 0x${op.toString(16)}`);
    }
  }
  return heads;
}

/** The check: `if (i32.load memory[index] offset 0 at address 0) unreachable`. */
function checkSequence(memoryIndex: number): Uint8Array {
  const load = memoryIndex === 0 ? [0x28, 0x02, 0x00] : [0x28, 0x42, ...encodeU32(memoryIndex), 0x00];
  return Uint8Array.from([0x41, 0x00, ...load, 0x04, 0x40, 0x00, 0x0b]);
}

function instrumentCode(payload: Uint8Array, memoryIndex: number): Uint8Array {
  const cursor = new ByteReader(payload);
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

/**
 * The instructions of a code section that change a table or a data or element
 * segment (`table.set`, `table.grow`, `memory.init`, `data.drop`, ...), or the
 * instruction the decoder does not know.
 */
export function stateInstructions(codePayload: Uint8Array): { found: string[] } | { unsupported: string } {
  const cursor = new ByteReader(codePayload);
  const found = new Set<string>();
  try {
    const count = cursor.u32();
    for (let i = 0; i < count; i++) {
      const size = cursor.u32();
      const end = cursor.offset + size;
      const localGroups = cursor.u32();
      for (let g = 0; g < localGroups; g++) {
        cursor.u32();
        skipHeapOrValueType(cursor);
      }
      loopHeads(cursor, end, found);
      if (cursor.offset !== end) throw usageError('malformed function body in WebAssembly module');
    }
  } catch (error) {
    if (error instanceof Unsupported) return { unsupported: error.reason };
    throw error;
  }
  return { found: [...found] };
}

/** Instrumented code sections by digest: distinct apps built from the same code (density's variants) are instrumented once. */
const codeCache = new Map<string, Uint8Array>();
const CODE_CACHE_ENTRIES = 64;

function instrumentCodeCached(payload: Uint8Array, memoryIndex: number): Uint8Array {
  const key = `${memoryIndex}:${createHash('sha256').update(payload).digest('base64')}`;
  const hit = codeCache.get(key);
  if (hit) return hit;
  const instrumented = instrumentCode(payload, memoryIndex);
  if (codeCache.size >= CODE_CACHE_ENTRIES) codeCache.delete(codeCache.keys().next().value as string);
  codeCache.set(key, instrumented);
  return instrumented;
}

/**
 * Adds the interruption checks and the shared-memory import they read
 * ({@link INTERRUPT_IMPORT}, one page, appended last so every other index
 * stays where it was). `memoryCount` is how many memories the module has
 * (0 or 1, all imported): the new memory's index. Returns null, with the
 * reason, when the module uses an instruction the decoder does not know.
 */
export function addInterruptChecks(bytes: Uint8Array, memoryCount: number): { bytes: Uint8Array } | { unsupported: string } {
  const all = readSections(bytes);
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
  const out: Section[] = [];
  let importsDone = false;
  try {
    for (const section of all) {
      if (section.id === SECTION_IMPORT) {
        const cursor = new ByteReader(section.payload);
        const count = cursor.u32();
        out.push({ id: SECTION_IMPORT, payload: Uint8Array.from([...encodeU32(count + 1), ...section.payload.subarray(cursor.offset), ...importEntry]) });
        importsDone = true;
        continue;
      }
      if (!importsDone && section.id !== 0 && section.id > SECTION_IMPORT) {
        out.push({ id: SECTION_IMPORT, payload: Uint8Array.from([1, ...importEntry]) });
        importsDone = true;
      }
      out.push(section.id === SECTION_CODE ? { id: SECTION_CODE, payload: instrumentCodeCached(section.payload, memoryCount) } : section);
    }
  } catch (error) {
    if (error instanceof Unsupported) return { unsupported: error.reason };
    throw error;
  }
  if (!importsDone) out.push({ id: SECTION_IMPORT, payload: Uint8Array.from([1, ...importEntry]) });
  return { bytes: assembleSections(bytes.subarray(0, 8), out) };
}
