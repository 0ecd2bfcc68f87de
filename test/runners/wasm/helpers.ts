/** Test helper: opens a `wasm` cell on a committed workload or probe and parses probe answers. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadWorkload } from '../../../fixtures/manifest.ts';
import { createWasmRunner } from '../../../runners/wasm/index.ts';
import type { Cell, CellSpec, WorkloadRequest } from '../../../runners/types.ts';

/** A probe's JSON answer. */
export interface ProbeAnswer {
  probe: string;
  outcome: 'blocked' | 'succeeded' | 'error';
  detail: string;
}

/** Opens a cell of the `wasm` runner (cold unless said otherwise). */
export function openCell(name: string, spec: Partial<Omit<CellSpec, 'workload'>> = {}): Promise<Cell> {
  return createWasmRunner().open({ lifecycle: 'cold', ...spec, workload: loadWorkload(name) });
}

/** A GET request with a query string. */
export function get(query = ''): WorkloadRequest {
  return { method: 'GET', path: '/probe', query, headers: {}, body: new Uint8Array(0) };
}

/** Sends a request and parses the probe's answer. */
export async function ask(cell: Cell, query = ''): Promise<ProbeAnswer> {
  const result = await cell.invoke(get(query));
  return JSON.parse(Buffer.from(result.response.body).toString('utf8')) as ProbeAnswer;
}

/** A temporary directory (the sandbox to grant) with a file in it; removed by the returned cleanup. */
export function sandboxDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-sandbox-'));
  fs.writeFileSync(path.join(dir, 'inside.txt'), 'granted content\n');
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
