/**
 * Micro-benchmark (not a test): the fresh-instance cost of the `wasm` runner
 * beside a bare `new WebAssembly.Instance` of the same module, in one run.
 * `npm run bench:instantiate -- [--workload hello] [--samples 2000]`.
 *
 * Bare: `new WebAssembly.Instance` with no-op imports on this thread (the
 * floor any host pays). Ours: L0 (instantiate) and L1 (instantiate, run,
 * collect the response) as the runner measures them inside its worker, for
 * the cold cell with pooling off and on, plus the pre-warmed and warm cells
 * for scale. tinybench does not fit here: the runner's timings are taken
 * inside the worker, not around a function on this thread.
 */
import { parseArgs } from 'node:util';
import { nowNs } from '../../core/clock.ts';
import { summarize, type Summary } from '../../core/stats.ts';
import { cannedRequest, loadWorkload } from '../../fixtures/manifest.ts';
import { formatTable } from '../../cli/tables.ts';
import { createWasmRunner } from '../../runners/wasm/index.ts';
import { loadModule } from '../../runners/wasm/load.ts';
import { PREVIEW1_MODULE } from '../../runners/wasm/wasi-constants.ts';
import type { Cell, Lifecycle } from '../../runners/types.ts';

const { values } = parseArgs({ options: { workload: { type: 'string', default: 'hello' }, samples: { type: 'string', default: '2000' } } });
const samples = Number(values.samples);
const workload = loadWorkload(values.workload as string);
const request = cannedRequest(workload).request;

// Interleaving rounds (A B C A B C ...) spreads the drift of a shared machine over every cell alike.
const ROUND = 100;
const WARMUP = 200;

const loaded = loadModule(workload.wasmPath, 256, false);
const stubs: Record<string, () => number> = {};
for (const entry of WebAssembly.Module.imports(loaded.module)) stubs[entry.name] = () => 0;
const bareImports = { [PREVIEW1_MODULE]: stubs };

interface Series {
  label: string;
  values: number[];
}
const bare: Series = { label: 'bare new WebAssembly.Instance (main thread)', values: [] };
const cells: { label: string; cell: Cell; l0: Series | null; l1: Series }[] = [];
const runner = createWasmRunner();
for (const [config, lifecycle] of [
  ['pooling=off', 'cold'],
  ['pooling=on', 'cold'],
  ['pooling=off', 'prewarmed'],
  ['pooling=off', 'warm'],
] as [string, Lifecycle][]) {
  const cell = await runner.open({ workload, lifecycle, config });
  const label = `wasm ${config} ${lifecycle}`;
  cells.push({ label, cell, l0: lifecycle === 'cold' ? { label: `${label} L0 instantiate`, values: [] } : null, l1: { label: `${label} L1 invoke`, values: [] } });
}

function bareRound(count: number, keep: boolean): void {
  for (let i = 0; i < count; i++) {
    const startNs = nowNs();
    new WebAssembly.Instance(loaded.module, bareImports);
    const durationNs = nowNs() - startNs;
    if (keep) bare.values.push(durationNs);
  }
}

async function cellRound(entry: (typeof cells)[number], count: number, keep: boolean): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = await entry.cell.invoke(request);
    if (!keep) continue;
    entry.l1.values.push(result.invokeNs);
    if (entry.l0 && result.instantiateNs !== null) entry.l0.values.push(result.instantiateNs);
  }
}

bareRound(WARMUP, false);
for (const entry of cells) await cellRound(entry, WARMUP, false);
for (let done = 0; done < samples; done += ROUND) {
  const count = Math.min(ROUND, samples - done);
  bareRound(count, true);
  for (const entry of cells) await cellRound(entry, count, true);
}
for (const entry of cells) await entry.cell.close();

const us = (ns: number): string => (ns / 1e3).toFixed(1);
const bareSummary = summarize(bare.values);
const rows: [string, Summary][] = [[bare.label, bareSummary]];
for (const entry of cells) {
  if (entry.l0) rows.push([entry.l0.label, summarize(entry.l0.values)]);
  rows.push([entry.l1.label, summarize(entry.l1.values)]);
}
process.stdout.write(`${workload.name} (${workload.bytes} bytes), ${samples} samples per row after ${WARMUP} warm-up, Node ${process.versions.node}, V8 ${process.versions.v8}\n\n`);
process.stdout.write(
  `${formatTable(
    ['what', 'n', 'p50 us', 'p90 us', 'p99 us', 'max us', 'p50 / bare p50'],
    rows.map(([label, s]) => [label, String(s.count), us(s.p50), us(s.p90), us(s.p99), us(s.max), (s.p50 / bareSummary.p50).toFixed(2)]),
  )}\n`,
);
process.stdout.write('\nTargets (issue 3): fresh-instance p50 within 1.5x of bare, p99 under 1000 us for hello.\n');
