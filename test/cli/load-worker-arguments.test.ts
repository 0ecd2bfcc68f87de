import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { parseLoadWorkerArguments } from '../../cli/commands/load-worker.ts';

const WSB = path.resolve(import.meta.dirname, '../../bin/wsb.js');

test('wsb load-worker: --master HOST:PORT (a name or an address), --workers default 1', () => {
  assert.deepEqual(parseLoadWorkerArguments(['--master', 'bench-box.lan:5557']), { master: { host: 'bench-box.lan', port: 5557 }, workers: 1, quiet: false });
  assert.equal(parseLoadWorkerArguments(['--master', '10.0.0.5:5557', '--workers', '4', '--quiet']).workers, 4);
  for (const argv of [[], ['--master', '10.0.0.5'], ['--master', '10.0.0.5:0'], ['--master', 'h:5557', '--workers', '0'], ['--master', 'h:5557', '--bogus']]) {
    assert.throws(() => parseLoadWorkerArguments(argv), (error: Error & { kind?: string }) => error.kind === 'usage', argv.join(' '));
  }
});

test('wsb load-worker --help and wsb bench --help explain the new flags', async () => {
  const worker = await execa('node', [WSB, 'load-worker', '--help']);
  for (const flag of ['--master HOST:PORT', '--workers N', '--load-master', '--remote-workers']) assert.ok(String(worker.stdout).includes(flag), flag);
  const bench = await execa('node', [WSB, 'bench', '--help']);
  for (const flag of ['--load ENGINE', '--workers N', '--remote-workers N', '--load-master HOST:PORT', '--targets FILE', 'none']) assert.ok(String(bench.stdout).includes(flag), flag);
  const bad = await execa('node', [WSB, 'load-worker'], { reject: false });
  assert.equal(bad.exitCode, 2);
});
