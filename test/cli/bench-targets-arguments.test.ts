import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parseBenchArguments } from '../../cli/commands/bench.ts';

const WSB = path.resolve(import.meta.dirname, '../../bin/wsb.js');

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function file(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-targets-'));
  dirs.push(dir);
  const where = path.join(dir, 'targets.json');
  fs.writeFileSync(where, content);
  return where;
}

test('--targets FILE is read and checked while parsing', () => {
  const where = file(JSON.stringify({ targets: [{ name: 'a', substrate: 'spin', url: 'http://127.0.0.1:3000', workloads: ['hello'] }] }));
  const parsed = parseBenchArguments(['--targets', where, '--runner', 'none']);
  assert.equal(parsed.targets?.[0]?.name, 'a');
  assert.throws(() => parseBenchArguments(['--targets', where, '--suite', 'density']), (error: Error & { kind?: string }) => error.kind === 'usage' && /--targets needs the coldstart or throughput suite/.test(error.message));
});

test('a bad targets file stops wsb bench before anything starts: one line, exit 2', async () => {
  for (const [content, message] of [['{"targets": [', /not JSON/], ['{"targets": [{"name": "a", "substrate": "spin", "url": "http://127.0.0.1:3000", "workloads": ["hello"], "port": 1}]}', /unknown field "port"/]] as const) {
    const result = await execa('node', [WSB, 'bench', '--targets', file(content)], { reject: false });
    assert.equal(result.exitCode, 2);
    const lines = String(result.stderr).trim().split('\n');
    assert.equal(lines.length, 1, String(result.stderr));
    assert.match(lines[0]!, message);
    assert.equal(String(result.stdout), '', 'nothing ran');
  }
  const missing = await execa('node', [WSB, 'bench', '--targets', '/nonexistent/targets.json'], { reject: false });
  assert.equal(missing.exitCode, 2);
  assert.match(String(missing.stderr), /cannot read it \(ENOENT\)/);
});
