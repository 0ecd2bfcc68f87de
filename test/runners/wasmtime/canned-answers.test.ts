import { createWasmtimeRunner } from '../../../runners/wasmtime/index.ts';
import { cannedAnswersTest } from '../shared-engine-tests.ts';

await cannedAnswersTest(createWasmtimeRunner());
