/**
 * The one place that turns anything thrown into a typed error. Every error the
 * CLI prints goes through {@link toBenchError}, so the user sees one line and
 * the process exits with the code of the error's kind.
 */

/** What went wrong, which decides the exit code and how the message reads. */
export type ErrorKind =
  /** Bad flags, unknown names, a file that is not what was asked for: exit 2. */
  | 'usage'
  /** A substrate (Docker engine, compiler, external engine) cannot be used here. */
  | 'unavailable'
  /** The guest trapped, ran past its deadline, or answered wrongly. */
  | 'guest'
  /** The run was stopped by the user (Ctrl-C) or a signal. */
  | 'aborted'
  /** Anything else: a bug or an environment failure. */
  | 'internal';

/** Exit codes by kind, in one place. */
export const exitCodeOf: Record<ErrorKind, number> = {
  usage: 2,
  unavailable: 3,
  guest: 1,
  aborted: 130,
  internal: 1,
};

/** An error with a kind and the original cause kept beside it. */
export class BenchError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'BenchError';
  }
}

/** Shorthand for a usage error (exit code 2). */
export function usageError(message: string, cause?: unknown): BenchError {
  return new BenchError('usage', message, { cause });
}

/** Wraps anything thrown into a {@link BenchError}, keeping the original as `cause`. */
export function toBenchError(thrown: unknown): BenchError {
  if (thrown instanceof BenchError) return thrown;
  if (thrown instanceof Error && thrown.name === 'AbortError') {
    return new BenchError('aborted', 'interrupted', { cause: thrown });
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new BenchError('internal', firstLine(message), { cause: thrown });
}

/** The first non-empty line of a message: errors are printed on one line. */
export function firstLine(message: string): string {
  return message.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown error';
}
