/**
 * The one interface every runner (substrate or engine) implements, so that
 * suites drive the same workload through each cell of the substrate x
 * lifecycle matrix (DESIGN.md section 2) without knowing which runner it is.
 */
import type { Workload } from '../fixtures/manifest.ts';

/**
 * How instances are kept: new per request (`cold`), prepared ahead and used
 * once (`prewarmed`), one instance serving many requests with its state
 * (`warm`), or one instance wiped back to its initial state after each
 * request and used again (`reused`, as pooling allocators recycle slots).
 * Only `cold` and `prewarmed` are a fresh instance per request; `reused` is
 * never reported as cold.
 */
export type Lifecycle = 'cold' | 'prewarmed' | 'warm' | 'reused';

/** Every lifecycle, in matrix order. */
export const LIFECYCLES: readonly Lifecycle[] = ['cold', 'prewarmed', 'warm', 'reused'];

/** The lifecycles every substrate has (processes and containers have no reset-and-reuse). */
export const BASIC_LIFECYCLES: readonly Lifecycle[] = ['cold', 'prewarmed', 'warm'];

/** Lifecycles that give every request a fresh instance. */
export const FRESH_LIFECYCLES: readonly Lifecycle[] = ['cold', 'prewarmed'];

/** A request as a CGI/WAGI gateway hands it to a workload. */
export interface WorkloadRequest {
  /** `GET`, `POST`, ... */
  method: string;
  /** Path without the query, e.g. `/hello`. */
  path: string;
  /** Query string without the `?`, e.g. `kib=64`. */
  query: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A parsed CGI response: status, headers (lower-case names) and body. */
export interface WorkloadResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** What one invocation returned, with the runner's own timings. */
export interface InvokeResult {
  response: WorkloadResponse;
  /**
   * L0: compiled artifact in memory -> instance ready, in ns, measured by the
   * runner where the step is separable (null where it is not).
   */
  instantiateNs: number | null;
  /** L1: request handed to a new (or reused) instance -> complete response, in ns. Teardown is not in it. */
  invokeNs: number;
  /**
   * Teardown after the response, in ns, where the runner tears an instance
   * down per request as a separate step (a container's wait and removal);
   * absent or null where teardown is not separable or not done per request.
   */
  teardownNs?: number | null;
  /** The guest's exit status (proc_exit code or process exit code), when it has one. */
  exitCode: number | null;
  /** What the guest wrote to stderr (capped), for diagnostics. */
  stderr: string;
}

/** What to open: one cell of the matrix. */
export interface CellSpec {
  workload: Workload;
  lifecycle: Lifecycle;
  /** One of the runner's `configurations`; the runner's first one when omitted. */
  config?: string;
  /** Pre-warmed lifecycle: slots kept waiting. @default 4 */
  poolSize?: number;
  /** Wall-clock deadline per request, ms. @default 10000 */
  deadlineMs?: number;
  /** Memory cap of one instance, MiB. @default 256 */
  maxMemoryMib?: number;
  /** Extra environment variables granted to the guest (none by default). */
  env?: Record<string, string>;
  /** Host directories granted to the guest (none by default). */
  dirs?: readonly DirGrant[];
  /**
   * Working directory of the processes a native cell starts (process
   * runners); the caller keeps it and can look at what a guest left there.
   * @default a temporary directory of the cell's own, removed at close
   */
  workDir?: string;
}

/** A host directory made visible to the guest. */
export interface DirGrant {
  hostPath: string;
  guestPath: string;
  /** @default false */
  writable?: boolean;
}

/** Resident memory and CPU of the slots a pre-warmed or warm cell keeps waiting. */
export interface IdleCost {
  slots: number;
  /** Resident memory of all waiting slots together, bytes. */
  rssBytes: number;
  /** CPU time the waiting slots used over the sampling window, as a fraction of one core. */
  cpuCores: number;
  /** How the figure was obtained, one line. */
  method: string;
}

/** An open cell: it answers requests until closed. */
export interface Cell {
  readonly runner: string;
  readonly config: string;
  readonly lifecycle: Lifecycle;
  readonly workload: string;
  /** Sends one request through the cell. Rejects with a BenchError of kind `guest` on a trap or deadline. */
  invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult>;
  /** Idle cost of what the cell keeps waiting (pre-warmed and warm lifecycles). */
  idleCost?(): Promise<IdleCost>;
  /** Releases every instance, process or container the cell holds. */
  close(): Promise<void>;
}

/** Whether a runner can be used on this machine. */
export type Availability = { status: 'available'; detail: string } | { status: 'unavailable'; reason: string };

/** First load of an artifact: what it cost to make it runnable, and its size. */
export interface Preparation {
  /** Wasm compile, native build or image build, ns (0 when it was cached and says so in `detail`). */
  firstLoadNs: number;
  /** Size of what is deployed: .wasm bytes, binary bytes, image bytes. */
  artifactBytes: number;
  /** What the artifact was built from, where a runner has a choice (the container image: `musl-static` or `glibc-static`). */
  builtFrom?: string;
  detail: string;
}

/** A substrate or engine column of the matrix. */
export interface Runner {
  readonly name: string;
  readonly description: string;
  /** Configurations measured as separate cells (e.g. `pooling=off`, `pooling=on`); the first is the default. */
  readonly configurations: readonly string[];
  /** Lifecycles this runner implements. */
  readonly lifecycles: readonly Lifecycle[];
  /** Lifecycles of one configuration, where they differ between configurations. @default lifecycles */
  lifecyclesOf?(config: string): readonly Lifecycle[];
  /** Whether it can run here; never hangs (bounded by a short timeout). */
  availability(signal?: AbortSignal): Promise<Availability>;
  /** Makes the workload runnable (compile, build, image) and reports the first-load cost. */
  prepare(workload: Workload, config: string, signal?: AbortSignal): Promise<Preparation>;
  /** Opens a cell. */
  open(spec: CellSpec, signal?: AbortSignal): Promise<Cell>;
}

/** One distinct app: its own module bytes (distinct bytes compile separately). */
export interface AppSource {
  id: string;
  bytes: Uint8Array;
}

/** Many distinct apps in one cell, each request to a FRESH instance of its app. */
export interface AppsSpec {
  apps: readonly AppSource[];
  config?: string;
  /** `cold`: a fresh instance per request; `reused`: reset instances reused (a variant). @default 'cold' */
  lifecycle?: 'cold' | 'reused';
  /** @default 10000 */
  deadlineMs?: number;
  /** @default 256 */
  maxMemoryMib?: number;
}

/** An open many-apps cell (density and many-apps throughput). */
export interface AppsCell {
  readonly runner: string;
  readonly config: string;
  readonly lifecycle: 'cold' | 'reused';
  readonly appCount: number;
  /** Sends a request to app number `appIndex`. */
  invoke(appIndex: number, request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult>;
  /**
   * Resident memory of the process(es) holding the apps, bytes, when they are
   * not the caller's own process (an engine host). Absent: the apps live in
   * the caller's process and its RSS tells.
   */
  residentBytes?(): Promise<number>;
  close(): Promise<void>;
}

/** A runner that can host many distinct apps in one process (the Wasm runners). */
export interface MultiAppRunner extends Runner {
  openApps(spec: AppsSpec, signal?: AbortSignal): Promise<AppsCell>;
  /**
   * The most compiled code one host process can hold, bytes, where the
   * engine caps it (V8: its committed Wasm code space); absent where only
   * memory limits it.
   */
  codeCapBytes?: number;
}

/** Whether a runner can host many apps in one cell. */
export function isMultiAppRunner(runner: Runner): runner is MultiAppRunner {
  return typeof (runner as Partial<MultiAppRunner>).openApps === 'function';
}

/** What a server runner serves: one workload, as an HTTP server of its own. */
export interface ServerSpec {
  workload: Workload;
  /** One of the runner's `configurations`; its first one when omitted. */
  config?: string;
  /** Memory cap of one instance, MiB. @default 256 */
  maxMemoryMib?: number;
  /** How long the server may take to answer its first request, ms. @default 60000 */
  readyTimeoutMs?: number;
}

/** A running server, answering HTTP on its own loopback port until closed. */
export interface ServerHandle {
  readonly runner: string;
  readonly config: string;
  /** The runner's {@link ServerRunner.serverLifecycle}. */
  readonly lifecycle: Lifecycle;
  readonly workload: string;
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Start of the server -> its first correct response to the workload's canned request, ns. */
  readonly startNs: number;
  /** Processes whose CPU time and memory are the server's. */
  pids(): number[];
  /** Resident memory of the server now, bytes, and how it was read (one line). */
  resident(): Promise<{ bytes: number; method: string }>;
  /** Stops the server; no process or container is left. */
  close(): Promise<void>;
}

/**
 * A runner whose instances serve HTTP themselves (`wasmtime serve`, `spin
 * up`, a native server in a process or a container): measured server to
 * server, with the same client and the same checks of every response. As a
 * plain {@link Runner} its cells send each request over HTTP to a server of
 * their own (so its timings are HTTP round trips, never L1).
 */
export interface ServerRunner extends Runner {
  /**
   * How the server answers requests: `cold` when every request gets a fresh
   * instance (wasmtime serve, spin up), `warm` when one long-lived process
   * answers them all (a native server).
   */
  readonly serverLifecycle: Lifecycle;
  startServer(spec: ServerSpec, signal?: AbortSignal): Promise<ServerHandle>;
}

/** Whether a runner serves HTTP itself. */
export function isServerRunner(runner: Runner): runner is ServerRunner {
  return typeof (runner as Partial<ServerRunner>).startServer === 'function';
}
