#!/usr/bin/env node
// Entry point of the `wsb` command. The sources are TypeScript run directly by
// Node's type stripping (Node >= 22.18), so there is no build step.
import { main } from '../cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
