/**
 * The suites by name. A suite name listed in SUITE_NAMES but not here yet is
 * reported `skipped` by the bench, and its claims `not-run`.
 */
import type { SuiteName } from '../core/results.ts';
import { coldstartSuite } from './coldstart/index.ts';
import { densitySuite } from './density/index.ts';
import { isolationSuite } from './isolation/index.ts';
import { portabilitySuite } from './portability/index.ts';
import { throughputSuite } from './throughput/index.ts';
import type { Suite } from './types.ts';

/** Every implemented suite, by name. */
export const SUITES: Partial<Record<SuiteName, Suite>> = {
  coldstart: coldstartSuite,
  density: densitySuite,
  isolation: isolationSuite,
  throughput: throughputSuite,
  portability: portabilitySuite,
};
