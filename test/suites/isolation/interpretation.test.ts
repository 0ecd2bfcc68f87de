import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PlantFacts } from '../../../suites/isolation/plant.ts';
import { parseAnswer, PROBES, type Observation, type ProbeAnswer } from '../../../suites/isolation/probes.ts';

const facts: PlantFacts = {
  root: '/tmp/wsb-isolation-x',
  secretFile: '/tmp/wsb-isolation-x/secret/secret.txt',
  grantedDir: '/tmp/wsb-isolation-x/granted',
  plantedLink: '/tmp/wsb-isolation-x/granted/escape',
  allowedFile: '/tmp/wsb-isolation-x/granted/allowed.txt',
  readonlyDir: '/tmp/wsb-isolation-x/readonly',
  scratchDir: '/tmp/wsb-isolation-x/scratch',
  workDir: '/tmp/wsb-isolation-x/workdir',
  secretValue: 'abc',
  listenHost: '127.0.0.1',
  listenPort: 4000,
  dnsName: 'example.com',
};

function observe(overrides: Partial<Observation>): Observation {
  return {
    runner: 'wasm',
    lifecycle: 'cold',
    answer: null,
    status: 200,
    bodyBytes: 0,
    error: null,
    elapsedMs: 5,
    control: null,
    neighbour: { ok: true },
    host: { newConnections: 0, writtenFiles: [], workDirFiles: [] },
    ...overrides,
  };
}

function interpret(probe: string, observation: Observation) {
  const spec = PROBES.find((candidate) => candidate.probe === probe);
  assert.ok(spec, probe);
  return spec.interpret(observation, facts);
}

const says = (probe: string, outcome: ProbeAnswer['outcome'], detail: string): ProbeAnswer => ({ probe, outcome, detail });

test('recorded answers of a capability probe: succeeded is an escape, blocked is contained', () => {
  const escaped = interpret('read-host-file', observe({ answer: says('read-host-file', 'succeeded', 'read 49 bytes of /tmp/wsb-isolation-x/secret/secret.txt') }));
  assert.equal(escaped.outcome, 'escaped');
  assert.match(escaped.detail, /read 49 bytes/);
  const contained = interpret('read-host-file', observe({ answer: says('read-host-file', 'blocked', 'open ...: Capabilities insufficient'), control: says('read-host-file', 'succeeded', 'read 24 bytes') }));
  assert.equal(contained.outcome, 'contained');
  assert.match(contained.detail, /control: the granted access works/);
});

test('a capability probe that gave no answer cannot tell', () => {
  const read = interpret('read-env', observe({ status: null, error: { kind: 'guest', message: 'trap: unreachable' } }));
  assert.equal(read.outcome, 'not-applicable');
  assert.match(read.detail, /trap: unreachable/);
});

test("the host's state overrides what the guest says", () => {
  const written = interpret('write-readonly', observe({ answer: says('write-readonly', 'blocked', 'could not write'), host: { newConnections: 0, writtenFiles: ['/tmp/wsb-isolation-x/readonly/probe-write.txt'], workDirFiles: [] } }));
  assert.equal(written.outcome, 'escaped');
  const connected = interpret('net-connect', observe({ answer: null, status: null, error: { kind: 'guest', message: 'malformed response' }, host: { newConnections: 1, writtenFiles: [], workDirFiles: [] } }));
  assert.equal(connected.outcome, 'escaped');
  assert.match(connected.detail, /accepted 1 connection/);
});

test('a file a probe left in its working directory is an escape, whatever the probe says', () => {
  const stray = '/tmp/wsb-isolation-x/workdir/made-link';
  for (const probe of ['symlink-escape', 'write-readonly', 'fd-exhaustion']) {
    const read = interpret(probe, observe({ answer: says(probe, 'blocked', 'refused'), host: { newConnections: 0, writtenFiles: [], workDirFiles: [stray] } }));
    assert.equal(read.outcome, 'escaped', probe);
    assert.match(read.detail, /left \/tmp\/wsb-isolation-x\/workdir\/made-link in its working directory/, probe);
  }
});

test('traps, deadlines and crashes are contained only while a neighbour goes on serving', () => {
  const stopped = interpret('infinite-loop', observe({ status: null, elapsedMs: 503, error: { kind: 'guest', message: 'deadline exceeded' } }));
  assert.equal(stopped.outcome, 'contained');
  assert.match(stopped.detail, /503 ms/);
  const hurt = interpret('crash', observe({ status: null, error: { kind: 'guest', message: 'trap: unreachable' }, neighbour: { ok: false, reason: 'worker gone' } }));
  assert.equal(hurt.outcome, 'host-affected');
  const broken = interpret('stack-overflow', observe({ status: null, error: { kind: 'internal', message: 'wasmtime host exited (SIGSEGV)' } }));
  assert.equal(broken.outcome, 'host-affected');
  const read = interpret('memory-oob', observe({ answer: says('memory-oob', 'succeeded', 'read byte 0 without a trap') }));
  assert.equal(read.outcome, 'escaped');
});

test('memory cap, state and output flood readings', () => {
  assert.equal(interpret('memory-grow', observe({ answer: says('memory-grow', 'succeeded', 'allocated 160 MiB') })).outcome, 'escaped');
  assert.equal(interpret('memory-grow', observe({ answer: says('memory-grow', 'blocked', 'allocation failed after 63 of 160 MiB') })).outcome, 'contained');
  assert.equal(interpret('memory-grow', observe({ status: null, error: { kind: 'guest', message: 'killed (OOM)' } })).outcome, 'contained');
  const warm = interpret('state-carryover', observe({ lifecycle: 'warm', answer: says('state-carryover', 'succeeded', 'earlier requests seen: 1') }));
  assert.equal(warm.outcome, 'escaped');
  assert.match(warm.detail, /expected/);
  assert.equal(interpret('state-carryover', observe({ answer: says('state-carryover', 'blocked', 'earlier requests seen: 0') })).outcome, 'contained');
  assert.equal(interpret('output-flood', observe({ bodyBytes: 16 << 20, answer: null })).outcome, 'contained');
  assert.equal(interpret('output-flood', observe({ bodyBytes: 80 << 20, answer: says('output-flood', 'succeeded', 'wrote') })).outcome, 'escaped');
  assert.equal(interpret('clock-random', observe({ answer: says('clock-random', 'succeeded', 'realtime=1') })).outcome, 'not-applicable');
});

test('a DNS failure proves nothing when the host itself resolves no name', () => {
  const spec = PROBES.find((candidate) => candidate.probe === 'dns-lookup');
  const read = spec!.interpret(observe({ answer: says('dns-lookup', 'error', 'Temporary failure in name resolution') }), { ...facts, dnsName: null });
  assert.equal(read.outcome, 'not-applicable');
});

test('the answer is the JSON of the last line, also after a flood of filler', () => {
  const filler = Buffer.from(`${'.'.repeat(1023)}\n`.repeat(8) + '{"probe":"output-flood","outcome":"succeeded","detail":"wrote 8192 bytes"}\n');
  assert.deepEqual(parseAnswer(filler), { probe: 'output-flood', outcome: 'succeeded', detail: 'wrote 8192 bytes' });
  assert.equal(parseAnswer(Buffer.from('.'.repeat(100))), null);
  assert.equal(parseAnswer(Buffer.from('{"probe":"x","outcome":"maybe","detail":""}')), null);
});
