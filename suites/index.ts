/** The suites by name, one per claim family. */
import type { SuiteName } from '../core/results.ts';
import { coldstartSuite } from './coldstart/index.ts';
import { densitySuite } from './density/index.ts';
import { isolationSuite } from './isolation/index.ts';
import { portabilitySuite } from './portability/index.ts';
import { throughputSuite } from './throughput/index.ts';
import type { Suite } from './types.ts';

/** Every suite, by name. */
export const SUITES: Record<SuiteName, Suite> = {
  coldstart: coldstartSuite,
  density: densitySuite,
  isolation: isolationSuite,
  throughput: throughputSuite,
  portability: portabilitySuite,
};
