/**
 * The Docker CLI's own cold start, for calibration: `docker run --rm -i`
 * of the same image with the same isolation flags, one process per request,
 * timed from the spawn until the CLI exits (removal included, as `--rm`
 * waits for it). Why: the suite reaches the engine through its API
 * (dockerode); a reader must see that the suite's container cold start is
 * not slower than what `docker run` itself achieves on the same host.
 */
import { execa } from 'execa';
import { nowNs } from '../../core/clock.ts';
import { BenchError } from '../../core/errors.ts';
import type { Cell, InvokeResult, WorkloadRequest } from '../types.ts';
import { cgiEnvironment, MalformedResponseError, parseCgiResponse } from '../wagi.ts';
import { runLabels } from './cleanup.ts';
import type { IsolationOptions } from './profiles.ts';

/** The configuration suffix that names the CLI calibration cell. */
export const CLI_CLIENT = 'client=docker-cli';

/** `docker run` flags that give a container the isolation options of a profile. */
export function dockerRunFlags(isolation: IsolationOptions): string[] {
  const flags = ['--network', isolation.networkMode];
  if (isolation.readonlyRootfs) flags.push('--read-only');
  for (const cap of isolation.capDrop) flags.push('--cap-drop', cap);
  for (const option of isolation.securityOpt) flags.push('--security-opt', option);
  if (isolation.memoryBytes > 0) flags.push('--memory', String(isolation.memoryBytes));
  if (isolation.pidsLimit > 0) flags.push('--pids-limit', String(isolation.pidsLimit));
  if (isolation.user) flags.push('--user', isolation.user);
  return flags;
}

/** Opens a cold cell that answers each request with one `docker run --rm -i` of `image`. */
export function dockerCliCell(options: { image: string; isolation: IsolationOptions; config: string; workload: string; deadlineMs: number; dockerCommand?: string }): Cell {
  const labels = Object.entries(runLabels({ 'wsb.workload': options.workload, 'wsb.lifecycle': 'cold', 'wsb.client': 'docker-cli' })).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
  const base = ['run', '--rm', '-i', ...labels, ...dockerRunFlags(options.isolation)];
  return {
    runner: 'container',
    config: `${options.config},${CLI_CLIENT}`,
    lifecycle: 'cold',
    workload: options.workload,
    async invoke(request: WorkloadRequest, signal?: AbortSignal): Promise<InvokeResult> {
      const env = Object.entries(cgiEnvironment(request)).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
      const startNs = nowNs();
      const result = await execa(options.dockerCommand ?? 'docker', [...base, ...env, options.image], {
        input: Buffer.from(request.body),
        encoding: 'buffer',
        stripFinalNewline: false,
        reject: false,
        timeout: options.deadlineMs,
        cancelSignal: signal,
      });
      const durationNs = nowNs() - startNs;
      signal?.throwIfAborted();
      if (result.timedOut) throw new BenchError('guest', `docker run gave no answer within ${options.deadlineMs} ms`);
      const stderr = Buffer.from(result.stderr as Uint8Array).toString('utf8');
      if (result.exitCode === 125 || result.exitCode === 126 || result.exitCode === 127 || result.failed && result.exitCode === undefined) {
        throw new BenchError('unavailable', `docker run failed (exit ${result.exitCode ?? 'none'}): ${stderr.trim().split('\n')[0] ?? result.shortMessage}`);
      }
      try {
        const response = parseCgiResponse(Buffer.from(result.stdout as Uint8Array));
        return { response, instantiateNs: null, invokeNs: durationNs, teardownNs: null, exitCode: result.exitCode ?? null, stderr };
      } catch (error) {
        if (error instanceof MalformedResponseError) throw new BenchError('guest', `malformed response from docker run (exit ${result.exitCode}): ${error.message}`);
        throw error;
      }
    },
    async close() {},
  };
}
