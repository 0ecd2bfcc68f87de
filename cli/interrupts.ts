/**
 * Ctrl-C and SIGTERM handling for long commands: the first signal aborts the
 * operation's AbortSignal (so suites stop, close their cells and hand back
 * what they measured); a second one exits at once.
 */

/** Runs `operation` with a signal that aborts on SIGINT/SIGTERM. */
export async function withInterrupts<T>(operation: (signal: AbortSignal) => Promise<T>): Promise<{ value: T; aborted: boolean }> {
  const controller = new AbortController();
  const onSignal = (signalName: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`wsb: second ${signalName}, exiting now\n`);
      process.exit(130);
    }
    process.stderr.write(`wsb: ${signalName} received, stopping and cleaning up (again to exit at once)\n`);
    controller.abort(new DOMException(`interrupted by ${signalName}`, 'AbortError'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const value = await operation(controller.signal);
    return { value, aborted: controller.signal.aborted };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
