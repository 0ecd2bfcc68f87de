/**
 * What the common HTTP front serves: named routes, each a cell of the matrix
 * opened inside every front worker. Plain data, so it crosses process
 * boundaries as JSON.
 */
import type { Lifecycle } from '../../runners/types.ts';

/** One route of the front: `/r/<route>/<workload path>` goes to this cell. */
export interface FrontRoute {
  route: string;
  runner: string;
  config: string;
  lifecycle: Lifecycle;
  workload: string;
  /** Pre-warmed pool size per front worker. */
  poolSize?: number;
  /**
   * Many-apps route: this many distinct apps (hello variants, fixtures/variants.ts)
   * in one multi-app cell, each request to a fresh instance of the app named by
   * the first path segment: `/r/<route>/<appIndex>/<workload path>`.
   */
  apps?: number;
}

/** The front's whole configuration. */
export interface FrontSpec {
  routes: FrontRoute[];
  /** Front worker processes (the front uses every core by default). */
  workers: number;
  /** Address the front listens on. @default 127.0.0.1 (an address other machines reach when their load workers drive it) */
  host?: string;
}

/** The path prefix that selects a route. */
export const ROUTE_PREFIX = '/r/';

/** The no-op route: answered by the front itself, the harness ceiling. */
export const NOOP_PATH = '/noop';

/** The no-op route's body. */
export const NOOP_BODY = 'ok\n';

/**
 * The calibration route: `/spin?us=N` is answered like the no-op route after
 * the front spins N microseconds of CPU (at most {@link SPIN_MAX_US}). It
 * shows how much of the no-op ceiling a route keeps when its only cost is a
 * known amount of CPU per request, in the same run as the cells.
 */
export const SPIN_PATH = '/spin';

/** Largest spin the calibration route accepts, microseconds. */
export const SPIN_MAX_US = 10_000;

/** URL path of a route for a workload request path (e.g. `/hello`); `appIndex` selects the app of a many-apps route. */
export function routePath(route: string, workloadPath: string, appIndex?: number): string {
  const app = appIndex === undefined ? '' : `/${appIndex}`;
  return `${ROUTE_PREFIX}${encodeURIComponent(route)}${app}${workloadPath.startsWith('/') ? '' : '/'}${workloadPath}`;
}
