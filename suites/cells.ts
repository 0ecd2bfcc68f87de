/**
 * The cells of the substrate x lifecycle matrix, shared by every suite:
 * which cells exist for the available runners, and the check every cell
 * passes before it is timed (identical request, identical expected response).
 */
import { toBenchError } from '../core/errors.ts';
import type { Outcome, SuiteName } from '../core/results.ts';
import { responseMismatch, type CannedRequest } from '../fixtures/manifest.ts';
import { FRESH_LIFECYCLES, type Cell, type CellSpec, type Lifecycle, type Runner } from '../runners/types.ts';
import { representativeConfig } from './representatives.ts';

/** One cell: a runner in one configuration and lifecycle. */
export interface MatrixCell {
  runner: Runner;
  config: string;
  lifecycle: Lifecycle;
  /** Set on a calibration cell (e.g. `docker-cli`): measured beside the matrix, never a substrate of its own. */
  calibration?: string;
}

/** A printable name for a cell: `runner[config]/lifecycle`. */
export function cellLabel(cell: { runner: Runner | string; config: string; lifecycle: string }): string {
  const name = typeof cell.runner === 'string' ? cell.runner : cell.runner.name;
  return `${name}${cell.config === 'default' ? '' : `[${cell.config}]`}/${cell.lifecycle}`;
}

/**
 * Every cell of the given runners, optionally only some lifecycles, in matrix
 * order; with `variants` false, only each runner's declared representative
 * configuration (suites/representatives.ts).
 */
export function matrixCells(runners: readonly Runner[], lifecycles?: readonly Lifecycle[], variants = true): MatrixCell[] {
  const cells: MatrixCell[] = [];
  for (const runner of runners) {
    for (const config of variants ? runner.configurations : [representativeConfig(runner)]) {
      for (const lifecycle of runner.lifecyclesOf?.(config) ?? runner.lifecycles) {
        if (!lifecycles || lifecycles.includes(lifecycle)) cells.push({ runner, config, lifecycle });
      }
    }
  }
  return cells;
}

/**
 * The cells a suite measures: with variants, every configuration and
 * lifecycle; without (the quick profile), each runner's representative
 * configuration in the fresh-instance lifecycles (cold and pre-warmed), which
 * are what the claims are decided on.
 */
export function suiteCells(context: { runners: readonly Runner[]; variants: boolean }, lifecycles?: readonly Lifecycle[]): MatrixCell[] {
  const wanted = context.variants ? lifecycles : (lifecycles ?? FRESH_LIFECYCLES).filter((lifecycle) => FRESH_LIFECYCLES.includes(lifecycle));
  return matrixCells(context.runners, wanted, context.variants);
}

/** The configurations of a runner a suite measures: all with variants, else the representative. */
export function suiteConfigs(context: { variants: boolean }, runner: Runner): readonly string[] {
  return context.variants ? runner.configurations : [representativeConfig(runner)];
}

/** A cell that opened and answered its canned request correctly, or why not. */
export type VerifiedCell = { status: 'ok'; cell: Cell } | { status: 'failed'; reason: string };

/**
 * Opens a cell and sends the canned request once; a cell that cannot open or
 * answers wrongly is closed and reported failed, never timed.
 */
export async function openVerified(matrixCell: MatrixCell, spec: Omit<CellSpec, 'lifecycle' | 'config'>, canned: CannedRequest, signal?: AbortSignal): Promise<VerifiedCell> {
  let cell: Cell | undefined;
  try {
    cell = await matrixCell.runner.open({ ...spec, lifecycle: matrixCell.lifecycle, config: matrixCell.config }, signal);
    const result = await cell.invoke(canned.request, signal);
    const mismatch = responseMismatch(canned.expected, result.response);
    if (mismatch) {
      await cell.close();
      return { status: 'failed', reason: `wrong answer to ${spec.workload.name}/${canned.name}: ${mismatch}` };
    }
    return { status: 'ok', cell };
  } catch (thrown) {
    await cell?.close().catch(() => undefined);
    if (signal?.aborted) throw thrown;
    return { status: 'failed', reason: toBenchError(thrown).message };
  }
}

/** The outcome row that records a cell excluded from timing, so the report shows it. */
export function failedCellOutcome(suite: SuiteName, cell: MatrixCell, workload: string, reason: string): Outcome {
  return {
    suite,
    runner: cell.runner.name,
    config: cell.config,
    lifecycle: cell.lifecycle,
    workload,
    subject: 'cell',
    condition: 'verification',
    outcome: 'failed',
    detail: reason,
  };
}
