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

/** Strings as WASI wants them for args/environ (wasi-host.ts): each NUL-terminated, back to back, and how many. */
export interface EncodedStrings {
  bytes: Uint8Array;
  count: number;
}

/** The text of an {@link EncodedStrings} list, not yet encoded, and its count. */
export interface StringsText {
  text: string;
  count: number;
}

/** A request for a cold or pre-warmed instance (posted to the worker). */
export interface RunRequest {
  id: number;
  /** Index into `WorkerInit.apps`. @default 0 */
  app?: number;
  /** As strings, or already encoded by the caller (the V8 engine's cells: one small buffer to copy instead of an array of strings to clone and encode). */
  args: string[] | EncodedStrings;
  /** As strings, or as the text of the encoded list (the V8 engine's cells: one string to copy; the worker encodes it into a buffer it reuses). */
  env: string[] | EncodedStrings | StringsText;
  /** A buffer of its own (structured cloning copies a view's whole underlying buffer). */
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
