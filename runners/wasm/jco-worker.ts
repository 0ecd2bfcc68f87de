/**
 * The jco engine's worker: imports a transpiled component's JS glue once and
 * runs a fresh component instance per request against the grant-enforcing
 * preview2 host (jco-host.ts). Runs off the main thread so that a deadline
 * can terminate it, as for the V8 path.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nowNs } from '../../core/clock.ts';
import { describeTrap, type RunOutcome } from './engine.ts';
import { createJcoImports, JcoRequestState } from './jco-host.ts';
import type { RunRequest, WorkerReply } from './protocol.ts';
import type { ResolvedGrant } from './sandbox-fs.ts';
import { decodeStringList, OutputCapExceeded, ProcExit } from './wasi-host.ts';

/** What the jco worker starts with. */
export interface JcoWorkerInit {
  /** file: URL of the transpiled glue (instantiation mode, sync). */
  glueUrl: string;
  /** The component's core modules by file name, compiled once. */
  coreModules: Record<string, WebAssembly.Module>;
  grants: ResolvedGrant[];
  outputCapBytes: number;
}

type Instantiate = (getCoreModule: (name: string) => WebAssembly.Module, imports: unknown) => { run: { run(): void } };

const init = workerData as JcoWorkerInit;
const port = parentPort as NonNullable<typeof parentPort>;
const glue = (await import(init.glueUrl)) as { instantiate: Instantiate };
const getCoreModule = (name: string): WebAssembly.Module => {
  const module = init.coreModules[name];
  if (!module) throw new Error(`the transpiled component has no core module ${name}`);
  return module;
};

function concat(chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}

function runOnce(request: RunRequest): RunOutcome {
  const state = new JcoRequestState(init.outputCapBytes);
  const args = Array.isArray(request.args) ? request.args : decodeStringList(request.args);
  const env = Array.isArray(request.env) ? request.env : decodeStringList(request.env);
  const imports = createJcoImports({ grants: init.grants, args, env, stdin: request.stdin, state });
  const startNs = nowNs();
  let instantiateNs: number | null = null;
  let exitCode: number | null = 0;
  let trap: string | null = null;
  let outputCapExceeded = false;
  try {
    const instance = glue.instantiate(getCoreModule, imports);
    instantiateNs = nowNs() - startNs;
    instance.run.run();
  } catch (error) {
    if (error instanceof ProcExit) exitCode = error.code;
    else if (error instanceof OutputCapExceeded) {
      exitCode = null;
      outputCapExceeded = true;
      trap = `output cap exceeded: the guest wrote more than ${error.capBytes} bytes and was stopped`;
    } else if (error instanceof Error && error.name === 'ComponentError') exitCode = 1;
    else {
      exitCode = null;
      trap = describeTrap(error);
    }
  }
  state.closeAll();
  const stdout = concat(state.stdout);
  const stderr = Buffer.from(concat(state.stderr)).toString('utf8');
  return { stdout: Uint8Array.from(stdout), stderr, exitCode, trap, outputCapExceeded, instantiateNs, invokeNs: nowNs() - startNs };
}

port.on('message', (request: RunRequest) => {
  const outcome = runOnce(request);
  port.postMessage({ type: 'result', id: request.id, ...outcome } satisfies WorkerReply, [outcome.stdout.buffer as ArrayBuffer]);
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);
