/** Test helper for the CLI tests: the repository root and manifest access. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { cannedRequest, loadWorkload } from '../../fixtures/manifest.ts';

/** The repository root (where bin/wsb.js lives). */
export const REPO_ROOT_FOR_TESTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
