/**
 * The HTML report: one self-contained index.html (vega inlined, the charts
 * compiled from vega-lite here, no network). From the top: what changed
 * since the baseline, the headline (one card per claim family, the first
 * screen), the claims ledger, the history of each headline figure, the
 * charts and per-cell tables of every suite (folded), the variants
 * (ablation, folded), the environment of every machine. It renders result
 * files only; it never measures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { logger as vegaLogger, Error as ERRORS_ONLY } from 'vega';
import * as vegaLite from 'vega-lite';
import { CLAIMS } from '../core/claims.ts';
import { judgedLabel, REUSED_LIFECYCLE } from '../core/representatives.ts';
import type { Environment } from '../core/environment.ts';
import { SUITE_NAMES, type Measurement, type Outcome, type ResultFile, type SuiteName } from '../core/results.ts';
import { CHARTS, type ChartInput, type VegaLiteSpec } from './charts.ts';
import { conformanceTable } from './conformance-table.ts';
import { resultFileContents, resultJson, writeFilesAtomically } from './formats.ts';
import { formatFigure } from './figures.ts';
import { historyPoints, historySpec, measuredAt, reportContext, verdictsOnly, type ReportContext } from './history.ts';
import { FAMILIES, headlineChartId, headlineSection, quotingNote } from './html-headline.ts';
import { ledgerIds, ledgerSection } from './html-ledger.ts';
import { escapeHtml, scriptJson } from './html-text.ts';
import { machinesOf, mergeResults, type MergedResult } from './merge.ts';
import { cellLabel, pivotStats, round } from './rows.ts';
import { ablationRows, runnerConfig, splitVariants } from './variants.ts';

/** The browser bundle inlined into the page: vega alone (the vega-lite specs are compiled here). */
const BUNDLE = ['vega', 'build/vega.min.js'] as const;

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

/** The inlined script element of vega (read once). */
function inlineBundle(): string {
  const [name, file] = BUNDLE;
  // A bundle containing `</script` would end its element early; neutralise it.
  bundleCache ??= `<script>/* ${name} */\n${fs.readFileSync(path.join(packageDir(name), file), 'utf8').replace(/<\/script/gi, '<\\/script')}\n</script>`;
  return bundleCache;
}

/** The id of a suite chart in the ablation section. */
const ablationId = (chartId: string): string => `ablation-${chartId}`;
/** The id of a claim's history chart. */
const historyId = (claim: string): string => `history-${claim}`;

/**
 * The chart specs of the report (vega-lite) by chart id: the headline's, the
 * suites' (representatives), the ablation's (variants beside their
 * representatives) and, with past results, each headline figure's history.
 * Charts with no rows are absent.
 */
export function buildSpecs(result: Pick<ResultFile, 'measurements' | 'outcomes'> & Partial<Pick<MergedResult, 'claims' | 'environments'>>, context: ReportContext = {}): Map<string, VegaLiteSpec> {
  const specs = new Map<string, VegaLiteSpec>();
  const add = (id: string, spec: VegaLiteSpec | null): void => {
    if (spec) specs.set(id, spec);
  };
  const measurements = splitVariants(result.measurements);
  const outcomes = splitVariants(result.outcomes);
  const representatives: ChartInput = { measurements: measurements.representatives, outcomes: outcomes.representatives };
  for (const family of FAMILIES) add(headlineChartId(family), family.build(representatives));
  for (const chart of CHARTS) add(chart.id, chart.build(representatives));
  const ablation: ChartInput = { measurements: ablationRows(result.measurements), outcomes: ablationRows(result.outcomes) };
  if (measurements.variants.length || outcomes.variants.length) for (const chart of CHARTS) add(ablationId(chart.id), chart.build(ablation));
  if (context.history?.length && result.claims && result.environments) {
    const points = historyPoints([...context.history, result as MergedResult]);
    for (const [claim, list] of points) add(historyId(claim), historySpec(list));
  }
  return specs;
}

/** Vega specs, compiled from vega-lite here so the page needs vega alone (and no compile step at load). */
function compileSpecs(specs: ReadonlyMap<string, VegaLiteSpec>): Record<string, unknown> {
  // Warnings are the chart tests' business (test/reports/chart-specs.test.ts fails on any); the command line stays quiet.
  const logger = vegaLogger(ERRORS_ONLY);
  return Object.fromEntries([...specs].map(([id, spec]) => [id, vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec, { logger }).spec]));
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

/** A figure element for a chart, drawn when it is first shown. */
function figure(id: string, title: string, caption: string, specs: ReadonlyMap<string, VegaLiteSpec>): string {
  if (!specs.has(id)) return '';
  return `<figure id="chart-${id}" data-chart="${id}" data-has-spec="true"><figcaption><strong>${escapeHtml(title)}.</strong> ${escapeHtml(caption)}</figcaption><div class="chart"></div></figure>`;
}

/** One row per measured cell (summary statistics only): the numbers behind the charts, searchable. */
function cellTable(rows: readonly Measurement[]): string {
  const cells = pivotStats(rows, ['count', 'value', 'p50', 'ci95-low', 'ci95-high', 'p99', 'max']);
  if (!cells.length) return '';
  const machines = new Set(cells.map((cell) => cell.machine));
  const body = cells.map((cell) => {
    const unit = cell.row.unit;
    const at = (value: number | undefined): string => (value === undefined ? '' : formatFigure(value, unit));
    const ci = cell.stats['ci95-low'] !== undefined ? `${at(cell.stats['ci95-low'])}–${at(cell.stats['ci95-high'])}` : '';
    const central = cell.stats.p50 ?? cell.stats.value;
    const first = machines.size > 1 ? `<td>${escapeHtml(cell.machine)}</td>` : '';
    return `<tr>${first}<td>${escapeHtml(cellLabel(cell.row, { apps: false }))}</td><td>${escapeHtml(cell.row.phase)}</td><td>${escapeHtml(cell.row.metric)}</td><td class="number">${escapeHtml(cell.row.apps ?? '')}</td><td class="number">${escapeHtml(cell.stats.count ?? (cell.runs > 1 ? `${cell.runs} runs` : ''))}</td><td class="number">${escapeHtml(at(central))}</td><td class="number">${escapeHtml(ci)}</td><td class="number">${escapeHtml(at(cell.stats.p99))}</td><td class="number">${escapeHtml(at(cell.stats.max))}</td></tr>`;
  }).join('');
  return `<table class="rows cells"><thead><tr>${machines.size > 1 ? '<th>machine</th>' : ''}<th>cell</th><th>phase</th><th>metric</th><th>apps</th><th>n</th><th>median / value</th><th>95% CI</th><th>p99</th><th>max</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** Outcome rows as a table (probes, portability): what was seen, one line each. */
function outcomeTable(rows: readonly Outcome[]): string {
  if (!rows.length) return '';
  const body = rows.map((row) => `<tr>${[row.machine ?? '', row.subject, cellLabel(row, { workload: false }), row.condition, row.outcome, row.detail].map((cell) => `<td>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('');
  return `<table class="rows outcomes"><thead><tr><th>machine</th><th>subject</th><th>cell</th><th>condition</th><th>outcome</th><th>what was seen</th></tr></thead><tbody>${body}</tbody></table>`;
}

/** The host's available-memory drop per density step: noise on a shared machine, so listed as what it is rather than drawn on a per-app axis. */
function hostDropTable(rows: readonly Measurement[]): string {
  const drops = rows.filter((row) => row.suite === 'density' && row.metric === 'host-memory-per-app' && row.stat === 'value');
  if (!drops.length) return '';
  const body = drops.map((row) => `<tr><td>${escapeHtml(row.machine ?? '')}</td><td>${escapeHtml(cellLabel(row, { apps: false }))}</td><td class="number">${escapeHtml(row.apps ?? 1)}</td><td class="number">${escapeHtml(formatFigure(row.value, row.unit))}</td></tr>`).join('');
  return `<h4>The host's available memory, drop per app</h4><p>The drop of the whole host's available memory while the apps were loaded, divided by the apps: it counts every other process on the machine too, so on a shared machine it is noise, and negative when a neighbour freed memory. Shown for what it is, never as memory per app.</p><table class="rows"><thead><tr><th>machine</th><th>cell</th><th>apps</th><th>drop per app (signed)</th></tr></thead><tbody>${body}</tbody></table>`;
}

function suiteSection(result: MergedResult, suite: SuiteName, specs: ReadonlyMap<string, VegaLiteSpec>): string {
  const counts = suiteRowCounts(result, suite);
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const status = [...counts].map(([machine, count]) => {
    const statuses = result.suites.filter((entry) => entry.suite === suite && entry.machine === machine);
    const said = statuses.map((entry) => `${entry.status}${entry.detail ? `: ${entry.detail}` : ''}`).join('; ');
    const what = count ? `${count} rows` : 'not run in this result';
    return `<span class="machine">${escapeHtml(machine)}</span> ${escapeHtml(what)}${said ? ` (${escapeHtml(said)})` : ''}`;
  }).join('; ');
  if (!total) return `<div class="suite not-run" id="suite-${suite}"><strong>${escapeHtml(suite)}</strong>: Not run in this result: no ${escapeHtml(suite)} rows on any machine. ${status}.</div>`;
  const { representatives } = splitVariants(result.measurements.filter((row) => row.suite === suite && row.stat !== 'sample'));
  const outcomes = splitVariants(result.outcomes.filter((row) => row.suite === suite)).representatives;
  const figures = CHARTS.filter((chart) => chart.suite === suite).map((chart) => figure(chart.id, chart.title, chart.caption, specs)).join('\n');
  return `<details class="suite" id="suite-${suite}"><summary><strong>${escapeHtml(suite)}</strong>: ${status}</summary>
${figures}
${suite === 'density' ? hostDropTable(representatives) : ''}
<h4>Per cell (the declared representatives; summary statistics)</h4>${cellTable(representatives) || '<p class="empty">No summary rows.</p>'}
${outcomeTable(outcomes)}
${suite === 'isolation' ? conformanceTable(result.outcomes) : ''}
<p>All rows, raw samples and variants included: <a href="${suite}.csv">${suite}.csv</a>.</p></details>`;
}

function ablationSection(result: MergedResult, specs: ReadonlyMap<string, VegaLiteSpec>): string {
  const variants = [...splitVariants(result.measurements).variants, ...splitVariants(result.outcomes).variants];
  const intro = '<p>Every configuration and lifecycle that is not the declared representative of its substrate (pooling off, the inline configurations, instance reuse, the hardened container profile, ...), each shown beside its representative. Variants are measured and reported, and never decide a claim (nor appear in the headline).</p>';
  if (!variants.length) return `<section id="ablation"><h2>Variants (ablation)</h2>${intro}<p class="empty">No variant was measured in these results (<code>wsb bench --variants</code> measures them; <code>--full</code> includes them).</p></section>`;
  const names = [...new Set(variants.map((row) => judgedLabel(row.runner, runnerConfig(row.config), row.lifecycle === REUSED_LIFECYCLE ? REUSED_LIFECYCLE : '').replace(/\/$/, '')))];
  const figures = CHARTS.map((chart) => figure(ablationId(chart.id), `${chart.title}: variants`, chart.caption, specs)).join('\n');
  const rows = ablationRows(result.measurements).filter((row) => row.stat !== 'sample');
  return `<section id="ablation"><h2>Variants (ablation)</h2>${intro}
<details class="suite" id="ablation-details"><summary>${names.length} variant cell(s): ${escapeHtml(names.slice(0, 8).join('; '))}${names.length > 8 ? '; ...' : ''}</summary>
${figures}
<h4>Per cell (variants beside their representatives)</h4>${cellTable(rows)}
${outcomeTable(ablationRows(result.outcomes))}</details></section>`;
}

function historySection(result: MergedResult, specs: ReadonlyMap<string, VegaLiteSpec>, context: ReportContext): string {
  if (!context.history?.length) return '';
  const figures = ledgerIds(result).map((claim) => {
    const margin = result.claims.find((verdict) => verdict.id === claim && verdict.margin)?.margin;
    return figure(historyId(claim), claim, margin ? margin.figure : 'the deciding figure', specs);
  }).filter(Boolean).join('\n');
  const nights = context.history.length + 1;
  return `<section id="history"><h2>Night to night</h2><p>Each headline figure over ${nights} results (${escapeHtml(measuredAt(context.history[0] as MergedResult).slice(0, 10))} to ${escapeHtml(measuredAt(result).slice(0, 10))}): value per night (dot coloured by that night's verdict), its interval (bar) and the threshold (dashed), one line per machine (platform, architecture, Node major).</p>
<div class="history">${figures || '<p class="empty">No headline figure has a value on two nights.</p>'}</div></section>`;
}

/** The call-out at the top: verdicts that changed since the baseline, and how many figures moved. */
function changesSection(result: MergedResult, context: ReportContext): string {
  const notes = (context.notes ?? []).map((note) => `<div class="small">${escapeHtml(note)}</div>`).join('');
  const comparison = context.comparison;
  if (!comparison) return notes ? `<div class="baseline">${notes}</div>` : '';
  const when = escapeHtml(comparison.baselineAt.replace('T', ' ').slice(0, 16));
  const moved = `${comparison.moved.size} of ${comparison.compared} headline figures moved beyond their interval (marked ▲ ▼)`;
  const unmatched = comparison.unmatched.length ? `<div class="small">Not compared (no such machine in the baseline): ${comparison.unmatched.map((machine) => `<span class="machine">${escapeHtml(machine)}</span>`).join(' ')}</div>` : '';
  if (!comparison.changed.length) return `<div class="baseline" id="changes">Since the baseline of ${when}: no verdict changed; ${moved}.${unmatched}${notes}</div>`;
  const multiple = machinesOf(result).length > 1;
  const items = comparison.changed.map((change) =>
    `<a href="#claim-${escapeHtml(change.claim)}"><strong>${escapeHtml(change.claim)}</strong></a>${multiple ? ` on <span class="machine">${escapeHtml(change.machine)}</span>` : ''}: <span class="was">${escapeHtml(change.before)}</span> → <strong>${escapeHtml(change.after)}</strong>`).join('; ');
  return `<div class="changed" id="changes"><strong>${comparison.changed.length} verdict(s) changed since the baseline of ${when}:</strong> ${items}. <span class="small">${moved}.</span>${unmatched}${notes}</div>`;
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
  const summary = result.environments.map((environment) => `${environment.machine}: ${environment.os}, ${environment.cpuCount} CPUs, Node ${environment.node}, ${environment.profile}`).join('; ');
  return `<section id="environment"><h2>Environment of every machine</h2><details><summary>${escapeHtml(summary)}</summary><table class="environment"><thead><tr><th></th>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></details></section>`;
}

function filesSection(result: MergedResult): string {
  const csvs = SUITE_NAMES.filter((suite) => result.measurements.some((row) => row.suite === suite) || result.outcomes.some((row) => row.suite === suite));
  const links = [...csvs.map((suite) => `<a href="${suite}.csv">${suite}.csv</a>`), '<a href="results.json">results.json</a> (every row, verdict and environment)', '<a href="verdicts.json">verdicts.json</a> (the ledger alone, what the nightly keeps)'].join(' · ');
  return `<section id="files"><h2>Data files</h2><p>Beside this page: ${links}.</p></section>`;
}

const STYLE = `
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1280px;padding:.4em 1.2em 2em;color:#212121;box-sizing:border-box}
header h1{font-size:18px;margin:.15em 0 0}header p{margin:.1em 0;font-size:11.5px;color:#424242}header .nav{float:right;margin-top:.5em;font-size:12px}.nav a{margin-left:.8em}
h2{font-size:17px;border-bottom:2px solid #e0e0e0;padding-bottom:.15em;margin:1.4em 0 .5em}h4{margin:1em 0 .3em}
.headline{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px;margin-top:6px}
.card{border:1px solid #e0e0e0;border-radius:6px;padding:4px 8px;font-size:11.5px;line-height:1.28;overflow:hidden}
.card h3{font-size:14px;margin:0}.card figure{margin:0;min-height:60px}.card .caption{color:#616161;font-size:10.5px;margin:2px 0}
.card ul.claims{list-style:none;padding:0;margin:3px 0 0}.card ul.claims li{margin:2px 0}
table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #e0e0e0;padding:.25em .4em;vertical-align:top;text-align:left}
thead th{background:#f5f5f5}.ledger{font-size:12px;width:100%}.ledger td.claim{width:10em}.ledger td.figure{min-width:24em}.ledger td.verdict-cell code{font-size:11px}
.ledger details.reason{width:19em}.ledger details.reason summary{cursor:pointer;color:#424242;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.ledger details.reason[open]{width:auto;max-width:60em}
.ledger details.reason[open] summary{white-space:normal}.ledger td .machine{white-space:nowrap}
.verdict{color:#fff;border-radius:3px;padding:0 .4em;font-weight:600;font-size:11px;white-space:nowrap}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin:0 2px 0 1px;vertical-align:baseline}
.engine{white-space:nowrap}.small,.interval{font-size:11px;color:#616161}.rule{font-size:12px}
.machine{font-family:ui-monospace,monospace;font-size:11px;background:#eceff1;padding:0 .3em;border-radius:2px}
.suite{font-size:11px;color:#757575}.empty,.not-run{color:#616161;font-style:italic}
details.suite{border:1px solid #e0e0e0;border-radius:4px;padding:.3em .6em;margin:.35em 0;font-size:12.5px}details.suite>summary{cursor:pointer}
div.suite.not-run{padding:.3em .6em;font-size:12.5px}
figure{margin:.8em 0}figcaption{margin-bottom:.3em}.rows td.number{text-align:right;white-space:nowrap}.rows{font-size:11.5px}
.moved{font-weight:600;white-space:nowrap}.moved.up{color:#6a1b9a}.moved.down{color:#00695c}
.changed{border:2px solid #ef6c00;background:#fff3e0;border-radius:6px;padding:.15em .6em;margin:.3em 0;font-size:12px}
.baseline{background:#f5f5f5;border-radius:6px;padding:.15em .6em;margin:.3em 0;font-size:12px}.was{text-decoration:line-through;color:#757575}
.history{display:flex;flex-wrap:wrap;gap:4px 18px}.history figure{margin:.3em 0;font-size:11.5px}
.environment pre{margin:0;white-space:pre-wrap;font-size:11.5px}
`;

/** The page script: each chart is drawn when it is first shown (a folded chart when its details open), so the first screen loads fast. */
const SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('wsb-specs').textContent);
  var views = {}, errors = [], drawing = {};
  function draw(id) {
    if (drawing[id]) return drawing[id];
    var target = document.querySelector('#chart-' + id + ' .chart');
    drawing[id] = Promise.resolve().then(function () {
      var view = new vega.View(vega.parse(specs[id]), { renderer: 'svg', container: target, hover: true });
      return view.runAsync().then(function () { views[id] = view; });
    }).catch(function (error) {
      errors.push(id + ': ' + error.message);
      target.textContent = 'This chart could not be drawn: ' + error.message;
      console.error('chart ' + id + ': ' + error.message);
    });
    return drawing[id];
  }
  function shown(figure) { return !figure.parentElement.closest('details:not([open])'); }
  function drawShown(root) {
    var jobs = [];
    root.querySelectorAll('figure[data-has-spec]').forEach(function (figure) {
      if (shown(figure)) jobs.push(draw(figure.getAttribute('data-chart')));
    });
    return Promise.all(jobs);
  }
  document.addEventListener('toggle', function (event) { if (event.target.open) drawShown(event.target); }, true);
  window.wsbReport = {
    views: views,
    errors: errors,
    ready: drawShown(document),
    drawAll: function () { return Promise.all(Object.keys(specs).map(draw)); }
  };
})();
`;

/** The report page for merged results, as HTML text. */
export function renderHtml(result: MergedResult, generatedAt = new Date(), context: ReportContext = {}): string {
  const specs = buildSpecs(result, context);
  const machines = machinesOf(result);
  const nav = [['headline', 'headline'], ['ledger', 'ledger'], ...(context.history?.length ? [['history', 'night to night']] : []), ['suites', 'suites'], ['ablation', 'variants'], ['environment', 'environment'], ['files', 'files']]
    .map(([id, label]) => `<a href="#${id}">${escapeHtml(label)}</a>`).join('');
  const compared = context.comparison ? ` Baseline: ${escapeHtml(context.comparison.baselineAt.slice(0, 16).replace('T', ' '))}.` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wasm-serverless-bench report</title><style>${STYLE}</style></head>
<body>
<header><span class="nav">${nav}</span><h1>Do the WebAssembly serverless claims hold here? <span class="small">wasm-serverless-bench</span></h1>
<p>Machines: ${machines.map((machine) => `<span class="machine">${escapeHtml(machine)}</span>`).join(' ')}, measured ${escapeHtml(measuredAt(result).slice(0, 16).replace('T', ' '))} (report ${escapeHtml(generatedAt.toISOString().slice(0, 10))}).${compared} Charts show each substrate's declared representative (<a href="#ablation">variants</a> apart).${quotingNote(result)}</p></header>
${changesSection(result, context)}
${headlineSection(result, specs, context.comparison)}
${ledgerSection(result, context.comparison)}
${historySection(result, specs, context)}
<section id="suites"><h2>Per suite: charts, per-cell tables, CSVs</h2>
${SUITE_NAMES.map((suite) => suiteSection(result, suite, specs)).join('\n')}
</section>
${ablationSection(result, specs)}
${environmentSection(result)}
${filesSection(result)}
${inlineBundle()}
<script type="application/json" id="wsb-specs">${scriptJson(compileSpecs(specs))}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}

/** Options of {@link writeReport}: what tonight's results are compared with. */
export interface ReportOptions {
  /** The results to mark moved figures and changed verdicts against (merged when several). */
  baseline?: readonly ResultFile[];
  /** Past results (each one night, merged), for the history charts; the latest is the baseline when none is given. */
  history?: readonly ResultFile[];
  /** Notes to show at the top (past results that were given but not used). */
  notes?: readonly string[];
}

/** The report context of merged results and the options. */
function contextOf(merged: MergedResult, options: ReportOptions): ReportContext {
  return reportContext(merged, {
    ...(options.baseline?.length ? { baseline: mergeResults(options.baseline) } : {}),
    history: (options.history ?? []).map((past) => mergeResults([past])),
    ...(options.notes ? { notes: options.notes } : {}),
  });
}

/**
 * Writes a self-contained index.html for one or more result files (merged,
 * each figure labelled by machine) and returns its path. The CSVs it links
 * are written by {@link writeReport} (or by the bench, through formats.ts).
 */
export function writeHtmlReport(outDir: string, results: readonly ResultFile[], options: ReportOptions = {}): string {
  const merged = mergeResults(results);
  const [file] = writeFilesAtomically(outDir, new Map([['index.html', renderHtml(merged, new Date(), contextOf(merged, options))]]));
  return file as string;
}

/**
 * Merges result files and writes the whole report: results.json (merged),
 * verdicts.json (the ledger alone), one CSV per suite and index.html, every
 * file rendered before any is written, then written at once (formats.ts).
 */
export function writeReport(outDir: string, results: readonly ResultFile[], options: ReportOptions = {}): string[] {
  const merged = mergeResults(results);
  const files = resultFileContents(merged);
  files.set('verdicts.json', resultJson(verdictsOnly(merged)));
  files.set('index.html', renderHtml(merged, new Date(), contextOf(merged, options)));
  return writeFilesAtomically(outDir, files);
}
