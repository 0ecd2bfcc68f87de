/**
 * Merging result files: the nightly matrix gives one results.json per
 * machine; the report shows them side by side, every row labelled with the
 * machine it was measured on.
 */
import type { Environment } from '../core/environment.ts';
import { decideSameBinaryEverywhere, isEngineOutcome, platformOfMachineLabel, SAME_BINARY_CLAIM } from '../core/portability-verdict.ts';
import { RESULT_SCHEMA, type ClaimVerdict, type Measurement, type Outcome, type ResultFile, type SuiteStatus } from '../core/results.ts';

/** A suite's status on one machine. */
export type MachineSuiteStatus = SuiteStatus & { machine: string };

/**
 * Several result files as one. It is still a valid `ResultFile` (its
 * `environment` is the first machine's), and it adds `environments`: every
 * machine's environment, in input order, so that a merged file can itself
 * be merged again without losing any machine.
 */
export interface MergedResult extends ResultFile {
  environments: Environment[];
  suites: MachineSuiteStatus[];
}

/** The machine labels of a result file, whether it is a single run or itself a merge. */
function environmentsOf(file: ResultFile): Environment[] {
  const merged = (file as Partial<MergedResult>).environments;
  return Array.isArray(merged) && merged.length ? merged : [file.environment];
}

/** A label not yet taken: the machine label, then with its Node version, then numbered. */
function uniqueLabel(label: string, environment: Environment, taken: ReadonlySet<string>): string {
  if (!taken.has(label)) return label;
  const withNode = `${label} (node ${environment.node})`;
  if (!taken.has(withNode)) return withNode;
  for (let n = 2; ; n++) {
    const numbered = `${label} #${n}`;
    if (!taken.has(numbered)) return numbered;
  }
}

/**
 * Merges result files into one. Every row, verdict and suite status carries
 * its machine label (`row.machine`, else the file's `environment.machine`);
 * two runs with the same label (two Node versions on one host) are told apart
 * by the Node version, then by a number.
 */
export function mergeResults(files: readonly ResultFile[]): MergedResult {
  if (!files.length) throw new Error('mergeResults needs at least one result file');
  const taken = new Set<string>();
  const environments: Environment[] = [];
  const claims: ClaimVerdict[] = [];
  const measurements: Measurement[] = [];
  const outcomes: Outcome[] = [];
  const suites: MachineSuiteStatus[] = [];
  for (const file of files) {
    const renames = new Map<string, string>();
    for (const environment of environmentsOf(file)) {
      const label = uniqueLabel(environment.machine, environment, taken);
      taken.add(label);
      renames.set(environment.machine, label);
      environments.push({ ...environment, machine: label });
    }
    const fallback = file.environment.machine;
    const relabel = (machine: string | undefined): string => renames.get(machine ?? fallback) ?? machine ?? fallback;
    for (const claim of file.claims) claims.push({ ...claim, machine: relabel(claim.machine) });
    for (const row of file.measurements) measurements.push({ ...row, machine: relabel(row.machine) });
    for (const row of file.outcomes ?? []) outcomes.push({ ...row, machine: relabel(row.machine) });
    for (const status of file.suites ?? []) suites.push({ ...status, machine: relabel((status as Partial<MachineSuiteStatus>).machine) });
  }
  const first = environments[0] as Environment;
  return { schema: RESULT_SCHEMA, environment: first, environments, claims: acrossMachines(claims, outcomes, environments), measurements, outcomes, suites };
}

/**
 * `same-binary-everywhere` is about every machine at once: with several
 * machines, each machine's own verdict is replaced by the one decided over
 * all machines' portability outcomes (same function as the suite's), so the
 * ledger shows the merged decision in every machine's column.
 */
function acrossMachines(claims: ClaimVerdict[], outcomes: readonly Outcome[], environments: readonly Environment[]): ClaimVerdict[] {
  const engineRows = outcomes.filter(isEngineOutcome);
  if (environments.length < 2 || !engineRows.length) return claims;
  const platforms = new Map(environments.map((environment) => [environment.machine, `${environment.platform}-${environment.arch}`]));
  const merged = decideSameBinaryEverywhere(engineRows, (row) => platforms.get(row.machine ?? '') ?? platformOfMachineLabel(row.machine));
  const reason = `across all ${environments.length} machines of this report: ${merged.reason}`;
  const withPortability = new Set(engineRows.map((row) => row.machine));
  const kept = claims.filter((claim) => claim.id !== SAME_BINARY_CLAIM);
  const decided = environments
    .filter((environment) => withPortability.has(environment.machine) || claims.some((claim) => claim.id === SAME_BINARY_CLAIM && claim.machine === environment.machine))
    .map((environment) => ({ ...merged, reason, machine: environment.machine }));
  return [...kept, ...decided];
}

/** The machine labels of a merged result, in input order. */
export function machinesOf(result: MergedResult): string[] {
  return result.environments.map((environment) => environment.machine);
}
