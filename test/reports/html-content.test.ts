import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CLAIMS, REPRESENTATIVE_RULE } from '../../core/claims.ts';
import { readResultFile } from '../../reports/formats.ts';
import { renderHtml } from '../../reports/html.ts';
import { FAMILIES } from '../../reports/html-headline.ts';
import { mergeResults } from '../../reports/merge.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const linux = readResultFile(path.join(FIXTURES, 'linux-x64'));
const darwin = readResultFile(path.join(FIXTURES, 'darwin-arm64'));

test('the headline comes first: one card per claim family, together holding every claim of the ledger', () => {
  const html = renderHtml(mergeResults([linux, darwin]));
  const headline = html.indexOf('id="headline"');
  assert.ok(headline > 0 && headline < html.indexOf('id="ledger"') && html.indexOf('id="ledger"') < html.indexOf('id="suites"'));
  const cards = [...html.matchAll(/<article class="card" id="family-([a-z]+)"/g)].map((match) => match[1]);
  assert.deepEqual(cards, FAMILIES.map((family) => family.id));
  const inCards = [...html.slice(headline, html.indexOf('id="ledger"')).matchAll(/<li data-claim="([^"]+)"/g)].map((match) => match[1]);
  assert.deepEqual([...inCards].sort(), CLAIMS.map((claim) => claim.id).sort());
  // The sentence gives the deciding figure with its interval and threshold, and the other machine's verdict is a dot beside it.
  const subMs = html.slice(html.indexOf('<li data-claim="coldstart-sub-ms"'), html.indexOf('</li>', html.indexOf('<li data-claim="coldstart-sub-ms"')));
  assert.match(subMs, />confirmed<\/span>.*L1 p99 of hello 360 µs \(95% CI 324 µs–414 µs, n=1000\) vs &lt; 1 ms\./);
  assert.match(subMs, /class="dot" style="background:#c62828" title="fixture-darwin-arm64: refuted/);
});

test('the ledger gives every verdict its judged cell, deciding figure, other engines and a one-line reason, under the rule', () => {
  const html = renderHtml(mergeResults([linux, darwin]));
  const ledger = html.slice(html.indexOf('id="ledger"'), html.indexOf('id="suites"'));
  assert.ok(ledger.includes(REPRESENTATIVE_RULE.replace(/'/g, '&#39;')));
  const rows = [...ledger.matchAll(/<tr data-claim="([^"]+)" data-machine="([^"]+)"/g)].map((match) => `${match[1]}@${match[2]}`);
  assert.deepEqual(rows, CLAIMS.flatMap((claim) => [`${claim.id}@fixture-linux-x64`, `${claim.id}@fixture-darwin-arm64`]));
  const row = ledger.slice(ledger.indexOf('data-claim="coldstart-sub-ms" data-machine="fixture-linux-x64"'), ledger.indexOf('data-claim="coldstart-sub-ms" data-machine="fixture-darwin-arm64"'));
  assert.match(row, /<code>wasm\[pooling=on\]\/cold<\/code>/);
  assert.match(row, /L1 p99 of hello:<\/span> <strong>360 µs<\/strong> <span class="interval">\(95% CI \(order statistics\) 324 µs–414 µs, n=1000\)<\/span> vs &lt; 1 ms/);
  assert.match(row, /wasm-wasmtime <span class="small">refuted 5.4 ms<\/span>/);
  assert.match(row, /wasm-wazero <span class="small">inconclusive<\/span>/);
  // The long reason, the source sentence and the evidence are folded, not deleted.
  assert.match(row, /<details class="reason" id="evidence-coldstart-sub-ms-fixture-linux-x64"><summary[^>]*>fixture reason for coldstart-sub-ms[^<]*<\/summary>/);
  assert.match(row, /A long second sentence that only the folded part of the ledger shows in full\./);
  assert.match(row, /&ldquo;A WebAssembly runtime has almost no startup time/);
  assert.match(row, /<table class="rows">/);
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

test('a suite with no rows says plainly it was not run, per machine and overall; the others fold their charts and tables', () => {
  const html = renderHtml(mergeResults([darwin]));
  const isolation = html.slice(html.indexOf('id="suite-isolation"'), html.indexOf('id="suite-portability"'));
  assert.match(isolation, /Not run in this result/);
  assert.doesNotMatch(isolation, /<figure/);
  const density = html.slice(html.indexOf('id="suite-density"'), html.indexOf('id="suite-throughput"'));
  assert.match(density, /not run in this result \(skipped: not implemented yet\)/);
  assert.match(html, /<details class="suite" id="suite-coldstart"><summary>/);
  assert.doesNotMatch(html, /href="isolation\.csv"/);
  assert.match(html, /href="portability\.csv"/);
  assert.match(html, /id="family-safer" data-family="safer"><h3>Safer\?<\/h3><p class="empty">No rows for this chart/);
});

test('the page loads nothing from the network: vega inlined, a CSP that forbids fetching', () => {
  const html = renderHtml(mergeResults([linux]));
  assert.doesNotMatch(html, /<script[^>]+src=/);
  assert.doesNotMatch(html, /<link[^>]+href="https?:/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /\/\* vega \*\//);
});
