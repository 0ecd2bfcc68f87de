/**
 * The headline: one card per claim family on the first screen (1280x900),
 * each with its chart (substrates side by side, representatives only), the
 * verdict badge of each of its claims and one sentence with the deciding
 * figure and its interval. With several machines the sentences quote one
 * machine (the one with the most verdicts) and a dot per other machine
 * gives its verdict.
 */
import type { ClaimVerdict } from '../core/results.ts';
import type { ChartInput, VegaLiteSpec } from './charts.ts';
import { formatFigure, verdictSentence, VERDICT_COLOURS } from './figures.ts';
import { coldStartHeadlineSpec, densityHeadlineSpec, idleHeadlineSpec, isolationHeadlineSpec, portabilityHeadlineSpec, throughputHeadlineSpec } from './headline-charts.ts';
import { type Comparison, verdictKey } from './history.ts';
import { escapeHtml } from './html-text.ts';
import { machinesOf, type MergedResult } from './merge.ts';

/** A claim family: a question, the claims that answer it and the chart that shows it. */
export interface Family {
  id: string;
  question: string;
  /** What the chart shows, in a line. */
  caption: string;
  claims: readonly string[];
  build(input: ChartInput): VegaLiteSpec | null;
}

/** The families, in headline order; together they hold every claim of the ledger. */
export const FAMILIES: readonly Family[] = [
  {
    id: 'faster', question: 'Faster to start?',
    caption: 'L1 cold start of hello (fresh instance, in-process). Dot: median, bar: its 95% CI, tick: p99 (n ≥ 100); dashed: 1 ms.',
    claims: ['coldstart-sub-ms', 'coldstart-orders-of-magnitude', 'container-start-seconds'], build: (input) => coldStartHeadlineSpec(input.measurements),
  },
  {
    id: 'denser', question: 'Denser?',
    caption: "Apps resident per GiB, from the slope of resident memory over apps loaded (bar: 95% CI). The host's available-memory drop (noise) is left out.",
    claims: ['density-thousands', 'containers-30-per-host'], build: (input) => densityHeadlineSpec(input.measurements),
  },
  {
    id: 'throughput', question: 'More throughput?',
    caption: 'Requests/s through one HTTP front, fresh instance per request. Dot: median of the rounds, bar: their range; lines: the harness ceilings of the same run.',
    claims: ['throughput-100k'], build: (input) => throughputHeadlineSpec(input.measurements),
  },
  {
    id: 'safer', question: 'Safer?',
    caption: "Isolation probes on fresh instances: each probe's worst outcome over its grants. Hover for what was seen.",
    claims: ['secure-by-default', 'no-interference', 'teardown-per-request'], build: (input) => isolationHeadlineSpec(input.outcomes),
  },
  {
    id: 'idle', question: 'Cheaper to keep warm?',
    caption: 'Memory of one idle pre-warmed slot. Dot: median of the readings, bar: their range.',
    claims: ['prewarm-idle-cost'], build: (input) => idleHeadlineSpec(input.measurements),
  },
  {
    id: 'portable', question: 'Smaller, portable, near native?',
    caption: 'Size of hello: the .wasm, the smallest static and the dynamic native build of the same C source, the container image.',
    claims: ['compact-binaries', 'same-binary-everywhere', 'near-native'], build: (input) => portabilityHeadlineSpec(input.measurements),
  },
];

/** The chart id of a family's headline chart. */
export function headlineChartId(family: Family): string {
  return `headline-${family.id}`;
}

/** The machine whose sentences the headline quotes: the one with the most decided (not not-run) verdicts, first in input order on a tie. */
export function primaryMachine(result: MergedResult): string {
  const machines = machinesOf(result);
  const decided = (machine: string): number => result.claims.filter((claim) => claim.machine === machine && claim.verdict !== 'not-run').length;
  return machines.reduce((best, machine) => (decided(machine) > decided(best) ? machine : best), machines[0] as string);
}

/** A coloured verdict badge. */
export function badge(verdict: string): string {
  const colour = VERDICT_COLOURS[verdict as keyof typeof VERDICT_COLOURS] ?? '#455a64';
  return `<span class="verdict" style="background:${colour}">${escapeHtml(verdict)}</span>`;
}

/** The mark of a figure that moved beyond its interval since the baseline, or nothing. */
export function movedMark(verdict: ClaimVerdict, comparison: Comparison | undefined): string {
  const moved = comparison?.moved.get(verdictKey(verdict.id, verdict.machine));
  if (!moved) return '';
  const before = moved.before;
  const was = `was ${formatFigure(before.value, before.unit)} (${formatFigure(before.low, before.unit)}–${formatFigure(before.high, before.unit)})`;
  return ` <span class="moved ${moved.direction}" title="moved beyond its interval since the baseline: ${escapeHtml(was)}">${moved.direction === 'up' ? '▲' : '▼'} ${escapeHtml(was)}</span>`;
}

function claimLine(result: MergedResult, id: string, primary: string, comparison: Comparison | undefined): string {
  const verdicts = result.claims.filter((claim) => claim.id === id);
  const quoted = verdicts.find((claim) => claim.machine === primary);
  const others = verdicts.filter((claim) => claim !== quoted).map((claim) =>
    `<span class="dot" style="background:${VERDICT_COLOURS[claim.verdict] ?? '#455a64'}" title="${escapeHtml(`${claim.machine}: ${claim.verdict}. ${verdictSentence(claim)}`)}"></span>`).join('');
  if (!quoted) return `<li data-claim="${escapeHtml(id)}">${badge('not-run')} <a href="#claim-${escapeHtml(id)}">${escapeHtml(id)}</a>: absent from these results.${others}</li>`;
  return `<li data-claim="${escapeHtml(id)}" title="${escapeHtml(`${quoted.machine}: ${verdictSentence(quoted)}`)}">${badge(quoted.verdict)} <a href="#claim-${escapeHtml(id)}">${escapeHtml(id)}</a>: ${escapeHtml(verdictSentence(quoted, { short: true }))}${movedMark(quoted, comparison)}${others ? ` <span class="others">${others}</span>` : ''}</li>`;
}

/** Which machine the headline's sentences quote, in words (nothing for one machine). */
export function quotingNote(result: MergedResult): string {
  if (machinesOf(result).length < 2) return '';
  return ` Sentences quote <span class="machine">${escapeHtml(primaryMachine(result))}</span> (most verdicts); dots give the other machines' verdicts.`;
}

/** The headline section: one card per family. */
export function headlineSection(result: MergedResult, specs: ReadonlyMap<string, unknown>, comparison?: Comparison): string {
  const primary = primaryMachine(result);
  const cards = FAMILIES.map((family) => {
    const id = headlineChartId(family);
    const chart = specs.has(id)
      ? `<figure id="chart-${id}" data-chart="${id}" data-has-spec="true" title="${escapeHtml(family.caption)}"><div class="chart"></div></figure>`
      : '<p class="empty">No rows for this chart in these results.</p>';
    return `<article class="card" id="family-${family.id}" data-family="${family.id}"><h3>${escapeHtml(family.question)}</h3>${chart}<p class="caption">${escapeHtml(family.caption)}</p><ul class="claims">${family.claims.map((claim) => claimLine(result, claim, primary, comparison)).join('')}</ul></article>`;
  }).join('\n');
  return `<section id="headline" class="headline">\n${cards}\n</section>`;
}
