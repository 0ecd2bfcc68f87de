import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configListOption } from '../../cli/command.ts';

test('--config keeps a configuration that holds a comma (pooling=on,inline) whole', () => {
  assert.deepEqual(configListOption('pooling=on,inline,pooling=off'), ['pooling=on,inline', 'pooling=off']);
  assert.deepEqual(configListOption(['pooling=on,inline', 'profile=hardened']), ['pooling=on,inline', 'profile=hardened']);
  assert.deepEqual(configListOption('inline'), ['inline'], 'a lone flag stays as given (and is then refused as unknown)');
  assert.deepEqual(configListOption(undefined), []);
});
