/** Messages between the main thread (instance-worker.ts) and a runner worker (worker.ts). */
import type { MessagePort } from 'node:worker_threads';
import type { ResolvedGrant } from './sandbox-fs.ts';
import type { EngineApp, RunOutcome } from './engine.ts';
import type { Lifecycle } from '../types.ts';

/** Sent once, as the worker's `workerData`. */
export interface WorkerInit {
  /** The apps the worker runs (one for a single-workload cell, many for a many-apps cell). */
  apps: EngineApp[];
  pooling: boolean;
  /** Instance pooling: reset clean instances and reuse them (engine.ts). @default false */
  reuse?: boolean;
  grants: ResolvedGrant[];
  outputCapBytes: number;
  lifecycle: Lifecycle;
  /** Pre-warmed lifecycle: instances kept ready. */
  poolSize: number;
  /** Warm lifecycle: the arguments and environment the one long-lived instance starts with. */
  warm?: {
    args: string[];
    env: string[];
    /** Int32 at index 0: bumped by the main thread after each frame it posts to `port`. */
    signal: SharedArrayBuffer;
    port: MessagePort;
  };
}

/** A request for a cold or pre-warmed instance (posted to the worker). */
export interface RunRequest {
  id: number;
  /** Index into `WorkerInit.apps`. @default 0 */
  app?: number;
  args: string[];
  env: string[];
  stdin: Uint8Array;
}

/** A frame for the warm instance (posted to the warm port). */
export type WarmMessage = { type: 'frame'; id: number; frame: Uint8Array } | { type: 'end' };

/** What the worker posts back. */
export type WorkerReply =
  | { type: 'ready' }
  | ({ type: 'result'; id: number } & RunOutcome)
  /** The warm instance's `_start` returned or trapped; `id` is the request in flight, if any. */
  | ({ type: 'exited'; id: number | null } & RunOutcome);
