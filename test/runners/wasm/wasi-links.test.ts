import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { conformanceFamily } from './conformance-cases.ts';

const run = conformanceFamily('links');

/** Every symlink under `dir`, as host paths. */
function symlinksUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((entry) => entry.isSymbolicLink()).map((entry) => path.join(entry.parentPath, entry.name));
}

test('links: hard links the guest made share the inode on the host', () => {
  const sandbox = run().sandboxDir;
  const original = fs.statSync(path.join(sandbox, 'f'));
  assert.equal(fs.statSync(path.join(sandbox, 'd', 'l4')).ino, original.ino);
  assert.equal(fs.statSync(path.join(sandbox, 'l5')).ino, original.ino);
  assert.equal(original.nlink, 3);
});

test('links: every symlink the guest left points inside the grant', () => {
  const sandbox = run().sandboxDir;
  const links = symlinksUnder(sandbox);
  assert.ok(links.length >= 3, `symlinks found: ${links.join(', ')}`);
  for (const link of links) {
    const target = fs.readlinkSync(link);
    assert.ok(!path.isAbsolute(target), `${link} -> ${target}`);
    const resolved = path.resolve(path.dirname(link), target);
    assert.ok(resolved === sandbox || resolved.startsWith(`${sandbox}${path.sep}`), `${link} -> ${target} leaves the grant`);
  }
});

test('links: no link, rename or directory landed outside the grant', () => {
  for (const outside of ['/tmp/wsb-link', '/tmp/wsb-moved', path.join(run().parentDir, 'wsb-link'), path.join(run().parentDir, 'wsb-moved'), path.join(run().parentDir, 'wsb-dir')]) {
    assert.equal(fs.existsSync(outside), false, outside);
  }
});
