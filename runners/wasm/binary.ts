/**
 * Load-time checks and rewrites of a core Wasm module's bytes: tells a module
 * from a component or anything else, caps the memory the engine will let it
 * grow to (the engine then enforces the cap: `memory.grow` past it returns -1
 * inside the guest), and, for pooling, turns a defined memory into an import.
 */
import { usageError } from '../../core/errors.ts';
import { assembleSections, ByteReader, encodeU32, readSections, type Section } from './wasm-bytes.ts';

/** Bytes per Wasm page. */
export const PAGE_BYTES = 65536;

/** Pages in one MiB. */
export const PAGES_PER_MIB = 16;

/** What kind of binary a file holds, from its 8-byte header. */
export type BinaryKind = 'module' | 'component' | 'not-wasm';

/** Module and field name of the memory a module rewritten by {@link importDefinedMemory} imports. */
export const POOLED_MEMORY_IMPORT = { module: 'wsb', name: 'memory' } as const;

/** Reads the header: `\0asm` then version 1 (module) or a component layer. */
export function binaryKind(bytes: Uint8Array): BinaryKind {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) return 'not-wasm';
  if (bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return 'module';
  if (bytes[6] === 1 && bytes[7] === 0) return 'component';
  return 'not-wasm';
}

/** Throws a usage error unless `bytes` is a core module (what `label` names in the message). */
export function assertCoreModule(bytes: Uint8Array, label: string): void {
  const kind = binaryKind(bytes);
  if (kind === 'not-wasm') throw usageError(`${label} is not a WebAssembly module (bad magic or version)`);
  if (kind === 'component') throw usageError(`${label} is a WebAssembly component; a core module (wasm32-wasi preview1) is expected`);
}

/** Memory limits in pages. */
export interface MemoryLimits {
  initialPages: number;
  maximumPages: number | null;
}

/** Where the module's (single) memory comes from after the rewrite, and its limits. */
export interface MemoryPlan {
  /** `defined`: the module defines it; `imported`: the module imports it as `module.name`. */
  origin: 'defined' | 'imported' | 'none';
  importModule?: string;
  importName?: string;
  limits: MemoryLimits;
}

/** The rewritten bytes and what the memory looks like now. */
export interface RewriteResult {
  bytes: Uint8Array;
  memory: MemoryPlan;
}

function encodeLimits(limits: MemoryLimits): number[] {
  return limits.maximumPages === null ? [0, ...encodeU32(limits.initialPages)] : [1, ...encodeU32(limits.initialPages), ...encodeU32(limits.maximumPages)];
}

function readLimits(reader: ByteReader): MemoryLimits {
  const flags = reader.byte();
  if (flags & ~1) throw usageError(`unsupported memory (flags ${flags}: shared or 64-bit memories are not supported)`);
  const initialPages = reader.u32();
  return { initialPages, maximumPages: flags & 1 ? reader.u32() : null };
}

function capLimits(limits: MemoryLimits, capPages: number): MemoryLimits {
  if (limits.initialPages > capPages) {
    throw usageError(`the module needs ${limits.initialPages / PAGES_PER_MIB} MiB of initial memory, above the ${capPages / PAGES_PER_MIB} MiB cap`);
  }
  const maximumPages = limits.maximumPages === null ? capPages : Math.min(limits.maximumPages, capPages);
  return { initialPages: limits.initialPages, maximumPages };
}

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const SECTION_EXPORT = 7;
const IMPORT_KIND_MEMORY = 2;
const EXPORT_KIND_FUNCTION = 0;
const EXPORT_KIND_MEMORY = 2;

/** Rewrites the import section, capping an imported memory's limits; returns the memory found. */
function rewriteImports(payload: Uint8Array, capPages: number): { payload: Uint8Array; memory: MemoryPlan | null } {
  const reader = new ByteReader(payload);
  const count = reader.u32();
  const out: number[] = [...encodeU32(count)];
  let memory: MemoryPlan | null = null;
  for (let i = 0; i < count; i++) {
    const start = reader.offset;
    const module = reader.name();
    const name = reader.name();
    const kind = reader.byte();
    if (kind === IMPORT_KIND_MEMORY) {
      const head = payload.subarray(start, reader.offset);
      const limits = capLimits(readLimits(reader), capPages);
      memory = { origin: 'imported', importModule: module, importName: name, limits };
      out.push(...head, ...encodeLimits(limits));
      continue;
    }
    if (kind === 0) reader.u32();
    else if (kind === 1) {
      reader.byte();
      readTableLimits(reader);
    } else if (kind === 3) {
      reader.byte();
      reader.byte();
    } else if (kind === 4) {
      reader.byte();
      reader.u32();
    } else throw usageError(`unsupported import kind ${kind} in WebAssembly module`);
    out.push(...payload.subarray(start, reader.offset));
  }
  return { payload: Uint8Array.from(out), memory };
}

function readTableLimits(reader: ByteReader): void {
  const flags = reader.byte();
  reader.u32();
  if (flags & 1) reader.u32();
}

/**
 * Caps the module's memory at `capPages`: the maximum of its memory (defined
 * or imported) becomes min(declared maximum, cap), so growth past the cap
 * fails inside the guest. A module whose initial memory is above the cap is a
 * usage error. With `importMemory`, a defined memory is turned into the import
 * {@link POOLED_MEMORY_IMPORT} with the same (capped) limits, so the host can
 * hand each fresh instance a memory of its own choosing (pooling).
 */
export function rewriteModule(bytes: Uint8Array, capPages: number, options: { importMemory?: boolean; commandExportsOnly?: boolean } = {}): RewriteResult {
  assertCoreModule(bytes, 'the file');
  const sections = readSections(bytes);
  let memory: MemoryPlan = { origin: 'none', limits: { initialPages: 0, maximumPages: 0 } };
  let definedLimits: MemoryLimits | null = null;
  const rewritten: Section[] = [];
  for (const section of sections) {
    if (section.id === SECTION_IMPORT) {
      const result = rewriteImports(section.payload, capPages);
      if (result.memory) memory = result.memory;
      rewritten.push({ id: section.id, payload: result.payload });
    } else if (section.id === SECTION_MEMORY) {
      const reader = new ByteReader(section.payload);
      const count = reader.u32();
      if (count === 0) {
        rewritten.push(section);
        continue;
      }
      if (count > 1) throw usageError('modules with several memories are not supported');
      definedLimits = capLimits(readLimits(reader), capPages);
      memory = { origin: 'defined', limits: definedLimits };
      if (!options.importMemory) rewritten.push({ id: section.id, payload: Uint8Array.from([1, ...encodeLimits(definedLimits)]) });
    } else rewritten.push(section);
  }
  if (options.importMemory && definedLimits) {
    const importEntry = [
      ...encodeU32(POOLED_MEMORY_IMPORT.module.length),
      ...Buffer.from(POOLED_MEMORY_IMPORT.module),
      ...encodeU32(POOLED_MEMORY_IMPORT.name.length),
      ...Buffer.from(POOLED_MEMORY_IMPORT.name),
      IMPORT_KIND_MEMORY,
      ...encodeLimits(definedLimits),
    ];
    const existing = rewritten.findIndex((section) => section.id === SECTION_IMPORT);
    if (existing >= 0) {
      const old = rewritten[existing] as Section;
      const reader = new ByteReader(old.payload);
      const count = reader.u32();
      const rest = old.payload.subarray(reader.offset);
      // Appending keeps every function index (memories and functions are indexed separately).
      rewritten[existing] = { id: SECTION_IMPORT, payload: Uint8Array.from([...encodeU32(count + 1), ...rest, ...importEntry]) };
    } else {
      const typeIndex = rewritten.findIndex((section) => section.id === 1);
      rewritten.splice(typeIndex + 1, 0, { id: SECTION_IMPORT, payload: Uint8Array.from([...encodeU32(1), ...importEntry]) });
    }
    memory = { origin: 'imported', importModule: POOLED_MEMORY_IMPORT.module, importName: POOLED_MEMORY_IMPORT.name, limits: definedLimits };
  }
  if (options.commandExportsOnly) {
    const index = rewritten.findIndex((section) => section.id === SECTION_EXPORT);
    if (index >= 0) rewritten[index] = { id: SECTION_EXPORT, payload: commandExports((rewritten[index] as Section).payload, memory.origin === 'defined') };
  }
  return { bytes: assembleSections(bytes.subarray(0, 8), rewritten), memory };
}

/**
 * Keeps the exports a WASI command host uses: `_start`, and `memory` while the
 * module defines its memory (the host reads it through the export; an
 * imported memory the host already holds). Why: V8 builds every exported
 * function's JS object at each instantiation, and no caller ever sees the
 * others (a request reaches the guest only through `_start`): dropping them
 * takes about a microsecond off each fresh instance of `hello`
 * (runners/wasm/README.md).
 */
function commandExports(payload: Uint8Array, keepMemory: boolean): Uint8Array {
  const reader = new ByteReader(payload);
  const count = reader.u32();
  const kept: number[] = [];
  let keptCount = 0;
  for (let i = 0; i < count; i++) {
    const start = reader.offset;
    const name = reader.name();
    const kind = reader.byte();
    reader.u32();
    if ((name === '_start' && kind === EXPORT_KIND_FUNCTION) || (keepMemory && name === 'memory' && kind === EXPORT_KIND_MEMORY)) {
      kept.push(...payload.subarray(start, reader.offset));
      keptCount++;
    }
  }
  return Uint8Array.from([...encodeU32(keptCount), ...kept]);
}
