import { createWazeroRunner } from '../../../runners/wazero/index.ts';
import { cannedAnswersTest } from '../shared-engine-tests.ts';

await cannedAnswersTest(createWazeroRunner());
