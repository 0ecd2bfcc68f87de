/**
 * The server runners (runners/types.ts ServerRunner: `wasmtime serve`, `spin
 * up`, the native server as a process and as a container), shared by the
 * suites that measure them server to server: which servers exist for the
 * available runners, and the check every server passes before it is timed
 * (every canned request of the workload, over HTTP, answered as the
 * manifest expects).
 */
import { toBenchError } from '../core/errors.ts';
import type { Outcome, SuiteName } from '../core/results.ts';
import { responseMismatch, type Workload } from '../fixtures/manifest.ts';
import { requestUrl, sendRequest } from '../runners/http-server/http-client.ts';
import type { ServerHandle, ServerRunner } from '../runners/types.ts';
import { suiteConfigs } from './cells.ts';
import type { UnavailableRunner } from './types.ts';

/** One server configuration of a server runner. */
export interface ServerCell {
  runner: ServerRunner;
  config: string;
}

/** The server configurations a suite measures: every configuration with variants, else each runner's representative. */
export function serverCells(context: { servers: readonly ServerRunner[]; variants: boolean }): ServerCell[] {
  return context.servers.flatMap((runner) => suiteConfigs(context, runner).map((config) => ({ runner, config })));
}

/** A printable name: `runner[config]/lifecycle`, as the matrix cells print. */
export function serverLabel(cell: ServerCell): string {
  return `${cell.runner.name}${cell.config === 'default' ? '' : `[${cell.config}]`}/${cell.runner.serverLifecycle}`;
}

/** A started server that answered every canned request correctly, or why not. */
export type VerifiedServer = { status: 'ok'; server: ServerHandle } | { status: 'failed'; reason: string };

/** Sends every canned request of the workload to a running server; null when all match, else one line. */
export async function checkServer(server: ServerHandle, workload: Workload, signal?: AbortSignal): Promise<string | null> {
  for (const canned of workload.requests) {
    const { response } = await sendRequest(requestUrl(server.url, canned.request), canned.request, false, { signal });
    const mismatch = responseMismatch(canned.expected, response);
    if (mismatch) return `wrong answer to ${workload.name}/${canned.name} over HTTP: ${mismatch}`;
  }
  return null;
}

/** Starts a server and checks it; a server that cannot start or answers wrongly is stopped and reported failed, never timed. */
export async function startVerified(cell: ServerCell, workload: Workload, signal: AbortSignal): Promise<VerifiedServer> {
  let server: ServerHandle | undefined;
  try {
    server = await cell.runner.startServer({ workload, config: cell.config }, signal);
    const wrong = await checkServer(server, workload, signal);
    if (wrong) {
      await server.close();
      return { status: 'failed', reason: wrong };
    }
    return { status: 'ok', server };
  } catch (thrown) {
    await server?.close().catch(() => undefined);
    if (signal.aborted) throw thrown;
    return { status: 'failed', reason: toBenchError(thrown).message };
  }
}

/** The outcome row of a server excluded from timing. */
export function failedServerOutcome(suite: SuiteName, cell: ServerCell, workload: string, reason: string): Outcome {
  return { suite, runner: cell.runner.name, config: cell.config, lifecycle: cell.runner.serverLifecycle, workload, subject: 'server', condition: 'verification', outcome: 'failed', detail: reason };
}

/**
 * Outcome rows that keep the server runners that could not run here in the
 * results (`not-run`, with the reason: `wasm-spin` without a `spin` binary),
 * so the report says why a row is missing instead of dropping it.
 */
export function unavailableServerOutcomes(suite: SuiteName, unavailable: readonly UnavailableRunner[], workload: string): Outcome[] {
  return unavailable
    .filter((entry) => entry.server)
    .map((entry) => ({ suite, runner: entry.runner, config: '-', lifecycle: '-', workload, subject: 'server', condition: 'availability', outcome: 'not-run', detail: entry.reason }));
}
