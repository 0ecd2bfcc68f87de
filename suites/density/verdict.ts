/**
 * Verdicts of the density claims from one run's rows, under one stated
 * memory budget and one latency SLO.
 */
import { notRun } from '../../core/claims.ts';
import type { ClaimVerdict, Measurement } from '../../core/results.ts';
import type { UnavailableRunner } from '../types.ts';

/** The memory budget every substrate is held to: a modest host's share for apps. */
export const DENSITY_BUDGET_BYTES = 4 * 1024 ** 3;
/** Latency SLO of requests spread over the resident apps: p99 of one request. */
export const DENSITY_SLO_P99_NS = 50e6;
/** "Thousands of different apps": at least two thousand, measured resident and serving. */
export const THOUSANDS = 2000;
/** "30-ish": a capacity within twice that counts as agreeing. */
export const CONTAINERS_CLAIMED = 30;

const MIB = 1024 ** 2;
const budgetText = `${DENSITY_BUDGET_BYTES / 1024 ** 3} GiB`;
const sloText = `p99 <= ${DENSITY_SLO_P99_NS / 1e6} ms`;

interface Step {
  runner: string;
  config: string;
  apps: number;
  memoryPerAppBytes: number;
  /** Drop of the host's available memory per app (everything the host paid, but noisy on a shared machine). */
  hostPerAppBytes: number | null;
  p99Ns: number;
  rows: Measurement[];
}

/** Every measured step (N apps resident and serving) of the density suite, per runner and config. */
function steps(rows: readonly Measurement[]): Step[] {
  const density = rows.filter((r) => r.suite === 'density');
  const found: Step[] = [];
  for (const resident of density.filter((r) => r.phase === 'capacity' && r.metric === 'apps-resident')) {
    const same = (r: Measurement): boolean => r.runner === resident.runner && r.config === resident.config && r.apps === resident.apps;
    const memory = density.filter((r) => same(r) && r.phase === 'resident' && (r.metric === 'rss-per-app' || r.metric === 'host-memory-per-app'));
    const p99 = density.find((r) => same(r) && r.phase === 'serve' && r.metric === 'latency' && r.stat === 'p99');
    if (!memory.length || !p99) continue;
    // Apps inside one process: that process's RSS (the host's available memory moves with every neighbour on a shared
    // machine); apps as processes or containers: the host's available-memory drop, engine and shim overhead included.
    const rss = memory.find((r) => r.metric === 'rss-per-app');
    const memoryPerAppBytes = rss ? rss.value : Math.max(...memory.map((r) => r.value));
    const host = memory.find((r) => r.metric === 'host-memory-per-app');
    found.push({ runner: resident.runner, config: resident.config, apps: resident.apps ?? 1, memoryPerAppBytes, hostPerAppBytes: host && host.value > 0 ? host.value : null, p99Ns: p99.value, rows: [resident, ...memory, p99] });
  }
  return found;
}

const within = (s: Step): boolean => s.p99Ns <= DENSITY_SLO_P99_NS && s.memoryPerAppBytes * s.apps <= DENSITY_BUDGET_BYTES;
const describe = (s: Step): string => `${s.runner}${s.config === 'default' ? '' : `[${s.config}]`}: ${s.apps} apps, ${(s.memoryPerAppBytes / 1024).toFixed(0)} KiB per app, p99 ${(s.p99Ns / 1e6).toFixed(2)} ms`;

/** Decides density-thousands and containers-30-per-host. */
export function decideDensity(rows: readonly Measurement[], unavailable: readonly UnavailableRunner[]): ClaimVerdict[] {
  const all = steps(rows);
  return [thousands(all), containers30(all, unavailable)];
}

function thousands(all: Step[]): ClaimVerdict {
  const id = 'density-thousands';
  const wasm = all.filter((s) => s.runner.startsWith('wasm'));
  if (!wasm.length) return notRun(id, 'no Wasm density step was measured');
  const good = wasm.filter(within).sort((a, b) => b.apps - a.apps);
  const best = good[0];
  const base = {
    id,
    measured: 'distinct Wasm apps (distinct modules) resident in one host process, each request to a fresh instance of a uniformly chosen app',
    threshold: `>= ${THOUSANDS} distinct apps resident and serving, within ${budgetText} and ${sloText}`,
    evidence: wasm.flatMap((s) => s.rows),
  };
  const others = all.filter((s) => !s.runner.startsWith('wasm')).sort((a, b) => b.apps - a.apps);
  const otherText = others.length ? ` For comparison: ${others.slice(0, 3).map(describe).join('; ')}.` : '';
  if (best && best.apps >= THOUSANDS) {
    const capacity = Math.floor(DENSITY_BUDGET_BYTES / best.memoryPerAppBytes);
    return { ...base, verdict: 'confirmed', reason: `${describe(best)} (measured). At that memory per app the ${budgetText} budget holds about ${capacity.toLocaleString('en-US')} apps (derived, not measured).${otherText}` };
  }
  const largest = wasm.sort((a, b) => b.apps - a.apps)[0]!;
  return { ...base, verdict: 'refuted', reason: `largest step within the budget and SLO: ${best ? describe(best) : 'none'}; largest attempted: ${describe(largest)}.${otherText}` };
}

function containers30(all: Step[], unavailable: readonly UnavailableRunner[]): ClaimVerdict {
  const id = 'containers-30-per-host';
  const containers = all.filter((s) => s.runner === 'container').sort((a, b) => b.apps - a.apps);
  const largest = containers[0];
  if (!largest) {
    const entry = unavailable.find((u) => u.runner === 'container');
    return notRun(id, entry ? `the container runner is unavailable here: ${entry.reason}` : 'no container density step was measured');
  }
  const capacity = Math.floor(DENSITY_BUDGET_BYTES / largest.memoryPerAppBytes);
  const hostCapacity = largest.hostPerAppBytes ? Math.floor(DENSITY_BUDGET_BYTES / largest.hostPerAppBytes) : null;
  const base = {
    id,
    measured: 'long-running containers resident at once: resident memory per container (its cgroup plus its runtime shim) and the drop of the host\'s available memory per container (engine and network overhead included), latency of requests spread over them',
    threshold: `containers that fit the same ${budgetText} budget: <= ${CONTAINERS_CLAIMED * 2} by both memory figures agrees with "30-ish", more than that by both refutes it, a split is inconclusive`,
    evidence: containers.flatMap((s) => s.rows),
  };
  const hostText = hostCapacity !== null
    ? ` By the host's available memory, which dropped ${(largest.hostPerAppBytes! / MIB).toFixed(1)} MiB per container (a noisy figure on a shared machine), it holds about ${hostCapacity}.`
    : ' The host\'s available-memory drop was not usable (it moved the other way: other processes on the machine).';
  const reason = `measured ${describe(largest)}: ${(largest.memoryPerAppBytes / MIB).toFixed(1)} MiB resident per container (cgroup + shim); the ${budgetText} budget holds about ${capacity} such containers (derived from the measured memory).${hostText}`;
  const limit = CONTAINERS_CLAIMED * 2;
  const capacities = [capacity, ...(hostCapacity !== null ? [hostCapacity] : [])];
  const verdict = capacities.every((c) => c > limit) ? 'refuted' : capacities.every((c) => c <= limit) ? 'confirmed' : 'inconclusive';
  return { ...base, verdict, reason };
}
