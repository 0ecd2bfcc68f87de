/**
 * Instance pooling (the `reused` lifecycle): an instance that ran a
 * request is put back into the state of a fresh instantiation and serves the
 * next one, as Wasmtime's pooling allocator re-initialises an instance slot
 * instead of building a new one. Only what a guest can change is reset:
 * its memory (zeroed, then the active data segments written again) and its
 * mutable globals (set to their initial values). Everything else must be
 * immutable, so the plan is made only for a module that
 *
 * - imports no global and no table (their state lives outside the module),
 * - has no start function (instantiation would run code),
 * - has only active data segments with constant offsets, and mutable globals
 *   with constant initial values, of number types,
 * - never changes a table or a segment (no `table.set`, `table.grow`,
 *   `table.fill`, `table.copy`, `table.init`, `elem.drop`, `memory.init`,
 *   `data.drop`: checked instruction by instruction).
 *
 * Any other module gets a new instance per request, with the reason recorded.
 * The engine (engine.ts) drops an instance that trapped, hit its deadline or
 * grew its memory instead of resetting it.
 */
import { createHash } from 'node:crypto';
import { usageError } from '../../core/errors.ts';
import { stateInstructions } from './instrument.ts';
import { assembleSections, ByteReader, encodeU32, readSections, type Section } from './wasm-bytes.ts';

/** What a reset writes back. */
export interface ResetPlan {
  /** Mutable globals, exported under these names by {@link planReset}, and their initial values. */
  globals: { name: string; value: number | bigint }[];
  /** Active data segments of memory 0: where and what. */
  segments: { offset: number; bytes: Uint8Array }[];
}

const SECTION_IMPORT = 2;
const SECTION_GLOBAL = 6;
const SECTION_EXPORT = 7;
const SECTION_START = 8;
const SECTION_CODE = 10;
const SECTION_DATA = 11;
const EXPORT_KIND_GLOBAL = 3;

/** Export name prefix of the globals a plan resets. */
export const RESET_GLOBAL_PREFIX = '__wsb_global_';

class NotResettable {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

/** Scans of code sections by digest: distinct apps built from the same code (density's variants) are scanned once. */
const scanCache = new Map<string, ReturnType<typeof stateInstructions>>();
const SCAN_CACHE_ENTRIES = 64;

function stateInstructionsCached(codePayload: Uint8Array): ReturnType<typeof stateInstructions> {
  const key = createHash('sha256').update(codePayload).digest('base64');
  const hit = scanCache.get(key);
  if (hit) return hit;
  const scanned = stateInstructions(codePayload);
  if (scanCache.size >= SCAN_CACHE_ENTRIES) scanCache.delete(scanCache.keys().next().value as string);
  scanCache.set(key, scanned);
  return scanned;
}

/** Reads a constant initialiser (`t.const v end`) of a number type; anything else cannot be reset. */
function constValue(reader: ByteReader, what: string): number | bigint {
  const op = reader.byte();
  let value: number | bigint;
  if (op === 0x41) value = Number(BigInt.asIntN(32, reader.s64()));
  else if (op === 0x42) value = reader.s64();
  else if (op === 0x43) value = Buffer.from(reader.take(4)).readFloatLE(0);
  else if (op === 0x44) value = Buffer.from(reader.take(8)).readDoubleLE(0);
  else throw new NotResettable(`${what} is not a constant (opcode 0x${op.toString(16)})`);
  if (reader.byte() !== 0x0b) throw new NotResettable(`${what} is not a single constant`);
  return value;
}

/** Skips any initialiser expression up to its `end` (immutable globals: never reset, so any form will do). */
function skipInitExpr(reader: ByteReader): void {
  for (;;) {
    const op = reader.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) reader.leb();
    else if (op === 0x43) reader.skip(4);
    else if (op === 0x44) reader.skip(8);
    else if (op === 0xd0) reader.leb();
    else if (op === 0xfd && reader.u32() === 12) reader.skip(16);
    else if (!(op === 0x6a || op === 0x6b || op === 0x6c || op === 0x7c || op === 0x7d || op === 0x7e)) throw new NotResettable(`a global initialiser uses opcode 0x${op.toString(16)}`);
  }
}

function skipValueType(reader: ByteReader): number {
  const type = reader.byte();
  if (type === 0x63 || type === 0x64) reader.leb();
  return type;
}

function checkImports(payload: Uint8Array): void {
  const reader = new ByteReader(payload);
  const count = reader.u32();
  for (let i = 0; i < count; i++) {
    reader.name();
    reader.name();
    const kind = reader.byte();
    if (kind === 0) reader.u32();
    else if (kind === 1) throw new NotResettable('it imports a table');
    else if (kind === 2) {
      const flags = reader.byte();
      reader.u32();
      if (flags & 1) reader.u32();
    } else if (kind === 3) throw new NotResettable('it imports a global');
    else throw new NotResettable(`it imports something of kind ${kind}`);
  }
}

function readGlobals(payload: Uint8Array): { index: number; value: number | bigint }[] {
  const reader = new ByteReader(payload);
  const count = reader.u32();
  const mutable: { index: number; value: number | bigint }[] = [];
  for (let index = 0; index < count; index++) {
    const type = skipValueType(reader);
    const isMutable = reader.byte() === 1;
    if (!isMutable) {
      skipInitExpr(reader);
      continue;
    }
    if (type < 0x7c || type > 0x7f) throw new NotResettable(`mutable global ${index} is not of a number type`);
    mutable.push({ index, value: constValue(reader, `the initial value of mutable global ${index}`) });
  }
  return mutable;
}

function readSegments(payload: Uint8Array): ResetPlan['segments'] {
  const reader = new ByteReader(payload);
  const count = reader.u32();
  const segments: ResetPlan['segments'] = [];
  for (let i = 0; i < count; i++) {
    const flags = reader.u32();
    if (flags === 1) throw new NotResettable(`data segment ${i} is passive`);
    if (flags === 2 && reader.u32() !== 0) throw new NotResettable(`data segment ${i} is not for memory 0`);
    if (flags > 2) throw new NotResettable(`data segment ${i} has flags ${flags}`);
    const offset = constValue(reader, `the offset of data segment ${i}`);
    if (typeof offset !== 'number') throw new NotResettable(`the offset of data segment ${i} is not an i32`);
    const bytes = reader.take(reader.u32());
    segments.push({ offset: offset >>> 0, bytes: Uint8Array.from(bytes) });
  }
  return segments;
}

function exportEntries(globals: readonly { index: number }[]): number[] {
  return globals.flatMap(({ index }) => {
    const name = Buffer.from(`${RESET_GLOBAL_PREFIX}${index}`);
    return [...encodeU32(name.length), ...name, EXPORT_KIND_GLOBAL, ...encodeU32(index)];
  });
}

/**
 * Decides whether instances of a module can be reset rather than rebuilt and,
 * when they can, returns the module with its mutable globals exported (so the
 * host can set them) and the plan; otherwise the reason.
 */
export function planReset(bytes: Uint8Array): { bytes: Uint8Array; plan: ResetPlan } | { reason: string } {
  try {
    const sections = readSections(bytes);
    let globals: { index: number; value: number | bigint }[] = [];
    let segments: ResetPlan['segments'] = [];
    for (const section of sections) {
      if (section.id === SECTION_IMPORT) checkImports(section.payload);
      else if (section.id === SECTION_GLOBAL) globals = readGlobals(section.payload);
      else if (section.id === SECTION_START) throw new NotResettable('it has a start function');
      else if (section.id === SECTION_DATA) segments = readSegments(section.payload);
      else if (section.id === SECTION_CODE) {
        const scanned = stateInstructionsCached(section.payload);
        if ('unsupported' in scanned) throw new NotResettable(`its code uses ${scanned.unsupported}, which the decoder does not know`);
        if (scanned.found.length) throw new NotResettable(`its code changes a table or a segment (${scanned.found.join(', ')})`);
      }
    }
    const out: Section[] = [];
    let exported = false;
    const exportSection = (payload: Uint8Array): Section => {
      const reader = new ByteReader(payload);
      const count = reader.u32();
      return { id: SECTION_EXPORT, payload: Uint8Array.from([...encodeU32(count + globals.length), ...payload.subarray(reader.offset), ...exportEntries(globals)]) };
    };
    for (const section of sections) {
      // The export section follows the global section (custom sections aside); one is made where none was.
      if (!exported && section.id !== 0 && section.id !== SECTION_EXPORT && section.id > SECTION_GLOBAL && section.id !== 13) {
        out.push({ id: SECTION_EXPORT, payload: Uint8Array.from([...encodeU32(globals.length), ...exportEntries(globals)]) });
        exported = true;
      }
      if (section.id === SECTION_EXPORT) {
        out.push(exportSection(section.payload));
        exported = true;
      } else out.push(section);
    }
    if (!exported) out.push({ id: SECTION_EXPORT, payload: Uint8Array.from([...encodeU32(globals.length), ...exportEntries(globals)]) });
    return { bytes: assembleSections(bytes.subarray(0, 8), out), plan: { globals: globals.map(({ index, value }) => ({ name: `${RESET_GLOBAL_PREFIX}${index}`, value })), segments } };
  } catch (error) {
    if (error instanceof NotResettable) return { reason: error.reason };
    if (error instanceof Error && 'kind' in error) throw error;
    throw usageError(`cannot read the module for instance pooling: ${(error as Error).message}`);
  }
}
