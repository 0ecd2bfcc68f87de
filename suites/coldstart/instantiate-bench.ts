/**
 * Micro-benchmark (not a test): the fresh-instance cost of the `wasm` runner
 * beside a bare `new WebAssembly.Instance` of the same module, in one run, for
 * `hello` and `echo`. `npm run bench:instantiate -- [--workload hello,echo]
 * [--samples 2000] [--worker]`.
 *
 * Bare: `new WebAssembly.Instance` of the module as shipped (its own memory),
 * no-op imports, on this thread: the floor any host pays. Ours: L0
 * (instantiate) and L1 (instantiate, run, collect the response) as the runner
 * measures them, for the cold cell with pooling off and on, and with instance
 * pooling (a reset instance taken from the pool: its L0 is the take, and the
 * reset after the run is inside L1). Cold cells run
 * inline, on this same thread, so bare and ours share a thread, a heap and a
 * GC. `--worker` adds the same cells in worker execution (timings taken inside
 * the worker) and the round trip the caller sees, to show the thread hop.
 * tinybench does not fit: the runner's timings are taken inside the runner,
 * not around a function on this thread. The last column is the amortized
 * CPU per request of the whole process (garbage collection and worker
 * threads included), which the percentiles of a timed region leave out.
 */
import { parseArgs } from 'node:util';
import { nowNs } from '../../core/clock.ts';
import { summarize, type Summary } from '../../core/stats.ts';
import { cannedRequest, loadWorkload } from '../../fixtures/manifest.ts';
import { formatTable } from '../../cli/tables.ts';
import { createWasmRunner } from '../../runners/wasm/index.ts';
import { loadModule } from '../../runners/wasm/load.ts';
import { PREVIEW1_MODULE } from '../../runners/wasm/wasi-constants.ts';
import type { Cell, WorkloadRequest } from '../../runners/types.ts';

const { values } = parseArgs({ options: { workload: { type: 'string', default: 'hello,echo' }, samples: { type: 'string', default: '2000' }, worker: { type: 'boolean', default: false } } });
const samples = Number(values.samples);

// Interleaving rounds (A B C A B C ...) spreads the drift of a shared machine over every cell alike.
const ROUND = 100;
const WARMUP = 300;

interface Series {
  label: string;
  values: number[];
  /** Process CPU (every thread: GC helpers and workers too) over the kept samples, µs. */
  cpuUs: number;
}

interface MeasuredCell {
  label: string;
  cell: Cell;
  l0: Series;
  l1: Series;
  /** Caller-side round trip (invoke() call to settled promise). */
  trip: Series | null;
}

const us = (ns: number): string => (ns / 1e3).toFixed(1);

async function benchWorkload(name: string): Promise<void> {
  const workload = loadWorkload(name);
  const request: WorkloadRequest = cannedRequest(workload).request;
  const shipped = loadModule(workload.wasmPath, 256, false);
  const stubs: Record<string, () => number> = {};
  for (const entry of WebAssembly.Module.imports(shipped.module)) stubs[entry.name] = () => 0;
  const bareImports = { [PREVIEW1_MODULE]: stubs };
  const bare: Series = { label: 'bare new WebAssembly.Instance (same thread)', values: [], cpuUs: 0 };

  const cells: MeasuredCell[] = [];
  const plans: { execution: 'inline' | 'worker'; config: string; lifecycle: 'cold' | 'reused' }[] = [
    { execution: 'inline', config: 'pooling=off', lifecycle: 'cold' },
    { execution: 'inline', config: 'pooling=on', lifecycle: 'cold' },
    { execution: 'inline', config: 'pooling=on', lifecycle: 'reused' },
  ];
  if (values.worker) plans.push({ execution: 'worker', config: 'pooling=off', lifecycle: 'cold' }, { execution: 'worker', config: 'pooling=on', lifecycle: 'cold' });
  for (const plan of plans) {
    const cell = await createWasmRunner({ execution: plan.execution }).open({ workload, lifecycle: plan.lifecycle, config: plan.config });
    const label = `${plan.lifecycle === 'reused' ? 'reset instance (reused, not cold)' : 'fresh instance'} ${plan.config}${plan.execution === 'worker' ? ' (worker)' : ''}`;
    cells.push({ label, cell, l0: { label: `${label} L0`, values: [], cpuUs: Number.NaN }, l1: { label: `${label} L1`, values: [], cpuUs: 0 }, trip: values.worker ? { label: `${label} caller round trip`, values: [], cpuUs: Number.NaN } : null });
  }

  const bareRound = (count: number, keep: boolean): void => {
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const startNs = nowNs();
      new WebAssembly.Instance(shipped.module, bareImports);
      const durationNs = nowNs() - startNs;
      if (keep) bare.values.push(durationNs);
    }
    if (keep) bare.cpuUs += cpuOf(process.cpuUsage(cpuBefore));
  };
  const cellRound = async (entry: MeasuredCell, count: number, keep: boolean): Promise<void> => {
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      const startNs = nowNs();
      const result = await entry.cell.invoke(request);
      const tripNs = nowNs() - startNs;
      if (!keep) continue;
      entry.l1.values.push(result.invokeNs);
      if (result.instantiateNs !== null) entry.l0.values.push(result.instantiateNs);
      entry.trip?.values.push(tripNs);
    }
    if (keep) entry.l1.cpuUs += cpuOf(process.cpuUsage(cpuBefore));
  };

  bareRound(WARMUP, false);
  for (const entry of cells) await cellRound(entry, WARMUP, false);
  for (let done = 0; done < samples; done += ROUND) {
    const count = Math.min(ROUND, samples - done);
    bareRound(count, true);
    for (const entry of cells) await cellRound(entry, count, true);
  }
  for (const entry of cells) await entry.cell.close();

  const bareSummary = summarize(bare.values);
  const rows: [Series, Summary][] = [[bare, bareSummary]];
  for (const entry of cells) {
    rows.push([entry.l0, summarize(entry.l0.values)], [entry.l1, summarize(entry.l1.values)]);
    if (entry.trip) rows.push([entry.trip, summarize(entry.trip.values)]);
  }
  process.stdout.write(`\n${workload.name} (${workload.bytes} bytes), ${samples} samples per row after ${WARMUP} warm-up\n\n`);
  process.stdout.write(
    `${formatTable(
      ['what', 'n', 'p50 us', 'p90 us', 'p99 us', 'max us', 'p50 / bare p50', 'CPU us/request'],
      rows.map(([series, s]) => [series.label, String(s.count), us(s.p50), us(s.p90), us(s.p99), us(s.max), (s.p50 / bareSummary.p50).toFixed(2), Number.isNaN(series.cpuUs) ? '' : (series.cpuUs / s.count).toFixed(1)]),
    )}\n`,
  );
}

/** µs of CPU in a process.cpuUsage() difference. */
function cpuOf(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

process.stdout.write(`Node ${process.versions.node}, V8 ${process.versions.v8}; cold cells run inline (calling thread) unless marked (worker)\n`);
for (const name of (values.workload as string).split(',')) await benchWorkload(name.trim());
process.stdout.write('\nCPU us/request: CPU of the whole process (every thread, so garbage collection and worker threads count) over the kept samples, divided by them: the amortized cost that the percentiles of a timed region leave out.\n');
process.stdout.write('\nTargets: issue 3, fresh-instance p50 within 1.5x of bare and p99 under 1000 us for hello; issue 9, pooled L1 p50 <= 20 us and p99 <= 150 us.\n');
