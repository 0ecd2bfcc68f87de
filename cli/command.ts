/**
 * What a subcommand is, and the one wrapper that turns anything it throws
 * into a one-line message and an exit code.
 */
import net from 'node:net';
import os from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BenchError, exitCodeOf, firstLine, toBenchError, usageError } from '../core/errors.ts';

/** A subcommand of `wsb`: one file each under cli/commands/. */
export interface Command {
  name: string;
  /** One line for `wsb --help`. */
  summary: string;
  /** The whole `wsb <command> --help` text. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util's parseArgs in strict mode, its errors turned into usage errors
 * (exit code 2) that name the offending flag.
 */
export function parseCommandArgs<T extends Options>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    throw usageError(firstLine(error instanceof Error ? error.message : String(error)).replace(/\. To specify a positional argument.*$/, ''));
  }
}

/** Splits comma-separated, repeatable flag values: `--x a,b --x c` gives `[a, b, c]`. */
export function listOption(values: string | string[] | undefined): string[] {
  if (values === undefined) return [];
  return (Array.isArray(values) ? values : [values]).flatMap((value) => value.split(',')).map((v) => v.trim()).filter(Boolean);
}

/**
 * A comma-separated list of `key=value` configurations, where a configuration
 * may itself hold a comma and a flag (`pooling=on,inline`): a piece without
 * `=` belongs to the configuration before it.
 */
export function configListOption(values: string | string[] | undefined): string[] {
  const out: string[] = [];
  for (const piece of listOption(values)) {
    if (!piece.includes('=') && out.length > 0) out[out.length - 1] += `,${piece}`;
    else out.push(piece);
  }
  return out;
}

/** Parses a positive number flag, or throws a usage error naming the flag. */
export function numberOption(name: string, value: string | undefined, fallback: number, { integer = false, min = 0 } = {}): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= min || (integer && !Number.isInteger(parsed))) {
    throw usageError(`--${name} takes a ${integer ? 'whole ' : ''}number greater than ${min}, got "${value}"`);
  }
  return parsed;
}

/** Parses a whole number flag that may be 0, or throws a usage error naming the flag. */
export function countOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 0) throw usageError(`--${name} takes a whole number, 0 or more, got "${value}"`);
  return parsed;
}

/**
 * Parses a `HOST:PORT` flag. With `local`, HOST must be an IPv4 address of
 * one of this machine's interfaces (something to listen on that other
 * machines can name, so never 0.0.0.0); otherwise a name or an address.
 */
export function hostPortOption(name: string, value: string, { local = false } = {}): { host: string; port: number } {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (!match || port < 1 || port > 65535) throw usageError(`--${name} takes HOST:PORT (port 1-65535), got "${value}"`);
  const host = match[1] as string;
  if (local) {
    const mine = Object.values(os.networkInterfaces()).flat().some((entry) => entry?.address === host);
    if (!net.isIPv4(host) || !mine) throw usageError(`--${name} takes an IPv4 address of this machine (one the load workers reach, not 0.0.0.0) and a port, got "${value}"`);
  }
  return { host, port };
}

/**
 * Runs an action and maps whatever it throws to a one-line message on stderr
 * and the exit code of the error's kind (2 for usage errors). Set WSB_DEBUG=1
 * to see the stack.
 */
export async function runAction(action: () => Promise<number>, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    return await action();
  } catch (thrown) {
    const error: BenchError = toBenchError(thrown);
    stderr.write(`wsb: ${error.kind === 'usage' ? '' : `${error.kind} error: `}${firstLine(error.message)}\n`);
    if (process.env['WSB_DEBUG']) stderr.write(`${(thrown as Error)?.stack ?? String(thrown)}\n`);
    return exitCodeOf[error.kind];
  }
}
