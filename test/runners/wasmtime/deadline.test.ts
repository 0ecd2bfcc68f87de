import { createWasmtimeRunner } from '../../../runners/wasmtime/index.ts';
import { deadlineTest } from '../shared-engine-tests.ts';

await deadlineTest(createWasmtimeRunner());
