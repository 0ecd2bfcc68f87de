import { createWazeroRunner } from '../../../runners/wazero/index.ts';
import { deadlineTest } from '../shared-engine-tests.ts';

await deadlineTest(createWazeroRunner());
