/**
 * Deployed platforms as targets (`wsb bench --targets FILE`): a JSON file
 * naming endpoints that already serve the suite's workloads (a Spin app,
 * a Knative service, a Lambda function URL, a fleet of containers). The
 * suites send them the same canned requests and check the same expected
 * responses as every local cell. Addresses come only from the file; nothing
 * is assumed. The file is validated whole before anything starts.
 *
 *     {"targets": [
 *       {"name": "spin-local", "substrate": "spin", "url": "http://127.0.0.1:3000",
 *        "workloads": ["hello", "echo"]},
 *       {"name": "knative-hello", "substrate": "knative", "url": "https://hello.example.net",
 *        "workloads": ["hello"], "scalesToZero": true, "idleSeconds": 120}
 *     ]}
 */
import fs from 'node:fs';
import { usageError } from '../../core/errors.ts';
import type { Outcome, SuiteName } from '../../core/results.ts';
import { loadWorkloads } from '../../fixtures/manifest.ts';
import type { WorkloadRequest } from '../../runners/types.ts';

/** One deployed endpoint. */
export interface DeployedTarget {
  /** Names the target in every row (`runner: target:<name>`). */
  name: string;
  /** What serves it, as the user labels it (`spin`, `knative`, `lambda`, `container`, ...): `config: substrate=<label>`. */
  substrate: string;
  /** Base URL; a request for `/hello?x=1` goes to `<url>/hello?x=1`. No trailing slash. */
  url: string;
  /** Workloads of the manifest the target serves, under their request paths. */
  workloads: string[];
  /** The platform stops every instance when idle: a cold first request is measured after `idleSeconds`. */
  scalesToZero: boolean;
  /** Idle time before a cold first request (only with scalesToZero). */
  idleSeconds: number | null;
}

const FIELDS = ['name', 'substrate', 'url', 'workloads', 'scalesToZero', 'idleSeconds'];

/** A name or label: no spaces, commas or `=`, so it reads cleanly in a row's runner and config. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Reads and validates a targets file; any problem is a one-line usage error naming the file and the field. */
export function readTargetsFile(file: string): DeployedTarget[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw usageError(`--targets ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(`--targets ${file}: not JSON (${(error as Error).message})`);
  }
  return parseTargets(parsed, `--targets ${file}`);
}

/** Validates the parsed content of a targets file (`source` names it in errors). */
export function parseTargets(content: unknown, source: string): DeployedTarget[] {
  const fail = (message: string): never => {
    throw usageError(`${source}: ${message}`);
  };
  if (!isObject(content) || !Array.isArray(content['targets'])) return fail('expected an object {"targets": [...]}');
  const extra = Object.keys(content).filter((key) => key !== 'targets');
  if (extra.length) fail(`unknown field "${extra[0]}" at the top level (only "targets")`);
  const list = content['targets'] as unknown[];
  if (!list.length) fail('"targets" is empty');
  const known = loadWorkloads().filter((w) => w.kind === 'workload').map((w) => w.name);
  const seen = new Set<string>();
  return list.map((entry, index) => {
    const where = `targets[${index}]${isObject(entry) && typeof entry['name'] === 'string' ? ` ("${entry['name']}")` : ''}`;
    const bad = (message: string): never => fail(`${where}: ${message}`);
    if (!isObject(entry)) return bad('expected an object');
    const unknown = Object.keys(entry).filter((key) => !FIELDS.includes(key));
    if (unknown.length) bad(`unknown field "${unknown[0]}" (fields: ${FIELDS.join(', ')})`);
    const { name, substrate, url, workloads, scalesToZero, idleSeconds } = entry;
    if (typeof name !== 'string' || !LABEL.test(name)) bad(`"name" must be 1-64 letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`);
    if (seen.has(name as string)) bad(`"name" ${JSON.stringify(name)} is used twice`);
    seen.add(name as string);
    if (typeof substrate !== 'string' || !LABEL.test(substrate)) bad(`"substrate" must be a label of 1-64 letters, digits, ".", "_" or "-" (e.g. spin, knative, lambda), got ${JSON.stringify(substrate)}`);
    const base = typeof url === 'string' ? parseUrl(url) : null;
    if (!base) return bad(`"url" must be an absolute http:// or https:// URL, got ${JSON.stringify(url)}`);
    if (base.search || base.hash || base.username || base.password) bad(`"url" must be a base URL without query, fragment or credentials, got ${JSON.stringify(url)}`);
    if (!Array.isArray(workloads) || !workloads.length || !workloads.every((w) => typeof w === 'string')) bad(`"workloads" must be a non-empty list of workload names (${known.join(', ')})`);
    const names = workloads as string[];
    const unknownWorkload = names.find((w) => !known.includes(w));
    if (unknownWorkload !== undefined) bad(`unknown workload "${unknownWorkload}" (workloads: ${known.join(', ')})`);
    if (new Set(names).size !== names.length) bad('"workloads" lists a workload twice');
    if (scalesToZero !== undefined && typeof scalesToZero !== 'boolean') bad(`"scalesToZero" must be true or false, got ${JSON.stringify(scalesToZero)}`);
    if (scalesToZero === true && (typeof idleSeconds !== 'number' || !Number.isFinite(idleSeconds) || idleSeconds <= 0)) bad(`"idleSeconds" must be a number of seconds greater than 0 when "scalesToZero" is true, got ${JSON.stringify(idleSeconds)}`);
    if (scalesToZero !== true && idleSeconds !== undefined) bad('"idleSeconds" only applies with "scalesToZero": true');
    return {
      name: name as string,
      substrate: substrate as string,
      url: base.href.replace(/\/$/, ''),
      workloads: names,
      scalesToZero: scalesToZero === true,
      idleSeconds: scalesToZero === true ? (idleSeconds as number) : null,
    };
  });
}

/** The URL a target answers a workload request at: its base URL, the request's path and query. */
export function targetUrl(target: DeployedTarget, request: Pick<WorkloadRequest, 'path' | 'query'>): string {
  return `${target.url}${request.path.startsWith('/') ? '' : '/'}${request.path}${request.query ? `?${request.query}` : ''}`;
}

/** The row identity of a target: `runner: target:<name>`, `config: substrate=<label>`. */
export function targetKey(target: DeployedTarget): { runner: string; config: string } {
  return { runner: `target:${target.name}`, config: `substrate=${target.substrate}` };
}

/** An outcome row of a target: a failed check, or a cell not run, with the reason. */
export function targetOutcome(suite: SuiteName, target: DeployedTarget, workload: string, what: { condition: string; outcome: string; detail: string; lifecycle?: string }): Outcome {
  return { suite, ...targetKey(target), lifecycle: what.lifecycle ?? '-', workload, subject: 'cell', condition: what.condition, outcome: what.outcome, detail: what.detail };
}

function parseUrl(text: string): URL | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
