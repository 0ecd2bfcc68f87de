import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep } from '../../core/clock.ts';
import { sampleInterleaved } from '../../suites/coldstart/sampling.ts';

test('cells are sampled in interleaved slices and fast cells reach their target', async () => {
  const order: string[] = [];
  const cell = (label: string) => ({ label, sample: async () => (order.push(label), 1) });
  const results = await sampleInterleaved([cell('a'), cell('b'), cell('c')], { warmup: 2, samples: 40, budgetMs: 10_000, rounds: 7 });
  // 42 invocations over 7 rounds: slices of 6, in cell order, round after round.
  assert.deepEqual(order.slice(0, 18), [...'aaaaaa', ...'bbbbbb', ...'cccccc']);
  assert.deepEqual(order.slice(18, 24), [...'aaaaaa']);
  for (const result of results) assert.equal(result.values.length, 40);
});

test('a slow cell does not hold fast cells back: they fill their slices', async () => {
  const slow = { label: 'slow', sample: async () => (await sleep(30), 30) };
  const fast = { label: 'fast', sample: async () => 1 };
  const [slowResult, fastResult] = await sampleInterleaved([slow, fast], { warmup: 0, samples: 200, budgetMs: 600, rounds: 10 });
  assert.equal(fastResult!.values.length, 200);
  assert.ok(slowResult!.values.length < 200);
});

test('a slow cell does not spend its whole budget warming up, and still reports samples', async () => {
  const slow = { label: 'slow', sample: async () => (await sleep(40), 40) };
  const [result] = await sampleInterleaved([slow], { warmup: 100, samples: 1000, budgetMs: 200 });
  assert.ok(result!.values.length >= 1, `got ${result!.values.length} samples`);
});

test('a cell that throws is excluded with its error, the others go on', async () => {
  let calls = 0;
  const broken = { label: 'broken', sample: async () => { if (++calls > 3) throw new Error('wrong answer'); return 1; } };
  const fine = { label: 'fine', sample: async () => 2 };
  const [bad, good] = await sampleInterleaved([broken, fine], { warmup: 0, samples: 10, budgetMs: 10_000 });
  assert.equal(bad!.error, 'wrong answer');
  assert.equal(bad!.values.length, 0);
  assert.equal(good!.values.length, 10);
});
