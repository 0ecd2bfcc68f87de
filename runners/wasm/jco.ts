/** Placeholder replaced below. */
import type { Runner } from '../types.ts';
import type { RunModuleOptions, RunModuleResult } from './run-module.ts';
export function createJcoRunner(): Runner { throw new Error('todo'); }
export async function runModuleJco(_o: RunModuleOptions): Promise<RunModuleResult> { throw new Error('todo'); }
