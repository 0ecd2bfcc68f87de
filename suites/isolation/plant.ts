/**
 * The host secrets the isolation probes go after, planted by the suite in a
 * temporary folder (never the real machine's secrets) and removed afterwards:
 * a secret file outside any grant, a granted directory holding a symbolic
 * link that points at the secret, a directory granted read-only, a writable
 * scratch directory, an environment variable on the suite's own process, and
 * a TCP listener that counts who connects to it. It also holds the working
 * directory the probes' native processes run in, so that anything a probe
 * creates by a relative path is seen (and removed) rather than left behind.
 */
import crypto from 'node:crypto';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The environment variable planted on the suite's process (inheritance would make it visible). */
export const SECRET_ENV_NAME = 'WSB_HOST_SECRET';
/** An environment variable granted explicitly in the `grant=env` condition (the positive control). */
export const GRANTED_ENV_NAME = 'WSB_GRANTED_VAR';
/** Names the DNS probe may look up; the first one this host resolves is used. */
export const DNS_CANDIDATES = ['example.com', 'registry.npmjs.org', 'pypi.org', 'proxy.golang.org'] as const;

/** What was planted, as the probe table and the interpretation read it. */
export interface PlantFacts {
  /** Root of everything planted (mode 0755, so a container's unprivileged user can read it). */
  root: string;
  /** A file outside any grant, holding the secret. */
  secretFile: string;
  /** A directory granted to the guest; holds `allowed.txt` and the planted link `escape`. */
  grantedDir: string;
  /** A link inside the grant pointing at {@link secretFile} (absolute target). */
  plantedLink: string;
  /** A file inside the grant the guest may read (positive control). */
  allowedFile: string;
  /** A directory granted read-only; the write probe targets it. */
  readonlyDir: string;
  /** A writable granted directory, where a probe may create its own link. */
  scratchDir: string;
  /** The working directory of the probes' native processes (never granted): anything that appears here was written by a probe. */
  workDir: string;
  /** Value of {@link SECRET_ENV_NAME}. */
  secretValue: string;
  /** Where the network listener waits. */
  listenHost: string;
  listenPort: number;
  /** A name this host resolves, or null when none of {@link DNS_CANDIDATES} does. */
  dnsName: string | null;
}

/** Planted state with the listener's counter and the cleanup. */
export interface Plant {
  facts: PlantFacts;
  /** Connections the listener has accepted so far. */
  connections(): number;
  /** Files the write probe may have left in the read-only grant. */
  writtenFiles(): string[];
  /** Whatever a probe created in its working directory ({@link PlantFacts.workDir}). */
  workDirFiles(): string[];
  /** Removes what a probe may have left (written files, created links, files in the working directory), keeping the plant. */
  reset(): void;
  /** Stops the listener, removes the folder and the environment variable. */
  remove(): Promise<void>;
}

/**
 * The address the listener binds: docker0's address when the host has a
 * Docker bridge (reachable from bridged containers and from host processes
 * alike), else the first external IPv4, else loopback.
 */
export function listenAddress(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string {
  const ipv4 = (name: string): string | undefined => interfaces[name]?.find((entry) => entry.family === 'IPv4')?.address;
  const docker = ipv4('docker0');
  if (docker) return docker;
  for (const [name, entries] of Object.entries(interfaces)) {
    if (entries?.some((entry) => entry.family === 'IPv4' && !entry.internal)) return ipv4(name) as string;
  }
  return '127.0.0.1';
}

async function resolvableName(): Promise<string | null> {
  for (const name of DNS_CANDIDATES) {
    try {
      await dns.lookup(name);
      return name;
    } catch {
      // Next candidate.
    }
  }
  return null;
}

/** Plants the secrets and starts the listener. */
export async function plantSecrets(signal?: AbortSignal): Promise<Plant> {
  signal?.throwIfAborted();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wsb-isolation-'));
  fs.chmodSync(root, 0o755);
  const dir = (name: string): string => {
    const made = path.join(root, name);
    fs.mkdirSync(made, { mode: 0o755 });
    fs.chmodSync(made, 0o755);
    return made;
  };
  const secretValue = crypto.randomBytes(12).toString('hex');
  const secretFile = path.join(dir('secret'), 'secret.txt');
  fs.writeFileSync(secretFile, `wsb planted host secret ${secretValue}\n`, { mode: 0o644 });
  const grantedDir = dir('granted');
  const allowedFile = path.join(grantedDir, 'allowed.txt');
  fs.writeFileSync(allowedFile, 'a file inside the grant\n', { mode: 0o644 });
  const plantedLink = path.join(grantedDir, 'escape');
  fs.symlinkSync(secretFile, plantedLink);
  const readonlyDir = dir('readonly');
  const scratchDir = dir('scratch');
  fs.chmodSync(scratchDir, 0o777);
  const workDir = dir('workdir');
  process.env[SECRET_ENV_NAME] = secretValue;

  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end();
  });
  const listenHost = listenAddress();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => resolve());
  });
  const listenPort = (server.address() as net.AddressInfo).port;
  const dnsName = await resolvableName();

  const entries = (folder: string): string[] => fs.readdirSync(folder).map((name) => path.join(folder, name));
  const writtenFiles = (): string[] => entries(readonlyDir);
  const workDirFiles = (): string[] => entries(workDir);
  return {
    facts: { root, secretFile, grantedDir, plantedLink, allowedFile, readonlyDir, scratchDir, workDir, secretValue, listenHost, listenPort, dnsName },
    connections: () => accepted,
    writtenFiles,
    workDirFiles,
    reset() {
      for (const file of [...writtenFiles(), ...entries(scratchDir), ...workDirFiles()]) fs.rmSync(file, { force: true, recursive: true });
    },
    async remove() {
      delete process.env[SECRET_ENV_NAME];
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
