import { createWasmtimeRunner } from '../../../runners/wasmtime/index.ts';
import { noGrantTest } from '../shared-engine-tests.ts';

await noGrantTest(createWasmtimeRunner());
