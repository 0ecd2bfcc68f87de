/**
 * Progress lines on stderr, prefixed with the time since the run started, so
 * that long work shows it is alive without mixing into stdout's results.
 */
import { nowNs } from './clock.ts';

/** A progress printer; `quiet` drops every line. */
export function createProgress(options: { quiet?: boolean; stream?: NodeJS.WritableStream } = {}): (message: string) => void {
  const startNs = nowNs();
  const stream = options.stream ?? process.stderr;
  return (message: string) => {
    if (options.quiet) return;
    const seconds = ((nowNs() - startNs) / 1e9).toFixed(1).padStart(6);
    stream.write(`[${seconds}s] ${message}\n`);
  };
}
