/** Every subcommand, in `wsb --help` order. */
import type { Command } from '../command.ts';
import { benchCommand } from './bench.ts';
import { invokeCommand } from './invoke.ts';
import { loadWorkerCommand } from './load-worker.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';

export const COMMANDS: readonly Command[] = [benchCommand, runCommand, invokeCommand, reportCommand, loadWorkerCommand];
