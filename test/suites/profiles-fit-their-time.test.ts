/**
 * The quick profile fits 5 minutes and the full one 40 minutes (the nightly
 * job has 60) on a 2-core machine, by their plans: computed from the
 * settings and the cells each suite would open, never by running them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUITE_NAMES } from '../../core/results.ts';
import { DEFAULT_WORKLOADS } from '../../cli/commands/bench.ts';
import { QUICK_RUNNERS, resolveRunners, runnerNames } from '../../runners/index.ts';
import { planBench } from '../../suites/bench.ts';

const total = (plans: ReturnType<typeof planBench>): number => plans.reduce((sum, entry) => sum + entry.plan.plannedMs, 0);
const describe = (plans: ReturnType<typeof planBench>): string => plans.map((entry) => `${entry.suite} ${Math.round(entry.plan.plannedMs / 1000)} s (${entry.plan.detail})`).join('; ');

test('the quick profile, on the runners it measures by default, is planned within 5 minutes', () => {
  const plans = planBench({ suites: [...SUITE_NAMES], profile: 'quick', variants: false, workloads: DEFAULT_WORKLOADS }, resolveRunners(QUICK_RUNNERS));
  assert.equal(plans.length, SUITE_NAMES.length);
  for (const entry of plans) assert.ok(entry.plan.plannedMs > 0, `${entry.suite} plans no time`);
  assert.ok(total(plans) <= 5 * 60_000, `planned ${Math.round(total(plans) / 1000)} s: ${describe(plans)}`);
});

test('the full profile with its variants, every runner the suite installs (and Spin) available, is planned within 40 minutes', () => {
  // Why not the wasm-cli-* runners: they are engines a user has on PATH, which nothing of the suite installs (spin excepted: the nightly's).
  const installed = runnerNames().filter((name) => !name.startsWith('wasm-cli-') || name === 'wasm-cli-spin');
  const plans = planBench({ suites: [...SUITE_NAMES], profile: 'full', variants: true, workloads: DEFAULT_WORKLOADS }, resolveRunners(installed));
  assert.ok(total(plans) <= 40 * 60_000, `planned ${Math.round(total(plans) / 60_000)} min: ${describe(plans)}`);
});

test('more cells plan more time: the plan follows the runners, so it is not a constant', () => {
  const few = planBench({ suites: [...SUITE_NAMES], profile: 'quick', variants: false, workloads: DEFAULT_WORKLOADS }, resolveRunners(['wasm']));
  const many = planBench({ suites: [...SUITE_NAMES], profile: 'quick', variants: false, workloads: DEFAULT_WORKLOADS }, resolveRunners(QUICK_RUNNERS));
  assert.ok(total(many) > total(few));
  const variants = planBench({ suites: [...SUITE_NAMES], profile: 'quick', variants: true, workloads: DEFAULT_WORKLOADS }, resolveRunners(QUICK_RUNNERS));
  assert.ok(total(variants) > total(many));
});
