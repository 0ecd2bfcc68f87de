/**
 * The WASI conformance table of the report: one row per conformance program
 * (a WASI family), one column per machine and Wasm engine, each cell the
 * portability suite's `conformance` outcome (pass, fail, not-run) with the
 * differing cases in its tooltip. Shown beside the isolation matrix, so a
 * reader sees which engine runs which WASI feature next to what it contains.
 */
import type { Outcome } from '../core/results.ts';
import { escapeHtml } from './html-text.ts';

/** Cell colours, as the outcome matrices colour pass and fail. */
const CELL_STYLE: Record<string, string> = { pass: 'background:#c8e6c9', fail: 'background:#ffcdd2', 'not-run': 'background:#eeeeee' };

/** The conformance rows as an HTML table, or an empty string when the result has none. */
export function conformanceTable(outcomes: readonly Outcome[]): string {
  const rows = outcomes.filter((row) => row.suite === 'portability' && row.condition === 'conformance');
  if (!rows.length) return '';
  const columnOf = (row: Outcome): string => `${row.machine ?? 'this machine'} · ${row.runner}`;
  const columns = [...new Set(rows.map(columnOf))];
  const programs = [...new Set(rows.map((row) => row.subject))].sort();
  const cell = new Map(rows.map((row) => [`${row.subject}\u0000${columnOf(row)}`, row]));
  const head = columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  const body = programs.map((program) => {
    const cells = columns.map((column) => {
      const row = cell.get(`${program}\u0000${column}`);
      if (!row) return '<td>-</td>';
      return `<td style="${CELL_STYLE[row.outcome] ?? ''}" title="${escapeHtml(row.detail)}">${escapeHtml(row.outcome)}</td>`;
    }).join('');
    return `<tr><th>${escapeHtml(program)}</th>${cells}</tr>`;
  }).join('\n');
  return `<figure id="wasi-conformance"><figcaption><strong>WASI preview1 conformance per engine.</strong> The suite's own conformance programs (fixtures/src/wasi/, one per family), each in a fresh writable /sandbox; a program passes when every case answers as the specification allows (hover a cell for the cases that differ). Rows of the portability suite, condition <code>conformance</code>.</figcaption>`
    + `<table class="conformance"><thead><tr><th>program</th>${head}</tr></thead><tbody>\n${body}\n</tbody></table></figure>`;
}
