/**
 * Isolation profiles of the container runner. Every option that matters for
 * isolation is explicit here and recorded with the results, so that a
 * reader knows what "a container" meant in each row.
 */
import type { ContainerCreateOptions } from 'dockerode';
import { usageError } from '../../core/errors.ts';

/** Profile names, the first is the default. */
export const PROFILE_NAMES = ['default', 'hardened'] as const;

/** A profile name. */
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** The isolation options of a profile, as recorded with the results. */
export interface IsolationOptions {
  profile: ProfileName;
  networkMode: 'bridge' | 'none';
  readonlyRootfs: boolean;
  capDrop: string[];
  securityOpt: string[];
  /** Memory limit, bytes (0: none, Docker's default). */
  memoryBytes: number;
  /** Process limit (0: none, Docker's default). */
  pidsLimit: number;
  /** User the workload runs as (`''`: the image's, root for FROM scratch). */
  user: string;
}

/**
 * How pre-warmed containers wait: started and waiting on stdin (the default:
 * like a pre-warmed process, it holds memory while idle), or created only and
 * started on use.
 */
export type PrewarmVariant = 'created' | 'started';

/** A parsed container configuration string. */
export interface ContainerConfig {
  isolation: IsolationOptions;
  prewarm: PrewarmVariant;
  /** The configuration as given, e.g. `profile=hardened,prewarm=started`. */
  text: string;
}

/** The isolation options of a profile; `maxMemoryMib` caps memory in the hardened profile. */
export function isolationOptions(profile: ProfileName, maxMemoryMib: number): IsolationOptions {
  if (profile === 'default') {
    // Docker's defaults, stated rather than implied: bridge network, writable root, default capabilities, no limits, root.
    return { profile, networkMode: 'bridge', readonlyRootfs: false, capDrop: [], securityOpt: [], memoryBytes: 0, pidsLimit: 0, user: '' };
  }
  return {
    profile,
    networkMode: 'none',
    readonlyRootfs: true,
    capDrop: ['ALL'],
    securityOpt: ['no-new-privileges'],
    memoryBytes: maxMemoryMib * 1024 * 1024,
    pidsLimit: 16,
    user: '65534:65534',
  };
}

/**
 * Parses `profile=<default|hardened>[,prewarm=<created|started>]` (the
 * runner's first configuration when omitted); anything else is a usage error.
 */
export function parseContainerConfig(text: string | undefined, maxMemoryMib: number): ContainerConfig {
  const config = text ?? `profile=${PROFILE_NAMES[0]}`;
  let profile: ProfileName = PROFILE_NAMES[0];
  let prewarm: PrewarmVariant = 'started';
  for (const part of config.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split('=');
    if (key === 'profile' && (PROFILE_NAMES as readonly string[]).includes(value ?? '')) profile = value as ProfileName;
    else if (key === 'prewarm' && (value === 'created' || value === 'started')) prewarm = value;
    else throw usageError(`container runner: bad configuration "${part}" (expected profile=default|hardened, optionally ,prewarm=created|started)`);
  }
  return { isolation: isolationOptions(profile, maxMemoryMib), prewarm, text: config };
}

/** The HostConfig and user of a container created under these options. */
export function createOptionsOf(isolation: IsolationOptions): Pick<ContainerCreateOptions, 'HostConfig' | 'User' | 'NetworkDisabled'> {
  return {
    ...(isolation.user ? { User: isolation.user } : {}),
    HostConfig: {
      NetworkMode: isolation.networkMode,
      ReadonlyRootfs: isolation.readonlyRootfs,
      CapDrop: isolation.capDrop,
      SecurityOpt: isolation.securityOpt,
      ...(isolation.memoryBytes ? { Memory: isolation.memoryBytes, MemorySwap: isolation.memoryBytes } : {}),
      ...(isolation.pidsLimit ? { PidsLimit: isolation.pidsLimit } : {}),
    },
  };
}

/** One line describing the options, for details and reports. */
export function describeIsolation(isolation: IsolationOptions): string {
  const parts = [
    `network=${isolation.networkMode}`,
    `readonly-root=${isolation.readonlyRootfs}`,
    `cap-drop=${isolation.capDrop.join('+') || 'none'}`,
    `security-opt=${isolation.securityOpt.join('+') || 'none'}`,
    `memory=${isolation.memoryBytes ? `${isolation.memoryBytes / 1024 / 1024}MiB` : 'unlimited'}`,
    `pids=${isolation.pidsLimit || 'unlimited'}`,
    `user=${isolation.user || 'root'}`,
  ];
  return `profile ${isolation.profile}: ${parts.join(' ')}`;
}
