/**
 * What every server runner shares: its plain-{@link Runner} cell (a server
 * of its own, each request sent over one keep-alive connection) and the
 * resident memory of a server's processes, and the configuration check.
 */
import { usageError } from '../../core/errors.ts';
import { totalUsage } from '../../core/proc.ts';
import type { Cell, CellSpec, InvokeResult, ServerRunner, WorkloadRequest } from '../types.ts';
import { createAgent, requestUrl, sendRequest } from './http-client.ts';

/**
 * Opens a cell on a server of its own. The cell's timings are HTTP round
 * trips (invokeNs = request sent -> body received; no L0): a server runner
 * has no in-process L1.
 */
export async function openServerCell(runner: ServerRunner, spec: CellSpec, signal?: AbortSignal): Promise<Cell> {
  const server = await runner.startServer({ workload: spec.workload, config: spec.config, maxMemoryMib: spec.maxMemoryMib }, signal);
  const agent = createAgent();
  return {
    runner: runner.name,
    config: server.config,
    lifecycle: server.lifecycle,
    workload: spec.workload.name,
    async invoke(request: WorkloadRequest, invokeSignal?: AbortSignal): Promise<InvokeResult> {
      const exchange = await sendRequest(requestUrl(server.url, request), request, agent, { signal: invokeSignal, timeoutMs: spec.deadlineMs ?? 10_000 });
      return { response: exchange.response, instantiateNs: null, invokeNs: exchange.totalNs, exitCode: null, stderr: '' };
    },
    async close(): Promise<void> {
      agent.destroy();
      await server.close();
    },
  };
}

/** Resident memory of a server's processes (/proc or ps), for {@link ServerHandle.resident}. */
export async function processResident(pids: readonly number[]): Promise<{ bytes: number; method: string }> {
  const usage = await totalUsage(pids);
  return { bytes: usage.rssBytes, method: `RSS of the server's ${usage.alive} process(es)` };
}

/** The configuration asked for (the runner's first when omitted); an unknown one is a usage error. */
export function checkedConfig(runner: Pick<ServerRunner, 'name' | 'configurations'>, config: string | undefined): string {
  const chosen = config ?? runner.configurations[0]!;
  if (!runner.configurations.includes(chosen)) {
    throw usageError(`${runner.name}: unknown configuration "${chosen}" (configurations: ${runner.configurations.join(', ')})`);
  }
  return chosen;
}
