/**
 * `wsb report`: merges result files (one per machine) into one report:
 * results.json (merged), one CSV per suite and a self-contained index.html.
 */
import fs from 'node:fs';
import path from 'node:path';
import { usageError } from '../../core/errors.ts';
import type { ResultFile } from '../../core/results.ts';
import { readResultFile } from '../../reports/formats.ts';
import { writeReport } from '../../reports/html.ts';
import { parseCommandArgs, type Command } from '../command.ts';

/** Parsed `wsb report` arguments. */
export interface ReportArguments {
  /** results.json files or folders holding one. */
  inputs: string[];
  outDir: string;
}

const HELP = `Usage: wsb report <results.json|DIR>... --out DIR

Merges the result files of one or more runs (the nightly matrix gives one per
machine) into one report: results.json (merged), one CSV per suite and a
self-contained index.html that opens offline, every figure labelled by machine.

A DIR argument is a folder holding results.json; a folder without one is read
as a folder of run folders (each holding results.json).

Options:
  --out DIR     output folder (required)
  -h, --help    show this help`;

/** Parses `wsb report` arguments; every check happens here. */
export function parseReportArguments(argv: string[]): ReportArguments {
  const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' } }, true);
  if (!positionals.length) throw usageError('wsb report needs at least one results.json or folder (see wsb report --help)');
  if (!values.out) throw usageError('wsb report needs --out DIR');
  return { inputs: positionals, outDir: path.resolve(values.out) };
}

/** The result files an argument names: a file, a run folder, or a folder of run folders. */
export function resultPaths(input: string): string[] {
  if (!fs.existsSync(input)) throw usageError(`no such file or folder: ${input}`);
  if (!fs.statSync(input).isDirectory() || fs.existsSync(path.join(input, 'results.json'))) return [input];
  const runs = fs.readdirSync(input, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(input, entry.name, 'results.json')))
    .map((entry) => path.join(input, entry.name))
    .sort();
  if (!runs.length) throw usageError(`${input} holds no results.json (nor run folders holding one)`);
  return runs;
}

/** Reads every input, merges and writes the report; returns the files written. */
export function buildReport(options: ReportArguments): string[] {
  const results: ResultFile[] = options.inputs.flatMap(resultPaths).map(readResultFile);
  return writeReport(options.outDir, results);
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'merge results.json files into one HTML report with CSVs',
  help: HELP,
  async run(argv) {
    const options = parseReportArguments(argv);
    const written = buildReport(options);
    process.stdout.write(`wrote ${written.length} files to ${options.outDir}\n`);
    for (const file of written) process.stdout.write(`  ${path.relative(process.cwd(), file) || file}\n`);
    process.stdout.write(`open ${path.join(options.outDir, 'index.html')}\n`);
    return 0;
  },
};
