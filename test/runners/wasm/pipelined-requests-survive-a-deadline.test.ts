import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { cannedRequest, loadWorkload, responseMismatch } from '../../../fixtures/manifest.ts';
import { helloVariant } from '../../../fixtures/variants.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import type { AppsCell } from '../../../runners/types.ts';

const request = cannedRequest(loadWorkload('hello')).request;

/** A worker cell of two apps, an infinite loop (app 0) and hello `id` (app 1), under a 300 ms deadline. */
async function loopAndHello(id: number): Promise<{ cell: AppsCell; hello: ReturnType<typeof helloVariant> }> {
  const loop = { id: 'loop', bytes: fs.readFileSync(loadWorkload('infinite-loop').wasmPath) };
  const hello = helloVariant(id);
  const cell = await createWasmRunner().openApps({ apps: [loop, { id: String(id), bytes: hello.bytes }], config: 'pooling=on', deadlineMs: 300 });
  return { cell, hello };
}

test('requests queued behind one that hits its deadline are served by the replacement worker; one aborted while it waits is dropped alone', async () => {
  const { cell, hello } = await loopAndHello(5);
  try {
    // All sent at once: the worker has them all queued while the first one loops.
    const stuck = assert.rejects(cell.invoke(0, request), /deadline exceeded.*300 ms/);
    const waiting = new AbortController();
    const dropped = assert.rejects(cell.invoke(1, request, waiting.signal), /caller gave up/);
    const behind = [cell.invoke(1, request), cell.invoke(1, request), cell.invoke(1, request)];
    // Aborted once it is in the line, behind the loop.
    setTimeout(() => waiting.abort(new Error('caller gave up')), 50);
    await stuck;
    await dropped;
    for (const result of await Promise.all(behind)) assert.equal(responseMismatch(hello.expected, result.response), null);
    // And the cell goes on: another loop is stopped again, the next hello answers.
    await assert.rejects(cell.invoke(0, request), /deadline exceeded/);
    assert.equal(responseMismatch(hello.expected, (await cell.invoke(1, request)).response), null);
  } finally {
    await cell.close();
  }
});

test('a looping request its caller gave up on while it waited is still stopped at its own deadline, and the one behind it is served', async () => {
  const { cell, hello } = await loopAndHello(6);
  try {
    const first = assert.rejects(cell.invoke(0, request), /deadline exceeded/);
    const waiting = new AbortController();
    const abandoned = assert.rejects(cell.invoke(0, request, waiting.signal), /caller gave up/);
    const behind = cell.invoke(1, request);
    setTimeout(() => waiting.abort(new Error('caller gave up')), 50);
    await first;
    await abandoned;
    assert.equal(responseMismatch(hello.expected, (await behind).response), null);
  } finally {
    await cell.close();
  }
});
