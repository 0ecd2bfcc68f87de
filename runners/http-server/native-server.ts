/**
 * The server-to-server counterparts of `wasmtime serve`: the workload's same
 * C handler compiled natively into a small static HTTP server
 * (fixtures/src/http/server.c), run as a plain process (`process-server`)
 * and as a long-running container of a `FROM scratch` image
 * (`container-server`, the always-on model of Knative and OpenFaaS), the
 * same binary in both (the container image's build: musl static where
 * musl-gcc exists). One process answers every request (lifecycle `warm`).
 *
 * The container shares the host's network (`--network host`) and listens on
 * 127.0.0.1: no docker-proxy or NAT hop sits between client and server, so
 * the difference from the plain process is the container itself.
 */
import type Docker from 'dockerode';
import { nowNs, sleep } from '../../core/clock.ts';
import { BenchError } from '../../core/errors.ts';
import { freePort, LOOPBACK } from '../../core/net.ts';
import { cannedRequest, responseMismatch, type Workload } from '../../fixtures/manifest.ts';
import { nativeBuild, nativeToolchain, type NativeBuild, type NativeFlavour } from '../../fixtures/native.ts';
import type { Availability, Cell, CellSpec, Preparation, ServerHandle, ServerRunner, ServerSpec } from '../types.ts';
import { removeContainer, runLabels, sweepLeftovers, trackContainer } from '../container/cleanup.ts';
import { checkEngine, dockerClient, engineAddress, engineError, isConnectionError } from '../container/engine.ts';
import { ensureImage } from '../container/image.ts';
import { shimPidOf } from '../container/runner.ts';
import { checkedConfig, openServerCell, processResident } from './server-cell.ts';
import { READY_POLL_MS, startServerProcess } from './server-process.ts';
import { requestUrl, sendRequest } from './http-client.ts';

/** The build both server runners run: the container image's (musl static where musl-gcc links here, else glibc static). */
async function serverFlavour(): Promise<NativeFlavour> {
  return (await nativeToolchain('musl-static')).available ? 'musl-static' : 'glibc-static';
}

/**
 * The static native HTTP server of a workload (cached in .cache/native/).
 * Why one build for the process and the container: the difference between
 * the two rows is then the container alone.
 */
async function serverBinary(workload: Workload, signal?: AbortSignal): Promise<NativeBuild> {
  return nativeBuild(workload, await serverFlavour(), signal, 'http-server');
}

async function nativeAvailability(): Promise<Availability> {
  const toolchain = await nativeToolchain(await serverFlavour());
  return toolchain.available ? { status: 'available', detail: `static native HTTP server built with ${toolchain.compiler} (${toolchain.libc})` } : { status: 'unavailable', reason: toolchain.reason };
}

/** `process-server`: the native server as a process of its own. */
export function createProcessServerRunner(): ServerRunner {
  const runner: ServerRunner = {
    name: 'process-server',
    description: 'the workload\'s C handler in a static native HTTP/1.1 server (one thread per connection), one long-running process',
    configurations: ['default'],
    lifecycles: ['warm'],
    serverLifecycle: 'warm',
    availability: nativeAvailability,

    async prepare(workload: Workload, _config: string, signal?: AbortSignal): Promise<Preparation> {
      const startNs = nowNs();
      const binary = await serverBinary(workload, signal);
      return { firstLoadNs: nowNs() - startNs, artifactBytes: binary.bytes, detail: `static native server ${binary.path} (${binary.bytes} bytes; time includes the build cache lookup)` };
    },

    async startServer(spec: ServerSpec, signal?: AbortSignal): Promise<ServerHandle> {
      const config = checkedConfig(runner, spec.config);
      const binary = await serverBinary(spec.workload, signal);
      const server = await startServerProcess(
        { what: `the native ${spec.workload.name} server`, command: binary.path, args: (port) => [String(port), LOOPBACK], env: {} },
        { probe: cannedRequest(spec.workload), readyTimeoutMs: spec.readyTimeoutMs, signal },
      );
      return {
        runner: runner.name,
        config,
        lifecycle: 'warm',
        workload: spec.workload.name,
        url: server.url,
        startNs: server.startNs,
        pids: () => [server.pid],
        resident: () => processResident([server.pid]),
        close: () => server.close(),
      };
    },

    open: (spec: CellSpec, signal?: AbortSignal): Promise<Cell> => openServerCell(runner, spec, signal),
  };
  return runner;
}

/** `container-server`: the native server in a long-running `FROM scratch` container. */
export function createContainerServerRunner(options: { socketPath?: string } = {}): ServerRunner {
  const address = engineAddress(options.socketPath);
  let docker: Docker | undefined;
  const client = (): Docker => (docker ??= dockerClient(address));
  const image = async (workload: Workload, signal?: AbortSignal) => {
    const binary = await serverBinary(workload, signal);
    try {
      return await ensureImage(client(), `${workload.name}-http-server`, binary, signal);
    } catch (error) {
      throw isConnectionError(error) ? engineError(address, error) : error;
    }
  };

  const runner: ServerRunner = {
    name: 'container-server',
    description: `the static native HTTP server in a long-running FROM scratch container (host network, 127.0.0.1) on the Docker engine at ${address.description}`,
    configurations: ['network=host'],
    lifecycles: ['warm'],
    serverLifecycle: 'warm',

    async availability(signal?: AbortSignal): Promise<Availability> {
      const native = await nativeAvailability();
      if (native.status === 'unavailable') return native;
      try {
        const engine = await checkEngine(address, signal);
        await sweepLeftovers(client()).catch(() => 0);
        return { status: 'available', detail: `Docker engine ${engine.version} at ${address.description}` };
      } catch (error) {
        if (error instanceof Error && error.name === 'AbortError') throw error;
        return { status: 'unavailable', reason: error instanceof Error ? error.message : String(error) };
      }
    },

    async prepare(workload: Workload, _config: string, signal?: AbortSignal): Promise<Preparation> {
      const built = await image(workload, signal);
      return { firstLoadNs: built.buildNs, artifactBytes: built.sizeBytes, detail: `image ${built.tag} (${built.sizeBytes} bytes) ${built.cached ? 'already built (0: cached)' : 'built FROM scratch'}` };
    },

    async startServer(spec: ServerSpec, signal?: AbortSignal): Promise<ServerHandle> {
      const config = checkedConfig(runner, spec.config);
      const built = await image(spec.workload, signal);
      const probe = cannedRequest(spec.workload);
      const port = await freePort();
      const startNs = nowNs();
      let id: string | undefined;
      try {
        const container = await client().createContainer({
          Image: built.tag,
          Cmd: [String(port), LOOPBACK],
          Labels: runLabels({ 'wsb.workload': spec.workload.name, 'wsb.lifecycle': 'server' }),
          HostConfig: { NetworkMode: 'host', ...(spec.maxMemoryMib ? { Memory: spec.maxMemoryMib * 1024 * 1024 } : {}) },
        });
        id = container.id;
        trackContainer(id, client(), address);
        await container.start();
        const url = `http://${LOOPBACK}:${port}`;
        for (;;) {
          signal?.throwIfAborted();
          if (nowNs() - startNs > (spec.readyTimeoutMs ?? 60_000) * 1e6) throw new BenchError('internal', `the ${spec.workload.name} server container did not answer within ${spec.readyTimeoutMs ?? 60_000} ms`);
          try {
            const answered = await sendRequest(requestUrl(url, probe.request), probe.request, false, { signal, timeoutMs: 10_000 });
            const mismatch = responseMismatch(probe.expected, answered.response);
            if (mismatch) throw new BenchError('guest', `the ${spec.workload.name} server container answered ${probe.name} wrongly: ${mismatch}`);
            break;
          } catch (error) {
            if (error instanceof BenchError || signal?.aborted) throw error;
            // Not listening yet, or gone: ask the engine only when a connection failed, so a fast start is not slowed by inspects.
            const state = (await container.inspect()).State;
            if (!state.Running) throw new BenchError('guest', `the ${spec.workload.name} server container exited (${state.ExitCode}) before it answered: ${(await containerLog(container)) || '(no output)'}`);
            await sleep(READY_POLL_MS, signal);
          }
        }
        const readyNs = nowNs() - startNs;
        const initPid = (await container.inspect()).State.Pid;
        const shim = shimPidOf(initPid);
        const pids = shim === null ? [initPid] : [initPid, shim];
        const containerId = id;
        return {
          runner: runner.name,
          config,
          lifecycle: 'warm',
          workload: spec.workload.name,
          url,
          startNs: readyNs,
          pids: () => pids,
          resident: async () => {
            const measured = await processResident(pids);
            return { bytes: measured.bytes, method: `RSS of the container's process${shim === null ? '' : ' and its containerd shim'} (host /proc)` };
          },
          close: () => removeContainer(containerId),
        };
      } catch (error) {
        if (id) await removeContainer(id).catch(() => undefined);
        throw isConnectionError(error) ? engineError(address, error) : error;
      }
    },

    open: (spec: CellSpec, signal?: AbortSignal): Promise<Cell> => openServerCell(runner, spec, signal),
  };
  return runner;
}

/** The last line a stopped container wrote. */
async function containerLog(container: Docker.Container): Promise<string> {
  try {
    const raw = await container.logs({ stdout: true, stderr: true, tail: 5 });
    // Docker multiplexes the streams with 8-byte frame headers: keep the printable text.
    return Buffer.from(raw).toString('utf8').replace(/[\u0000-\u0008\u000e-\u001f]/g, '').trim().split('\n').at(-1) ?? '';
  } catch {
    return '';
  }
}
