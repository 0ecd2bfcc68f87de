/**
 * The `same-binary-everywhere` decision as a pure function of portability
 * outcome rows, so that the portability suite (one machine) and the report's
 * merge (every machine of the nightly matrix) decide it the same way.
 * Imports only the core.
 */
import { claimById, notRun } from './claims.ts';
import type { ClaimVerdict, Outcome } from './results.ts';

/** The claim this module decides. */
export const SAME_BINARY_CLAIM = 'same-binary-everywhere';

/** The operating systems the claim names ("Windows, macOS, Linux"), as Node's `process.platform`. */
export const CLAIMED_OPERATING_SYSTEMS: readonly string[] = ['linux', 'darwin', 'win32'];

/** The architectures the claim names ("Intel's architecture, Arm's"), as Node's `process.arch`. */
export const CLAIMED_ARCHITECTURES: readonly string[] = ['x64', 'arm64'];

/** What a portability outcome's detail says about the artifact and its output. */
export interface PortabilityDigests {
  artifactSha256: string | null;
  outputSha256: string | null;
}

/**
 * The detail of an engine outcome: `artifact sha256 <hex>; output sha256
 * <hex>; <what was seen>`. The output digest is absent when nothing ran.
 */
export function portabilityDetail(artifactSha256: string, outputSha256: string | null, seen: string): string {
  return [`artifact sha256 ${artifactSha256}`, ...(outputSha256 ? [`output sha256 ${outputSha256}`] : []), seen].join('; ');
}

/** Reads the digests back from an outcome's detail (null where absent). */
export function parsePortabilityDetail(detail: string): PortabilityDigests {
  return {
    artifactSha256: /artifact sha256 ([^;\s]+)/.exec(detail)?.[1] ?? null,
    outputSha256: /output sha256 ([^;\s]+)/.exec(detail)?.[1] ?? null,
  };
}

/** `<platform>-<arch>` of the machine that ran this process, as outcome conditions and sizes' configs write it. */
export function currentPlatform(): string {
  return `${process.platform}-${process.arch}`;
}

/** The platform a machine label starts with (`linux-x64-host` -> `linux-x64`), for rows whose environment is unknown. */
export function platformOfMachineLabel(machine: string | undefined): string {
  return /^([a-z0-9]+-[a-z0-9]+)/i.exec(machine ?? '')?.[1] ?? 'unknown-unknown';
}

/** Whether an outcome row is an engine record of the portability suite (`condition` = `engine=<engine>`). */
export function isEngineOutcome(row: Outcome): boolean {
  return row.suite === 'portability' && row.condition.startsWith('engine=');
}

/** What a detail says besides its digests (and without a leading `not run: `). */
const seenOf = (detail: string): string => detail.split('; ').filter((part) => !/^(artifact|output) sha256 /.test(part)).join('; ').replace(/^not run: /, '');
const short = (digest: string): string => (digest.length > 12 ? `${digest.slice(0, 12)}...` : digest);
const where = (row: Outcome, platformOf: (row: Outcome) => string): string => `${row.condition.slice('engine='.length)} on ${row.machine ?? platformOf(row)}`;

/**
 * Decides `same-binary-everywhere` from engine outcome rows of one or many
 * machines. Refuted when an artifact (by sha256) gave a wrong output, or two
 * different outputs, anywhere it ran; confirmed only when no output differed
 * and every artifact ran on each operating system and each architecture the
 * claim names; inconclusive otherwise (one machine alone can only show its
 * own platform: the merged nightly report decides the rest).
 */
export function decideSameBinaryEverywhere(outcomes: readonly Outcome[], platformOf: (row: Outcome) => string): ClaimVerdict {
  const rows = outcomes.filter(isEngineOutcome);
  const ran = rows.filter((row) => row.outcome === 'match' || row.outcome === 'mismatch');
  const notRunRows = rows.filter((row) => row.outcome === 'not-run');
  const notRunEngines = [...new Map(notRunRows.map((row) => [`${row.condition}@${row.machine ?? platformOf(row)}`, `${where(row, platformOf)} (${seenOf(row.detail) || 'no reason given'})`])).values()];
  const notRunText = notRunEngines.length ? ` Not run: ${notRunEngines.join('; ')}.` : '';
  if (!ran.length) {
    return notRun(SAME_BINARY_CLAIM, rows.length ? `no engine ran any artifact.${notRunText}` : 'no portability outcome rows (the portability suite did not run)');
  }

  // An artifact is identified by its sha256, not its name: two machines with different bytes are two artifacts.
  const artifactOf = (row: Outcome): string => parsePortabilityDetail(row.detail).artifactSha256 ?? row.subject;
  const byArtifact = new Map<string, Outcome[]>();
  for (const row of ran) byArtifact.set(artifactOf(row), [...(byArtifact.get(artifactOf(row)) ?? []), row]);

  const problems: string[] = [];
  for (const [artifact, group] of byArtifact) {
    const subject = group[0]!.subject;
    for (const row of group.filter((r) => r.outcome === 'mismatch')) problems.push(`${subject} (${short(artifact)}) on ${where(row, platformOf)}: ${seenOf(row.detail)}`);
    const outputs = new Set(group.map((row) => parsePortabilityDetail(row.detail).outputSha256).filter((d): d is string => d !== null));
    if (outputs.size > 1) problems.push(`${subject} (${short(artifact)}) gave ${outputs.size} different outputs across ${group.length} engine runs`);
  }

  const engines = [...new Set(ran.map((row) => row.condition.slice('engine='.length)))];
  const machines = [...new Set(ran.map((row) => row.machine ?? platformOf(row)))];
  // Platforms where every artifact ran on at least one engine.
  const platformsOfArtifact = [...byArtifact.values()].map((group) => new Set(group.map(platformOf)));
  const covered = [...platformsOfArtifact[0]!].filter((platform) => platformsOfArtifact.every((set) => set.has(platform))).sort();
  const coveredOs = new Set(covered.map((platform) => platform.split('-')[0]));
  const coveredArch = new Set(covered.map((platform) => platform.split('-')[1]));
  const missingOs = CLAIMED_OPERATING_SYSTEMS.filter((os) => !coveredOs.has(os));
  const missingArch = CLAIMED_ARCHITECTURES.filter((arch) => !coveredArch.has(arch));

  const base = {
    id: SAME_BINARY_CLAIM,
    measured: `${claimById(SAME_BINARY_CLAIM).decidedBy}: sha256 of every canned response of each committed workload .wasm, per engine path and platform`,
    threshold: `every artifact gives the manifest's output, byte for byte, on every engine and machine that ran it; confirmed only when the runs cover ${CLAIMED_OPERATING_SYSTEMS.join(', ')} and ${CLAIMED_ARCHITECTURES.join(', ')}`,
    evidence: [],
  };
  const scope = `${byArtifact.size} artifact(s) on ${engines.length} engine path(s) (${engines.join(', ')}) across ${machines.length} machine(s) (${covered.join(', ') || 'no platform ran every artifact'})`;
  if (problems.length) return { ...base, verdict: 'refuted', reason: `the same bytes did not give the same output: ${problems.join('; ')}. Scope: ${scope}.${notRunText}` };
  if (!missingOs.length && !missingArch.length) {
    return { ...base, verdict: 'confirmed', reason: `byte-identical output for ${scope}.${notRunText}` };
  }
  const missing = [...missingOs, ...missingArch].join(', ');
  const single = covered.length <= 1 ? ' This is one platform: it confirms the claim for this platform only.' : '';
  return {
    ...base,
    verdict: 'inconclusive',
    reason: `byte-identical output for ${scope}, but no run covers ${missing}.${single} The other operating systems and architectures are decided by \`wsb report\` over the nightly matrix's results.${notRunText}`,
  };
}
