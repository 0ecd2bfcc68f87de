import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { parseBenchArguments } from '../../cli/commands/bench.ts';

const usage = (error: Error & { kind?: string }): boolean => error.kind === 'usage';

test('--load: autocannon alone by default; locust adds Locust with one local worker per core', () => {
  assert.equal(parseBenchArguments([]).locust, null);
  assert.equal(parseBenchArguments(['--load', 'autocannon']).locust, null);
  assert.deepEqual(parseBenchArguments(['--load', 'locust']).locust, { localWorkers: os.availableParallelism(), remoteWorkers: 0 });
  assert.deepEqual(parseBenchArguments(['--suite', 'throughput', '--load', 'locust', '--workers', '3']).locust, { localWorkers: 3, remoteWorkers: 0 });
});

test('--load-master and --remote-workers: a master on an address of this machine, workers from elsewhere', () => {
  const parsed = parseBenchArguments(['--load', 'locust', '--load-master', '127.0.0.1:5557', '--remote-workers', '4', '--workers', '0']);
  assert.deepEqual(parsed.locust, { localWorkers: 0, remoteWorkers: 4, master: { host: '127.0.0.1', port: 5557 } });
});

test('bad load flags are usage errors', () => {
  const bad = [
    ['--load', 'wrk'],
    ['--workers', '2'],
    ['--load-master', '127.0.0.1:5557'],
    ['--load', 'locust', '--suite', 'coldstart'],
    ['--load', 'locust', '--workers', '-1'],
    ['--load', 'locust', '--workers', '1.5'],
    ['--load', 'locust', '--workers', '0'],
    ['--load', 'locust', '--remote-workers', '2'],
    ['--load', 'locust', '--load-master', '0.0.0.0:5557'],
    ['--load', 'locust', '--load-master', '192.0.2.1:5557'],
    ['--load', 'locust', '--load-master', 'localhost:5557'],
    ['--load', 'locust', '--load-master', '127.0.0.1'],
    ['--load', 'locust', '--load-master', '127.0.0.1:70000'],
  ];
  for (const argv of bad) assert.throws(() => parseBenchArguments(argv), usage, argv.join(' '));
});

test('--runner none measures no local cell; none does not mix with runners', () => {
  assert.deepEqual(parseBenchArguments(['--runner', 'none']).runners, []);
  assert.throws(() => parseBenchArguments(['--runner', 'none,wasm']), usage);
});
