/**
 * Test helper: earlier nights of the Linux report fixture, made by changing
 * tonight's file in known ways (test data, never measurements).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClaimVerdict, ResultFile } from '../../core/results.ts';
import { readResultFile, resultJson } from '../../reports/formats.ts';

export const FIXTURES = path.join(import.meta.dirname, 'fixtures');

/** Tonight's Linux fixture (measured 2025-01-04). */
export function tonight(): ResultFile {
  return readResultFile(path.join(FIXTURES, 'linux-x64'));
}

/**
 * The Linux fixture as measured on an earlier date, with its cold-start p99
 * (the coldstart-sub-ms figure) multiplied by `p99Scale` and that verdict
 * replaced, and its throughput figure multiplied by `rpsScale`. The host
 * name differs, as a CI runner's does from night to night.
 */
export function earlierNight(date: string, { p99Scale, subMsVerdict, rpsScale = 1 }: { p99Scale: number; subMsVerdict: ClaimVerdict['verdict']; rpsScale?: number }): ResultFile {
  const file = tonight();
  const scale = (claim: ClaimVerdict, factor: number): ClaimVerdict => claim.margin ? { ...claim, margin: { ...claim.margin, value: claim.margin.value * factor, low: claim.margin.low * factor, high: claim.margin.high * factor } } : claim;
  const machine = `linux-x64-runner-${date}`;
  return {
    ...file,
    environment: { ...file.environment, machine, startedAt: `${date}T03:17:00.000Z`, finishedAt: `${date}T03:22:00.000Z` },
    claims: file.claims.map((claim) => {
      const relabelled = { ...claim, machine };
      if (claim.id === 'coldstart-sub-ms') return { ...scale(relabelled, p99Scale), verdict: subMsVerdict };
      if (claim.id === 'throughput-100k') return scale(relabelled, rpsScale);
      return relabelled;
    }),
    measurements: file.measurements.filter((row) => row.stat !== 'sample').map((row) => ({ ...row, machine })),
    outcomes: file.outcomes.map((row) => ({ ...row, machine })),
  };
}

/** Writes a result file into `dir/name/results.json`; returns the folder. */
export function writeNight(dir: string, name: string, file: ResultFile): string {
  const folder = path.join(dir, name);
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'results.json'), resultJson(file));
  return folder;
}
