import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cannedRequest, loadWorkload } from '../../../fixtures/manifest.ts';
import { helloVariant } from '../../../fixtures/variants.ts';
import { startFront } from '../../../suites/http-front/front.ts';
import { NOOP_BODY, NOOP_PATH, routePath, SPIN_PATH } from '../../../suites/http-front/spec.ts';

test('the front serves the no-op route, a cell and a many-apps route, and 404s what it does not know', async () => {
  const canned = cannedRequest(loadWorkload('hello'));
  const front = await startFront({
    workers: 1,
    routes: [
      { route: 'one', runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'hello' },
      { route: 'many', runner: 'wasm', config: 'pooling=on', lifecycle: 'cold', workload: 'hello', apps: 3 },
      { route: 'echo', runner: 'wasm', config: 'pooling=on,inline', lifecycle: 'reused', workload: 'echo' },
    ],
  });
  try {
    assert.equal(await (await fetch(`${front.url}${NOOP_PATH}`)).text(), NOOP_BODY);
    assert.equal(await (await fetch(`${front.url}${SPIN_PATH}?us=50`)).text(), NOOP_BODY);
    for (const bad of ['', 'x', '-1', '1.5', '10001']) assert.equal((await fetch(`${front.url}${SPIN_PATH}?us=${bad}`)).status, 400, `us=${bad}`);
    const one = await fetch(`${front.url}${routePath('one', canned.request.path)}`);
    assert.equal(one.status, 200);
    assert.equal(await one.text(), canned.expected.body);
    for (const id of [0, 2]) {
      const app = await fetch(`${front.url}${routePath('many', canned.request.path, id)}`);
      assert.equal(await app.text(), helloVariant(id).expectedBody);
    }
    assert.equal((await fetch(`${front.url}${routePath('many', canned.request.path, 3)}`)).status, 404);
    assert.equal((await fetch(`${front.url}${routePath('nope', '/hello')}`)).status, 404);
    // A body (Content-Length) reaches the guest; a request without one is answered at once.
    const posted = await fetch(`${front.url}${routePath('echo', '/echo')}?a=1`, { method: 'POST', body: 'wsb-body-check', headers: { 'content-type': 'text/plain' } });
    assert.equal(posted.status, 200);
    assert.match(await posted.text(), /wsb-body-check/);
    const chunked = await fetch(`${front.url}${routePath('echo', '/echo')}`, { method: 'POST', body: new Blob(['chunked-body']).stream(), duplex: 'half' } as RequestInit);
    assert.match(await chunked.text(), /chunked-body/, 'a chunked body (Transfer-Encoding) reaches the guest too');
    const empty = await fetch(`${front.url}${routePath('echo', '/echo/empty')}`);
    assert.equal(empty.status, 200);
    assert.ok(front.pids.length >= 2);
  } finally {
    await front.close();
  }
});
