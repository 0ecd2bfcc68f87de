import { createWazeroRunner } from '../../../runners/wazero/index.ts';
import { noGrantTest } from '../shared-engine-tests.ts';

await noGrantTest(createWazeroRunner());
