/**
 * Micro-benchmark (not a test): the fresh-instance cost of the `wasm` runner
 * beside a bare `new WebAssembly.Instance` of the same module, in one run, for
 * `hello` and `echo`. `npm run bench:instantiate -- [--workload hello,echo]
 * [--samples 2000] [--worker] [--split]`.
 *
 * Bare: `new WebAssembly.Instance` of the module as shipped (its own memory),
 * no-op imports, on this thread: the floor any host pays, timed twice, by our
 * loop and by tinybench. Ours: L0 (instantiate) and L1 (instantiate, run,
 * collect the response; the teardown after it is its own row) as the runner
 * measures them, for the cold cell with pooling off and on, and with instance
 * pooling (a reset instance taken from the pool: its L0 is the take, its reset
 * is the teardown of the request before). Cold cells run inline, on this same
 * thread, so bare and ours share a thread, a heap and a GC. `--worker` adds
 * the same cells in worker execution (timings taken inside the worker, as the
 * representative `wasm[pooling=on]` runs) and the round trip the caller sees,
 * to show the thread hop. `--split` adds where the time of one fresh request
 * goes, step by step (runners/wasm/README.md).
 *
 * Why our own loop for the cells and not tinybench: the runner's L0 and L1
 * are timed inside the runner (inside the worker thread for worker cells), a
 * region tinybench cannot time, since it times a function on this thread (for
 * a worker cell, that is the caller round trip); and the cells are
 * interleaved (A B C A B C) so a shared machine's drift hits all alike, where
 * tinybench runs one task after the other. tinybench times the bare baseline,
 * and the table shows its figures beside our loop's for the same thing: the
 * difference is its per-iteration overhead. The last column is the amortized
 * CPU per request of the whole process (garbage collection and worker threads
 * included), which the percentiles of a timed region leave out.
 */
import { parseArgs } from 'node:util';
import { Bench, hrtimeNow } from 'tinybench';
import { nowNs } from '../../core/clock.ts';
import { summarize, type Summary } from '../../core/stats.ts';
import { cannedRequest, loadWorkload, type Workload } from '../../fixtures/manifest.ts';
import { formatTable } from '../../cli/tables.ts';
import { cgiEnvironment } from '../../runners/wagi.ts';
import { Engine, type EngineApp } from '../../runners/wasm/engine.ts';
import { createWasmRunner } from '../../runners/wasm/index.ts';
import { DEFAULT_MAX_MEMORY_MIB, DEFAULT_OUTPUT_CAP_BYTES, loadModule } from '../../runners/wasm/load.ts';
import { encodeEnvironment, encodeStringList, ProcExit } from '../../runners/wasm/wasi-host.ts';
import { PREVIEW1_MODULE } from '../../runners/wasm/wasi-constants.ts';
import type { Cell, WorkloadRequest } from '../../runners/types.ts';

const { values } = parseArgs({ options: { workload: { type: 'string', default: 'hello,echo' }, samples: { type: 'string', default: '2000' }, worker: { type: 'boolean', default: false }, split: { type: 'boolean', default: false } } });
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
  /** After the response: memory back to its pool (zeroed), or the instance reset (reused). */
  teardown: Series;
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
    const series = (what: string, cpuUs = Number.NaN): Series => ({ label: `${label} ${what}`, values: [], cpuUs });
    cells.push({ label, cell, l0: series('L0'), l1: series('L1', 0), teardown: series('teardown'), trip: values.worker ? series('caller round trip') : null });
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
      if (result.teardownNs !== null && result.teardownNs !== undefined) entry.teardown.values.push(result.teardownNs);
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
  const tinybenchBare = await tinybenchBareInstance(shipped.module, bareImports);

  const bareSummary = summarize(bare.values);
  const rows: [Series, Summary][] = [[bare, bareSummary], [tinybenchBare, summarize(tinybenchBare.values)]];
  for (const entry of cells) {
    rows.push([entry.l0, summarize(entry.l0.values)], [entry.l1, summarize(entry.l1.values)]);
    if (entry.teardown.values.length) rows.push([entry.teardown, summarize(entry.teardown.values)]);
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

/**
 * Where the time of one fresh request goes, step by step, on this thread:
 * the code path of the representative `wasm[pooling=on]` cell's worker
 * (pooled memory, no interruption checks, the module tiered up at first
 * call), each step timed on its own. The steps' medians need not add up to
 * L1's; the mean beside the median shows the share of the tail (garbage
 * collection lands in whichever step allocates when it strikes).
 */
async function splitRequestPath(workload: Workload, request: WorkloadRequest): Promise<void> {
  const loaded = loadModule(workload.wasmPath, DEFAULT_MAX_MEMORY_MIB, { importMemory: true, interruptible: false, tierUpAtFirstCall: true });
  const engine = new Engine({ grants: [], outputCapBytes: DEFAULT_OUTPUT_CAP_BYTES, pooling: true });
  const app: EngineApp = { module: loaded.module, memory: loaded.memory };
  const args = encodeStringList([workload.name]);
  const steps = ['encode the environment (caller, before L1)', 'instantiate: pooled memory + new WebAssembly.Instance (L0)', 'host begin (per-request WASI state)', 'run _start (guest code and WASI calls)', 'collect stdout and stderr', 'teardown: close files, zero memory into its pool'] as const;
  const times = steps.map(() => [] as number[]);
  const total: number[] = [];
  let cpuUs = 0;
  for (let i = 0; i < WARMUP + samples; i++) {
    const keep = i >= WARMUP;
    const cpuBefore = keep ? process.cpuUsage() : null;
    const t0 = nowNs();
    const env = encodeEnvironment(cgiEnvironment(request));
    const t1 = nowNs();
    const ready = engine.instantiate(app);
    const t2 = nowNs();
    engine.host.begin(ready.memory, args, env, request.body);
    const t3 = nowNs();
    try {
      (ready.instance.exports['_start'] as () => void)();
    } catch (error) {
      if (!(error instanceof ProcExit)) throw error;
    }
    const t4 = nowNs();
    engine.host.stdoutView().slice();
    engine.host.stderrText();
    const t5 = nowNs();
    engine.host.end();
    engine.discard(app, ready);
    const t6 = nowNs();
    if (!keep) continue;
    cpuUs += cpuOf(process.cpuUsage(cpuBefore as NodeJS.CpuUsage));
    [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5].forEach((value, step) => times[step]?.push(value));
    total.push(t6 - t0);
  }
  engine.close();
  const rows: [string, Summary][] = steps.map((step, index) => [step, summarize(times[index] as number[])]);
  rows.push(['whole request (sum of the steps)', summarize(total)]);
  process.stdout.write(`\n${workload.name}: where a fresh request's time goes (pooling=on code path, this thread), ${samples} requests after ${WARMUP} warm-up; process CPU ${(cpuUs / samples).toFixed(1)} us per request\n\n`);
  process.stdout.write(`${formatTable(['step', 'p50 us', 'p99 us', 'mean us'], rows.map(([step, s]) => [step, us(s.p50), us(s.p99), us(s.mean)]))}\n`);
}

/**
 * The bare baseline again, timed by tinybench (after our loop, on the same
 * thread and module): its per-iteration overhead is the difference from our
 * loop's row.
 */
async function tinybenchBareInstance(module: WebAssembly.Module, imports: WebAssembly.Imports): Promise<Series> {
  const bench = new Bench({ iterations: samples, time: 0, warmupIterations: WARMUP, warmupTime: 0, retainSamples: true, now: hrtimeNow });
  bench.add('bare', () => {
    new WebAssembly.Instance(module, imports);
  });
  const cpuBefore = process.cpuUsage();
  await bench.run();
  const cpuUs = cpuOf(process.cpuUsage(cpuBefore));
  const result = bench.tasks[0]?.result;
  const latencyMs = result && 'latency' in result ? (result.latency.samples ?? []) : [];
  // tinybench keeps latencies in ms; the table is in ns like every other row. CPU covers its warm-up too, spread over the kept samples.
  return { label: 'bare new WebAssembly.Instance, timed by tinybench', values: latencyMs.map((ms) => ms * 1e6), cpuUs: (cpuUs * samples) / (samples + WARMUP) };
}

/** µs of CPU in a process.cpuUsage() difference. */
function cpuOf(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

process.stdout.write(`Node ${process.versions.node}, V8 ${process.versions.v8}; cold cells run inline (calling thread) unless marked (worker)\n`);
for (const name of (values.workload as string).split(',')) {
  await benchWorkload(name.trim());
  if (values.split) {
    const workload = loadWorkload(name.trim());
    await splitRequestPath(workload, cannedRequest(workload).request);
  }
}
process.stdout.write('\nCPU us/request: CPU of the whole process (every thread, so garbage collection and worker threads count) over the kept samples, divided by them: the amortized cost that the percentiles of a timed region leave out.\n');
process.stdout.write('\nTargets: issue 3, fresh-instance p50 within 1.5x of bare and p99 under 1000 us for hello; issue 19, the representative (pooling=on, worker) L1 p50 <= 15 us and p99 <= 150 us for hello.\n');
