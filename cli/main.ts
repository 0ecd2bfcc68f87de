/**
 * `wsb`: a thin shell over the programmatic API. It picks the subcommand,
 * which parses its own flags, calls the API and prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../core/environment.ts';
import { usageError } from '../core/errors.ts';
import { runAction, type Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';

/** The package version, from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Top-level help. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'wsb: puts the claims made for WebAssembly serverless platforms to the test',
    '',
    'Usage: wsb <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Options:',
    '  -h, --help     show this help (or `wsb <command> --help`)',
    '  -V, --version  print the version',
    '',
    'Exit codes: 0 ok, 1 failure, 2 usage error, 3 substrate unavailable, 130 interrupted.',
    '',
  ].join('\n');
}

/** Runs `wsb` with the given arguments and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  return runAction(async () => {
    const [first, ...rest] = argv;
    if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
      const topic = first === 'help' ? rest[0] : undefined;
      if (topic) return showCommandHelp(findCommand(topic));
      process.stdout.write(mainHelp());
      return first === undefined ? 2 : 0;
    }
    if (first === '-V' || first === '--version') {
      process.stdout.write(`wsb ${packageVersion()}\n`);
      return 0;
    }
    const command = findCommand(first);
    if (rest.includes('--help') || rest.includes('-h')) {
      const dashDash = rest.indexOf('--');
      const helpAt = Math.max(rest.indexOf('--help'), rest.indexOf('-h'));
      if (dashDash < 0 || helpAt < dashDash) return showCommandHelp(command);
    }
    return command.run(rest);
  });
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw usageError(`unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see wsb --help)`);
  return command;
}

function showCommandHelp(command: Command): number {
  process.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
  return 0;
}
