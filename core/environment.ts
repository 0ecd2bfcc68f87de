/**
 * The environment fingerprint recorded once per run: enough to tell two
 * machines (and two runs on one machine) apart and to interpret their figures.
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The run profile: `quick` (default, minutes) or `full` (the published figures). */
export type Profile = 'quick' | 'full';

/** Where and with what a run was made. */
export interface Environment {
  /** A short label for the machine, used to tell merged runs apart: `<platform>-<arch>-<hostname>`. */
  machine: string;
  os: string;
  platform: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  memoryBytes: number;
  node: string;
  v8: string;
  /** Docker engine version, or null when no engine answered. */
  docker: string | null;
  /** Versions of the tools found (compilers, external engines), null where absent. */
  tools: Record<string, string | null>;
  /** Git commit of the suite, or null outside a checkout. */
  gitCommit: string | null;
  /** sha256 of every artifact the run used, by name. */
  artifacts: Record<string, string>;
  profile: Profile;
  /** Command line of the run. */
  argv: string[];
  startedAt: string;
  finishedAt: string | null;
}

/** The repository root (where package.json lies). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What the caller knows that the core cannot find out by itself. */
export interface EnvironmentInput {
  profile: Profile;
  argv: string[];
  docker?: string | null;
  tools?: Record<string, string | null>;
  artifacts?: Record<string, string>;
}

/** Collects the fingerprint of this machine. */
export async function collectEnvironment(input: EnvironmentInput): Promise<Environment> {
  const cpus = os.cpus();
  return {
    machine: `${process.platform}-${process.arch}-${os.hostname()}`,
    os: await osName(),
    platform: process.platform,
    kernel: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    node: process.version,
    v8: process.versions.v8,
    docker: input.docker ?? null,
    tools: input.tools ?? {},
    gitCommit: await gitCommit(),
    artifacts: input.artifacts ?? {},
    profile: input.profile,
    argv: input.argv,
    startedAt: new Date().toISOString(),
    finishedAt: null,
  };
}

async function osName(): Promise<string> {
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1];
    if (pretty) return pretty;
  } catch {
    // Not Linux, or no os-release: fall back to what Node knows.
  }
  return `${os.type()} ${os.release()}`;
}

async function gitCommit(): Promise<string | null> {
  const result = await execa('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, reject: false, timeout: 5000 });
  return result.exitCode === 0 ? String(result.stdout).trim() : null;
}

/** First line of `command --version`, or null when the command is absent or fails. */
export async function toolVersion(command: string, args: string[] = ['--version']): Promise<string | null> {
  try {
    const result = await execa(command, args, { reject: false, timeout: 10_000 });
    if (result.exitCode !== 0) return null;
    const text = `${String(result.stdout)}\n${String(result.stderr)}`;
    return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? null;
  } catch {
    return null;
  }
}
