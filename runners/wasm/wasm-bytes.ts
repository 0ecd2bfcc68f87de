/**
 * Reading and writing the WebAssembly binary format's primitives (bytes,
 * LEB128 integers, names, sections), shared by the load-time rewrites: the
 * memory cap and memory import (binary.ts), the interruption checks
 * (instrument.ts) and the reset plan of instance pooling (reset.ts).
 */
import { usageError } from '../../core/errors.ts';

/** A cursor over module bytes; every read past the end is a usage error (a truncated module). */
export class ByteReader {
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
  /** An unsigned LEB128 of up to 32 bits. */
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
  /** A signed LEB128 of up to 64 bits, as a BigInt. */
  s64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) {
        if (shift < 64n && b & 0x40) result -= 1n << shift;
        return BigInt.asIntN(64, result);
      }
      if (shift > 63n) throw usageError('malformed LEB128 in WebAssembly module');
    }
  }
  /** Skips a signed or unsigned LEB128 of any width. */
  leb(): void {
    while (this.byte() & 0x80);
  }
  take(length: number): Uint8Array {
    if (this.offset + length > this.bytes.length) throw usageError('truncated WebAssembly module');
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  skip(count: number): void {
    this.offset += count;
    if (this.offset > this.bytes.length) throw usageError('truncated WebAssembly module');
  }
  name(): string {
    return Buffer.from(this.take(this.u32())).toString('utf8');
  }
}

/** Unsigned LEB128 encoding of a 32-bit value. */
export function encodeU32(value: number): number[] {
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

/** One section of a module: its id and payload. */
export interface Section {
  id: number;
  payload: Uint8Array;
}

/** Splits a module (after its 8-byte header) into its sections, in order. */
export function readSections(bytes: Uint8Array): Section[] {
  const reader = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (reader.offset < bytes.length) {
    const id = reader.byte();
    const size = reader.u32();
    sections.push({ id, payload: reader.take(size) });
  }
  return sections;
}

/** Puts a module back together: the 8-byte header, then each section with its size. */
export function assembleSections(header: Uint8Array, sections: readonly Section[]): Uint8Array {
  const parts: Uint8Array[] = [header];
  for (const section of sections) parts.push(Uint8Array.from([section.id, ...encodeU32(section.payload.length)]), section.payload);
  return Buffer.concat(parts);
}
