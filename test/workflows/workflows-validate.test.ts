import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { registerHooks } from 'node:module';

// The parser's build imports its JSON schema without `with { type: 'json' }`
// (it is bundled elsewhere); Node requires the attribute, so add it for that file.
registerHooks({
  load(url, context, nextLoad) {
    if (url.includes('/@actions/workflow-parser/') && url.endsWith('.json')) {
      return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
    }
    return nextLoad(url, context);
  },
});
const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await import('@actions/workflow-parser');

const WORKFLOWS = path.resolve(import.meta.dirname, '../../.github/workflows');

/** Every error GitHub's own parser finds in a workflow, parse and conversion alike. */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((error) => error.message);
  if (parsed.value === undefined) return [...errors, 'the parser returned no workflow'];
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  return [...new Set([...errors, ...(template.errors ?? []).map((error) => error.Message)])];
}

test('the validator rejects a broken workflow (so the checks below can fail)', async () => {
  const broken = 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    stepz:\n      - run: echo hi\n';
  assert.notDeepEqual(await workflowErrors('broken.yml', broken), []);
});

test('every workflow passes GitHub\'s workflow parser with no error', async () => {
  const files = fs.readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file));
  assert.deepEqual(files.sort(), ['ci.yml', 'nightly.yml']);
  for (const file of files) {
    const errors = await workflowErrors(file, fs.readFileSync(path.join(WORKFLOWS, file), 'utf8'));
    assert.deepEqual(errors, [], `${file}: ${errors.join('; ')}`);
  }
});
