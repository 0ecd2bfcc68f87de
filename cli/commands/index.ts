/** Every subcommand, in `wsb --help` order. */
import type { Command } from '../command.ts';
import { benchCommand } from './bench.ts';

export const COMMANDS: readonly Command[] = [benchCommand];
