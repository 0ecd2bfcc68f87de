/**
 * The spawner of cold process cells: a small, long-lived Node process that
 * spawns one process per request and times it. Why a process of its own:
 * libuv spawns with fork+exec, and a fork costs time in proportion to the
 * parent's memory; spawned from the bench process (hundreds of MiB of
 * compiled modules and samples) a static hello took ~10 ms, spawned from
 * this small host it takes what spawning costs. It speaks the engine-host
 * protocol of runners/engine-host.ts:
 * - `{op: "load", app, path, args, cwd}`: remembers the program of `app`
 *   and the working directory its processes get (the cell's temporary one).
 * - `{op: "invoke", app, env, deadlineMs}`, payload = stdin: spawns it with
 *   exactly this environment, as the leader of a process group of its own,
 *   feeds stdin, collects stdout, reaps it, and kills whatever it left in its
 *   group. A deadline, the output cap or the end of this host kills the
 *   process with everything it started (core/proc.ts).
 *   Answer `{ok, exitCode, trap, instantiateNs, invokeNs, stderr}`, payload =
 *   stdout; `trap` says why there is no response (deadline, output cap).
 */
import { spawn } from 'node:child_process';
import { nowNs } from '../../core/clock.ts';
import { HAS_PROCESS_GROUPS, killProcessGroup, killProcessTree, ownProcessGroup } from '../../core/proc.ts';
import { encodeHostMessage, MessageReader } from '../engine-host.ts';

/** Output cap per request, the same as the reference Wasm runtime's. */
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const STDERR_CAP_BYTES = 4096;

/** A loaded program: what to run and where. */
interface Program {
  path: string;
  args: string[];
  cwd: string | undefined;
}

const programs = new Map<string, Program>();
const running = new Set<ReturnType<typeof spawn>>();
const reader = new MessageReader();
let queue: Promise<void> = Promise.resolve();

const reply = (header: Record<string, unknown>, payload?: Uint8Array): void => {
  process.stdout.write(encodeHostMessage(header, payload));
};

reply({ ok: true, engine: `spawn host (node ${process.version}, pid ${process.pid})` });

process.stdin.on('data', (chunk: Buffer) => {
  for (const message of reader.push(chunk)) {
    queue = queue.then(() => handle(message.header, message.payload));
  }
});
process.stdin.on('end', () => {
  for (const child of running) killGuest(child);
  process.exit(0);
});

/** Kills a guest with everything it started. */
function killGuest(child: ReturnType<typeof spawn>): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) killProcessTree(child.pid, { group: HAS_PROCESS_GROUPS });
}

async function handle(header: Record<string, unknown>, payload: Buffer): Promise<void> {
  const app = String(header['app'] ?? '');
  if (header['op'] === 'load') {
    programs.set(app, { path: String(header['path']), args: (header['args'] as string[] | undefined) ?? [], cwd: typeof header['cwd'] === 'string' ? header['cwd'] : undefined });
    reply({ ok: true, compileNs: 0, detail: 'nothing to compile' });
    return;
  }
  const program = programs.get(app);
  if (header['op'] !== 'invoke' || !program) {
    reply({ ok: false, error: program ? `unknown op ${String(header['op'])}` : `unknown app ${app}` });
    return;
  }
  reply(...(await invoke(program, (header['env'] as Record<string, string>) ?? {}, Number(header['deadlineMs'] ?? 10_000), payload)));
}

function invoke(program: Program, env: Record<string, string>, deadlineMs: number, stdin: Buffer): Promise<[Record<string, unknown>, Uint8Array?]> {
  return new Promise((resolve) => {
    const startNs = nowNs();
    let instantiateNs: number | null = null;
    let trap = '';
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    // Why a group of its own (`detached`): a kill then reaches every process the guest started.
    const child = spawn(program.path, program.args, { env, cwd: program.cwd, detached: HAS_PROCESS_GROUPS, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    const timer = setTimeout(() => {
      trap = `no response within ${deadlineMs} ms (process killed)`;
      killGuest(child);
    }, deadlineMs);
    child.once('spawn', () => {
      instantiateNs = nowNs() - startNs;
      if (child.pid !== undefined) ownProcessGroup(child.pid);
    });
    // Why at exit: a descendant left in the group would otherwise outlive the request (and hold stdout, so `close` would wait for it).
    child.once('exit', () => {
      if (child.pid !== undefined) killProcessGroup(child.pid);
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes > MAX_OUTPUT_BYTES) {
        if (!trap) trap = `output cap exceeded: more than ${MAX_OUTPUT_BYTES} bytes (process killed)`;
        child.stdout.destroy();
        killGuest(child);
      } else stdout.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_CAP_BYTES) stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      resolve([{ ok: false, error: `cannot spawn ${program.path}: ${error.message}` }]);
    });
    child.once('close', (code, signalName) => {
      // Why stop the clock here: the response is complete and the process reaped (L1 includes teardown).
      const invokeNs = nowNs() - startNs;
      clearTimeout(timer);
      running.delete(child);
      const exitCode = code ?? (signalName ? 128 : null);
      resolve([{ ok: true, exitCode, trap, instantiateNs, invokeNs, stderr: stderr.slice(0, STDERR_CAP_BYTES), signal: signalName }, trap ? undefined : Buffer.concat(stdout)]);
    });
  });
}
