/**
 * `wsb report`: merges result files (one per machine) into one report:
 * results.json (merged), verdicts.json, one CSV per suite and a
 * self-contained index.html; optionally against a baseline and past nights.
 */
import fs from 'node:fs';
import path from 'node:path';
import { usageError } from '../../core/errors.ts';
import type { ResultFile } from '../../core/results.ts';
import { RESULT_SCHEMA } from '../../core/results.ts';
import { readResultFile } from '../../reports/formats.ts';
import { writeReport } from '../../reports/html.ts';
import { parseCommandArgs, type Command } from '../command.ts';

/** Parsed `wsb report` arguments. */
export interface ReportArguments {
  /** results.json files or folders holding one. */
  inputs: string[];
  outDir: string;
  /** Results to compare with (a file, a run folder or a folder of run folders). */
  baseline?: string;
  /** A folder of past results, one per night. */
  historyDir?: string;
}

const HELP = `Usage: wsb report <results.json|DIR>... --out DIR [--baseline RESULTS] [--history DIR]

Merges the result files of one or more runs (the nightly matrix gives one per
machine) into one report: results.json (merged), verdicts.json (the ledger
alone), one CSV per suite and a self-contained index.html that opens offline,
every figure labelled by machine. Nothing is written until all of it is ready.

A DIR argument is a folder holding results.json; a folder without one is read
as a folder of run folders (each holding results.json).

Options:
  --out DIR            output folder (required)
  --baseline RESULTS   results to compare with (file or folder, as above): the
                       page calls out every verdict that changed and marks
                       every headline figure whose interval moved clear of
                       the baseline's
  --history DIR        past results, one per night: DIR/<night>/results.json
                       or verdicts.json, or DIR/<night>.json; a small history
                       chart per headline figure, and the latest night before
                       these results is the baseline unless --baseline says
                       otherwise (past results of another schema are skipped,
                       with a note)
  -h, --help           show this help`;

/** Parses `wsb report` arguments; every check happens here. */
export function parseReportArguments(argv: string[]): ReportArguments {
  const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' }, baseline: { type: 'string' }, history: { type: 'string' } }, true);
  if (!positionals.length) throw usageError('wsb report needs at least one results.json or folder (see wsb report --help)');
  if (!values.out) throw usageError('wsb report needs --out DIR');
  if (values.history !== undefined && !(fs.existsSync(values.history) && fs.statSync(values.history).isDirectory())) throw usageError(`--history ${values.history} is not a folder`);
  return {
    inputs: positionals,
    outDir: path.resolve(values.out),
    ...(values.baseline !== undefined ? { baseline: values.baseline } : {}),
    ...(values.history !== undefined ? { historyDir: values.history } : {}),
  };
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

/** The past results of a history folder: DIR/<night>/results.json (or verdicts.json) and DIR/<night>.json. */
export function historyPaths(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith('.json')) return [full];
    if (!entry.isDirectory()) return [];
    return ['results.json', 'verdicts.json'].map((name) => path.join(full, name)).filter((file) => fs.existsSync(file)).slice(0, 1);
  }).sort();
}

/**
 * Reads the past results of a history folder. One of another schema (from
 * before a schema change) is skipped with a note, so a nightly history does
 * not stop the report after an upgrade; a corrupt one is an error.
 */
function readHistory(dir: string): { history: ResultFile[]; notes: string[] } {
  const history: ResultFile[] = [];
  const skipped: string[] = [];
  for (const file of historyPaths(dir)) {
    const schema = schemaOf(file);
    if (schema !== undefined && schema !== RESULT_SCHEMA) skipped.push(path.relative(dir, file));
    else history.push(readResultFile(file));
  }
  const notes = skipped.length ? [`${skipped.length} past result(s) in ${dir} have another result schema than ${RESULT_SCHEMA} and are left out of the history: ${skipped.join(', ')}`] : [];
  return { history, notes };
}

/** The schema field of a JSON file, if it can be read; readResultFile reports anything else. */
function schemaOf(file: string): unknown {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { schema?: unknown }).schema;
  } catch {
    return undefined;
  }
}

/** Reads every input (and the baseline and history), merges and writes the report; returns the files written. */
export function buildReport(options: ReportArguments): string[] {
  const results: ResultFile[] = options.inputs.flatMap(resultPaths).map(readResultFile);
  const baseline = options.baseline === undefined ? undefined : resultPaths(options.baseline).map(readResultFile);
  const { history, notes } = options.historyDir === undefined ? { history: [], notes: [] } : readHistory(options.historyDir);
  return writeReport(options.outDir, results, { ...(baseline ? { baseline } : {}), history, notes });
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
