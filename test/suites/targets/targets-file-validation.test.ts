import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTargets, targetUrl } from '../../../suites/targets/targets-file.ts';

const good = { name: 'spin-local', substrate: 'spin', url: 'http://127.0.0.1:3000/apps/', workloads: ['hello', 'echo'] };

test('a valid targets file: defaults filled, the base URL without its trailing slash', () => {
  const [plain, cold] = parseTargets({ targets: [good, { ...good, name: 'knative', substrate: 'knative', url: 'https://hello.example.net', workloads: ['hello'], scalesToZero: true, idleSeconds: 90 }] }, 'file');
  assert.deepEqual(plain, { name: 'spin-local', substrate: 'spin', url: 'http://127.0.0.1:3000/apps', workloads: ['hello', 'echo'], scalesToZero: false, idleSeconds: null });
  assert.equal(cold!.scalesToZero, true);
  assert.equal(cold!.idleSeconds, 90);
  assert.equal(targetUrl(plain!, { path: '/echo', query: 'x=1' }), 'http://127.0.0.1:3000/apps/echo?x=1');
});

test('every mistake is one usage error naming the target and the field', () => {
  const cases: [unknown, RegExp][] = [
    [[good], /expected an object \{"targets"/],
    [{ targets: [] }, /"targets" is empty/],
    [{ targets: [good], extra: 1 }, /unknown field "extra" at the top level/],
    [{ targets: [{ ...good, scaleToZero: true }] }, /targets\[0\] \("spin-local"\): unknown field "scaleToZero"/],
    [{ targets: [{ ...good, name: 'has space' }] }, /"name" must be/],
    [{ targets: [good, good] }, /targets\[1\] \("spin-local"\): "name" "spin-local" is used twice/],
    [{ targets: [{ ...good, substrate: '' }] }, /"substrate" must be a label/],
    [{ targets: [{ ...good, url: 'ftp://x' }] }, /"url" must be an absolute http/],
    [{ targets: [{ ...good, url: '127.0.0.1:3000' }] }, /"url" must be an absolute http/],
    [{ targets: [{ ...good, url: 'http://h/?a=1' }] }, /without query, fragment or credentials/],
    [{ targets: [{ ...good, url: 'http://user:pw@h/' }] }, /without query, fragment or credentials/],
    [{ targets: [{ ...good, workloads: [] }] }, /"workloads" must be a non-empty list/],
    [{ targets: [{ ...good, workloads: ['hello', 'nope'] }] }, /unknown workload "nope"/],
    [{ targets: [{ ...good, workloads: ['read-env'] }] }, /unknown workload "read-env"/],
    [{ targets: [{ ...good, workloads: ['hello', 'hello'] }] }, /lists a workload twice/],
    [{ targets: [{ ...good, scalesToZero: 'yes' }] }, /"scalesToZero" must be true or false/],
    [{ targets: [{ ...good, scalesToZero: true }] }, /"idleSeconds" must be a number of seconds greater than 0/],
    [{ targets: [{ ...good, scalesToZero: true, idleSeconds: 0 }] }, /"idleSeconds" must be a number/],
    [{ targets: [{ ...good, idleSeconds: 30 }] }, /"idleSeconds" only applies with "scalesToZero": true/],
  ];
  for (const [content, message] of cases) {
    assert.throws(
      () => parseTargets(content, '--targets t.json'),
      (error: Error & { kind?: string }) => error.kind === 'usage' && message.test(error.message) && error.message.startsWith('--targets t.json: ') && !error.message.includes('\n'),
      `${JSON.stringify(content)} should fail with ${message}`,
    );
  }
});
