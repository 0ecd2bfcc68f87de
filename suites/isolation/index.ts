/**
 * suites/isolation: the probe catalogue of DESIGN.md section 5 against every
 * available runner and configuration, with and without the matching grant,
 * on host secrets the suite plants (and removes); then noisy neighbours
 * beside a victim app; then the verdicts of `secure-by-default`,
 * `no-interference` and `teardown-per-request`.
 */
import { toBenchError } from '../../core/errors.ts';
import { cellLabel } from '../cells.ts';
import type { Suite } from '../types.ts';
import { INTERFERENCE_PLANS, INTERFERENCE_ROUNDS, interferenceRunners, measureInterference, NEIGHBOURS } from './interference.ts';
import { suiteConfigs } from '../cells.ts';
import { cellOpenMs, coldRequestMs, planSeconds, probeCaseMs, sumMs } from '../plan.ts';
import { describeRun, Neighbour, probeRuns, runProbeCase } from './matrix.ts';
import { plantSecrets } from './plant.ts';
import { PROBE_DEADLINE_MS, PROBES } from './probes.ts';
import { countRows, decideIsolation, describeCounts, FAILED_OUTCOME } from './verdict.ts';

/** The isolation suite. */
export const isolationSuite: Suite = {
  name: 'isolation',
  description: 'isolation probes with and without grants on every runner and configuration, noisy neighbours, teardown between requests',
  plan(input) {
    const runs = probeRuns(input.runners, PROBES, input.variants);
    // A probe that loops forever costs its deadline; every other case costs opening a cell and its requests.
    const probesMs = sumMs(runs.map((run) => probeCaseMs(run.runner.name) + ((run.spec.requests ?? 1) - 1) * coldRequestMs(run.runner.name) + (run.spec.probe === 'infinite-loop' ? (run.spec.deadlineMs ?? PROBE_DEADLINE_MS) : 0)));
    const plan = INTERFERENCE_PLANS[input.profile];
    const victims = interferenceRunners(input.runners, input.profile, input.variants).flatMap((runner) => suiteConfigs(input, runner).map(() => runner));
    const interferenceMs = sumMs(victims.map((runner) => NEIGHBOURS.length * (Math.min(plan.budgetMs, (plan.warmup + plan.samples) * coldRequestMs(runner.name)) + INTERFERENCE_ROUNDS * 100) + NEIGHBOURS.length * cellOpenMs(runner.name)));
    return { plannedMs: probesMs + interferenceMs + 2000, detail: `${runs.length} probe cases (${planSeconds(probesMs)}), noisy neighbours on ${victims.length} runner configuration(s) (${planSeconds(interferenceMs)})` };
  },
  async run(context) {
    const { signal, progress, results } = context;
    const runs = probeRuns(context.runners, PROBES, context.variants);
    const plant = await plantSecrets(signal);
    progress(`planted host secrets in ${plant.facts.root} (listener ${plant.facts.listenHost}:${plant.facts.listenPort}, DNS name ${plant.facts.dnsName ?? 'none resolvable'}); ${runs.length} probe cells on ${context.runners.length} runner(s)`);
    const neighbours = new Map<string, Neighbour>();
    try {
      for (const [index, run] of runs.entries()) {
        signal.throwIfAborted();
        const key = cellLabel({ runner: run.runner, config: run.config, lifecycle: '' });
        let neighbour = neighbours.get(key);
        if (!neighbour) {
          neighbour = new Neighbour(run.runner, run.config);
          neighbours.set(key, neighbour);
        }
        try {
          const outcome = await runProbeCase(run, plant, neighbour, signal);
          results.recordOutcomes([outcome]);
          progress(`[${index + 1}/${runs.length}] ${describeRun(run, outcome)}`);
        } catch (error) {
          if (signal.aborted) throw error;
          const reason = toBenchError(error).message;
          progress(`[${index + 1}/${runs.length}] ${run.spec.probe} ${run.probeCase.condition} on ${key}: failed to run: ${reason}`);
          // Why a row: a probe case that could not run must show in the matrix and keep the claim from being confirmed.
          results.recordOutcomes([{ suite: 'isolation', runner: run.runner.name, config: run.config, lifecycle: run.lifecycle, workload: run.spec.probe, subject: run.spec.probe, condition: run.probeCase.condition, outcome: FAILED_OUTCOME, detail: `the probe case could not be run: ${reason}` }]);
        }
      }
    } finally {
      await Promise.allSettled([...neighbours.values()].map((neighbour) => neighbour.close()));
      await plant.remove();
    }

    progress(`noisy neighbours on ${context.runners.length} runner(s)`);
    await measureInterference(context, context.runners);

    const isolationOutcomes = results.outcomes.filter((row) => row.suite === 'isolation');
    results.record(countRows(isolationOutcomes));
    for (const line of describeCounts(isolationOutcomes)) progress(`matrix ${line}`);
    for (const verdict of decideIsolation(isolationOutcomes, results.measurements, context.unavailable)) results.decide(verdict);
  },
};
