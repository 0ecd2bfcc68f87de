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

/** The files written for a result: results.json and one CSV per suite that has rows. */
export function writeResultFiles(outDir: string, result: ResultFile): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const jsonPath = path.join(outDir, 'results.json');
  fs.writeFileSync(jsonPath, `${JSON.stringify(result, jsonReplacer, 1)}\n`);
  written.push(jsonPath);
  for (const suite of SUITE_NAMES) {
    const measurements = result.measurements.filter((row) => row.suite === suite);
    const outcomes = result.outcomes.filter((row) => row.suite === suite);
    if (!measurements.length && !outcomes.length) continue;
    const csvPath = path.join(outDir, `${suite}.csv`);
    fs.writeFileSync(csvPath, suiteCsv(measurements, outcomes));
    written.push(csvPath);
  }
  return written;
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
  return { outcomes: [], suites: [], ...candidate } as ResultFile;
}
