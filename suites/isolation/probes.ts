/**
 * The probe table of the isolation suite (DESIGN.md section 5), as data: per
 * probe what it tries, the query it gets, the grant of each condition, and
 * how the response, the error, the neighbour check and the host's state
 * after turn into `contained` / `escaped` / `host-affected` /
 * `not-applicable`, with one line of evidence. The interpretation is pure, so
 * it is tested on recorded observations.
 *
 * Paths are granted at their host path (guest path = host path), so the same
 * query means the same file on every runner: a bare process sees the host's
 * filesystem, a sandbox sees only what it was granted.
 */
import type { DirGrant, Lifecycle } from '../../runners/types.ts';
import { GRANTED_ENV_NAME, SECRET_ENV_NAME, type PlantFacts } from './plant.ts';

/** Outcome of one probe cell. */
export type ProbeOutcome = 'contained' | 'escaped' | 'host-affected' | 'not-applicable';

/** What a probe answered about itself (probe.h). */
export interface ProbeAnswer {
  probe: string;
  outcome: 'blocked' | 'succeeded' | 'error';
  detail: string;
}

/** Everything seen while one probe case ran on one cell. */
export interface Observation {
  runner: string;
  lifecycle: Lifecycle;
  /** The probe's JSON answer to the last request, when it answered one. */
  answer: ProbeAnswer | null;
  /** HTTP-like status of the response, when there was one. */
  status: number | null;
  /** Bytes of the response body (output flood). */
  bodyBytes: number;
  /** The error the cell raised instead of a response (trap, deadline, runner failure). */
  error: { kind: string; message: string } | null;
  /** Wall-clock time of the probe request, ms. */
  elapsedMs: number;
  /** The positive control of a grant condition: the same probe reaching what WAS granted. */
  control: ProbeAnswer | { error: string } | null;
  /** Whether a hello on a neighbour cell of the same runner answered correctly after the probe. */
  neighbour: { ok: true } | { ok: false; reason: string };
  /** The host's state after the probe: connections to the listener, files in the read-only grant, files in the probe's working directory. */
  host: { newConnections: number; writtenFiles: readonly string[]; workDirFiles: readonly string[] };
}

/** The verdict on one observation. */
export interface Interpretation {
  outcome: ProbeOutcome;
  detail: string;
}

/** What a condition grants: directories and/or environment variables. */
export interface Grant {
  dirs?: DirGrant[];
  env?: Record<string, string>;
}

/** One condition of a probe: without its grant, or with it. */
export interface ProbeCase {
  /** `grant=none`, `grant=dir`, `grant=dir-ro`, `grant=env`, ... */
  condition: string;
  query(facts: PlantFacts): string;
  grant(facts: PlantFacts): Grant;
  /** A request that reaches what the grant allows, to show the grant itself works (query). */
  control?(facts: PlantFacts): string;
}

/** One probe of the catalogue. */
export interface ProbeSpec {
  probe: string;
  /** What it tries, one line. */
  tries: string;
  cases: readonly ProbeCase[];
  /** Lifecycles it runs under. @default ['cold'] */
  lifecycles?: readonly Lifecycle[];
  /** Requests sent to the same cell; the last one is interpreted. @default 1 */
  requests?: number;
  /** Deadline per request, ms. @default PROBE_DEADLINE_MS */
  deadlineMs?: number;
  interpret(observation: Observation, facts: PlantFacts): Interpretation;
}

/** Deadline of a probe request unless the probe says otherwise: long enough for a container's create+start. */
export const PROBE_DEADLINE_MS = 10_000;
/** The deadline the infinite loop runs against. */
export const LOOP_DEADLINE_MS = 500;
/** Memory cap of every probe cell, MiB. */
export const PROBE_MEMORY_CAP_MIB = 64;
/** What the memory probe asks for: well past the cap. */
export const MEMORY_GROW_MIB = 160;
/** What the output flood writes, MiB: past the 64 MiB a process runner buffers and the 16 MiB the V8 host caps. */
export const OUTPUT_FLOOD_MIB = 80;

const GRANT_NONE: Grant = {};
const none = (query: (facts: PlantFacts) => string): ProbeCase => ({ condition: 'grant=none', query, grant: () => GRANT_NONE });
const grantedDir = (facts: PlantFacts, writable = false): DirGrant => ({ hostPath: facts.grantedDir, guestPath: facts.grantedDir, writable });
// Values percent-encoded, as a query string is: wsb_query decodes them, so a path reaches the probe whole whatever it holds.
const q = (params: Record<string, string | number>): string => Object.entries(params).map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&');

function answerText(answer: ProbeAnswer): string {
  return `the probe says ${answer.outcome}: ${answer.detail}`;
}

function errorText(observation: Observation): string {
  const error = observation.error as { kind: string; message: string };
  return `${error.kind} error after ${Math.round(observation.elapsedMs)} ms: ${error.message}`;
}

function controlText(observation: Observation): string {
  const control = observation.control;
  if (!control) return '';
  if ('error' in control) return `; control (granted access) failed: ${control.error}`;
  return control.outcome === 'succeeded' ? '; control: the granted access works' : `; control: the granted access was refused too (${control.detail})`;
}

/**
 * Checks common to every probe, before its own reading: a neighbour that
 * stopped answering, or a runner (not the guest) that failed, means the host
 * was affected; a file the probe created in its working directory (never
 * granted) is a write to the host's disk, an escape whatever the probe says.
 */
function hostChecks(observation: Observation): Interpretation | null {
  if (!observation.neighbour.ok) return { outcome: 'host-affected', detail: `a neighbour on the same runner failed after the probe: ${observation.neighbour.reason}` };
  if (observation.error && observation.error.kind === 'internal') return { outcome: 'host-affected', detail: `the runner itself failed: ${observation.error.message}` };
  if (observation.host.workDirFiles.length) {
    return { outcome: 'escaped', detail: `the probe left ${observation.host.workDirFiles.join(', ')} in its working directory on the host${observation.answer ? `; ${answerText(observation.answer)}` : ''}` };
  }
  return null;
}

/** A capability probe: `succeeded` is an escape, `blocked`/`error` contained; no answer cannot tell. */
function capability(what: string): ProbeSpec['interpret'] {
  return (observation) => {
    const host = hostChecks(observation);
    if (host) return host;
    const { answer } = observation;
    if (!answer) return { outcome: 'not-applicable', detail: `no answer, so the probe could not try to ${what}: ${observation.error ? errorText(observation) : `status ${observation.status}`}` };
    if (answer.outcome === 'succeeded') return { outcome: 'escaped', detail: `${answerText(answer)}${controlText(observation)}` };
    return { outcome: 'contained', detail: `${answerText(answer)}${controlText(observation)}` };
  };
}

/** A probe that must die or be stopped: the host surviving it (neighbour check passed) is containment. */
function mustBeStopped(what: string, escapedWhen: (answer: ProbeAnswer) => boolean): ProbeSpec['interpret'] {
  return (observation) => {
    const host = hostChecks(observation);
    if (host) return host;
    if (observation.error) return { outcome: 'contained', detail: `${what} stopped: ${errorText(observation)}; a neighbour answered after it` };
    const { answer } = observation;
    if (answer && escapedWhen(answer)) return { outcome: 'escaped', detail: answerText(answer) };
    return { outcome: 'contained', detail: answer ? `${answerText(answer)}; a neighbour answered after it` : `status ${observation.status} without a probe answer; a neighbour answered after it` };
  };
}

/** A state probe (state-carryover, state-reset): seeing an earlier request is an escape, expected under the warm lifecycle. */
const earlierRequestSeen: ProbeSpec['interpret'] = (observation, facts) => {
  const read = capability('see an earlier request')(observation, facts);
  if (read.outcome === 'escaped' && observation.lifecycle === 'warm') return { ...read, detail: `${read.detail} (expected: the warm lifecycle reuses one instance by design)` };
  return read;
};

/** Every probe of DESIGN.md section 5, in catalogue order. */
export const PROBES: readonly ProbeSpec[] = [
  {
    probe: 'read-host-file',
    tries: 'read a host file outside any grant (absolute path)',
    cases: [
      none((facts) => q({ path: facts.secretFile })),
      { condition: 'grant=dir', query: (facts) => q({ path: facts.secretFile }), grant: (facts) => ({ dirs: [grantedDir(facts)] }), control: (facts) => q({ path: facts.allowedFile }) },
    ],
    interpret: capability('read a host file'),
  },
  {
    probe: 'path-traversal',
    tries: 'climb out of the granted directory with `..`',
    cases: [
      none((facts) => q({ path: `${facts.grantedDir}/../secret/secret.txt` })),
      { condition: 'grant=dir', query: (facts) => q({ path: `${facts.grantedDir}/../secret/secret.txt` }), grant: (facts) => ({ dirs: [grantedDir(facts)] }), control: (facts) => q({ path: facts.allowedFile }) },
    ],
    interpret: capability('climb out of a grant'),
  },
  {
    probe: 'symlink-escape',
    tries: 'read through a symbolic link that points outside the grant (planted, or created by the guest)',
    cases: [
      none((facts) => q({ link: facts.plantedLink })),
      { condition: 'grant=dir', query: (facts) => q({ link: facts.plantedLink }), grant: (facts) => ({ dirs: [grantedDir(facts)] }) },
      {
        condition: 'grant=dir-rw',
        query: (facts) => q({ link: `${facts.scratchDir}/made-link`, target: facts.secretFile }),
        grant: (facts) => ({ dirs: [{ hostPath: facts.scratchDir, guestPath: facts.scratchDir, writable: true }] }),
      },
    ],
    interpret: capability('follow a link out of a grant'),
  },
  {
    probe: 'write-readonly',
    tries: 'create a file in a directory granted read-only',
    cases: [
      none((facts) => q({ path: `${facts.readonlyDir}/probe-write.txt` })),
      { condition: 'grant=dir-ro', query: (facts) => q({ path: `${facts.readonlyDir}/probe-write.txt` }), grant: (facts) => ({ dirs: [{ hostPath: facts.readonlyDir, guestPath: facts.readonlyDir, writable: false }] }) },
    ],
    interpret(observation, facts) {
      const host = hostChecks(observation);
      if (host) return host;
      // Why the host's state decides first: a file on the host is an escape whatever the guest reports.
      if (observation.host.writtenFiles.length) return { outcome: 'escaped', detail: `the file appeared on the host in ${facts.readonlyDir}${observation.answer ? `; ${answerText(observation.answer)}` : ''}` };
      return capability('write to the host')(observation, facts);
    },
  },
  {
    probe: 'read-env',
    tries: `see the host's environment (${SECRET_ENV_NAME}, planted on the suite's own process)`,
    cases: [
      none(() => q({ name: SECRET_ENV_NAME })),
      { condition: 'grant=env', query: () => q({ name: SECRET_ENV_NAME }), grant: () => ({ env: { [GRANTED_ENV_NAME]: 'granted' } }), control: () => q({ name: GRANTED_ENV_NAME }) },
    ],
    interpret: capability("read the host's environment"),
  },
  {
    probe: 'net-connect',
    tries: 'open an outbound TCP connection to a listener the suite runs on the host',
    cases: [none((facts) => q({ host: facts.listenHost, port: facts.listenPort }))],
    interpret(observation, facts) {
      const host = hostChecks(observation);
      if (host) return host;
      const where = `${facts.listenHost}:${facts.listenPort}`;
      if (observation.host.newConnections > 0) return { outcome: 'escaped', detail: `the host listener at ${where} accepted ${observation.host.newConnections} connection(s)${observation.answer ? `; ${answerText(observation.answer)}` : ''}` };
      const read = capability('connect')(observation, facts);
      return read.outcome === 'contained' ? { ...read, detail: `${read.detail}; the listener at ${where} saw nothing` } : read;
    },
  },
  {
    probe: 'dns-lookup',
    tries: 'resolve a name this host resolves',
    cases: [none((facts) => q({ name: facts.dnsName ?? 'example.com' }))],
    interpret(observation, facts) {
      const read = capability('resolve a name')(observation, facts);
      if (read.outcome === 'contained' && observation.answer?.outcome === 'error' && facts.dnsName === null) {
        return { outcome: 'not-applicable', detail: `this host resolves none of the candidate names, so a failure proves nothing: ${answerText(observation.answer)}` };
      }
      return read;
    },
  },
  {
    probe: 'spawn-process',
    tries: 'start another program (/bin/true)',
    cases: [none(() => q({ cmd: '/bin/true' }))],
    interpret(observation, facts) {
      const read = capability('start a program')(observation, facts);
      // An `error` answer means a process was created but had nothing to run (an empty image): still inside the sandbox.
      if (read.outcome === 'contained' && observation.answer?.outcome === 'error') return { ...read, detail: `${read.detail} (inside the sandbox's own filesystem)` };
      return read;
    },
  },
  {
    probe: 'memory-oob',
    tries: "read past the end of the guest's memory",
    cases: [none(() => q({ mode: 'past-end' }))],
    interpret: mustBeStopped('the out-of-bounds read was', (answer) => answer.outcome === 'succeeded'),
  },
  {
    probe: 'memory-grow',
    tries: `allocate ${MEMORY_GROW_MIB} MiB against a ${PROBE_MEMORY_CAP_MIB} MiB cap`,
    cases: [none(() => q({ mib: MEMORY_GROW_MIB }))],
    interpret(observation) {
      const host = hostChecks(observation);
      if (host) return host;
      const { answer } = observation;
      if (answer?.outcome === 'succeeded') return { outcome: 'escaped', detail: `the ${PROBE_MEMORY_CAP_MIB} MiB cap did not hold: ${answerText(answer)}` };
      if (answer) return { outcome: 'contained', detail: `the ${PROBE_MEMORY_CAP_MIB} MiB cap held: ${answerText(answer)}` };
      return { outcome: 'contained', detail: `stopped at the cap: ${observation.error ? errorText(observation) : `status ${observation.status}`}` };
    },
  },
  {
    probe: 'infinite-loop',
    tries: `spin forever against a ${LOOP_DEADLINE_MS} ms deadline`,
    cases: [none(() => '')],
    deadlineMs: LOOP_DEADLINE_MS,
    interpret: mustBeStopped('the loop was', () => true),
  },
  {
    probe: 'stack-overflow',
    tries: 'recurse without bound',
    cases: [none(() => '')],
    interpret: mustBeStopped('the recursion was', (answer) => answer.outcome === 'succeeded'),
  },
  {
    probe: 'state-carryover',
    tries: "see what the previous request left in memory (static data, heap)",
    cases: [none(() => '')],
    lifecycles: ['cold', 'prewarmed', 'warm', 'reused'],
    requests: 2,
    interpret: earlierRequestSeen,
  },
  {
    probe: 'state-reset',
    tries: 'see what the previous request left in static data, an initialised variable and a Wasm global (no heap, no table: the state a reset instance gets back)',
    cases: [none(() => '')],
    lifecycles: ['cold', 'prewarmed', 'warm', 'reused'],
    requests: 2,
    interpret: earlierRequestSeen,
  },
  {
    probe: 'crash',
    tries: 'abort mid-request while a neighbour is serving',
    cases: [none(() => q({ mode: 'abort' }))],
    interpret: mustBeStopped('the crash was', () => false),
  },
  {
    probe: 'fd-exhaustion',
    tries: 'open descriptors until something gives (up to 100000)',
    cases: [
      none(() => q({ path: '.', max: 100000 })),
      { condition: 'grant=dir', query: (facts) => q({ path: facts.grantedDir, max: 100000 }), grant: (facts) => ({ dirs: [grantedDir(facts)] }) },
    ],
    interpret(observation) {
      const host = hostChecks(observation);
      if (host) return host;
      const { answer } = observation;
      if (answer) return { outcome: 'contained', detail: `${answerText(answer)}; a neighbour answered after it` };
      return { outcome: 'contained', detail: `${observation.error ? errorText(observation) : `status ${observation.status}`}; a neighbour answered after it` };
    },
  },
  {
    probe: 'output-flood',
    tries: `write ${OUTPUT_FLOOD_MIB} MiB to stdout`,
    cases: [none(() => q({ mib: OUTPUT_FLOOD_MIB }))],
    interpret(observation) {
      const host = hostChecks(observation);
      if (host) return host;
      const mib = (observation.bodyBytes / 1024 / 1024).toFixed(1);
      if (observation.answer?.outcome === 'succeeded') return { outcome: 'escaped', detail: `the runner took all ${mib} MiB: no output cap (bounded only by the deadline)` };
      if (observation.error) return { outcome: 'contained', detail: `cut off: ${errorText(observation)}` };
      return { outcome: 'contained', detail: `cut off after ${mib} MiB (status ${observation.status}, no final answer line)` };
    },
  },
  {
    probe: 'clock-random',
    tries: 'read clocks and random bytes (informational)',
    cases: [none(() => '')],
    interpret(observation) {
      const host = hostChecks(observation);
      if (host) return host;
      const seen = observation.answer ? answerText(observation.answer) : observation.error ? errorText(observation) : `status ${observation.status}`;
      return { outcome: 'not-applicable', detail: `informational: ${seen}` };
    },
  },
];

/** Probe names whose matrix row comes from the interference measurement, not from a probe cell. */
export const INTERFERENCE_PROBES = ['cpu-hog'] as const;

/** Probes that are informational: never counted for or against a claim. */
export const INFORMATIONAL_PROBES = ['clock-random'] as const;

/**
 * Parses a probe's answer from a response body: the JSON object on the last
 * non-empty line (the output flood writes filler before it); null if none.
 */
export function parseAnswer(body: Uint8Array): ProbeAnswer | null {
  const tail = Buffer.from(body.subarray(Math.max(0, body.length - 4096))).toString('utf8');
  const line = tail.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  if (!line?.startsWith('{')) return null;
  try {
    const parsed = JSON.parse(line) as Partial<ProbeAnswer>;
    if (typeof parsed.probe !== 'string' || typeof parsed.detail !== 'string') return null;
    if (parsed.outcome !== 'blocked' && parsed.outcome !== 'succeeded' && parsed.outcome !== 'error') return null;
    return { probe: parsed.probe, outcome: parsed.outcome, detail: parsed.detail };
  } catch {
    return null;
  }
}
