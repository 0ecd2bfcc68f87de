import { test } from 'node:test';
import assert from 'node:assert/strict';
import { valueRow, type Measurement, type Outcome } from '../../../core/results.ts';
import { decideCompactBinaries } from '../../../suites/portability/verdict.ts';

// Every figure below is written by hand from the rule (KiB = 1024 bytes), never taken from a run.
const CONFIGS: Record<string, string> = {
  wasm: 'default',
  'native-musl-static': 'platform=linux-x64,libc=musl 1.2.3',
  'native-glibc-static': 'platform=linux-x64,libc=glibc 2.36',
  'native-glibc-dynamic': 'platform=linux-x64,libc=glibc 2.36',
  'native-glibc-dynamic+libs': 'platform=linux-x64,libc=glibc 2.36,libraries=ldd',
};

const size = (workload: string, runner: string, bytes: number, config = CONFIGS[runner]!): Measurement =>
  valueRow({ suite: 'portability', runner, config, lifecycle: '-', workload, phase: 'size', metric: 'artifact-bytes', unit: 'bytes' }, bytes);
const image = (workload: string, bytes: number, binary = 'native-musl-static'): Measurement => size(workload, 'container-image', bytes, `platform=linux-x64,binary=${binary}`);
const notRun = (runner: string, detail: string): Outcome => ({ suite: 'portability', runner, config: 'platform=linux-x64', lifecycle: '-', workload: 'hello', subject: `hello (${runner})`, condition: 'platform=linux-x64', outcome: 'not-run', detail });

test('.wasm under the musl static binary and an image of it 10x the .wasm confirm; the smaller dynamic build is reported, not deciding', () => {
  // .wasm 40 KiB; musl 60 KiB = 1.5x; glibc static 680 KiB = 17x; dynamic 20 KiB = 0.5x, with libraries 2100 KiB = 52.5x; image 480 KiB = 12x.
  const verdict = decideCompactBinaries([
    size('hello', 'wasm', 40_960),
    size('hello', 'native-musl-static', 61_440),
    size('hello', 'native-glibc-static', 696_320),
    size('hello', 'native-glibc-dynamic', 20_480),
    size('hello', 'native-glibc-dynamic+libs', 2_150_400),
    image('hello', 491_520),
  ], []);
  assert.equal(verdict.verdict, 'confirmed', verdict.reason);
  assert.match(verdict.reason, /musl static 60\.0 KiB \(1\.5x the \.wasm\)/);
  assert.match(verdict.reason, /glibc static 680\.0 KiB \(17\.0x the \.wasm\)/);
  assert.match(verdict.reason, /glibc dynamic 20\.0 KiB alone \(0\.5x the \.wasm\), 2100\.0 KiB with its shared libraries \(52\.5x the \.wasm; ldd\)/);
  assert.match(verdict.reason, /image of native-musl-static 480\.0 KiB \(12\.0x the \.wasm\)/);
  assert.match(verdict.threshold, /\.wasm <= the native-musl-static binary/);
  // The least headroom: the image at 12x against 10x (1.2) is closer than the .wasm at 40/60 of the musl binary (1.5).
  assert.deepEqual(verdict.margin, { figure: 'hello image of native-musl-static / .wasm', unit: 'ratio', value: 12, low: 12, high: 12, interval: 'exact (file sizes)', n: 1, confirmsWhen: 'at-least', threshold: 10 });
  assert.match(verdict.threshold, />= 10x the \.wasm/);
});

test('an image of the musl binary less than 10x the .wasm refutes', () => {
  // 60 KiB image / 40 KiB .wasm = 1.5x.
  const verdict = decideCompactBinaries([size('hello', 'wasm', 40_960), size('hello', 'native-musl-static', 61_440), image('hello', 61_440)], []);
  assert.equal(verdict.verdict, 'refuted');
  assert.match(verdict.reason, /hello's image \(of native-musl-static\) is only 1\.5x its \.wasm/);
  assert.equal(verdict.margin?.figure, 'hello image of native-musl-static / .wasm');
  assert.equal(verdict.margin?.value, 1.5);
});

test('a .wasm larger than the musl static binary refutes, however much smaller than the glibc static one', () => {
  // 80 KiB .wasm > 60 KiB musl, < 680 KiB glibc static.
  const verdict = decideCompactBinaries([size('cpu', 'wasm', 81_920), size('cpu', 'native-musl-static', 61_440), size('cpu', 'native-glibc-static', 696_320), image('cpu', 8_192_000)], []);
  assert.equal(verdict.verdict, 'refuted');
  assert.match(verdict.reason, /cpu\.wasm is larger than its musl static binary/);
});

test('without musl-gcc the glibc static build stands in: it can refute, never confirm, and the verdict says so', () => {
  const noMusl = notRun('native-musl-static', 'no musl-static native build here: no musl compiler');
  // Under the glibc static binary (40 < 680 KiB) and an image of it at 17x: inconclusive, naming the fallback.
  const under = decideCompactBinaries([size('hello', 'wasm', 40_960), size('hello', 'native-glibc-static', 696_320), image('hello', 696_320, 'native-glibc-static')], [noMusl]);
  assert.equal(under.verdict, 'inconclusive', under.reason);
  assert.match(under.reason, /no musl static build here/);
  assert.match(under.reason, /the image holds native-glibc-static, not native-musl-static/);
  assert.match(under.reason, /no musl compiler/);
  // Over the glibc static binary (800 KiB > 680 KiB): refuted even on the fallback.
  const over = decideCompactBinaries([size('hello', 'wasm', 819_200), size('hello', 'native-glibc-static', 696_320), image('hello', 81_920_000, 'native-glibc-static')], [noMusl]);
  assert.equal(over.verdict, 'refuted');
  assert.match(over.reason, /hello\.wasm is larger than its glibc static binary/);
  // An image of the glibc binary under 10x (680 / 80 KiB = 8.5x): refuted, a musl image would be smaller still.
  const small = decideCompactBinaries([size('hello', 'wasm', 81_920), size('hello', 'native-glibc-static', 696_320), image('hello', 696_320, 'native-glibc-static')], [noMusl]);
  assert.equal(small.verdict, 'refuted');
  assert.match(small.reason, /image \(of native-glibc-static\) is only 8\.5x its \.wasm/);
});

test('no Docker engine leaves it inconclusive, with the reason', () => {
  const missing = notRun('container-image', 'no container image here: no Docker engine');
  const verdict = decideCompactBinaries([size('hello', 'wasm', 40_960), size('hello', 'native-musl-static', 61_440)], [missing]);
  assert.equal(verdict.verdict, 'inconclusive');
  assert.match(verdict.reason, /hello: no container image was measured/);
  assert.match(verdict.reason, /no Docker engine/);
  assert.equal(decideCompactBinaries([], []).verdict, 'not-run');
});
