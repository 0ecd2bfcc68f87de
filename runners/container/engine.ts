/**
 * The connection to the Docker engine: where it is, whether it answers (in
 * bounded time, never hanging), and which version it runs.
 */
import Docker from 'dockerode';
import { BenchError } from '../../core/errors.ts';

/** Where the engine listens. */
export interface EngineAddress {
  /** Unix socket (or Windows named pipe) path; absent for tcp. */
  socketPath?: string;
  host?: string;
  port?: number;
  /** How people read it, e.g. `unix:///var/run/docker.sock`. */
  description: string;
}

/** How long an availability check may take. @default 2000 */
export const ENGINE_CHECK_TIMEOUT_MS = 2000;

/** The engine address: an explicit socket path, else DOCKER_HOST, else the platform's default socket. */
export function engineAddress(socketPath?: string): EngineAddress {
  if (socketPath) return { socketPath, description: `unix://${socketPath}` };
  const dockerHost = process.env['DOCKER_HOST'];
  if (dockerHost?.startsWith('unix://')) {
    const path = dockerHost.slice('unix://'.length) || '/var/run/docker.sock';
    return { socketPath: path, description: `unix://${path}` };
  }
  if (dockerHost?.startsWith('tcp://')) {
    const url = new URL(dockerHost);
    return { host: url.hostname, port: Number(url.port || 2375), description: dockerHost };
  }
  if (process.platform === 'win32') return { socketPath: '//./pipe/docker_engine', description: 'npipe:////./pipe/docker_engine' };
  return { socketPath: '/var/run/docker.sock', description: 'unix:///var/run/docker.sock' };
}

/** A dockerode client for an address; `timeoutMs` bounds every request (leave it out for long-lived attach streams). */
export function dockerClient(address: EngineAddress, timeoutMs?: number): Docker {
  const base = address.socketPath ? { socketPath: address.socketPath } : { host: address.host, port: address.port, protocol: 'http' as const };
  return new Docker({ ...base, ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }) });
}

/** Rejects after `ms` with an `unavailable` error; the timer never keeps the process alive. */
function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new BenchError('unavailable', `${what}: no answer within ${ms} ms`)), ms).unref();
  });
}

/** Pings the engine and reads its version, within {@link ENGINE_CHECK_TIMEOUT_MS}; throws BenchError('unavailable') naming the address. */
export async function checkEngine(address: EngineAddress, signal?: AbortSignal): Promise<{ version: string; apiVersion: string }> {
  const docker = dockerClient(address, ENGINE_CHECK_TIMEOUT_MS);
  const where = `Docker engine at ${address.description}`;
  try {
    const aborted = new Promise<never>((_, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    const version = await Promise.race([docker.version(), timeout(ENGINE_CHECK_TIMEOUT_MS, where), aborted]);
    return { version: version.Version, apiVersion: version.ApiVersion };
  } catch (error) {
    if (error instanceof BenchError || (error instanceof Error && error.name === 'AbortError')) throw error;
    throw engineError(address, error);
  }
}

/** Turns a failed engine request into an `unavailable` error naming the address. */
export function engineError(address: EngineAddress, error: unknown): BenchError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const reason =
    code === 'ENOENT'
      ? 'socket does not exist (is dockerd running?)'
      : code === 'ECONNREFUSED'
        ? 'connection refused (is dockerd running?)'
        : code === 'EACCES'
          ? 'permission denied (is this user in the docker group?)'
          : message;
  return new BenchError('unavailable', `Docker engine at ${address.description}: ${reason}`, { cause: error });
}

/** Whether an error came from the engine being unreachable (as opposed to the engine refusing a request). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'EACCES';
}
