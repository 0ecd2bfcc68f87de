/**
 * Result formats: how a result file is written to and read from disk. The
 * report renders from these files only; it never measures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { usageError } from '../core/errors.ts';
import { RESULT_SCHEMA, SUITE_NAMES, type Measurement, type Outcome, type ResultFile } from '../core/results.ts';

/** Columns of every suite CSV: measurement rows fill the first part, outcome rows the second. */
export const CSV_COLUMNS = [
  'machine', 'suite', 'runner', 'config', 'lifecycle', 'workload',
  'phase', 'metric', 'unit', 'stat', 'value', 'iteration', 'apps',
  'subject', 'condition', 'outcome', 'detail',
] as const;

/** One CSV text for a suite: its measurement rows, then its outcome rows. */
export function suiteCsv(measurements: readonly Measurement[], outcomes: readonly Outcome[]): string {
  const rows = [...measurements, ...outcomes].map((row) => {
    const record = row as unknown as Record<string, unknown>;
    return CSV_COLUMNS.map((column) => record[column] ?? '');
  });
  return stringify([...rows], { header: true, columns: [...CSV_COLUMNS] });
}

/** The files of a report folder by name, content in memory until all of them are ready. */
export type OutputFiles = Map<string, string>;

/** The JSON text of a result file (non-finite numbers as null). */
export function resultJson(result: object): string {
  return `${JSON.stringify(result, jsonReplacer, 1)}\n`;
}

/** The files of a result: results.json and one CSV per suite that has rows. */
export function resultFileContents(result: ResultFile): OutputFiles {
  const files: OutputFiles = new Map([['results.json', resultJson(result)]]);
  for (const suite of SUITE_NAMES) {
    const measurements = result.measurements.filter((row) => row.suite === suite);
    const outcomes = result.outcomes.filter((row) => row.suite === suite);
    if (!measurements.length && !outcomes.length) continue;
    files.set(`${suite}.csv`, suiteCsv(measurements, outcomes));
  }
  return files;
}

/**
 * Writes files into a folder so that nothing is ever half-written: every
 * file is written into a staging folder beside it first, then the staging
 * folder becomes the output folder (when it did not exist) or each file is
 * renamed into it (a rename replaces a file whole). A failure removes the
 * staging folder and leaves the output folder as it was.
 */
export function writeFilesAtomically(outDir: string, files: ReadonlyMap<string, string>): string[] {
  const target = path.resolve(outDir);
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) throw usageError(`--out ${outDir} is a file, not a folder`);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.partial-`));
  try {
    for (const [name, content] of files) fs.writeFileSync(path.join(staging, name), content);
    if (!fs.existsSync(target)) {
      fs.renameSync(staging, target);
    } else {
      for (const name of files.keys()) fs.renameSync(path.join(staging, name), path.join(target, name));
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return [...files.keys()].map((name) => path.join(target, name));
}

/** Writes results.json and one CSV per suite that has rows; returns their paths. */
export function writeResultFiles(outDir: string, result: ResultFile): string[] {
  return writeFilesAtomically(outDir, resultFileContents(result));
}

/** Non-finite numbers become null in JSON rather than disappearing silently. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? null : value;
}

/** Reads a results.json (or the results.json inside a folder), with a usage error if it is not one. */
export function readResultFile(fileOrDir: string): ResultFile {
  const file = fs.existsSync(fileOrDir) && fs.statSync(fileOrDir).isDirectory() ? path.join(fileOrDir, 'results.json') : fileOrDir;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw usageError(`cannot read results from ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const candidate = parsed as Partial<ResultFile>;
  if (!candidate || typeof candidate !== 'object' || !candidate.environment || !Array.isArray(candidate.claims) || !Array.isArray(candidate.measurements)) {
    throw usageError(`${file} is not a wsb results.json (needs environment, claims and measurements)`);
  }
  if (candidate.schema !== RESULT_SCHEMA) {
    throw usageError(`${file} has result schema ${String(candidate.schema)}, this wsb reads schema ${RESULT_SCHEMA}: measure again with this version (its verdict rules differ)`);
  }
  const problem = shapeProblem(candidate);
  if (problem) throw usageError(`${file} is corrupt: ${problem}`);
  return { outcomes: [], suites: [], ...candidate } as ResultFile;
}

const VERDICTS = new Set(['confirmed', 'refuted', 'inconclusive', 'not-run']);
const ROW_TEXT_FIELDS = ['suite', 'runner', 'config', 'lifecycle', 'workload'] as const;
const isText = (value: unknown): boolean => typeof value === 'string';
/** A number, or null where the writer stored a non-finite one. */
const isNumberOrNull = (value: unknown): boolean => value === null || typeof value === 'number';

/**
 * The first thing in a result file the report could not read, in a few
 * words, or null: a file cut short, edited by hand or written by another
 * program is refused here, with one line, rather than half-rendered.
 */
function shapeProblem(file: Partial<ResultFile>): string | null {
  const environment = file.environment as unknown as Record<string, unknown>;
  for (const field of ['machine', 'platform', 'arch', 'node', 'startedAt']) if (!isText(environment[field])) return `environment.${field} is missing`;
  for (const [index, claim] of (file.claims ?? []).entries()) {
    if (!claim || !isText(claim.id) || !VERDICTS.has(claim.verdict) || !isText(claim.reason)) return `claims[${index}] is not a verdict (id, verdict, reason)`;
    const margin = claim.margin as unknown as Record<string, unknown> | undefined;
    if (margin !== undefined && (!margin || !isText(margin['figure']) || !isText(margin['unit']) || !['value', 'low', 'high', 'threshold', 'n'].every((field) => isNumberOrNull(margin[field])))) return `claims[${index}].margin is not a margin`;
  }
  for (const [index, row] of file.measurements!.entries()) {
    if (!row || !ROW_TEXT_FIELDS.every((field) => isText(row[field])) || !isText(row.phase) || !isText(row.metric) || !isText(row.unit) || !isText(row.stat) || !isNumberOrNull(row.value)) return `measurements[${index}] is not a measurement row`;
  }
  if (file.outcomes !== undefined && !Array.isArray(file.outcomes)) return 'outcomes is not a list';
  for (const [index, row] of (file.outcomes ?? []).entries()) {
    if (!row || !ROW_TEXT_FIELDS.every((field) => isText(row[field])) || !isText(row.subject) || !isText(row.outcome)) return `outcomes[${index}] is not an outcome row`;
  }
  return null;
}
