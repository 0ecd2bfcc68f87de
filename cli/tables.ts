/** Console tables: the claims ledger and suite statuses at the end of a run. */
import type { ResultFile } from '../core/results.ts';

/** Formats rows as an aligned text table. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The claims ledger and the suites' statuses, for the console. */
export function formatLedger(result: ResultFile): string {
  const maxReason = 90;
  const claims = formatTable(
    ['claim', 'verdict', 'reason'],
    result.claims.map((claim) => [claim.id, claim.verdict, claim.reason.length > maxReason ? `${claim.reason.slice(0, maxReason - 3)}...` : claim.reason]),
  );
  const suites = formatTable(
    ['suite', 'status', 'seconds', 'detail'],
    result.suites.map((suite) => [suite.suite, suite.status, (suite.durationMs / 1000).toFixed(1), suite.detail]),
  );
  return `\nClaims\n${claims}\n\nSuites\n${suites}\n`;
}
