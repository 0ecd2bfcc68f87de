/**
 * `wsb run`: runs a WASI command module once, mirroring `wasmtime run`:
 * guest stdout and stderr pass through, the exit code is the guest's, and the
 * guest sees only what was granted.
 */
import { BenchError, usageError } from '../../core/errors.ts';
import type { DirGrant } from '../../runners/types.ts';
import { runModule, type EngineName, type RunModuleOptions } from '../../runners/wasm/run-module.ts';
import { parseDirGrant } from '../../runners/wasm/sandbox-fs.ts';
import { numberOption, parseCommandArgs, type Command } from '../command.ts';
import { withInterrupts } from '../interrupts.ts';

const HELP = `Usage: wsb run <module.wasm> [options] [-- ARGS...]

Runs a WASI preview1 command module once on the suite's reference runtime.
The guest sees nothing of the host unless granted: no files, no environment.
Its stdout and stderr pass through; the exit code is the guest's exit code.
The guest's stdin is empty.

Options:
  --dir HOST[::GUEST]           grant a host directory, read-only (repeatable)
  --writable-dir HOST[::GUEST]  grant a host directory, writable (repeatable)
  --env KEY=VALUE               set a guest environment variable; KEY alone
                                passes the host's value (repeatable)
  --deadline-ms N               wall-clock limit (default 10000)
  --max-memory-mib N            memory cap; growth past it fails in the guest
                                (default 256)
  --engine v8|jco               V8 with the suite's WASI host (default), or the
                                module adapted to a component and run through jco
  -h, --help                    show this help

Exit codes: the guest's exit code; 1 when it trapped or ran past its deadline
(with a one-line message on stderr); 2 for bad input.`;

/** Parses `wsb run` arguments; everything is checked before the guest starts. */
export function parseRunArguments(argv: string[], hostEnv: NodeJS.ProcessEnv = process.env): Omit<RunModuleOptions, 'signal'> {
  const dashDash = argv.indexOf('--');
  const own = dashDash >= 0 ? argv.slice(0, dashDash) : argv;
  const guestTail = dashDash >= 0 ? argv.slice(dashDash + 1) : [];
  const { values, positionals } = parseCommandArgs(
    own,
    {
      dir: { type: 'string', multiple: true },
      'writable-dir': { type: 'string', multiple: true },
      env: { type: 'string', multiple: true },
      'deadline-ms': { type: 'string' },
      'max-memory-mib': { type: 'string' },
      engine: { type: 'string' },
    },
    true,
  );
  const [modulePath, ...guestArgs] = positionals;
  if (!modulePath) throw usageError('wsb run needs a module: wsb run <module.wasm> [options] [-- ARGS...]');
  const engine = values.engine ?? 'v8';
  if (engine !== 'v8' && engine !== 'jco') throw usageError(`--engine takes v8 or jco, got "${engine}"`);
  const dirs: DirGrant[] = [...(values.dir ?? []).map((value) => parseDirGrant(value, false)), ...(values['writable-dir'] ?? []).map((value) => parseDirGrant(value, true))];
  const env: Record<string, string> = {};
  for (const entry of values.env ?? []) {
    const equals = entry.indexOf('=');
    const key = equals >= 0 ? entry.slice(0, equals) : entry;
    if (!key) throw usageError(`--env takes KEY=VALUE or KEY, got "${entry}"`);
    env[key] = equals >= 0 ? entry.slice(equals + 1) : (hostEnv[key] ?? '');
  }
  return {
    modulePath,
    args: [...guestArgs, ...guestTail],
    env,
    dirs,
    deadlineMs: numberOption('deadline-ms', values['deadline-ms'], 10_000, { integer: true }),
    maxMemoryMib: numberOption('max-memory-mib', values['max-memory-mib'], 256),
    engine: engine as EngineName,
  };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run a WASI module once on the reference runtime (like wasmtime run)',
  help: HELP,
  async run(argv) {
    const options = parseRunArguments(argv);
    const { value: result } = await withInterrupts((signal) => runModule({ ...options, signal }));
    process.stdout.write(result.stdout);
    if (result.stderr) process.stderr.write(result.stderr);
    if (result.failure !== null) throw new BenchError('guest', result.failure);
    return result.exitCode ?? 1;
  },
};
