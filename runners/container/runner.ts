/**
 * The container column of the matrix, driven through dockerode against the
 * real Docker engine. Cold creates and starts a container per request;
 * pre-warmed keeps a pool of started containers waiting on stdin (or, with
 * `prewarm=created`, created ones started on use), each used once; warm keeps one long-running container
 * answering loop-mode frames. Isolation options come from the profile
 * (profiles.ts) and are recorded with every cell.
 */
import fs from 'node:fs';
import { execa } from 'execa';
import { nowNs } from '../../core/clock.ts';
import { processUsage } from '../../core/proc.ts';
import { BenchError } from '../../core/errors.ts';
import type { Workload } from '../../fixtures/manifest.ts';
import type { Availability, Cell, CellSpec, DirGrant, IdleCost, InvokeResult, Lifecycle, Preparation, Runner, WorkloadRequest } from '../types.ts';
import { BASIC_LIFECYCLES } from '../types.ts';
import { cgiEnvironment, encodeRequestFrame, LOOP_ARG, MalformedResponseError, parseCgiResponse } from '../wagi.ts';
import { imageNativeBinary, type NativeBinarySource } from '../process/native-binary.ts';
import { SingleUsePool, type PoolSlot, type PoolStats } from '../process/pool.ts';
import { AttachedContainer, type OutputMode } from './attached-container.ts';
import { runLabels, sweepLeftovers } from './cleanup.ts';
import { dockerCliCell } from './cli-cell.ts';
import { checkEngine, dockerClient, engineAddress, engineError, isConnectionError, type EngineAddress } from './engine.ts';
import { ensureImage, type WorkloadImage } from './image.ts';
import { createOptionsOf, describeIsolation, parseContainerConfig, PROFILE_NAMES, type ContainerConfig, type IsolationOptions } from './profiles.ts';
import type Docker from 'dockerode';

/** Options of {@link createContainerRunner}. */
export interface ContainerRunnerOptions {
  /** Engine socket. @default DOCKER_HOST, else /var/run/docker.sock */
  socketPath?: string;
  /** Where native builds come from. @default imageNativeBinary (musl static, else glibc static) */
  nativeBinary?: NativeBinarySource;
}

/** The container runner, with the engine version for the environment fingerprint. */
export interface ContainerRunner extends Runner {
  /** The engine's version, or null when it does not answer. */
  engineVersion(): Promise<string | null>;
  /** Removes containers left by earlier runs of this host whose process is gone; returns how many. */
  sweepLeftovers(): Promise<number>;
  /**
   * A cold calibration cell: each request is one `docker run --rm -i` of the
   * same image with the configuration's isolation flags (cli-cell.ts); its
   * timing includes removal, so it compares with the suite's cold start plus
   * teardown. Unavailable without the `docker` command.
   */
  openCliCell(spec: Pick<CellSpec, 'workload' | 'config' | 'deadlineMs'>, signal?: AbortSignal): Promise<Cell>;
}

/** A container cell: its isolation options, and its pool for the pre-warmed lifecycle. */
export interface ContainerCell extends Cell {
  readonly isolation: IsolationOptions;
  /** Pool size, refill policy and what the pool did (pre-warmed lifecycle only). */
  poolStats?(): PoolStats;
  /** Ids of the containers the cell holds now. */
  containerIds(): string[];
}

/** Pre-warmed containers kept waiting. @default 4 */
export const DEFAULT_CONTAINER_POOL_SIZE = 4;
const DEFAULT_DEADLINE_MS = 10_000;
const DEFAULT_MAX_MEMORY_MIB = 256;

/** Creates the `container` runner. */
export function createContainerRunner(options: ContainerRunnerOptions = {}): ContainerRunner {
  const address = engineAddress(options.socketPath);
  const nativeBinary = options.nativeBinary ?? imageNativeBinary;
  let docker: Docker | undefined;
  let swept: Promise<number> | undefined;
  const client = (): Docker => (docker ??= dockerClient(address));

  const image = async (workload: Workload, signal?: AbortSignal): Promise<WorkloadImage> => {
    const binary = await nativeBinary(workload, signal);
    try {
      return await ensureImage(client(), workload.name, binary, signal);
    } catch (error) {
      throw isConnectionError(error) ? engineError(address, error) : error;
    }
  };

  const runner: ContainerRunner = {
    name: 'container',
    description: `Docker containers (FROM scratch image of the static native build, musl where musl-gcc exists) at ${address.description}: create+start per request, pre-warmed pool, or long-running container`,
    configurations: PROFILE_NAMES.map((profile) => `profile=${profile}`),
    lifecycles: BASIC_LIFECYCLES,

    async availability(signal?: AbortSignal): Promise<Availability> {
      try {
        const engine = await checkEngine(address, signal);
        // Why sweep here: the first thing a run asks a runner is whether it is available, so leftovers of a crashed run go before anything starts.
        swept ??= sweepLeftovers(client()).catch(() => 0);
        const removed = await swept;
        return { status: 'available', detail: `Docker engine ${engine.version} (API ${engine.apiVersion}) at ${address.description}${removed ? `; removed ${removed} leftover container(s) of crashed runs` : ''}` };
      } catch (error) {
        if (error instanceof Error && error.name === 'AbortError') throw error;
        return { status: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
      }
    },

    async engineVersion(): Promise<string | null> {
      try {
        return (await checkEngine(address)).version;
      } catch {
        return null;
      }
    },

    sweepLeftovers: () => sweepLeftovers(client()),

    async openCliCell(spec, signal) {
      const version = await execa('docker', ['--version'], { reject: false, timeout: 10_000, cancelSignal: signal });
      if (version.exitCode !== 0) throw new BenchError('unavailable', 'the docker command is not installed (the Docker CLI calibration needs it; scripts/setup.sh installs docker.io)');
      const config = parseContainerConfig(spec.config, DEFAULT_MAX_MEMORY_MIB);
      const built = await image(spec.workload, signal);
      return dockerCliCell({ image: built.tag, isolation: config.isolation, config: config.text, workload: spec.workload.name, deadlineMs: spec.deadlineMs ?? DEFAULT_DEADLINE_MS });
    },

    async prepare(workload: Workload, config: string, signal?: AbortSignal): Promise<Preparation> {
      const parsed = parseContainerConfig(config, DEFAULT_MAX_MEMORY_MIB);
      const built = await image(workload, signal);
      return {
        firstLoadNs: built.buildNs,
        artifactBytes: built.sizeBytes,
        builtFrom: built.binaryFlavour,
        detail: `image ${built.tag} (${built.sizeBytes} bytes) ${built.cached ? 'already built (0: cached)' : 'built FROM scratch'} of the ${built.binaryFlavour} native binary (${built.binaryLibc}); ${describeIsolation(parsed.isolation)}`,
      };
    },

    async open(spec: CellSpec, signal?: AbortSignal): Promise<Cell> {
      const config = parseContainerConfig(spec.config, spec.maxMemoryMib ?? DEFAULT_MAX_MEMORY_MIB);
      const built = await image(spec.workload, signal);
      const context: CellContext = {
        docker: client(),
        address,
        workload: spec.workload.name,
        config,
        baseOptions: { Image: built.tag, Labels: runLabels({ 'wsb.workload': spec.workload.name, 'wsb.lifecycle': spec.lifecycle }), ...withBinds(createOptionsOf(config.isolation), spec.dirs ?? []) },
        extraEnv: spec.env ?? {},
        deadlineMs: spec.deadlineMs ?? DEFAULT_DEADLINE_MS,
      };
      const cell = openCell(spec.lifecycle, context, spec.poolSize ?? DEFAULT_CONTAINER_POOL_SIZE);
      // Why close on abort: Ctrl-C must not leave a container behind even when the caller is itself interrupted before it closes the cell.
      const onAbort = (): void => void cell.close().catch(() => undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await cell.opened(signal);
      } catch (error) {
        await cell.close().catch(() => undefined);
        throw error;
      }
      const close = cell.close.bind(cell);
      cell.close = async () => {
        signal?.removeEventListener('abort', onAbort);
        await close();
      };
      return cell;
    },
  };
  return runner;
}

/** Adds the cell's directory grants as bind mounts (read-only unless writable) to the create options. */
export function withBinds(options: ReturnType<typeof createOptionsOf>, dirs: readonly DirGrant[]): ReturnType<typeof createOptionsOf> {
  if (!dirs.length) return options;
  const binds = dirs.map((grant) => `${grant.hostPath}:${grant.guestPath || grant.hostPath}:${grant.writable ? 'rw' : 'ro'}`);
  return { ...options, HostConfig: { ...options.HostConfig, Binds: binds } };
}

interface CellContext {
  docker: Docker;
  address: EngineAddress;
  workload: string;
  config: ContainerConfig;
  baseOptions: Docker.ContainerCreateOptions;
  extraEnv: Record<string, string>;
  deadlineMs: number;
}

type OpeningCell = ContainerCell & { opened(signal?: AbortSignal): Promise<void> };

function openCell(lifecycle: Lifecycle, context: CellContext, poolSize: number): OpeningCell {
  if (lifecycle === 'cold') return coldCell(context);
  if (lifecycle === 'prewarmed') return prewarmedCell(context, poolSize);
  return warmCell(context);
}

function cellBase(context: CellContext, lifecycle: Lifecycle): Pick<ContainerCell, 'runner' | 'config' | 'lifecycle' | 'workload' | 'isolation'> {
  return { runner: 'container', config: context.config.text, lifecycle, workload: context.workload, isolation: context.config.isolation };
}

function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}

function parseResponse(raw: Uint8Array, stderr: string, exitCode: number | null): InvokeResult['response'] {
  try {
    return parseCgiResponse(raw);
  } catch (error) {
    if (!(error instanceof MalformedResponseError)) throw error;
    const why = stderr.trim().split('\n')[0];
    throw new BenchError('guest', `malformed response (exit status ${exitCode}): ${error.message}${why ? `; stderr: ${why}` : ''}`, { cause: error });
  }
}

/** Creates and attaches a container of the cell; loop mode with `loop`, else CGI with the request's environment. */
function createContainer(context: CellContext, mode: OutputMode, env: Record<string, string>): Promise<AttachedContainer> {
  return AttachedContainer.create(
    context.docker,
    context.address,
    { ...context.baseOptions, Env: envList(env), ...(mode === 'frames' ? { Cmd: [LOOP_ARG] } : {}) },
    mode,
  );
}

/** Idle cost of containers from the engine's stats (one sample, which carries the previous one for the CPU delta). */
async function containerIdleCost(context: CellContext, ids: readonly string[]): Promise<IdleCost> {
  let rssBytes = 0;
  let cpuCores = 0;
  let slots = 0;
  let shimBytes = 0;
  // Why in parallel: the engine takes about a second per stats call (it waits for a second CPU reading); the containers are independent.
  const read = async (id: string): Promise<{ shim: number; stats: DockerStats } | null> => {
    try {
      return { shim: await shimRssBytes(context, id), stats: (await context.docker.getContainer(id).stats({ stream: false })) as unknown as DockerStats };
    } catch (error) {
      if (isConnectionError(error)) throw engineError(context.address, error);
      return null;
    }
  };
  for (const reading of await Promise.all(ids.map(read))) {
    if (!reading) continue;
    const { stats } = reading;
    shimBytes += reading.shim;
    const memory = stats.memory_stats;
    // Why subtract the cache: cgroup v1 usage counts page cache; resident memory is usage minus cache (what `docker stats` shows).
    rssBytes += (memory?.usage ?? 0) - (memory?.stats?.total_inactive_file ?? memory?.stats?.inactive_file ?? memory?.stats?.cache ?? 0);
    const cpuDelta = (stats.cpu_stats?.cpu_usage?.total_usage ?? 0) - (stats.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const windowNs = stats.read && stats.preread ? Date.parse(stats.read) * 1e6 - Date.parse(stats.preread) * 1e6 : 0;
    if (windowNs > 0) cpuCores += cpuDelta / windowNs;
    slots++;
  }
  const shimText = shimBytes > 0 ? `, plus the RSS of each container's runtime shim process (${Math.round(shimBytes / Math.max(1, slots) / 1024)} KiB per slot), which a waiting container also costs` : '';
  return { slots, rssBytes: rssBytes + shimBytes, cpuCores, method: `Docker stats API per container: memory usage minus inactive file cache (cgroup); CPU usage delta over the engine's ~1 s stats window${shimText}` };
}

/**
 * RSS of the containerd shim that keeps a running container alive: the parent
 * of the container's init process. Only visible where the engine runs on this
 * kernel (Linux with /proc); 0 elsewhere (Docker Desktop keeps it in its VM).
 */
async function shimRssBytes(context: CellContext, id: string): Promise<number> {
  if (process.platform !== 'linux') return 0;
  const info = await context.docker.getContainer(id).inspect();
  const shim = info.State?.Pid ? shimPidOf(info.State.Pid) : null;
  return shim === null ? 0 : ((await processUsage(shim))?.rssBytes ?? 0);
}

/** The pid of the containerd shim that is the parent of a container's init process (host /proc), or null. */
export function shimPidOf(initPid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${initPid}/stat`, 'utf8');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const comm = fs.readFileSync(`/proc/${parent}/comm`, 'utf8').trim();
    return comm.startsWith('containerd-shim') ? parent : null;
  } catch {
    return null;
  }
}

interface DockerStats {
  read?: string;
  preread?: string;
  memory_stats?: { usage?: number; stats?: Record<string, number | undefined> };
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  precpu_stats?: { cpu_usage?: { total_usage?: number } };
}

/** Cold: create (with the CGI environment), attach, start, body in, response out, removed. */
function coldCell(context: CellContext): OpeningCell {
  const live = new Set<AttachedContainer>();
  return {
    ...cellBase(context, 'cold'),
    async opened() {},
    async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
      const startNs = nowNs();
      const container = await createContainer(context, 'raw', { ...context.extraEnv, ...cgiEnvironment(request) });
      live.add(container);
      try {
        const instantiateNs = await container.start();
        const raw = await container.respondOnce(request.body, { deadlineMs: context.deadlineMs, signal });
        // Why stop the clock here: cold start ends at the complete response (DESIGN.md section 3); wait and removal are the teardown phase.
        const invokeNs = nowNs() - startNs;
        const teardownStartNs = nowNs();
        const exitCode = await container.exitCode();
        live.delete(container);
        await container.remove();
        const teardownNs = nowNs() - teardownStartNs;
        return { response: parseResponse(raw, container.stderr, exitCode), instantiateNs, invokeNs, teardownNs, exitCode, stderr: container.stderr };
      } finally {
        if (live.delete(container)) await container.remove();
      }
    },
    async idleCost(): Promise<IdleCost> {
      return { slots: 0, rssBytes: 0, cpuCores: 0, method: 'cold lifecycle keeps nothing waiting' };
    },
    containerIds: () => [...live].map((container) => container.id),
    async close() {
      await Promise.all([...live].map((container) => container.remove().catch(() => undefined)));
    },
  };
}

/** A pre-warmed container: created and attached (and, for the `started` variant, started and waiting on stdin). */
class ContainerSlot implements PoolSlot {
  readonly ready: Promise<void>;
  readonly usable: Promise<void>;
  readonly started: boolean;
  container: AttachedContainer | undefined;
  private discarded = false;

  constructor(context: CellContext) {
    this.started = context.config.prewarm === 'started';
    this.ready = createContainer(context, 'frames', context.extraEnv).then(async (container) => {
      this.container = container;
      if (this.discarded) {
        await container.remove();
        throw new BenchError('aborted', 'pool closed');
      }
      if (this.started) await container.start();
    });
    this.ready.catch(() => undefined);
    this.usable = this.ready;
  }

  get dead(): boolean {
    return this.container?.exited ?? false;
  }

  async discard(): Promise<void> {
    this.discarded = true;
    await this.container?.remove();
  }
}

/** Pre-warmed: a pool of containers prepared ahead; each takes one frame and is removed. */
function prewarmedCell(context: CellContext, poolSize: number): OpeningCell {
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new BenchError('usage', `pool size must be a positive integer, got ${poolSize}`);
  const pool = new SingleUsePool(poolSize, () => new ContainerSlot(context));
  return {
    ...cellBase(context, 'prewarmed'),
    opened: () => pool.filled(),
    async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
      const frame = encodeRequestFrame(request, context.extraEnv);
      // Why the clock starts before take: a request that finds no slot ready waits for one, and that wait is its latency.
      const startNs = nowNs();
      return pool.use(async (slot) => {
        const container = slot.container as AttachedContainer;
        const instantiateNs = slot.started ? null : await container.start();
        const raw = await container.request(frame, { lastRequest: true, deadlineMs: context.deadlineMs, signal });
        // Why stop the clock at the response: a pre-warmed platform tears the slot down off the request path, with the refill.
        const invokeNs = nowNs() - startNs;
        const exitCode = await container.exitCode();
        return { response: parseResponse(raw, container.stderr, exitCode), instantiateNs, invokeNs, exitCode, stderr: container.stderr };
      });
    },
    async idleCost(): Promise<IdleCost> {
      await pool.filled();
      const ids = pool.waitingSlots().flatMap((slot) => (slot.container ? [slot.container.id] : []));
      if (context.config.prewarm === 'created') {
        return { slots: ids.length, rssBytes: 0, cpuCores: 0, method: 'created containers have no process yet: no resident memory or CPU (engine bookkeeping only)' };
      }
      return containerIdleCost(context, ids);
    },
    poolStats: () => pool.stats(),
    containerIds: () => pool.liveSlots().flatMap((slot) => (slot.container ? [slot.container.id] : [])),
    close: () => pool.close(),
  };
}

/** Warm: one long-running container in loop mode answers every request; recreated if it dies. */
function warmCell(context: CellContext): OpeningCell {
  let container: AttachedContainer | undefined;
  let closed = false;
  const launch = async (): Promise<AttachedContainer> => {
    const created = await createContainer(context, 'frames', context.extraEnv);
    container = created;
    if (closed) {
      await created.remove();
      throw new BenchError('aborted', 'cell closed');
    }
    await created.start();
    return created;
  };
  return {
    ...cellBase(context, 'warm'),
    async opened() {
      await launch();
    },
    async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
      if (closed) throw new BenchError('internal', 'cell is closed');
      const current = container && !container.exited ? container : await (async () => {
        await container?.remove().catch(() => undefined);
        return launch();
      })();
      const frame = encodeRequestFrame(request, context.extraEnv);
      const startNs = nowNs();
      const raw = await current.request(frame, { deadlineMs: context.deadlineMs, signal });
      const invokeNs = nowNs() - startNs;
      return { response: parseResponse(raw, current.stderr, null), instantiateNs: null, invokeNs, exitCode: null, stderr: current.stderr };
    },
    async idleCost(): Promise<IdleCost> {
      return containerIdleCost(context, container && !container.exited ? [container.id] : []);
    },
    containerIds: () => (container ? [container.id] : []),
    async close() {
      closed = true;
      await container?.remove();
    },
  };
}
