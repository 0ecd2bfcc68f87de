/**
 * `wsb bench`: runs the suites, writes results.json, one CSV per suite and
 * the HTML report, prints the claims ledger and where it wrote.
 */
import os from 'node:os';
import path from 'node:path';
import { usageError } from '../../core/errors.ts';
import { createProgress } from '../../core/progress.ts';
import { SUITE_NAMES, type ResultFile, type SuiteName } from '../../core/results.ts';
import type { Profile } from '../../core/environment.ts';
import { loadWorkload } from '../../fixtures/manifest.ts';
import { writeResultFiles } from '../../reports/formats.ts';
import { writeHtmlReport } from '../../reports/html.ts';
import { QUICK_RUNNERS, runnerNames, resolveRunners } from '../../runners/index.ts';
import { runBench, type BenchOptions } from '../../suites/bench.ts';
import { readTargetsFile } from '../../suites/targets/targets-file.ts';
import type { LocustLayout } from '../../suites/throughput/locust/engine.ts';
import { countOption, hostPortOption, listOption, parseCommandArgs, type Command } from '../command.ts';
import { withInterrupts } from '../interrupts.ts';
import { formatLedger } from '../tables.ts';

/** Parsed `wsb bench` flags. */
export interface BenchArguments extends BenchOptions {
  /** Output folder. @default results/<timestamp> */
  outDir: string;
  quiet: boolean;
}

/** Workloads measured when --workload is not given. */
export const DEFAULT_WORKLOADS = ['hello', 'echo', 'cpu', 'mem'];

/** The load engines of --load: autocannon always runs; `locust` adds Locust beside it. */
export const LOAD_ENGINES = ['autocannon', 'locust'] as const;

/** The flags that only mean something with --load locust. */
const LOCUST_FLAGS = ['workers', 'remote-workers', 'load-master'] as const;

const HELP = `Usage: wsb bench [options]

Runs the suites and writes the evidence: results.json, one CSV per suite and a
self-contained index.html, then prints the claims ledger.

Options:
  --suite LIST     suites to run, comma-separated (default: all)
                   ${SUITE_NAMES.join(', ')}
  --runner LIST    runners to measure, comma-separated (default: ${QUICK_RUNNERS.join(',')}
                   in --quick; every registered runner with --full or --variants);
                   none: no local cell, only the harness ceilings and the --targets
  --workload LIST  workloads, comma-separated (default: ${DEFAULT_WORKLOADS.join(',')})
  --quick          quick profile: minutes on a 2-core machine (default)
  --full           full profile: the published figures (>= 1000 samples per fast cell),
                   the variants included
  --variants       measure the variants (every configuration and lifecycle, e.g.
                   pooling=off, inline execution, instance reuse, the hardened
                   container profile) as well as the declared representatives
                   that decide the claims (default: with --full only)
  --out DIR        output folder (default: results/<date-time>)
  --quiet          no progress lines
  -h, --help       show this help

Load (the throughput suite):
  --load ENGINE    autocannon (default) or locust. autocannon always loads every
                   target, closed and open loop, and gives the latency rows;
                   locust adds a Locust run on every target right after it
                   (master and workers in Locust's own distributed mode, rows
                   in phase locust-closed-loop, with Locust's own ceilings;
                   its latencies are coarse millisecond buckets)
  --workers N      Locust worker processes on this machine (default: one per
                   core, ${os.availableParallelism()} here; may be 0 with --remote-workers)
  --remote-workers N  Locust workers other machines add, in all: each runs
                   wsb load-worker --master HOST:PORT (see wsb load-worker --help)
  --load-master HOST:PORT  where Locust's master listens: an IPv4 address of
                   this machine the other machines reach, and a port. The
                   suite's servers listen on that address too, so the remote
                   workers can load them (default: 127.0.0.1, a free port)

Deployed targets:
  --targets FILE   also drive the endpoints listed in FILE (JSON, see the
                   README): the same requests and checks as every cell, loaded
                   in the throughput suite, first byte (L2) in the coldstart
                   suite, a cold first request after idleSeconds for a target
                   that scales to zero. A target that answers wrongly or not at
                   all is a failed cell with the reason. The file is checked
                   before anything starts.

Runners that cannot run here (no Docker engine, no C compiler, no external
engine, no Locust) are reported not-run with the reason; the rest goes on.
Ctrl-C stops the run, cleans up every container and process (Locust's
included), and still writes what was measured so far.`;

/** Parses `wsb bench` arguments; every check happens here, before anything starts. */
export function parseBenchArguments(argv: string[], now = new Date()): BenchArguments {
  const { values } = parseCommandArgs(argv, {
    suite: { type: 'string', multiple: true },
    runner: { type: 'string', multiple: true },
    workload: { type: 'string', multiple: true },
    quick: { type: 'boolean' },
    full: { type: 'boolean' },
    variants: { type: 'boolean' },
    out: { type: 'string' },
    quiet: { type: 'boolean' },
    load: { type: 'string' },
    workers: { type: 'string' },
    'remote-workers': { type: 'string' },
    'load-master': { type: 'string' },
    targets: { type: 'string' },
  });
  if (values.quick && values.full) throw usageError('--quick and --full exclude each other');
  const profile: Profile = values.full ? 'full' : 'quick';
  const suites = listOption(values.suite);
  const unknownSuites = suites.filter((suite) => !(SUITE_NAMES as readonly string[]).includes(suite));
  if (unknownSuites.length) throw usageError(`unknown suite "${unknownSuites[0]}" (suites: ${SUITE_NAMES.join(', ')})`);
  const runners = listOption(values.runner);
  const noRunner = runners.length === 1 && runners[0] === 'none';
  if (!noRunner) resolveRunners(runners);
  const workloads = listOption(values.workload);
  for (const workload of workloads) loadWorkload(workload);
  const selected = suites.length ? (suites as SuiteName[]) : [...SUITE_NAMES];
  const locust = parseLoad(values, selected);
  const targets = values.targets === undefined ? [] : readTargetsFile(values.targets);
  if (targets.length && !selected.includes('coldstart') && !selected.includes('throughput')) throw usageError('--targets needs the coldstart or throughput suite');
  const stamp = now.toISOString().replace(/[:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return {
    suites: selected,
    runners: noRunner ? [] : runners.length ? runners : profile === 'full' || values.variants ? runnerNames() : [...QUICK_RUNNERS],
    targets,
    locust,
    workloads: workloads.length ? workloads : DEFAULT_WORKLOADS,
    profile,
    variants: values.variants ?? profile === 'full',
    outDir: path.resolve(values.out ?? path.join('results', stamp)),
    quiet: values.quiet ?? false,
    argv: ['bench', ...argv],
  };
}

/** --load and Locust's flags: null for autocannon alone, else where Locust's workers run. */
function parseLoad(values: Partial<Record<'load' | (typeof LOCUST_FLAGS)[number], string>>, suites: readonly SuiteName[]): LocustLayout | null {
  const load = values.load ?? 'autocannon';
  if (!(LOAD_ENGINES as readonly string[]).includes(load)) throw usageError(`--load takes ${LOAD_ENGINES.join(' or ')}, got "${load}"`);
  if (load !== 'locust') {
    const stray = LOCUST_FLAGS.find((flag) => values[flag] !== undefined);
    if (stray) throw usageError(`--${stray} needs --load locust`);
    return null;
  }
  if (!suites.includes('throughput')) throw usageError('--load locust needs the throughput suite');
  const master = values['load-master'] === undefined ? undefined : hostPortOption('load-master', values['load-master'], { local: true });
  const remoteWorkers = countOption('remote-workers', values['remote-workers'], 0);
  if (remoteWorkers > 0 && !master) throw usageError('--remote-workers needs --load-master HOST:PORT (an address of this machine the other machines reach)');
  const localWorkers = countOption('workers', values.workers, os.availableParallelism());
  if (localWorkers + remoteWorkers < 1) throw usageError('Locust needs at least one worker (--workers or --remote-workers)');
  return { localWorkers, remoteWorkers, ...(master ? { master } : {}) };
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the suites and write results.json, CSVs and the HTML report',
  help: HELP,
  async run(argv) {
    const options = parseBenchArguments(argv);
    const progress = createProgress({ quiet: options.quiet });
    progress(`profile ${options.profile}; suites ${options.suites.join(', ')}; writing to ${options.outDir}`);
    const { value: result, aborted } = await withInterrupts((signal) => runBench(options, { signal, progress }));
    const written = writeResults(options.outDir, result);
    process.stdout.write(`${formatLedger(result)}\n`);
    process.stdout.write(`wrote ${written.length} files to ${options.outDir}\n`);
    for (const file of written) process.stdout.write(`  ${path.relative(process.cwd(), file) || file}\n`);
    if (aborted) return 130;
    return result.suites.some((suite) => suite.status === 'failed') ? 1 : 0;
  },
};

function writeResults(outDir: string, result: ResultFile): string[] {
  return [...writeResultFiles(outDir, result), writeHtmlReport(outDir, [result])];
}
