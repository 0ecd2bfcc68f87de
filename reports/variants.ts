/**
 * Representatives and variants of a result's rows. The headline and the
 * per-suite charts show the declared representative of each substrate
 * (core/representatives.ts); every other configuration, and the `reused`
 * lifecycle, is a variant, shown in the ablation section beside its
 * representative and never in the headline.
 */
import { isRepresentative, REUSED_LIFECYCLE } from '../core/representatives.ts';
import type { Measurement, Outcome, SuiteName } from '../core/results.ts';

/** The suites whose rows have runner configurations (portability's `config` names a platform or an engine's default). */
const CONFIGURED_SUITES: readonly SuiteName[] = ['coldstart', 'density', 'throughput', 'isolation'];

/**
 * The runner configuration a row's `config` holds, without what the suite
 * adds to it: the noisy neighbour of an interference row
 * (`pooling=on neighbour=cpu-hog`, or `neighbour=crash` alone for a runner's
 * `default`) and the client of a calibration cell (`profile=default,client=docker-cli`).
 */
export function runnerConfig(config: string): string {
  const withoutNeighbour = config.replace(/(^| )neighbour=\S+$/, '').trim() || 'default';
  return withoutNeighbour.replace(/,client=[^,]+$/, '');
}

/** Whether a row is a variant: a non-representative configuration, or the reused lifecycle. */
export function isVariant(row: Pick<Measurement, 'suite' | 'runner' | 'config' | 'lifecycle'>): boolean {
  if (!CONFIGURED_SUITES.includes(row.suite)) return false;
  return row.lifecycle === REUSED_LIFECYCLE || !isRepresentative(row.runner, runnerConfig(row.config));
}

/** Rows split into the representatives' and the variants'. */
export interface SplitRows<T> {
  representatives: T[];
  variants: T[];
}

/** Splits rows into representatives and variants. */
export function splitVariants<T extends Pick<Measurement, 'suite' | 'runner' | 'config' | 'lifecycle'>>(rows: readonly T[]): SplitRows<T> {
  const split: SplitRows<T> = { representatives: [], variants: [] };
  for (const row of rows) (isVariant(row) ? split.variants : split.representatives).push(row);
  return split;
}

/**
 * The rows of the ablation: every variant, with the representative rows of
 * the same suite and runner beside it, so each variant is read against what
 * decides the claims.
 */
export function ablationRows<T extends Measurement | Outcome>(rows: readonly T[]): T[] {
  const varied = new Set(rows.filter(isVariant).map((row) => `${row.machine ?? ''}|${row.suite}|${row.runner}`));
  return rows.filter((row) => varied.has(`${row.machine ?? ''}|${row.suite}|${row.runner}`));
}
