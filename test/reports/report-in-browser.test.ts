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
import { FAMILIES } from '../../reports/html-headline.ts';
import { earlierNight, FIXTURES, writeNight } from './nights.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Kept by CI as an artifact (.github/workflows/ci.yml uploads test-output/). */
const FIRST_SCREEN = path.join(ROOT, 'test-output', 'report-first-screen.png');
const WHOLE_PAGE = path.join(ROOT, 'test-output', 'report.png');
/** The viewport the headline is made for. */
const SCREEN = { width: 1280, height: 900 };
/**
 * The page's length before the headline (issue 16): 17,915 px for these
 * fixtures at 1280x900, measured in Chromium on the old layout. The page may
 * be at most a third of it.
 */
const OLD_PAGE_HEIGHT_PX = 17_915;

/** What the page tells about itself once the shown charts are drawn. */
interface PageProbe {
  errors: string[];
  /** Data-mark items per drawn chart, from each vega view's scenegraph. */
  marks: Record<string, number>;
  /** SVG elements drawn inside data marks, per figure id. */
  svgMarks: Record<string, number>;
  /** Every card of the headline: its family, where it is on the page and the claims it holds. */
  cards: { family: string; top: number; bottom: number; left: number; right: number; claims: string[] }[];
  /** Whether the call-out of changed verdicts is on the first screen. */
  changesBottom: number | null;
  ledgerRows: (string | null)[];
  figures: (string | null)[];
  environmentColumns: number;
  heightPx: number;
}

// Runs in the page (plain JavaScript: this project's type check has no DOM types).
const PAGE_PROBE = `(async (all) => {
  const report = window.wsbReport;
  await report.ready;
  if (all) await report.drawAll();
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
  const changes = document.getElementById('changes');
  return {
    errors: report.errors,
    marks,
    svgMarks,
    cards: [...document.querySelectorAll('article.card')].map((card) => {
      const box = card.getBoundingClientRect();
      return { family: card.getAttribute('data-family'), top: box.top, bottom: box.bottom, left: box.left, right: box.right, claims: [...card.querySelectorAll('li[data-claim]')].map((li) => li.getAttribute('data-claim')) };
    }),
    changesBottom: changes ? changes.getBoundingClientRect().bottom : null,
    ledgerRows: [...document.querySelectorAll('table.ledger > tbody > tr')].map((row) => row.getAttribute('data-claim') + '@' + row.getAttribute('data-machine')),
    figures: [...document.querySelectorAll('figure[data-has-spec]')].map((figure) => figure.getAttribute('data-chart')),
    environmentColumns: document.querySelectorAll('table.environment thead th').length,
    heightPx: document.documentElement.scrollHeight,
  };
})`;

/** Debian's chromium (what scripts/setup.sh installs), or Google Chrome where that is what a machine has. */
const BROWSER = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((candidate) => fs.existsSync(candidate));

test('the report of two machines against last night, in Chromium: offline, the first screen holds every claim family with its chart drawn, every other chart draws when opened', {
  skip: BROWSER ? false : 'no Chromium at /usr/bin/chromium (scripts/setup.sh installs it)',
  timeout: 180_000,
}, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-report-'));
  const baseline = writeNight(dir, 'last-night', earlierNight('2025-01-03', { p99Scale: 2.5, subMsVerdict: 'inconclusive' }));
  const out = path.join(dir, 'site');
  const cli = await execa('node', [path.join(ROOT, 'bin/wsb.js'), 'report', path.join(FIXTURES, 'linux-x64'), path.join(FIXTURES, 'darwin-arm64', 'results.json'), '--baseline', baseline, '--out', out], { reject: false });
  assert.equal(cli.exitCode, 0, String(cli.stderr));

  const browser = await chromium.launch({
    executablePath: BROWSER as string,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage({ viewport: SCREEN });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => { if (!request.url().startsWith('file:')) requests.push(request.url()); });

    const started = Date.now();
    await page.goto(pathToFileURL(path.join(out, 'index.html')).href, { waitUntil: 'load' });
    const first = (await page.evaluate(`${PAGE_PROBE}(false)`)) as PageProbe;
    // Reported, never asserted: the machine is shared (the lead takes timings on an idle one).
    t.diagnostic(`page height ${first.heightPx} px at ${SCREEN.width}x${SCREEN.height}; load to headline drawn ${Date.now() - started} ms (busy machine)`);
    fs.mkdirSync(path.dirname(FIRST_SCREEN), { recursive: true });
    await page.screenshot({ path: FIRST_SCREEN });
    await page.screenshot({ path: WHOLE_PAGE, fullPage: true });

    // The first screen: every family's card, whole, with its chart drawn and the claims it answers.
    assert.deepEqual(first.cards.map((card) => card.family), FAMILIES.map((family) => family.id));
    for (const card of first.cards) {
      assert.ok(card.top >= 0 && card.bottom <= SCREEN.height && card.right <= SCREEN.width, `card ${card.family} is not within the first screen: ${JSON.stringify(card)}`);
      const id = `headline-${card.family}`;
      assert.ok((first.marks[id] ?? 0) > 0, `headline chart ${id} drew no marks`);
      assert.ok((first.svgMarks[`chart-${id}`] ?? 0) > 0, `headline chart ${id} has no SVG mark elements`);
    }
    assert.deepEqual(first.cards.flatMap((card) => card.claims).sort(), CLAIMS.map((claim) => claim.id).sort());
    assert.ok(first.changesBottom !== null && first.changesBottom <= SCREEN.height, 'the changed verdict is called out on the first screen');
    // Folded charts wait until they are opened.
    assert.ok(!('coldstart-layers' in first.marks), 'a folded chart is not drawn at load');
    assert.ok(first.heightPx <= OLD_PAGE_HEIGHT_PX / 3, `the page is ${first.heightPx} px, more than a third of the old ${OLD_PAGE_HEIGHT_PX} px`);

    const all = (await page.evaluate(`${PAGE_PROBE}(true)`)) as PageProbe;
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(requests, []);
    assert.deepEqual(all.errors, []);
    // The two fixtures hold rows for every suite chart, so every one must be there and draw.
    for (const id of [...CHARTS.map((chart) => chart.id), ...CHARTS.map((chart) => `ablation-${chart.id}`).filter((id) => all.figures.includes(id))]) {
      assert.ok(all.figures.includes(id), `no figure for ${id}`);
      assert.ok((all.marks[id] ?? 0) > 0, `chart ${id} drew no marks`);
      assert.ok((all.svgMarks[`chart-${id}`] ?? 0) > 0, `chart ${id} has no SVG mark elements`);
    }
    assert.ok(all.figures.includes('ablation-coldstart-layers'), 'the variants have their own charts');
    assert.deepEqual(all.ledgerRows, CLAIMS.flatMap((claim) => [`${claim.id}@fixture-linux-x64`, `${claim.id}@fixture-darwin-arm64`]));
    assert.equal(all.environmentColumns, 3);
  } finally {
    await browser.close();
  }
});
