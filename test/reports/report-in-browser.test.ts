import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { execa } from 'execa';
import { CLAIMS } from '../../core/claims.ts';
import { CHARTS } from '../../reports/charts.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const SCREENSHOT = path.join(ROOT, 'test-output', 'report.png');

/** What the page tells about itself once every chart is embedded. */
interface PageProbe {
  errors: string[];
  /** Data-mark items per chart, from each vega view's scenegraph. */
  marks: Record<string, number>;
  /** SVG elements drawn inside data marks, per figure id. */
  svgMarks: Record<string, number>;
  ledgerClaims: (string | null)[];
  ledgerHeaders: (string | null)[];
  figures: (string | null)[];
  environmentColumns: number;
}

// Runs in the page (plain JavaScript: this project's type check has no DOM types).
const PAGE_PROBE = `(async () => {
  const report = window.wsbReport;
  await report.ready;
  const countMarks = (node, inDataMark) => {
    const isMark = node.marktype !== undefined;
    const dataMark = isMark ? node.role === 'mark' : inDataMark;
    let count = isMark && dataMark && node.marktype !== 'group' ? (node.items || []).length : 0;
    for (const child of node.items || []) count += countMarks(child, dataMark);
    return count;
  };
  const marks = {};
  for (const [id, view] of Object.entries(report.views)) marks[id] = countMarks(view.scenegraph().root, false);
  const svgMarks = {};
  for (const figure of document.querySelectorAll('figure[data-has-spec]')) {
    svgMarks[figure.id] = figure.querySelectorAll('svg .role-mark path, svg .role-mark line, svg .role-mark rect').length;
  }
  return {
    errors: report.errors,
    marks,
    svgMarks,
    ledgerClaims: [...document.querySelectorAll('table.ledger tbody tr')].map((row) => row.getAttribute('data-claim')),
    ledgerHeaders: [...document.querySelectorAll('table.ledger thead th')].map((cell) => cell.textContent),
    figures: [...document.querySelectorAll('figure[data-has-spec]')].map((figure) => figure.getAttribute('data-chart')),
    environmentColumns: document.querySelectorAll('table.environment thead th').length,
  };
})()`;

/** Debian's chromium (what scripts/setup.sh installs), or Google Chrome where that is what a machine has. */
const BROWSER = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((candidate) => fs.existsSync(candidate));

test('wsb report of two machines opens offline in Chromium: no console error, no network, every chart drawn, one ledger row per claim', {
  skip: BROWSER ? false : 'no Chromium at /usr/bin/chromium (scripts/setup.sh installs it)',
  timeout: 120_000,
}, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-report-'));
  const cli = await execa('node', [path.join(ROOT, 'bin/wsb.js'), 'report', path.join(FIXTURES, 'linux-x64'), path.join(FIXTURES, 'darwin-arm64', 'results.json'), '--out', out], { reject: false });
  assert.equal(cli.exitCode, 0, String(cli.stderr));

  const browser = await chromium.launch({
    executablePath: BROWSER as string,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => { if (!request.url().startsWith('file:')) requests.push(request.url()); });

    await page.goto(pathToFileURL(path.join(out, 'index.html')).href, { waitUntil: 'load' });
    const drawn = (await page.evaluate(PAGE_PROBE)) as PageProbe;
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(requests, []);
    assert.deepEqual(drawn.errors, []);
    // The two fixtures hold rows for every chart, so every chart must be there and drawn.
    assert.deepEqual(drawn.figures.sort(), CHARTS.map((chart) => chart.id).sort());
    for (const chart of CHARTS) {
      assert.ok((drawn.marks[chart.id] ?? 0) > 0, `chart ${chart.id} drew no marks`);
      assert.ok((drawn.svgMarks[`chart-${chart.id}`] ?? 0) > 0, `chart ${chart.id} has no SVG mark elements`);
    }
    assert.deepEqual(drawn.ledgerClaims, CLAIMS.map((claim) => claim.id));
    assert.ok(drawn.ledgerHeaders.some((header) => header?.includes('fixture-linux-x64')));
    assert.ok(drawn.ledgerHeaders.some((header) => header?.includes('fixture-darwin-arm64')));
    assert.equal(drawn.environmentColumns, 3);
  } finally {
    await browser.close();
  }
});
