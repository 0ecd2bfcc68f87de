/**
 * The claims ledger: one row per claim and machine with the verdict, the
 * judged cell, the deciding figure (its interval, n and threshold), the
 * other Wasm engines' verdicts beside it and a one-line reason. The long
 * reason, what was measured, the threshold in words, the source sentence
 * and the evidence rows fold away (details), searchable with the page's find.
 */
import { CLAIMS, CLAIMS_SOURCE, REPRESENTATIVE_RULE } from '../core/claims.ts';
import type { ClaimVerdict, EngineVerdict, Margin, Measurement } from '../core/results.ts';
import { firstSentence, formatFigure, intervalText, isFigure, thresholdText, VERDICT_COLOURS } from './figures.ts';
import type { Comparison } from './history.ts';
import { badge, movedMark } from './html-headline.ts';
import { escapeHtml, slug } from './html-text.ts';
import { machinesOf, type MergedResult } from './merge.ts';

/** The claim ids of the ledger: the known claims in order, then any id the results add. */
export function ledgerIds(result: MergedResult): string[] {
  const known = CLAIMS.map((claim) => claim.id);
  const extra = [...new Set(result.claims.map((claim) => claim.id))].filter((id) => !known.includes(id));
  return [...known, ...extra];
}

/** The deciding figure of a margin: value, interval, n and the threshold it was held to. */
function marginCell(margin: Margin | undefined, verdict: ClaimVerdict | EngineVerdict): string {
  if (!margin) return `<span class="empty">${verdict.verdict === 'not-run' ? '-' : 'no single figure: decided on outcomes'}</span>`;
  const value = isFigure(margin.value) ? formatFigure(margin.value, margin.unit) : 'no value';
  return `<span class="small">${escapeHtml(margin.figure)}:</span> <strong>${escapeHtml(value)}</strong> <span class="interval">(${escapeHtml(intervalText(margin))}, n=${escapeHtml(margin.n)})</span> vs ${escapeHtml(thresholdText(margin))}`;
}

/** One other engine's verdict, compact: badge, engine, its figure. */
function engineChip(engine: EngineVerdict): string {
  const figure = engine.margin && isFigure(engine.margin.value) ? ` ${formatFigure(engine.margin.value, engine.margin.unit)}` : '';
  const colour = VERDICT_COLOURS[engine.verdict] ?? '#455a64';
  return `<div class="engine" title="${escapeHtml(`${engine.judged}: ${engine.verdict}. ${engine.reason}`)}"><span class="dot" style="background:${colour}"></span>${escapeHtml(engine.runner)} <span class="small">${escapeHtml(engine.verdict)}${escapeHtml(figure)}</span></div>`;
}

function evidenceTable(rows: readonly Measurement[]): string {
  if (!rows.length) return '<p class="empty">No evidence rows recorded with this verdict.</p>';
  const body = rows.map((row) => `<tr>${[row.runner, row.config, row.lifecycle, row.workload, row.phase, row.metric, row.stat, String(row.apps ?? 1)].map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}<td class="number">${escapeHtml(formatFigure(row.value, row.unit))}</td></tr>`).join('');
  return `<table class="rows"><thead><tr><th>runner</th><th>config</th><th>lifecycle</th><th>workload</th><th>phase</th><th>metric</th><th>stat</th><th>apps</th><th>value</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** The folded part of a verdict's row: everything behind the one-line reason. */
function folded(verdict: ClaimVerdict, anchor: string): string {
  const claim = CLAIMS.find((candidate) => candidate.id === verdict.id);
  const engines = (verdict.engines ?? []).map((engine) => `<li>${badge(engine.verdict)} <code>${escapeHtml(engine.judged)}</code>: ${escapeHtml(engine.reason)}${engine.margin ? ` <span class="small">(${marginCell(engine.margin, engine)})</span>` : ''}</li>`).join('');
  return `<details class="reason" id="${anchor}"><summary title="${escapeHtml(firstSentence(verdict.reason, 400))}">${escapeHtml(firstSentence(verdict.reason, 160))}</summary>`
    + `<p>${escapeHtml(verdict.reason)}</p>`
    + (claim ? `<p><strong>Source:</strong> &ldquo;${escapeHtml(claim.source)}&rdquo; (${escapeHtml(CLAIMS_SOURCE)})</p>` : '<p>This claim is not in this version&#39;s ledger.</p>')
    + `<p><strong>Measured:</strong> ${escapeHtml(verdict.measured)}</p><p><strong>Threshold:</strong> ${escapeHtml(verdict.threshold)}</p>`
    + (engines ? `<p><strong>Other Wasm engines</strong> (beside the verdict, never deciding it):</p><ul>${engines}</ul>` : '')
    + `<p><strong>Evidence</strong>${claim ? ` (charts: <a href="#suite-${claim.suite}">${escapeHtml(claim.suite)}</a>)` : ''}:</p>${evidenceTable(verdict.evidence ?? [])}</details>`;
}

/** The ledger section. */
export function ledgerSection(result: MergedResult, comparison?: Comparison): string {
  const machines = machinesOf(result);
  const single = machines.length === 1;
  const rows = ledgerIds(result).map((id) => {
    const claim = CLAIMS.find((candidate) => candidate.id === id);
    const head = `<td rowspan="${machines.length}" class="claim" title="${escapeHtml(claim ? `“${claim.source}”` : '')}"><strong>${escapeHtml(id)}</strong><div class="suite">${escapeHtml(claim?.suite ?? '?')}</div></td>`;
    return machines.map((machine, index) => {
      const verdict = result.claims.find((candidate) => candidate.id === id && candidate.machine === machine);
      const anchor = single ? `evidence-${slug(id)}` : `evidence-${slug(id)}-${slug(machine)}`;
      const machineCell = single ? '' : `<td><span class="machine">${escapeHtml(machine)}</span></td>`;
      const cells = verdict
        ? `<td class="verdict-cell">${badge(verdict.verdict)}<div><code>${escapeHtml(verdict.judged ?? '-')}</code></div></td><td class="figure">${marginCell(verdict.margin, verdict)}${movedMark(verdict, comparison)}</td><td>${(verdict.engines ?? []).map(engineChip).join('') || '<span class="empty">-</span>'}</td><td>${folded(verdict, anchor)}</td>`
        : `<td>-</td><td class="empty">absent from this result</td><td></td><td id="${anchor}"></td>`;
      return `<tr data-claim="${escapeHtml(id)}" data-machine="${escapeHtml(machine)}"${index === 0 ? ` id="claim-${escapeHtml(slug(id))}"` : ''}>${index === 0 ? head : ''}${machineCell}${cells}</tr>`;
    }).join('\n');
  }).join('\n');
  const legend = Object.keys(VERDICT_COLOURS).map(badge).join(' ');
  return `<section id="ledger"><h2>Claims ledger</h2>
<p class="rule"><strong>The rule:</strong> ${escapeHtml(REPRESENTATIVE_RULE)} ${legend}</p>
<table class="ledger"><thead><tr><th>claim</th>${single ? '' : '<th>machine</th>'}<th>verdict, judged cell</th><th>deciding figure (interval, n) vs threshold</th><th>other Wasm engines</th><th>reason (open for all of it and the evidence)</th></tr></thead>
<tbody>
${rows}
</tbody></table></section>`;
}
