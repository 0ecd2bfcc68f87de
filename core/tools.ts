/**
 * Where the tools built from the Rust crate registry live: `wasmtime` (the
 * `wasmtime serve` runner), `wit-bindgen` and `wasm-tools` (rebuilding the
 * wasi:http components). scripts/setup.sh builds them with `cargo install
 * --root` into a cache OUTSIDE the checkout, so a fresh clone or worktree
 * does not rebuild them (20-30 minutes for wasmtime on 2 cores).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The cache of built tools: `$WSB_TOOLS_DIR`, else `~/.cache/wsb-tools` (binaries in its `bin/`). */
export function toolsDir(): string {
  const configured = process.env['WSB_TOOLS_DIR'];
  return configured && configured.trim() !== '' ? path.resolve(configured) : path.join(os.homedir(), '.cache', 'wsb-tools');
}

/** The absolute path of `command` on PATH (or on `searchPath`), or null. */
export function findOnPath(command: string, searchPath: string = process.env['PATH'] ?? ''): string | null {
  const extensions = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = path.join(dir, command + extension);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

/** A tool from the tools cache, else from PATH; null when neither has it. */
export function findTool(command: string): string | null {
  const cached = path.join(toolsDir(), 'bin', command);
  return isExecutable(cached) ? cached : findOnPath(command);
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
