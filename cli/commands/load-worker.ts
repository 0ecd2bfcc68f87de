/**
 * `wsb load-worker`: Locust workers on this machine for a bench whose Locust
 * master runs on another machine (`wsb bench --load locust --load-master
 * HOST:PORT --remote-workers N`).
 */
import { BenchError, usageError } from '../../core/errors.ts';
import { createProgress } from '../../core/progress.ts';
import { findLocust, type MasterAddress } from '../../suites/throughput/locust/engine.ts';
import { runLoadWorkers } from '../../suites/throughput/locust/load-worker.ts';
import { countOption, hostPortOption, parseCommandArgs, type Command } from '../command.ts';
import { withInterrupts } from '../interrupts.ts';

/** Parsed `wsb load-worker` flags. */
export interface LoadWorkerArguments {
  master: MasterAddress;
  /** Worker processes on this machine. @default 1 */
  workers: number;
  quiet: boolean;
}

const HELP = `Usage: wsb load-worker --master HOST:PORT [--workers N]

Runs Locust workers on this machine for a bench whose Locust master runs on
another machine. There:

  wsb bench --suite throughput --load locust --load-master HOST:PORT --remote-workers N

and here (on every machine lending load, their --workers adding up to N):

  wsb load-worker --master HOST:PORT --workers K

The bench starts a Locust master for every target it loads; each worker here
connects, takes that run's locustfile (the requests and the answers they must
get) from the master, loads the target, sends its counts, and connects again
for the next run, until the bench says its last run is over. The targets are
the bench machine's servers at HOST (or the deployed targets of its
--targets file): this machine must reach them.

Options:
  --master HOST:PORT  the bench machine's --load-master address
  --workers N         worker processes on this machine (default 1; one per core
                      gives a machine's most)
  --quiet             no progress lines
  -h, --help          show this help

Locust is installed by scripts/setup.sh (into .venv-engines/). Exit codes:
0 the bench's last run is over; 2 bad flags; 3 Locust is not installed here,
or no master answered within Locust's connect limit (300 s); 130 interrupted.`;

/** Parses `wsb load-worker` arguments; every check happens here, before anything starts. */
export function parseLoadWorkerArguments(argv: string[]): LoadWorkerArguments {
  const { values } = parseCommandArgs(argv, {
    master: { type: 'string' },
    workers: { type: 'string' },
    quiet: { type: 'boolean' },
  });
  if (values.master === undefined) throw usageError('wsb load-worker needs --master HOST:PORT (the bench machine\'s --load-master)');
  const workers = countOption('workers', values.workers, 1);
  if (workers < 1) throw usageError('--workers takes a whole number greater than 0');
  return { master: hostPortOption('master', values.master), workers, quiet: values.quiet ?? false };
}

export const loadWorkerCommand: Command = {
  name: 'load-worker',
  summary: 'run Locust workers here for a bench whose Locust master is on another machine',
  help: HELP,
  async run(argv) {
    const options = parseLoadWorkerArguments(argv);
    const found = await findLocust();
    if (found.status !== 'available') throw new BenchError('unavailable', found.reason);
    const progress = createProgress({ quiet: options.quiet });
    progress(`Locust ${found.install.version}: ${options.workers} worker(s) for the master at ${options.master.host}:${options.master.port}`);
    const { value: runs, aborted } = await withInterrupts((signal) => runLoadWorkers(found.install, { master: options.master, workers: options.workers, signal, progress }));
    if (aborted) return 130;
    progress(`the bench's last run is over; runs per worker: ${runs.join(', ')}`);
    return 0;
  },
};
