/**
 * The HTML report: one self-contained index.html (vega, vega-lite and
 * vega-embed inlined, no network) with the claims ledger first, the evidence
 * behind each verdict, the charts of every suite, and the environment of
 * every machine. It renders result files only; it never measures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLAIMS, CLAIMS_SOURCE } from '../core/claims.ts';
import type { Environment } from '../core/environment.ts';
import { SUITE_NAMES, type ClaimVerdict, type Measurement, type ResultFile, type SuiteName } from '../core/results.ts';
import { CHARTS, type VegaLiteSpec } from './charts.ts';
import { conformanceTable } from './conformance-table.ts';
import { writeResultFiles } from './formats.ts';
import { escapeHtml, scriptJson, slug } from './html-text.ts';
import { machinesOf, mergeResults, type MergedResult } from './merge.ts';
import { round } from './rows.ts';

/** Colours of the verdicts, in the ledger and the evidence. */
export const VERDICT_COLOURS: Record<string, string> = {
  confirmed: '#2e7d32',
  refuted: '#c62828',
  inconclusive: '#ef6c00',
  'not-run': '#757575',
};

/** The browser bundles inlined into the page, in load order. */
const BUNDLES = [
  ['vega', 'build/vega.min.js'],
  ['vega-lite', 'build/vega-lite.min.js'],
  ['vega-embed', 'build/vega-embed.min.js'],
] as const;

/** The folder of an installed package (its exports hide package.json, so walk up from its entry). */
function packageDir(name: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of package ${name}`);
    dir = parent;
  }
  return dir;
}

let bundleCache: string | undefined;

/** The inlined script elements of vega, vega-lite and vega-embed (read once). */
function inlineBundles(): string {
  bundleCache ??= BUNDLES.map(([name, file]) => {
    const source = fs.readFileSync(path.join(packageDir(name), file), 'utf8');
    // A bundle containing `</script` would end its element early; neutralise it.
    return `<script>/* ${name} */\n${source.replace(/<\/script/gi, '<\\/script')}\n</script>`;
  }).join('\n');
  return bundleCache;
}

/** A coloured verdict badge. */
function badge(verdict: string): string {
  const colour = VERDICT_COLOURS[verdict] ?? '#455a64';
  return `<span class="verdict" style="background:${colour}">${escapeHtml(verdict)}</span>`;
}

/** The claim ids of the ledger: the known claims in order, then any id the results add. */
export function ledgerIds(result: MergedResult): string[] {
  const known = CLAIMS.map((claim) => claim.id);
  const extra = [...new Set(result.claims.map((claim) => claim.id))].filter((id) => !known.includes(id));
  return [...known, ...extra];
}

function verdictOf(result: MergedResult, id: string, machine: string): ClaimVerdict | undefined {
  return result.claims.find((claim) => claim.id === id && claim.machine === machine);
}

/** Distinct values across machines, or each value with its machine when they differ. */
function acrossMachines(verdicts: readonly ClaimVerdict[], field: 'measured' | 'threshold'): string {
  const values = [...new Set(verdicts.map((verdict) => verdict[field]))];
  if (values.length <= 1) return escapeHtml(values[0] ?? '-');
  return verdicts.map((verdict) => `<div><span class="machine">${escapeHtml(verdict.machine)}</span>: ${escapeHtml(verdict[field])}</div>`).join('');
}

function ledgerSection(result: MergedResult): string {
  const machines = machinesOf(result);
  const single = machines.length === 1;
  const head = single
    ? '<th>verdict</th><th>reason</th>'
    : machines.map((machine) => `<th>verdict: <span class="machine">${escapeHtml(machine)}</span></th>`).join('');
  const rows = ledgerIds(result).map((id) => {
    const claim = CLAIMS.find((candidate) => candidate.id === id);
    const verdicts = machines.map((machine) => verdictOf(result, id, machine)).filter((verdict): verdict is ClaimVerdict => verdict !== undefined);
    const perMachine = machines.map((machine) => {
      const verdict = verdictOf(result, id, machine);
      if (!verdict) return single ? '<td>-</td><td>absent from this result</td>' : '<td>- <div class="reason">absent from this result</div></td>';
      return single
        ? `<td>${badge(verdict.verdict)}</td><td class="reason">${escapeHtml(verdict.reason)}</td>`
        : `<td>${badge(verdict.verdict)}<div class="reason">${escapeHtml(verdict.reason)}</div></td>`;
    }).join('');
    return `<tr data-claim="${escapeHtml(id)}"><td><strong>${escapeHtml(id)}</strong><div class="suite">${escapeHtml(claim?.suite ?? '?')}</div></td>`
      + `<td class="source">${claim ? `&ldquo;${escapeHtml(claim.source)}&rdquo;` : 'not in this version&#39;s ledger'}</td>`
      + `<td>${acrossMachines(verdicts, 'measured')}</td><td>${acrossMachines(verdicts, 'threshold')}</td>${perMachine}`
      + `<td><a href="#evidence-${escapeHtml(slug(id))}">evidence</a></td></tr>`;
  }).join('\n');
  const legend = Object.keys(VERDICT_COLOURS).map(badge).join(' ');
  return `<section id="ledger"><h2>Claims ledger</h2>
<p>Each claim of ${escapeHtml(CLAIMS_SOURCE)}, what decides it, the threshold applied and the verdict ${single ? '' : 'on each machine '}with its reason. ${legend}</p>
<table class="ledger"><thead><tr><th>claim</th><th>source sentence</th><th>measured</th><th>threshold</th>${head}<th></th></tr></thead>
<tbody>
${rows}
</tbody></table></section>`;
}

/** A row value with its unit, and the unit the charts use where it differs. */
export function formatValue(value: number, unit: string): string {
  if (unit === 'ns') return `${round(value / 1e6)} ms`;
  if (unit === 'bytes') return `${round(value / 1024)} KiB`;
  return `${round(value)} ${unit}`;
}

function evidenceTable(rows: readonly Measurement[]): string {
  if (!rows.length) return '<p class="empty">No evidence rows recorded with this verdict.</p>';
  const body = rows.map((row) => `<tr>${[row.runner, row.config, row.lifecycle, row.workload, row.phase, row.metric, row.stat, String(row.apps ?? 1)].map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}<td class="number">${escapeHtml(formatValue(row.value, row.unit))}</td></tr>`).join('');
  return `<table class="rows"><thead><tr><th>runner</th><th>config</th><th>lifecycle</th><th>workload</th><th>phase</th><th>metric</th><th>stat</th><th>apps</th><th>value</th></tr></thead><tbody>${body}</tbody></table>`;
}

function evidenceSection(result: MergedResult): string {
  const machines = machinesOf(result);
  const blocks = ledgerIds(result).map((id) => {
    const claim = CLAIMS.find((candidate) => candidate.id === id);
    const perMachine = machines.map((machine) => {
      const verdict = verdictOf(result, id, machine);
      if (!verdict) return `<h4><span class="machine">${escapeHtml(machine)}</span></h4><p class="empty">This claim is absent from this result.</p>`;
      return `<h4><span class="machine">${escapeHtml(machine)}</span> ${badge(verdict.verdict)}</h4><p>${escapeHtml(verdict.reason)}</p>${evidenceTable(verdict.evidence ?? [])}`;
    }).join('\n');
    const suiteLink = claim ? `<p>Decided by: ${escapeHtml(claim.decidedBy)}. Charts: <a href="#suite-${claim.suite}">${escapeHtml(claim.suite)}</a>.</p>` : '';
    return `<div class="evidence" id="evidence-${escapeHtml(slug(id))}"><h3>${escapeHtml(id)}</h3>${suiteLink}${perMachine}</div>`;
  }).join('\n');
  return `<section id="evidence"><h2>Evidence behind each verdict</h2>\n${blocks}\n</section>`;
}

/** The rows a suite has, per machine. */
function suiteRowCounts(result: MergedResult, suite: SuiteName): Map<string, number> {
  const counts = new Map<string, number>(machinesOf(result).map((machine) => [machine, 0]));
  for (const row of [...result.measurements, ...result.outcomes]) {
    if (row.suite !== suite) continue;
    const machine = row.machine ?? 'unknown';
    counts.set(machine, (counts.get(machine) ?? 0) + 1);
  }
  return counts;
}

/** The chart specs of the report by chart id; charts with no rows are absent. */
export function buildSpecs(result: Pick<ResultFile, 'measurements' | 'outcomes'>): Map<string, VegaLiteSpec> {
  const specs = new Map<string, VegaLiteSpec>();
  for (const chart of CHARTS) {
    const spec = chart.build({ measurements: result.measurements, outcomes: result.outcomes });
    if (spec) specs.set(chart.id, spec);
  }
  return specs;
}

function suiteSection(result: MergedResult, suite: SuiteName, specs: ReadonlyMap<string, VegaLiteSpec>): string {
  const counts = suiteRowCounts(result, suite);
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const status = [...counts].map(([machine, count]) => {
    const statuses = result.suites.filter((entry) => entry.suite === suite && entry.machine === machine);
    const said = statuses.map((entry) => `${entry.status}${entry.detail ? `: ${entry.detail}` : ''}`).join('; ');
    const what = count ? `${count} rows` : 'not run in this result';
    return `<li><span class="machine">${escapeHtml(machine)}</span>: ${escapeHtml(what)}${said ? ` (${escapeHtml(said)})` : ''}</li>`;
  }).join('');
  const header = `<section id="suite-${suite}"><h2>${escapeHtml(suite)}</h2><ul class="status">${status}</ul>`;
  if (!total) return `${header}<p class="not-run">Not run in this result: no ${escapeHtml(suite)} rows on any machine.</p></section>`;
  const figures = CHARTS.filter((chart) => chart.suite === suite).map((chart) => {
    const body = specs.has(chart.id)
      ? `<div class="chart"></div>`
      : `<p class="empty">No rows for this chart in these results.</p>`;
    return `<figure id="chart-${chart.id}" data-chart="${chart.id}"${specs.has(chart.id) ? ' data-has-spec="true"' : ''}><figcaption><strong>${escapeHtml(chart.title)}.</strong> ${escapeHtml(chart.caption)}</figcaption>${body}</figure>`;
  }).join('\n');
  const beside = suite === 'isolation' ? conformanceTable(result.outcomes) : '';
  return `${header}${figures}${beside}<p>All rows: <a href="${suite}.csv">${suite}.csv</a>.</p></section>`;
}

const ENVIRONMENT_FIELDS: [string, (environment: Environment) => string][] = [
  ['os', (e) => e.os],
  ['platform / arch', (e) => `${e.platform} / ${e.arch}`],
  ['kernel', (e) => e.kernel],
  ['CPU', (e) => `${e.cpuModel} (${e.cpuCount} available)`],
  ['memory', (e) => `${round(e.memoryBytes / 2 ** 30)} GiB`],
  ['Node / V8', (e) => `${e.node} / ${e.v8}`],
  ['Docker engine', (e) => e.docker ?? 'none answered'],
  ['tools', (e) => Object.entries(e.tools ?? {}).map(([tool, version]) => `${tool}: ${version ?? 'absent'}`).join('\n') || '-'],
  ['suite commit', (e) => e.gitCommit ?? 'not a git checkout'],
  ['profile', (e) => e.profile],
  ['command', (e) => (e.argv ?? []).join(' ')],
  ['started / finished', (e) => `${e.startedAt} / ${e.finishedAt ?? 'unfinished'}`],
  ['artifacts (sha256)', (e) => Object.entries(e.artifacts ?? {}).map(([name, digest]) => `${name}: ${digest}`).join('\n') || '-'],
];

function environmentSection(result: MergedResult): string {
  const head = result.environments.map((environment) => `<th><span class="machine">${escapeHtml(environment.machine)}</span></th>`).join('');
  const rows = ENVIRONMENT_FIELDS.map(([label, field]) =>
    `<tr><th>${escapeHtml(label)}</th>${result.environments.map((environment) => `<td><pre>${escapeHtml(field(environment))}</pre></td>`).join('')}</tr>`).join('\n');
  return `<section id="environment"><h2>Environment of every machine</h2><table class="environment"><thead><tr><th></th>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></section>`;
}

function filesSection(result: MergedResult): string {
  const csvs = SUITE_NAMES.filter((suite) => result.measurements.some((row) => row.suite === suite) || result.outcomes.some((row) => row.suite === suite));
  const links = [...csvs.map((suite) => `<li><a href="${suite}.csv">${suite}.csv</a></li>`), '<li><a href="results.json">results.json</a> (every row, verdict and environment)</li>'].join('');
  return `<section id="files"><h2>Data files</h2><p>Beside this page:</p><ul>${links}</ul></section>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1280px;padding:1em 2em;color:#212121}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #e0e0e0;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #e0e0e0;padding:.35em .5em;vertical-align:top;text-align:left}
thead th{background:#f5f5f5}.ledger td.source{font-style:italic;max-width:22em}.reason{font-size:12px;color:#424242;max-width:26em}
.verdict{color:#fff;border-radius:3px;padding:.1em .45em;font-weight:600;font-size:12px;white-space:nowrap}
.machine{font-family:ui-monospace,monospace;font-size:12px;background:#eceff1;padding:0 .3em;border-radius:2px}
.suite{font-size:12px;color:#757575}.empty,.not-run{color:#616161;font-style:italic}
figure{margin:1.2em 0}figcaption{margin-bottom:.4em}.rows td.number{text-align:right;white-space:nowrap}
.environment pre{margin:0;white-space:pre-wrap;font-size:12px}nav a{margin-right:1em}
`;

/** The report page for merged results, as HTML text. */
export function renderHtml(result: MergedResult, generatedAt = new Date()): string {
  const specs = buildSpecs(result);
  const machines = machinesOf(result);
  const nav = ['ledger', ...SUITE_NAMES.map((suite) => `suite-${suite}`), 'evidence', 'environment', 'files']
    .map((id) => `<a href="#${id}">${escapeHtml(id.replace(/^suite-/, ''))}</a>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasm-serverless-bench report</title><style>${STYLE}</style></head>
<body>
<header><h1>wasm-serverless-bench report</h1>
<p>Machines: ${machines.map((machine) => `<span class="machine">${escapeHtml(machine)}</span>`).join(' ')}. Generated ${escapeHtml(generatedAt.toISOString())}.</p>
<nav>${nav}</nav></header>
${ledgerSection(result)}
${SUITE_NAMES.map((suite) => suiteSection(result, suite, specs)).join('\n')}
${evidenceSection(result)}
${environmentSection(result)}
${filesSection(result)}
${inlineBundles()}
<script type="application/json" id="wsb-specs">${scriptJson(Object.fromEntries(specs))}</script>
<script>
(function () {
  var specs = JSON.parse(document.getElementById('wsb-specs').textContent);
  var views = {}, errors = [];
  var jobs = Object.keys(specs).map(function (id) {
    var target = document.querySelector('#chart-' + id + ' .chart');
    return vegaEmbed(target, specs[id], { actions: false, renderer: 'svg' }).then(function (embedded) {
      views[id] = embedded.view;
    }, function (error) {
      errors.push(id + ': ' + error.message);
      target.textContent = 'This chart could not be drawn: ' + error.message;
      console.error('chart ' + id + ': ' + error.message);
    });
  });
  window.wsbReport = { views: views, errors: errors, ready: Promise.all(jobs) };
})();
</script>
</body></html>
`;
}

/**
 * Writes a self-contained index.html for one or more result files (merged,
 * each figure labelled by machine) and returns its path. The CSVs it links
 * are written by {@link writeReport} (or by the bench, through formats.ts).
 */
export function writeHtmlReport(outDir: string, results: readonly ResultFile[]): string {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'index.html');
  fs.writeFileSync(file, renderHtml(mergeResults(results)));
  return file;
}

/** Merges result files and writes the whole report: results.json (merged), one CSV per suite, index.html. */
export function writeReport(outDir: string, results: readonly ResultFile[]): string[] {
  const merged = mergeResults(results);
  const written = writeResultFiles(outDir, merged);
  const file = path.join(outDir, 'index.html');
  fs.writeFileSync(file, renderHtml(merged));
  return [...written, file];
}
