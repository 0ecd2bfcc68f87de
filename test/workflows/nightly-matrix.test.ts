import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const WORKFLOWS = path.resolve(import.meta.dirname, '../../.github/workflows');
const read = (file: string): string => fs.readFileSync(path.join(WORKFLOWS, file), 'utf8');

test('nightly runs the quick bench on four platforms and two Node versions, then publishes one merged report', () => {
  const nightly = read('nightly.yml');
  assert.match(nightly, /^\s+schedule:\s*\n\s+- cron: /m);
  assert.match(nightly, /^\s+workflow_dispatch:/m);
  assert.match(nightly, /os: \[ubuntu-latest, ubuntu-24\.04-arm, macos-latest, windows-latest\]/);
  assert.match(nightly, /node: \[22, 24\]/);
  assert.match(nightly, /fail-fast: false/);
  assert.match(nightly, /run: npm ci\b/);
  assert.match(nightly, /run: npm run bench -- --quick --out results\/\$\{\{ matrix\.os \}\}-node\$\{\{ matrix\.node \}\}/);
  assert.match(nightly, /uses: actions\/upload-artifact@v\d/);
  assert.match(nightly, /run: node bin\/wsb\.js report results\/\*\/ --history history\/nights --out site/);
  assert.match(nightly, /uses: actions\/upload-pages-artifact@v\d[\s\S]*path: site/);
  assert.match(nightly, /uses: actions\/deploy-pages@v\d/);
  assert.match(nightly, /pages: write/);
  assert.match(nightly, /id-token: write/);
  // The matrix jobs must run on Windows too: the one bash step (the external engines) is skipped there.
  const benchJob = nightly.slice(nightly.indexOf('  bench:'), nightly.indexOf('  report:'));
  const steps = benchJob.split(/\n      - /).slice(1);
  const bashSteps = steps.filter((step) => /\bbash\b|shell:|&&/.test(step));
  assert.equal(bashSteps.length, 1);
  assert.match(bashSteps[0]!, /if: runner\.os != 'Windows'[\s\S]*run: bash scripts\/setup\.sh --engines-only/);
  assert.ok(benchJob.indexOf('--engines-only') < benchJob.indexOf('npm run bench'), 'engines are installed before the bench');
  assert.match(benchJob, /uses: actions\/setup-go@v\d[\s\S]*go-version-file: runners\/wazero\/host\/go\.mod/);
});

test('nightly keeps each night\'s verdicts on the bench-history branch and reads the past nights back before the report', () => {
  const nightly = read('nightly.yml');
  const reportJob = nightly.slice(nightly.indexOf('  report:'));
  assert.match(reportJob, /contents: write/);
  const fetch = reportJob.indexOf('git fetch --depth=1 origin bench-history');
  const report = reportJob.indexOf('--history history/nights');
  const keep = reportJob.indexOf('cp site/verdicts.json "history/$night/verdicts.json"');
  assert.ok(fetch > 0 && fetch < report && report < keep, 'fetch the past nights, report against them, then keep tonight');
  assert.match(reportJob, /git -C history push origin HEAD:refs\/heads\/bench-history/);
  // Only the default branch's nights are history: a run dispatched on another branch does not push.
  assert.match(reportJob.slice(reportJob.indexOf("- name: Keep tonight's verdicts")), /^\s+if: github\.ref == format\('refs\/heads\/\{0\}', github\.event\.repository\.default_branch\)/m);
});

test('ci runs the README\'s test command on Linux on push and pull request', () => {
  const ci = read('ci.yml');
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
  assert.match(readme, /bash scripts\/setup\.sh && npm test/);
  assert.match(ci, /^\s+push:/m);
  assert.match(ci, /^\s+pull_request:/m);
  assert.match(ci, /runs-on: ubuntu-latest/);
  assert.match(ci, /run: bash scripts\/setup\.sh && npm test/);
});
