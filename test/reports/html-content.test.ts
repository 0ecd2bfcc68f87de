import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CLAIMS } from '../../core/claims.ts';
import { readResultFile } from '../../reports/formats.ts';
import { renderHtml } from '../../reports/html.ts';
import { mergeResults } from '../../reports/merge.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const linux = readResultFile(path.join(FIXTURES, 'linux-x64'));
const darwin = readResultFile(path.join(FIXTURES, 'darwin-arm64'));

test('the ledger comes first, one row per claim id, each with its source sentence and a link to its evidence', () => {
  const html = renderHtml(mergeResults([linux, darwin]));
  const ledger = html.indexOf('id="ledger"');
  assert.ok(ledger > 0 && ledger < html.indexOf('id="suite-coldstart"'));
  const rows = [...html.matchAll(/<tr data-claim="([^"]+)">/g)].map((match) => match[1]);
  assert.deepEqual(rows, CLAIMS.map((claim) => claim.id));
  for (const claim of CLAIMS) {
    assert.ok(html.includes(`href="#evidence-${claim.id}"`), claim.id);
    assert.ok(html.includes(`id="evidence-${claim.id}"`), claim.id);
  }
  assert.ok(html.includes('&ldquo;A WebAssembly runtime has almost no startup time'));
});

test('text from result files is escaped; nothing in a row can end a script element', () => {
  const hostile = {
    ...linux,
    claims: linux.claims.map((claim) => ({ ...claim, reason: '<img src=x onerror=alert(1)>' })),
    outcomes: [...linux.outcomes, { ...linux.outcomes[0]!, detail: '</script><script>alert(1)</script>' }],
  };
  const html = renderHtml(mergeResults([hostile]));
  assert.ok(!html.includes('<img src=x'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(!html.includes('</script><script>alert(1)'));
  assert.ok(html.includes('\\u003c/script>\\u003cscript>alert(1)'));
});

test('a suite with no rows says plainly it was not run, per machine and overall', () => {
  const html = renderHtml(mergeResults([darwin]));
  const isolation = html.slice(html.indexOf('id="suite-isolation"'), html.indexOf('id="suite-portability"'));
  assert.match(isolation, /Not run in this result/);
  assert.doesNotMatch(isolation, /<figure/);
  const density = html.slice(html.indexOf('id="suite-density"'), html.indexOf('id="suite-throughput"'));
  assert.match(density, /not run in this result \(skipped: not implemented yet\)/);
  assert.doesNotMatch(html, /href="isolation\.csv"/);
  assert.match(html, /href="portability\.csv"/);
});

test('the page loads nothing from the network: vega inlined, a CSP that forbids fetching', () => {
  const html = renderHtml(mergeResults([linux]));
  assert.doesNotMatch(html, /<script[^>]+src=/);
  assert.doesNotMatch(html, /<link[^>]+href="https?:/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /\/\* vega-embed \*\//);
});
