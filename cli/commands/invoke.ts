/**
 * `wsb invoke`: sends one request to a workload through every chosen
 * runner x configuration x lifecycle cell and prints each response, its
 * timings and whether it matches the manifest's expected response.
 */
import { formatDuration } from '../../core/clock.ts';
import { toBenchError, usageError } from '../../core/errors.ts';
import { cannedRequest, loadWorkload, responseMismatch, type ExpectedResponse, type Workload } from '../../fixtures/manifest.ts';
import { resolveRunners } from '../../runners/index.ts';
import { LIFECYCLES, type CellSpec, type DirGrant, type InvokeResult, type Lifecycle, type Runner, type WorkloadRequest } from '../../runners/types.ts';
import { parseDirGrant } from '../../runners/wasm/sandbox-fs.ts';
import { configListOption, listOption, numberOption, parseCommandArgs, type Command } from '../command.ts';
import { withInterrupts } from '../interrupts.ts';
import { formatTable } from '../tables.ts';

const HELP = `Usage: wsb invoke <workload> [options]

Sends one request (a canned request of the manifest, or one you give) to the
workload through each runner x configuration x lifecycle cell, prints each
response and whether it matches the manifest's expected response.

Options:
  --runner LIST        runners, comma-separated (default: wasm)
  --lifecycle LIST     cold, prewarmed, warm, comma-separated (default: cold)
  --config LIST        runner configurations, e.g. pooling=on,inline (default: each
                       runner's first); a runner without a listed one is skipped
  --request NAME       canned request of the manifest (default: its first)
  --query STRING       send this query string instead (response not checked)
  --body TEXT          send this body instead (response not checked)
  --dir HOST[::GUEST]  grant a directory, read-only (repeatable)
  --writable-dir HOST[::GUEST]  grant a directory, writable (repeatable)
  --env KEY=VALUE      grant an environment variable (repeatable)
  --deadline-ms N      per-request deadline (default 10000)
  --max-memory-mib N   memory cap per instance (default 256)
  -h, --help           show this help

Exit codes: 0 every cell answered as expected; 1 a cell failed or answered
wrongly; 2 bad input; 3 no cell could run here.`;

/** Parsed `wsb invoke` flags. */
export interface InvokeArguments {
  workload: Workload;
  runners: Runner[];
  lifecycles: Lifecycle[];
  /** Configurations asked for; empty means each runner's default. */
  configs: string[];
  request: WorkloadRequest;
  /** Null when the request was given on the command line (nothing to compare with). */
  expected: ExpectedResponse | null;
  requestName: string;
  spec: Omit<CellSpec, 'workload' | 'lifecycle' | 'config'>;
}

/** Parses `wsb invoke` arguments; every check happens here, before any runner starts. */
export function parseInvokeArguments(argv: string[]): InvokeArguments {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      runner: { type: 'string', multiple: true },
      lifecycle: { type: 'string', multiple: true },
      config: { type: 'string', multiple: true },
      request: { type: 'string' },
      query: { type: 'string' },
      body: { type: 'string' },
      dir: { type: 'string', multiple: true },
      'writable-dir': { type: 'string', multiple: true },
      env: { type: 'string', multiple: true },
      'deadline-ms': { type: 'string' },
      'max-memory-mib': { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1) throw usageError('wsb invoke takes one workload: wsb invoke <workload> --runner LIST --lifecycle LIST');
  const workload = loadWorkload(positionals[0] as string);
  const runnerNames = listOption(values.runner);
  const runners = resolveRunners(runnerNames.length ? runnerNames : ['wasm']);
  const lifecycleNames = listOption(values.lifecycle);
  for (const name of lifecycleNames) {
    if (!(LIFECYCLES as readonly string[]).includes(name)) throw usageError(`unknown lifecycle "${name}" (lifecycles: ${LIFECYCLES.join(', ')})`);
  }
  const configs = configListOption(values.config);
  for (const config of configs) {
    if (!runners.some((runner) => runner.configurations.includes(config))) {
      throw usageError(`no chosen runner has configuration "${config}" (${runners.map((r) => `${r.name}: ${r.configurations.join(', ')}`).join('; ')})`);
    }
  }
  const canned = workload.requests.length || values.request !== undefined ? cannedRequest(workload, values.request) : null;
  const given = values.query !== undefined || values.body !== undefined;
  const base: WorkloadRequest = canned?.request ?? { method: 'GET', path: `/${workload.name}`, query: '', headers: {}, body: new Uint8Array(0) };
  const request: WorkloadRequest = given
    ? {
        ...base,
        method: values.body !== undefined ? 'POST' : base.method,
        query: values.query ?? base.query,
        body: values.body !== undefined ? Buffer.from(values.body) : base.body,
      }
    : base;
  const env: Record<string, string> = {};
  for (const entry of values.env ?? []) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw usageError(`--env takes KEY=VALUE, got "${entry}"`);
    env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  const dirs: DirGrant[] = [...(values.dir ?? []).map((v) => parseDirGrant(v, false)), ...(values['writable-dir'] ?? []).map((v) => parseDirGrant(v, true))];
  return {
    workload,
    runners,
    lifecycles: lifecycleNames.length ? (lifecycleNames as Lifecycle[]) : ['cold'],
    configs,
    request,
    expected: given || !canned ? null : canned.expected,
    requestName: given ? 'given on the command line' : (canned?.name ?? 'default GET'),
    spec: {
      env,
      dirs,
      deadlineMs: numberOption('deadline-ms', values['deadline-ms'], 10_000, { integer: true }),
      maxMemoryMib: numberOption('max-memory-mib', values['max-memory-mib'], 256),
    },
  };
}

/** One cell's outcome. */
export interface CellOutcome {
  runner: string;
  config: string;
  lifecycle: Lifecycle;
  status: 'ok' | 'mismatch' | 'failed' | 'unsupported' | 'unavailable';
  detail: string;
  result: InvokeResult | null;
}

/** Opens each cell in turn, sends the request once, closes the cell. One broken cell never stops the others. */
export async function invokeCells(args: InvokeArguments, signal?: AbortSignal): Promise<CellOutcome[]> {
  const outcomes: CellOutcome[] = [];
  for (const runner of args.runners) {
    const configs = args.configs.length ? args.configs.filter((config) => runner.configurations.includes(config)) : runner.configurations.slice(0, 1);
    const availability = await runner.availability(signal);
    for (const config of configs.length ? configs : ['-']) {
      for (const lifecycle of args.lifecycles) {
        signal?.throwIfAborted();
        const base = { runner: runner.name, config, lifecycle, result: null };
        if (availability.status === 'unavailable') {
          outcomes.push({ ...base, status: 'unavailable', detail: availability.reason });
          continue;
        }
        if (config === '-') {
          outcomes.push({ ...base, status: 'unsupported', detail: `none of the configurations asked for (has ${runner.configurations.join(', ')})` });
          continue;
        }
        if (!(runner.lifecyclesOf?.(config) ?? runner.lifecycles).includes(lifecycle)) {
          outcomes.push({ ...base, status: 'unsupported', detail: `${runner.name}${config === 'default' ? '' : `[${config}]`} has no ${lifecycle} lifecycle` });
          continue;
        }
        outcomes.push(await invokeOne(runner, config, lifecycle, args, signal));
      }
    }
  }
  return outcomes;
}

async function invokeOne(runner: Runner, config: string, lifecycle: Lifecycle, args: InvokeArguments, signal?: AbortSignal): Promise<CellOutcome> {
  const base = { runner: runner.name, config, lifecycle };
  try {
    await runner.prepare(args.workload, config, signal);
    const cell = await runner.open({ ...args.spec, workload: args.workload, lifecycle, config }, signal);
    try {
      const result = await cell.invoke(args.request, signal);
      const mismatch = args.expected ? responseMismatch(args.expected, result.response) : null;
      if (mismatch) return { ...base, status: 'mismatch', detail: mismatch, result };
      return { ...base, status: 'ok', detail: args.expected ? 'matches the manifest' : 'not checked: no expected response for this request', result };
    } finally {
      await cell.close();
    }
  } catch (thrown) {
    const error = toBenchError(thrown);
    if (error.kind === 'aborted' || error.kind === 'usage') throw error;
    return { ...base, status: 'failed', detail: `${error.kind} error: ${error.message}`, result: null };
  }
}

function preview(body: Uint8Array): string {
  const text = Buffer.from(body.buffer, body.byteOffset, Math.min(body.byteLength, 400)).toString('utf8');
  return body.byteLength > 400 ? `${text}... (${body.byteLength} bytes)` : text;
}

/** The console report: one block per cell with its response, then a summary table. */
export function formatInvokeReport(args: InvokeArguments, outcomes: readonly CellOutcome[]): string {
  const blocks = outcomes.map((outcome) => {
    const head = `== ${outcome.runner} ${outcome.config} ${outcome.lifecycle}: ${outcome.status} (${outcome.detail})`;
    if (!outcome.result) return head;
    const { response } = outcome.result;
    const headers = Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`);
    return [head, `status: ${response.status}`, ...headers, '', preview(response.body).replace(/\n$/, '')].join('\n');
  });
  const table = formatTable(
    ['runner', 'config', 'lifecycle', 'status', 'L0 instantiate', 'L1 invoke', 'exit'],
    outcomes.map((o) => [
      o.runner,
      o.config,
      o.lifecycle,
      o.status,
      o.result?.instantiateNs == null ? '-' : formatDuration(o.result.instantiateNs),
      o.result ? formatDuration(o.result.invokeNs) : '-',
      o.result?.exitCode == null ? '-' : String(o.result.exitCode),
    ]),
  );
  return `${args.workload.name}, request ${args.requestName}\n\n${blocks.join('\n\n')}\n\n${table}\n`;
}

export const invokeCommand: Command = {
  name: 'invoke',
  summary: 'send one request to a workload through runner x lifecycle cells',
  help: HELP,
  async run(argv) {
    const args = parseInvokeArguments(argv);
    const { value: outcomes, aborted } = await withInterrupts((signal) => invokeCells(args, signal));
    process.stdout.write(formatInvokeReport(args, outcomes));
    if (aborted) return 130;
    if (outcomes.some((o) => o.status === 'failed' || o.status === 'mismatch')) return 1;
    return outcomes.some((o) => o.status === 'ok') ? 0 : 3;
  },
};
