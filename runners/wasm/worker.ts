/**
 * A runner worker: runs a module's instances off the main thread, so that the
 * main thread can terminate it at a request's deadline without harming
 * itself or other apps. Cold: a fresh instance per request. Pre-warmed:
 * instances made ahead, each used once, refilled after the reply. Warm: one
 * instance in loop mode whose stdin blocks (Atomics.wait) until the next
 * frame arrives on its port.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { nowNs } from '../../core/clock.ts';
import { Engine, describeTrap, type EngineApp, type PreparedInstance } from './engine.ts';
import type { RunRequest, WarmMessage, WorkerInit, WorkerReply } from './protocol.ts';
import { encodeIntoScratch, encodeStringList, type StdinSource } from './wasi-host.ts';

const init = workerData as WorkerInit;
const port = parentPort as NonNullable<typeof parentPort>;
const engine = new Engine({ grants: init.grants, outputCapBytes: init.outputCapBytes, pooling: init.pooling, reuseInstances: init.reuse === true });
const firstApp = init.apps[0] as EngineApp;
/** Where each request's environment is encoded: requests run one at a time, so one buffer serves them all. */
const envScratch = { buffer: new Uint8Array(4096) };

function post(reply: WorkerReply): void {
  port.postMessage(reply, 'stdout' in reply ? [reply.stdout.buffer as ArrayBuffer] : []);
}

if (init.lifecycle === 'warm' && init.warm) runWarm(init.warm);
else runOnDemand();

function runOnDemand(): void {
  const ready: PreparedInstance[] = [];
  const refill = (): void => {
    while (ready.length < init.poolSize) ready.push(engine.instantiate(firstApp));
  };
  if (init.lifecycle === 'prewarmed') refill();
  port.on('message', (request: RunRequest) => {
    const app = init.apps[request.app ?? 0];
    if (!app) {
      post({ type: 'result', id: request.id, stdout: new Uint8Array(0), stderr: '', exitCode: null, trap: `host failure: no app number ${request.app}`, outputCapExceeded: false, instantiateNs: null, invokeNs: 0 });
      return;
    }
    const prepared = init.lifecycle === 'prewarmed' ? (ready.pop() ?? engine.instantiate(app)) : undefined;
    const args = Array.isArray(request.args) ? encodeStringList(request.args) : request.args;
    const env = Array.isArray(request.env) ? encodeStringList(request.env) : 'text' in request.env ? encodeIntoScratch(request.env, envScratch) : request.env;
    const outcome = engine.run(app, args, env, request.stdin, prepared);
    post({ type: 'result', id: request.id, ...outcome });
    // Refilling after the reply keeps instantiation off the request's path, as a pre-warming platform does.
    if (init.lifecycle === 'prewarmed') setImmediate(refill);
  });
  post({ type: 'ready' });
}

function runWarm(warm: NonNullable<WorkerInit['warm']>): void {
  const signal = new Int32Array(warm.signal);
  let currentId: number | null = null;
  let startedNs = 0;
  const stdin: StdinSource = {
    next(): Uint8Array | null {
      if (currentId !== null) {
        const stdout = engine.host.takeStdout();
        post({ type: 'result', id: currentId, stdout, stderr: engine.host.stderrText(), exitCode: null, trap: null, outputCapExceeded: false, instantiateNs: null, invokeNs: nowNs() - startedNs });
        currentId = null;
      }
      for (;;) {
        const seen = Atomics.load(signal, 0);
        const received = receiveMessageOnPort(warm.port);
        if (received) {
          const message = received.message as WarmMessage;
          if (message.type === 'end') return null;
          currentId = message.id;
          startedNs = nowNs();
          return message.frame;
        }
        Atomics.wait(signal, 0, seen);
      }
    },
  };
  post({ type: 'ready' });
  let outcome;
  try {
    outcome = engine.run(firstApp, encodeStringList(warm.args), encodeStringList(warm.env), stdin);
  } catch (error) {
    outcome = { stdout: new Uint8Array(0), stderr: '', exitCode: null, trap: describeTrap(error), outputCapExceeded: false, instantiateNs: null, invokeNs: 0 };
  }
  post({ type: 'exited', id: currentId, ...outcome, invokeNs: currentId === null ? 0 : nowNs() - startedNs });
}
