/** Console tables: the claims ledger and suite statuses at the end of a run. */
import { REPRESENTATIVE_RULE } from '../core/claims.ts';
import type { ClaimVerdict, ResultFile } from '../core/results.ts';
import { firstSentence, formatFigure, isFigure, marginLine } from '../reports/figures.ts';

/** Formats rows as an aligned text table. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** Wraps text into lines of at most `width` characters, each indented. */
function wrap(text: string, width: number, indent = ''): string {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines.map((line) => `${indent}${line}`).join('\n');
}

/** The deciding figure of a verdict (its interval, n and threshold), or, without one, the first sentence of its reason. */
function decidingFigure(claim: ClaimVerdict): string {
  if (claim.margin && isFigure(claim.margin.value)) return marginLine(claim.margin);
  return firstSentence(claim.reason, 100);
}

/** The other Wasm engines' verdicts, beside the headline: `wasm-wasmtime refuted 5.4 ms; wasm-wazero inconclusive`. */
function otherEngines(claim: ClaimVerdict): string {
  return (claim.engines ?? []).map((engine) => {
    const figure = engine.margin && isFigure(engine.margin.value) ? ` ${formatFigure(engine.margin.value, engine.margin.unit)}` : '';
    return `${engine.runner} ${engine.verdict}${figure}`;
  }).join('; ') || '-';
}

/**
 * The claims ledger and the suites' statuses, for the console: for every
 * verdict the judged cell, the deciding figure with its interval, n and
 * threshold, and the other Wasm engines' verdicts beside it, under the rule
 * every verdict follows.
 */
export function formatLedger(result: ResultFile): string {
  const claims = formatTable(
    ['claim', 'verdict', 'judged cell', 'deciding figure (interval, n) vs threshold', 'other Wasm engines'],
    result.claims.map((claim) => [claim.id, claim.verdict, claim.judged ?? '-', decidingFigure(claim), otherEngines(claim)]),
  );
  const suites = formatTable(
    ['suite', 'status', 'seconds', 'detail'],
    result.suites.map((suite) => [suite.suite, suite.status, (suite.durationMs / 1000).toFixed(1), suite.detail]),
  );
  return `\nClaims\n${wrap(`The rule: ${REPRESENTATIVE_RULE}`, 100, '  ')}\n\n${claims}\n\nSuites\n${suites}\n`;
}
