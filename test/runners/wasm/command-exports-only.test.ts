import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { loadModuleBytes } from '../../../runners/wasm/load.ts';

const exportsOf = (module: WebAssembly.Module): string[] => WebAssembly.Module.exports(module).map((entry) => `${entry.kind}:${entry.name}`).sort();

test('the loader keeps only the exports a WASI command host uses: _start, and memory while the module defines it', () => {
  const bytes = fs.readFileSync(loadWorkload('hello').wasmPath);
  const shipped = exportsOf(new WebAssembly.Module(bytes));
  assert.ok(shipped.includes('function:cabi_realloc'), `hello as shipped exports more than _start: ${shipped.join(', ')}`);
  assert.deepEqual(exportsOf(loadModuleBytes(bytes, 256, { importMemory: false, interruptible: false }, 'hello').module), ['function:_start', 'memory:memory']);
  assert.deepEqual(exportsOf(loadModuleBytes(bytes, 256, { importMemory: true, interruptible: false }, 'hello').module), ['function:_start']);
  // The reused lifecycle's reset plan exports the mutable globals it sets, after the trim.
  const resettable = exportsOf(loadModuleBytes(bytes, 256, { importMemory: true, interruptible: false, resettable: true }, 'hello').module);
  assert.ok(resettable.includes('function:_start') && resettable.some((entry) => entry.startsWith('global:')), resettable.join(', '));
});
