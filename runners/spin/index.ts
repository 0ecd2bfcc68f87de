/**
 * `wasm-spin`: Fermyon Spin itself, where a `spin` binary is on PATH. The
 * workload's wasi:http component is served by `spin up` through a spin.toml
 * generated per server (one HTTP trigger, route `/...`), on a loopback port
 * (`--listen`), a fresh instance per request as Spin always does. Spin ships
 * only as release binaries from GitHub, which this project's machines cannot
 * download: here the runner is unavailable with that reason, and the nightly
 * workflow installs Spin with its official setup action so the published
 * report has a Spin row.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findOnPath } from '../../core/tools.ts';
import { ENGINE_CACHE_DIR } from '../host-runner.ts';
import type { ServerRunner } from '../types.ts';
import { commandVersion, createComponentServerRunner, type LocatedCommand, type ServeRequest } from '../http-server/component-server.ts';
import type { ServerCommand } from '../http-server/server-process.ts';

/** Why there is no Spin here, and where a Spin row comes from. */
export const SPIN_MISSING_REASON =
  'spin not found on PATH: Spin ships only as release binaries on GitHub, which cannot be downloaded on this machine; the nightly workflow installs it (fermyon/actions/spin/setup) so the published report has a Spin row';

/** Where to find `spin`. */
export interface SpinOptions {
  /** The `spin` command. @default `spin` on PATH */
  command?: string;
}

/** The spin.toml that serves one component on every path. */
export function spinManifest(workload: string, componentPath: string): string {
  const id = workload.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return [
    'spin_manifest_version = 2',
    '',
    '[application]',
    `name = "wsb-${id}"`,
    'version = "0.1.0"',
    '',
    '[[trigger.http]]',
    'route = "/..."',
    `component = "${id}"`,
    '',
    `[component.${id}]`,
    `source = ${JSON.stringify(componentPath)}`,
    '',
  ].join('\n');
}

/** The command line of `spin up` for a manifest on one port. */
export function spinUpArgs(manifestPath: string, port: number): string[] {
  return ['up', '--from', manifestPath, '--listen', `127.0.0.1:${port}`];
}

async function locate(command: string | undefined): Promise<LocatedCommand | { reason: string }> {
  const found = command ?? findOnPath('spin');
  if (!found) return { reason: SPIN_MISSING_REASON };
  const version = await commandVersion(found, ['--version']);
  return version ? { path: found, version } : { reason: `${found} --version failed` };
}

/** Creates the `wasm-spin` runner. */
export function createSpinRunner(options: SpinOptions = {}): ServerRunner {
  return createComponentServerRunner({
    name: 'wasm-spin',
    description: 'spin up (Fermyon Spin, on PATH): the wasi:http component through a generated spin.toml, a fresh instance per request',
    configurations: ['default'],
    cacheDir: path.join(ENGINE_CACHE_DIR, 'spin'),
    locate: () => locate(options.command),
    command(located: LocatedCommand, serve: ServeRequest): ServerCommand {
      const manifestPath = path.join(serve.workDir, 'spin.toml');
      fs.writeFileSync(manifestPath, spinManifest(path.basename(serve.componentPath, '.wasm'), serve.componentPath));
      // Spin keeps its state (key-value stores, logs) beside the app and its compile cache under HOME: both inside this run's folders.
      return {
        what: 'spin up',
        command: located.path,
        args: (port) => spinUpArgs(manifestPath, port),
        env: { HOME: serve.cacheDir, PATH: process.env['PATH'] ?? '' },
        cwd: serve.workDir,
      };
    },
  });
}
