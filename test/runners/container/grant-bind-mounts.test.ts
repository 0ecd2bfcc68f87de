import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOptionsOf, isolationOptions } from '../../../runners/container/profiles.ts';
import { withBinds } from '../../../runners/container/runner.ts';

test('directory grants become bind mounts, read-only unless writable, beside the profile options', () => {
  const base = createOptionsOf(isolationOptions('hardened', 64));
  const options = withBinds(base, [
    { hostPath: '/srv/data', guestPath: '/data' },
    { hostPath: '/srv/scratch', guestPath: '/srv/scratch', writable: true },
  ]);
  assert.deepEqual(options.HostConfig?.Binds, ['/srv/data:/data:ro', '/srv/scratch:/srv/scratch:rw']);
  assert.equal(options.HostConfig?.ReadonlyRootfs, true);
  assert.deepEqual(options.HostConfig?.CapDrop, ['ALL']);
  assert.equal(withBinds(base, []), base, 'no grant, no mounts');
});
