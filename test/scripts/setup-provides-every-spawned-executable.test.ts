/**
 * Every executable the tests and the bench start is provided by
 * scripts/setup.sh (an apt package it installs, or one of its steps), by
 * Debian's essential set, or is declared optional with what happens without
 * it. The sources are scanned for every place that starts a process, so a
 * new command that nobody provides fails here instead of on a fresh machine
 * (as `wat2wasm` once did).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LIBRARY_RESOLUTION, MUSL_CC, NATIVE_CC } from '../../fixtures/native.ts';
import { WASM_CC } from '../../fixtures/build.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const SETUP = fs.readFileSync(path.join(REPO_ROOT, 'scripts/setup.sh'), 'utf8');

/** How an executable reaches a machine. */
type Provider =
  /** A Debian package in setup.sh's apt list that ships `ships` (the file the command resolves to). */
  | { apt: string; ships: string }
  /** A Debian package of the essential set (on every Debian machine), shipping `ships`. */
  | { essential: string; ships: string }
  /** A step of setup.sh (matched by `step`) installs it; without it the runner is unavailable and its tests skip outside CI. */
  | { step: RegExp }
  /** Built by the project itself at run time. */
  | { built: string }
  /** Looked for at run time; `whenMissing` says what happens without it. */
  | { whenMissing: string };

/** Every executable started anywhere in the sources, by the name the scan resolves it to. */
const EXECUTABLES: Record<string, Provider> = {
  node: { step: /npm install -g --force node@24/ },
  [NATIVE_CC]: { apt: 'gcc', ships: '/usr/bin/gcc' },
  [MUSL_CC]: { apt: 'musl-tools', ships: '/usr/bin/musl-gcc' },
  [WASM_CC]: { apt: 'clang', ships: '/usr/bin/clang' },
  [LIBRARY_RESOLUTION]: { essential: 'libc-bin', ships: '/usr/bin/ldd' },
  getconf: { essential: 'libc-bin', ships: '/usr/bin/getconf' },
  true: { essential: 'coreutils', ships: '/bin/true' },
  touch: { essential: 'coreutils', ships: '/bin/touch' },
  '/bin/sh': { essential: 'dash', ships: '/bin/sh' },
  'dpkg-query': { essential: 'dpkg', ships: '/usr/bin/dpkg-query' },
  dpkg: { essential: 'dpkg', ships: '/usr/bin/dpkg' },
  file: { apt: 'file', ships: '/usr/bin/file' },
  git: { apt: 'git', ships: '/usr/bin/git' },
  chromium: { apt: 'chromium', ships: '/usr/bin/chromium' },
  docker: { apt: 'docker.io', ships: '/usr/bin/docker' },
  '.venv-engines/bin/python': { step: /python3 -m venv \.venv-engines/ },
  '.cache/bin/wazero': { step: /GOBIN="\$PWD\/\.cache\/bin" go install "github\.com\/tetratelabs\/wazero\/cmd\/wazero@/ },
  '.cache/bin/wsb-wazero-host': { step: /go build -o \.\.\/\.\.\/\.\.\/\.cache\/bin\/wsb-wazero-host/ },
  'native builds': { built: 'fixtures/native.ts builds the workloads (and tests their own test programs) with cc or musl-gcc' },
  ps: { whenMissing: 'only where /proc is missing (macOS, which ships ps); Linux reads /proc' },
  'musl loader': { whenMissing: "/lib/ld-musl-<arch>.so.1 (Debian's musl, pulled in by musl-tools) is asked for musl's version; without it the build says plain `musl`" },
  wasmtime: { step: /cargo_tool wasmtime wasmtime-cli 48\.0\.8/ },
  'wit-bindgen': { step: /cargo_tool wit-bindgen wit-bindgen-cli 0\.63\.0/ },
  'wasm-tools': { step: /cargo_tool wasm-tools wasm-tools 1\.263\.0/ },
  cargo: { whenMissing: "Rust's cargo (on these machines and GitHub's runners): setup.sh then skips building wasmtime-cli (wasm-wasmtime-serve unavailable with the reason) and the component tools, and npm run fixtures keeps the committed components and says why" },
  spin: { whenMissing: 'Spin (GitHub release binaries only; the nightly workflow installs it): wasm-spin is unavailable with the reason, and its code path is tested with test/runners/spin/spin-stand-in.sh' },
  'spin stand-in': { built: 'test/runners/spin/spin-stand-in.sh, a script of the repository that imitates spin up and serves with wasmtime serve' },
  'engines on PATH': { whenMissing: "a user's own wasmtime, wazero, wasmedge or spin (runners/cli-engine): the runner is unavailable with the reason, and its test checks exactly that" },
};

/**
 * Call sites whose command is a variable: what can flow through each, by
 * `<file>:<argument>`. A wrapper whose callers are scanned themselves
 * carries nothing of its own.
 */
const PASS_THROUGH: Record<string, readonly string[]> = {
  'fixtures/native.ts:command': [NATIVE_CC, MUSL_CC],
  'fixtures/native.ts:loader': ['musl loader'],
  'fixtures/native.ts:LIBRARY_RESOLUTION': [LIBRARY_RESOLUTION],
  'fixtures/native.ts:binaryPath': ['native builds'],
  'fixtures/build.ts:WASM_CC': [WASM_CC],
  'core/environment.ts:command': [],
  'runners/process/loop-process.ts:spec.file': ['node', 'native builds'],
  'runners/process/spawn-host.ts:program.path': ['node', 'native builds'],
  'runners/engine-host.ts:options.command': ['node', '.venv-engines/bin/python', '.cache/bin/wsb-wazero-host'],
  'runners/wasmtime/index.ts:python': ['.venv-engines/bin/python'],
  'suites/throughput/locust/engine.ts:python': ['.venv-engines/bin/python'],
  'suites/throughput/locust/engine.ts:install.python': ['.venv-engines/bin/python'],
  "runners/container/cli-cell.ts:options.dockerCommand ?? 'docker'": ['docker'],
  'runners/cli-engine/index.ts:command': ['engines on PATH', '.cache/bin/wazero'],
  'runners/cli-engine/index.ts:this.command': ['engines on PATH', '.cache/bin/wazero'],
  'test/fixtures/canned-native.test.ts:build.path': ['native builds'],
  'fixtures/component.ts:tool': ['wit-bindgen', 'wasm-tools'],
  'fixtures/component.ts:command': ['wit-bindgen', 'wasm-tools', WASM_CC],
  'runners/http-server/component-server.ts:command': ['wasmtime', 'spin', 'spin stand-in'],
  'runners/wasmtime-serve/index.ts:wasmtime': ['wasmtime'],
  'runners/http-server/server-process.ts:server.command': ['wasmtime', 'spin', 'spin stand-in', 'native builds'],
  "suites/bench.ts:findTool('wasmtime') ?? 'wasmtime'": ['wasmtime'],
  'test/fixtures/probe-run.ts:binary': ['native builds'],
  'test/reports/report-in-browser.test.ts:BROWSER as string': ['chromium'],
};

const SCANNED_FOLDERS = ['bin', 'cli', 'core', 'fixtures', 'reports', 'runners', 'suites', 'test'];

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|js|mjs)$/.test(entry.name)) files.push(full);
    }
  };
  for (const folder of SCANNED_FOLDERS) walk(path.join(REPO_ROOT, folder));
  return files;
}

/** The source without comments (block comments, and line comments that start a line or follow a space). */
function withoutComments(source: string): string {
  // Newlines kept, so that line numbers stay those of the file.
  return source.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, '')).replace(/(^|\s)\/\/.*$/gm, '$1');
}

/** The first argument of a call whose opening parenthesis is just before `start`, as written. */
function firstArgument(text: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) {
      if (depth === 0) return text.slice(start, i).trim();
      depth--;
    } else if (c === ',' && depth === 0) return text.slice(start, i).trim();
  }
  return text.slice(start).trim();
}

/** One place that starts a process, and the command it names. */
interface Site {
  file: string;
  line: number;
  call: string;
  argument: string;
}

/** Every place in the sources that starts a process. */
function spawnSites(): Site[] {
  const sites: Site[] = [];
  for (const file of sourceFiles()) {
    const text = withoutComments(fs.readFileSync(file, 'utf8'));
    const relative = path.relative(REPO_ROOT, file);
    const names = ['runCommand', 'toolVersion'];
    if (/from '(node:)?child_process'/.test(text)) names.push('spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork');
    if (/from 'execa'/.test(text)) names.push('execa', 'execaSync');
    for (const alias of text.matchAll(/const (\w+) = promisify\((?:execFile|exec)\)/g)) names.push(alias[1] as string);
    const calls = new RegExp(`(?<![\\w.$])(${names.join('|')})\\(|(cluster\\.fork)\\(|(executablePath):`, 'g');
    for (const match of text.matchAll(calls)) {
      const before = text.slice(Math.max(0, (match.index ?? 0) - 9), match.index);
      // A declaration of a wrapper, not a call.
      if (/function\s*$/.test(before)) continue;
      const call = (match[1] ?? match[2] ?? match[3]) as string;
      const argument = firstArgument(text, (match.index ?? 0) + match[0].length);
      sites.push({ file: relative, line: text.slice(0, match.index).split('\n').length, call, argument });
    }
  }
  return sites;
}

/** What a site can start: a literal command, Node itself, or what its pass-through entry says. */
function resolve(site: Site): readonly string[] | null {
  const literal = /^(['"`])([^'"`$]+)\1$/.exec(site.argument);
  if (literal) return [literal[2] as string];
  if (site.argument === 'process.execPath' || (site.argument === '' && site.call === 'cluster.fork')) return ['node'];
  return PASS_THROUGH[`${site.file}:${site.argument}`] ?? null;
}

const sites = spawnSites();

test('the scan finds the places that start processes (it would notice a new one)', () => {
  const files = new Set(sites.map((site) => site.file));
  for (const expected of ['fixtures/native.ts', 'runners/process/spawn-host.ts', 'runners/process/loop-process.ts', 'core/proc.ts', 'runners/engine-host.ts']) assert.ok(files.has(expected), expected);
  assert.ok(sites.some((site) => site.argument === "'getconf'"));
});

test('every command started in the sources is declared with how a machine gets it', () => {
  const undeclared: string[] = [];
  for (const site of sites) {
    const commands = resolve(site);
    if (commands === null) {
      undeclared.push(`${site.file}:${site.line} ${site.call}(${site.argument}, ...): a command from a variable; add \`${site.file}:${site.argument}\` to PASS_THROUGH with what flows through it`);
      continue;
    }
    for (const command of commands) if (!(command in EXECUTABLES)) undeclared.push(`${site.file}:${site.line} starts ${command}, which EXECUTABLES does not declare (and so scripts/setup.sh may not provide)`);
  }
  assert.deepEqual(undeclared, []);
});

test('the declarations have no stale entry: each is started somewhere, each pass-through site exists', () => {
  const used = new Set(sites.flatMap((site) => resolve(site) ?? []));
  assert.deepEqual(Object.keys(EXECUTABLES).filter((name) => !used.has(name)), [], 'declared but never started');
  const present = new Set(sites.map((site) => `${site.file}:${site.argument}`));
  assert.deepEqual(Object.keys(PASS_THROUGH).filter((key) => !present.has(key)), [], 'pass-through sites that no longer exist');
});

test('scripts/setup.sh provides every declared executable (apt package or step), and the essential ones are essential', async () => {
  const aptList = /packages=\(([^)]*)\)/.exec(SETUP)?.[1]?.trim().split(/\s+/) ?? [];
  assert.ok(aptList.length > 0, 'setup.sh has an apt package list');
  const hasDpkg = await execa('dpkg-query', ['--version'], { reject: false }).then((out) => out.exitCode === 0, () => false);
  const problems: string[] = [];
  for (const [name, provider] of Object.entries(EXECUTABLES)) {
    if ('step' in provider && !provider.step.test(SETUP)) problems.push(`${name}: no setup.sh step matches ${provider.step}`);
    if ('built' in provider || 'whenMissing' in provider) assert.ok(Object.values(provider)[0], name);
    if ('apt' in provider && !aptList.includes(provider.apt)) problems.push(`${name}: setup.sh does not install ${provider.apt}`);
    const pkg = 'apt' in provider ? provider.apt : 'essential' in provider ? provider.essential : null;
    if (!pkg || !hasDpkg || !('ships' in provider)) continue;
    // Where the package is installed, check that it ships what the command runs and, for the essential set, that it is essential.
    const status = await execa('dpkg-query', ['-W', '-f=${Status}|${Essential}', pkg], { reject: false });
    if (!String(status.stdout).startsWith('install ok installed')) {
      if ('essential' in provider) problems.push(`${name}: the essential package ${pkg} is not installed`);
      continue;
    }
    if ('essential' in provider && !String(status.stdout).endsWith('|yes')) problems.push(`${name}: ${pkg} is not in Debian's essential set`);
    const files = await execa('dpkg', ['-L', pkg], { reject: false });
    if (!String(files.stdout).split('\n').includes(provider.ships)) problems.push(`${name}: ${pkg} does not ship ${provider.ships}`);
  }
  assert.deepEqual(problems, []);
});
