/**
 * The load plan of one Locust run, and the locustfile generated from it: the
 * same requests and expected responses the suite verifies (fixtures/
 * manifest.ts), written into the template locustfile.py so that the file is
 * self-contained (workers on other machines take it from the master).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BenchError } from '../../../core/errors.ts';
import { sha256Hex, type CannedRequest } from '../../../fixtures/manifest.ts';

/** One request of a plan with the answer it must get. */
export interface PlannedRequest {
  /** Name Locust groups the request's statistics under (one per target, not per URL). */
  name: string;
  method: string;
  /** Absolute URL. */
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** Expected status. */
  status: number;
  /** Expected body, as sha256 hex. */
  bodySha256: string;
}

/** What a run sends: an origin (Locust's --host) and the requests, cycled through in order. */
export interface LoadPlan {
  host: string;
  requests: PlannedRequest[];
}

/** A plan's request for a canned request of the manifest sent to `url` (an absolute URL with the query already on it). */
export function plannedRequest(name: string, url: string, canned: CannedRequest): PlannedRequest {
  return {
    name,
    method: canned.request.method,
    url,
    headers: canned.request.headers,
    body: canned.request.body,
    status: canned.expected.status,
    bodySha256: canned.expected.bodySha256,
  };
}

/** A GET that must answer 200 with exactly this text (the harness ceilings, the many-apps mixes). */
export function plannedGet(name: string, url: string, expectBody: string): PlannedRequest {
  return { name, method: 'GET', url, headers: {}, body: new Uint8Array(), status: 200, bodySha256: sha256Hex(Buffer.from(expectBody)) };
}

/** The template the locustfile of every run is made from. */
export const LOCUSTFILE_TEMPLATE = path.join(import.meta.dirname, 'locustfile.py');

const PLAN_LINE = /^PLAN_BASE64 = None {2}# wsb:plan.*$/m;

/** How the master ends a run. */
export interface RunControl {
  /** Seconds from the start of the run (first users spawned) to the flush. */
  durationSeconds: number;
  /** Tells the workers that no run follows (`wsb load-worker` then exits). */
  final: boolean;
  /** How long the master waits for every worker's counts after the flush. */
  flushTimeoutSeconds: number;
}

/** The Python source of a run's locustfile: the template with the plan written in. */
export function locustfileSource(plan: LoadPlan, control: RunControl): string {
  if (plan.requests.length === 0) throw new BenchError('internal', 'a load plan needs at least one request');
  const template = fs.readFileSync(LOCUSTFILE_TEMPLATE, 'utf8');
  if (!PLAN_LINE.test(template)) throw new BenchError('internal', `${LOCUSTFILE_TEMPLATE} has no plan line to fill`);
  const encoded = {
    host: plan.host,
    ...control,
    requests: plan.requests.map((request) => ({
      name: request.name,
      method: request.method,
      url: request.url,
      headers: request.headers,
      bodyBase64: Buffer.from(request.body).toString('base64'),
      status: request.status,
      bodySha256: request.bodySha256,
    })),
  };
  // Base64 keeps the plan a plain ASCII literal, whatever the bodies and headers hold.
  return template.replace(PLAN_LINE, `PLAN_BASE64 = "${Buffer.from(JSON.stringify(encoded)).toString('base64')}"`);
}
