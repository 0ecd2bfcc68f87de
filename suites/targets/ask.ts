/**
 * Asking a deployed target one canned request and checking its answer
 * against the manifest, the check every target passes before it is timed
 * (and every timed request passes too). A wrong answer or none is a reason
 * in one line, never an exception, so the caller writes a failed cell.
 */
import type http from 'node:http';
import { loadWorkload, responseMismatch, type CannedRequest } from '../../fixtures/manifest.ts';
import { createAgent, sendRequest } from '../../runners/http-server/http-client.ts';
import { targetUrl, type DeployedTarget } from './targets-file.ts';

/** How long a target may take to answer one request: a platform waking from zero can take seconds. */
export const TARGET_ANSWER_TIMEOUT_MS = 30_000;

/** What one timed request to a target saw. */
export interface FirstByte {
  firstByteNs: number;
  status: number;
  body: Uint8Array;
}

/** What a target answered: what was seen, and why it is wrong (null when right). */
export interface TargetAnswer {
  seen: FirstByte | null;
  problem: string | null;
}

/** Sends one canned request of `workload` to the target and checks the answer. An abort rejects. */
export async function askTarget(target: DeployedTarget, workload: string, canned: CannedRequest, agent: http.Agent, signal?: AbortSignal): Promise<TargetAnswer> {
  const what = `${workload}/${canned.name}`;
  const timeout = AbortSignal.timeout(TARGET_ANSWER_TIMEOUT_MS);
  try {
    const exchange = await sendRequest(targetUrl(target, canned.request), canned.request, agent, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, timeoutMs: TARGET_ANSWER_TIMEOUT_MS });
    const seen: FirstByte = { firstByteNs: exchange.firstByteNs, status: exchange.response.status, body: exchange.response.body };
    const mismatch = responseMismatch(canned.expected, { status: seen.status, headers: {}, body: seen.body });
    return { seen, problem: mismatch ? `wrong answer to ${what}: ${mismatch}` : null };
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) return { seen: null, problem: `no answer to ${what} within ${TARGET_ANSWER_TIMEOUT_MS / 1000} s` };
    const code = (error as NodeJS.ErrnoException).code;
    const message = (error as Error).message;
    return { seen: null, problem: `no answer to ${what}: ${code && !message.includes(code) ? `${code} ` : ''}${message}` };
  }
}

/**
 * Checks every canned request of the given workloads against the target, on
 * one keep-alive connection; resolves with the first problem per workload
 * (null for a workload answered rightly).
 */
export async function verifyTarget(target: DeployedTarget, workloads: readonly string[], signal?: AbortSignal): Promise<Map<string, string | null>> {
  const agent = createAgent(target.url);
  const problems = new Map<string, string | null>();
  try {
    for (const name of workloads) {
      const workload = loadWorkload(name);
      let problem: string | null = null;
      for (const canned of workload.requests) {
        problem = (await askTarget(target, name, canned, agent, signal)).problem;
        if (problem) break;
      }
      problems.set(name, problem);
    }
    return problems;
  } finally {
    agent.destroy();
  }
}
