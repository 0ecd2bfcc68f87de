import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine, type EngineApp } from '../../../runners/wasm/engine.ts';
import { loadModuleBytes } from '../../../runners/wasm/load.ts';
import { planReset } from '../../../runners/wasm/reset.ts';
import { encodeStringList } from '../../../runners/wasm/wasi-host.ts';
import { encodeU32 } from '../../../runners/wasm/wasm-bytes.ts';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import fs from 'node:fs';

/** Signed LEB128 of a 32-bit value. */
function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const section = (id: number, payload: number[]): number[] => [id, ...encodeU32(payload.length), ...payload];
const name = (text: string): number[] => [...encodeU32(text.length), ...Buffer.from(text)];
const vector = (items: number[][]): number[] => [...encodeU32(items.length), ...items.flat()];
const i32 = (value: number): number[] => [0x41, ...sleb(value)];
const store = [0x36, 0x02, 0x00];
const load = [0x28, 0x02, 0x00];

/**
 * A WASI command that reports, then leaves, three marks: its mutable global
 * (initially 7), a word of zeroed memory (address 64) and a word its data
 * segment puts at address 128 ("DATA"). It writes the three words it finds
 * (12 bytes) to stdout, then sets the global to 0x5eed, address 64 to 0x1234
 * and address 128 to 0x0bad. `ending` runs after the marks: a memory.grow, or
 * unreachable.
 */
function markingModule(ending: readonly number[] = []): Uint8Array {
  const body = [
    0x00, // no locals
    ...i32(200), 0x23, 0x00, ...store,
    ...i32(204), ...i32(64), ...load, ...store,
    ...i32(208), ...i32(128), ...load, ...store,
    ...i32(300), ...i32(200), ...store,
    ...i32(304), ...i32(12), ...store,
    ...i32(1), ...i32(300), ...i32(1), ...i32(320), 0x10, 0x00, 0x1a,
    ...i32(0x5eed), 0x24, 0x00,
    ...i32(64), ...i32(0x1234), ...store,
    ...i32(128), ...i32(0x0bad), ...store,
    ...ending,
    0x0b,
  ];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([[0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f], [0x60, 0, 0]])),
    ...section(2, vector([[...name('wasi_snapshot_preview1'), ...name('fd_write'), 0x00, 0x00]])),
    ...section(3, vector([[0x01]])),
    ...section(5, vector([[0x01, 0x01, 0x04]])),
    ...section(6, vector([[0x7f, 0x01, ...i32(7), 0x0b]])),
    ...section(7, vector([[...name('memory'), 0x02, 0x00], [...name('_start'), 0x00, 0x01]])),
    ...section(10, vector([[...encodeU32(body.length), ...body]])),
    ...section(11, vector([[0x00, ...i32(128), 0x0b, ...encodeU32(4), ...Buffer.from('DATA')]])),
  ]);
}

/** The three words a run found: global, memory word, data word. */
function found(stdout: Uint8Array): [number, number, string] {
  const view = Buffer.from(stdout);
  return [view.readInt32LE(0), view.readInt32LE(4), view.subarray(8, 12).toString('latin1')];
}

const FRESH: [number, number, string] = [7, 0, 'DATA'];
const args = encodeStringList(['marks']);
const env = encodeStringList([]);

function resettableApp(bytes: Uint8Array): EngineApp {
  const loaded = loadModuleBytes(bytes, 1, { importMemory: true, interruptible: false, resettable: true }, 'marks');
  assert.equal(loaded.notResettableReason, null);
  assert.ok(loaded.reset);
  return { module: loaded.module, memory: loaded.memory, reset: loaded.reset };
}

test('the marking module sees its own marks when one instance runs twice without a reset (so the checks below can fail)', () => {
  const engine = new Engine({ grants: [], outputCapBytes: 1 << 20, pooling: true });
  try {
    const app = resettableApp(markingModule());
    const prepared = engine.instantiate(app);
    const outputs: [number, number, string][] = [];
    for (let i = 0; i < 2; i++) {
      engine.host.begin(prepared.memory, args, env, new Uint8Array(0));
      (prepared.instance.exports['_start'] as () => void)();
      outputs.push(found(engine.host.stdoutView().slice()));
      engine.host.end();
    }
    assert.deepEqual(outputs[0], FRESH);
    assert.deepEqual(outputs[1], [0x5eed, 0x1234, '\xad\x0b\x00\x00']);
  } finally {
    engine.close();
  }
});

test('instance pooling: a reused instance sees exactly a fresh instance (global, zeroed memory and data segment back), request after request', () => {
  const engine = new Engine({ grants: [], outputCapBytes: 1 << 20, pooling: true, reuseInstances: true });
  try {
    const app = resettableApp(markingModule());
    for (let i = 0; i < 5; i++) {
      const outcome = engine.run(app, args, env, new Uint8Array(0));
      assert.equal(outcome.trap, null);
      assert.deepEqual(found(outcome.stdout), FRESH, `request ${i}`);
    }
    const stats = engine.instanceStats();
    assert.equal(stats.created, 1, 'one instance was built');
    assert.equal(stats.reused, 4, 'and reset for every later request');
    assert.equal(stats.idleInstances, 1);
  } finally {
    engine.close();
  }
});

test('instance pooling: an instance that grew its memory or trapped is dropped, never reset and reused', () => {
  for (const [label, ending] of [['grew', [...i32(1), 0x40, 0x00, 0x1a]], ['trapped', [0x00]]] as const) {
    const engine = new Engine({ grants: [], outputCapBytes: 1 << 20, pooling: true, reuseInstances: true });
    try {
      const app = resettableApp(markingModule(ending));
      for (let i = 0; i < 3; i++) {
        const outcome = engine.run(app, args, env, new Uint8Array(0));
        assert.deepEqual(found(outcome.stdout), FRESH, `${label}: request ${i}`);
        assert.equal(outcome.trap === null, label === 'grew');
      }
      const stats = engine.instanceStats();
      assert.deepEqual([stats.created, stats.reused, stats.idleInstances], [3, 0, 0], `${label}: a new instance each time`);
      assert.equal(engine.pools?.stats().idleMemories, 0, `${label}: the memory is dropped too`);
    } finally {
      engine.close();
    }
  }
});

test('instance pooling is refused, with the reason, for a module that can change a table, imports a global or has a start function', () => {
  const carryover = fs.readFileSync(loadWorkload('state-carryover').wasmPath);
  const refused = loadModuleBytes(carryover, 256, { importMemory: true, interruptible: false, resettable: true }, 'state-carryover');
  assert.equal(refused.reset, null);
  assert.match(refused.notResettableReason ?? '', /changes a table or a segment \(table\.grow\)/);
  const withStart = Uint8Array.from([...markingModule(), ...section(8, encodeU32(1))]);
  // The start section must come before the code section: rebuild in order.
  const ordered = reorder(withStart);
  assert.match((planReset(ordered) as { reason: string }).reason, /start function/);
  const importsGlobal = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(2, vector([[...name('env'), ...name('g'), 0x03, 0x7f, 0x01]])),
  ]);
  assert.match((planReset(importsGlobal) as { reason: string }).reason, /imports a global/);
});

/** Sorts a module's sections into the binary format's order (custom sections are not used here). */
function reorder(bytes: Uint8Array): Uint8Array {
  const order = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11];
  const found: { id: number; raw: Uint8Array }[] = [];
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset] as number;
    let size = 0;
    let shift = 0;
    let at = offset + 1;
    for (;;) {
      const b = bytes[at++] as number;
      size |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    found.push({ id, raw: bytes.subarray(offset, at + size) });
    offset = at + size;
  }
  found.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  return Uint8Array.from([...bytes.subarray(0, 8), ...found.flatMap((entry) => [...entry.raw])]);
}
