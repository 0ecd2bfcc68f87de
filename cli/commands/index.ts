/** Every subcommand, in `wsb --help` order. */
import type { Command } from '../command.ts';
import { benchCommand } from './bench.ts';
import { reportCommand } from './report.ts';

export const COMMANDS: readonly Command[] = [benchCommand, reportCommand];
