/**
 * What a suite is: a named function of a context that records measurement
 * and outcome rows and decides claims. Suites drive runners; they never
 * render anything.
 */
import type { Profile } from '../core/environment.ts';
import type { ResultCollector, SuiteName } from '../core/results.ts';
import type { Runner, ServerRunner } from '../runners/types.ts';
import type { DeployedTarget } from './targets/targets-file.ts';
import type { LocustLayout } from './throughput/locust/engine.ts';

/** A runner the user asked for that cannot run here, with the reason. */
export interface UnavailableRunner {
  runner: string;
  reason: string;
  /** Set for a server runner (runners/types.ts ServerRunner): it never runs the CGI modules, only its own suites' server rows. */
  server?: boolean;
}

/** Everything a suite needs from the bench around it. */
export interface SuiteContext {
  profile: Profile;
  /** Aborts on Ctrl-C/SIGTERM: stop, close cells, return. */
  signal: AbortSignal;
  /** One line of progress for the console. */
  progress(message: string): void;
  /** Where rows and verdicts go as soon as they exist (kept on abort). */
  results: ResultCollector;
  /** The selected runners that are available here (server runners excepted). */
  runners: readonly Runner[];
  /**
   * The selected server runners that are available here: they serve HTTP
   * themselves and are measured server to server (L2, server start,
   * throughput, idle memory), never through the common front.
   */
  servers: readonly ServerRunner[];
  /** The selected runners that are not, with the reason (reported as not-run). */
  unavailable: readonly UnavailableRunner[];
  /** Workload names selected for the run. */
  workloads: readonly string[];
  /**
   * Whether to measure the variants (every configuration and lifecycle) as
   * well as the declared representatives (suites/representatives.ts).
   * @default true in the full profile, false in the quick one
   */
  variants: boolean;
  /** Deployed endpoints to drive beside the local cells (`--targets`). @default none */
  targets?: readonly DeployedTarget[];
  /** Locust as a second load engine beside autocannon (`--load locust`). @default none */
  locust?: LocustLayout | null;
}

/** What a plan is computed from: the run's choices, before anything starts. */
export type PlanInput = Pick<SuiteContext, 'profile' | 'runners' | 'servers' | 'workloads' | 'variants' | 'targets' | 'locust'>;

/**
 * What a suite expects to take, computed from its settings and the cells it
 * will open (never by running it): each phase's budget, the slow cells'
 * budgets counted in full, so that it is an upper estimate on a machine
 * like the one the profile was sized for (2 cores).
 */
export interface SuitePlan {
  plannedMs: number;
  /** The plan in a few words, e.g. `9 cells: L1 27 s, L2 12 s, idle 8 s`. */
  detail: string;
}

/** A suite: one claim family. */
export interface Suite {
  name: SuiteName;
  description: string;
  plan(input: PlanInput): SuitePlan;
  run(context: SuiteContext): Promise<void>;
}
