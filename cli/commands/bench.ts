/**
 * `wsb bench`: runs the suites, writes results.json, one CSV per suite and
 * the HTML report, prints the claims ledger and where it wrote.
 */
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
import { listOption, parseCommandArgs, type Command } from '../command.ts';
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

const HELP = `Usage: wsb bench [options]

Runs the suites and writes the evidence: results.json, one CSV per suite and a
self-contained index.html, then prints the claims ledger.

Options:
  --suite LIST     suites to run, comma-separated (default: all)
                   ${SUITE_NAMES.join(', ')}
  --runner LIST    runners to measure, comma-separated (default: ${QUICK_RUNNERS.join(',')}
                   in --quick; every registered runner with --full or --variants)
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

Runners that cannot run here (no Docker engine, no C compiler, no external
engine) are reported not-run with the reason; the rest goes on. Ctrl-C stops
the run, cleans up every container and process, and still writes what was
measured so far.`;

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
  });
  if (values.quick && values.full) throw usageError('--quick and --full exclude each other');
  const profile: Profile = values.full ? 'full' : 'quick';
  const suites = listOption(values.suite);
  const unknownSuites = suites.filter((suite) => !(SUITE_NAMES as readonly string[]).includes(suite));
  if (unknownSuites.length) throw usageError(`unknown suite "${unknownSuites[0]}" (suites: ${SUITE_NAMES.join(', ')})`);
  const runners = listOption(values.runner);
  resolveRunners(runners);
  const workloads = listOption(values.workload);
  for (const workload of workloads) loadWorkload(workload);
  const stamp = now.toISOString().replace(/[:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return {
    suites: suites.length ? (suites as SuiteName[]) : [...SUITE_NAMES],
    runners: runners.length ? runners : profile === 'full' || values.variants ? runnerNames() : [...QUICK_RUNNERS],
    workloads: workloads.length ? workloads : DEFAULT_WORKLOADS,
    profile,
    variants: values.variants ?? profile === 'full',
    outDir: path.resolve(values.out ?? path.join('results', stamp)),
    quiet: values.quiet ?? false,
    argv: ['bench', ...argv],
  };
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
