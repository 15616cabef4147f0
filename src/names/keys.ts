import { assertScope, isName, isTeam, legacyId, type AgentScope } from './scope.js';
import { InvalidInput } from '../util/errors.js';
import { isSha256 } from './ids.js';

/**
 * Every S3 key dreamgate writes or reads, composed here and nowhere else (the README's "Storage layout"; a
 * unit test fails on a key composed elsewhere). Pure (no Node built-ins): the workflow checks that a key a
 * decision names is one of its own cycle's, and the activities read and write by the same rules.
 */

const fleetName = (fleet: string) => {
  if (!isName(fleet)) throw new InvalidInput('fleet is not a fleet name');
  return fleet;
};

/**
 * The S3 prefix of everything an agent owns, in the snapshots bucket and in the audit bucket:
 * `fleets/<fleet>/agents/<id>/`, or `fleets/<fleet>/team/` for the team store.
 */
export function scopePrefix(scope: AgentScope): string {
  assertScope(scope);
  return isTeam(scope) ? `fleets/${scope.fleet}/team/` : `fleets/${scope.fleet}/agents/${scope.id}/`;
}

/**
 * Where an agent's objects were kept before fleets had namespaces (`agents/<id>/`): read for snapshots and
 * audit records written then, never written again.
 */
export function legacyPrefix(scope: AgentScope): string {
  assertScope(scope);
  return `agents/${legacyId(scope)}/`;
}

/** The agent's namespace, or where its objects were kept before namespaces. */
const namespace = (scope: AgentScope, legacy = false) => (legacy ? legacyPrefix(scope) : scopePrefix(scope));

/** The hour a per-hour limit counts in (`2026-12-07T13`), from an ISO time. */
const hourOf = (at: string) => at.slice(0, 13).replace(/[^0-9T-]/g, '');

// --- the snapshots bucket ---

/** Where a snapshot's content-addressed blobs live: `<ns>blobs/`. */
export const blobsPrefix = (scope: AgentScope, legacy = false) => `${namespace(scope, legacy)}blobs/`;

/** A blob, written once under its own sha256: `<ns>blobs/<aa>/<sha256>`. */
export const blobKey = (scope: AgentScope, sha256: string, legacy = false) =>
  `${blobsPrefix(scope, legacy)}${sha256.slice(0, 2)}/${sha256}`;

/** One object per series, a version per snapshot (the version id is the snapshot's id). */
export const manifestKey = (scope: AgentScope, series: 'snapshot' | 'candidate', legacy = false) =>
  `${namespace(scope, legacy)}${series === 'snapshot' ? 'manifest' : 'candidate'}.json`;

/** One of the `n` slots of an agent's alerts of one kind in the hour of `at`, claimed create-only. */
export const alertSlotKey = (scope: AgentScope, at: string, kind: string, n: number) =>
  `${scopePrefix(scope)}alerts/${hourOf(at)}/${kind}-${n}`;

export function stateKey(scope: AgentScope): string {
  return `${scopePrefix(scope)}state.json`;
}

/** One cycle's objects, under its agent and the run's own id. */
export function cycleKey(scope: AgentScope, cycleId: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(cycleId)) throw new InvalidInput('cycle id is not well formed');
  return `${scopePrefix(scope)}cycles/${cycleId}/${name}`;
}

/** A change set is content-addressed: its key is its sha256, the id a reviewer approves. */
export function changeSetKey(scope: AgentScope, id: string): string {
  if (!isSha256(id)) throw new InvalidInput('change set id is not a sha256');
  return `${scopePrefix(scope)}change-sets/${id}.json`;
}

/** The evidence a dream wrote beside its change set: the session events behind each change, quoted and masked. */
export function evidenceKey(scope: AgentScope, changeSetId: string): string {
  return changeSetKey(scope, changeSetId).replace(/\.json$/, '.evidence.json');
}

/** The fingerprint of each proposal of a change set, by path: how a later dream knows a proposal it rejected. */
export function fingerprintsKey(scope: AgentScope, changeSetId: string): string {
  return changeSetKey(scope, changeSetId).replace(/\.json$/, '.fingerprints.json');
}

/** Which record holds sequence number `seq` of a cycle's audit chain (claimed create-only before it is written). */
export const auditClaimKey = (scope: AgentScope, cycleId: string, seq: number) =>
  cycleKey(scope, cycleId, `audit/${String(seq).padStart(4, '0')}`);

/** The one promotion a cycle makes, claimed create-only; a rollback marks it undone. */
export const promotionKey = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'promotion');
export const undoneKey = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'promotion-undone');
/** What the promotion writes, merged onto the live store, and what those paths held before (for verify, rollback). */
export const promotionPlanKey = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'promotion-plan.json');

/** A cycle's eval report of one step (`baseline`, `post`, `post-2`, `revised`, `verify`). */
export function evalReportKey(scope: AgentScope, cycleId: string, step: string): string {
  return cycleKey(scope, cycleId, `eval-${step}.json`);
}

/** The prefix of a cycle's post reports, one per dream attempt (`eval-post.json`, `eval-post-2.json`, …). */
export const postReportsPrefix = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'eval-post');

/** Which dream attempt a post report's key holds (1 for `eval-post.json`); undefined for any other key. */
export function postReportAttempt(key: string): number | undefined {
  const m = /\/eval-post(?:-(\d+))?\.json$/.exec(key);
  return m ? Number(m[1] ?? 1) : undefined;
}

/** The cases derived from the baseline store and the sessions. */
export const derivedSuiteKey = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'derived-suite.json');
/** Paths exempt from the derived retention cases. */
export const derivedExemptKey = (scope: AgentScope, cycleId: string) => cycleKey(scope, cycleId, 'derived-exempt.json');

/** Marks that a cycle sent its one notice of a kind (`page`, `review`, `paused`, …). */
export const sentMarkerKey = (scope: AgentScope, cycleId: string, kind: string) =>
  cycleKey(scope, cycleId, `${kind}.sent`);

/** A Message Batch the Claude dreamer submitted for a cycle, by the request's key (so a retry polls it). */
export const batchLedgerKey = (scope: AgentScope, cycleId: string, key: string) =>
  cycleKey(scope, cycleId, `batches/${key}.json`);

/** A reviewer's edits, under their content's hash. */
export const editsKey = (scope: AgentScope, cycleId: string, sha256: string) =>
  cycleKey(scope, cycleId, `edits-${sha256.slice(0, 16)}.json`);

/** Whether `key` is one of this cycle's objects (a reviewer's edit must be). */
export function isCycleObject(scope: AgentScope, cycleId: string, key: string): boolean {
  const prefix = cycleKey(scope, cycleId, '');
  return (
    key.startsWith(prefix) &&
    key
      .slice(prefix.length)
      .split('/')
      .every((s) => s !== '' && s !== '.' && s !== '..')
  );
}

/** A fleet run's own folder, where its outcomes go: `fleets/<fleet>/runs/<workflow id>`. */
export function fleetRunFolder(fleet: string, workflowId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$/.test(workflowId))
    throw new InvalidInput('fleet run workflow id is not one a fleet run has');
  return `fleets/${fleetName(fleet)}/runs/${workflowId}`;
}

/** A page of a fleet run's outcomes, under the run's own folder. */
export function fleetRunKey(fleet: string, workflowId: string, offset: number): string {
  if (!Number.isInteger(offset) || offset < 0 || offset > 999_999) throw new InvalidInput('offset is not a page');
  return `${fleetRunFolder(fleet, workflowId)}/outcomes-${String(offset).padStart(6, '0')}.json`;
}

/** Where a fleet run's outcome pages are listed, below its folder (`fleetRunFolder`). */
export const fleetRunPagesPrefix = (folder: string) => `${folder}/outcomes-`;

/** A wiring proof's object: under the proof workflow's own id. */
export function proofKey(workflowId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$/.test(workflowId))
    throw new InvalidInput('proof workflow id is not well formed');
  return `proof/${workflowId}.txt`;
}

// --- the audit bucket ---

/** What names an audit record's place: its agent, its cycle run, its sequence number and event. */
export interface AuditPlace {
  /** The agent's fleet; absent in records written before fleets had namespaces. */
  fleet?: string;
  agent_id: string;
  cycle_id: string;
  /** When the cycle started (ISO): orders cycles in the log. */
  cycle_started_at: string;
  seq: number;
  event: string;
}

const segment = /^[A-Za-z0-9@][A-Za-z0-9._:@-]{0,200}$/;

/** The part of a record's key below its agent's prefix: `<cycle start>_<cycle>/<seq>-<event>.json`. */
function recordName(r: Omit<AuditPlace, 'fleet' | 'agent_id'>): string {
  for (const [name, v] of [
    ['cycle id', r.cycle_id],
    ['event', r.event],
  ] as const) {
    if (typeof v !== 'string' || !segment.test(v))
      throw new InvalidInput(`audit ${name} has characters outside [A-Za-z0-9._:@-] or is longer than 200`);
  }
  if (!Number.isInteger(r.seq) || r.seq < 0 || r.seq > 999_999)
    throw new InvalidInput('audit seq is not a small integer');
  const started = String(r.cycle_started_at).replace(/[:.]/g, '');
  if (!/^[0-9TZ+-]{1,40}$/.test(started)) throw new InvalidInput('audit cycle_started_at is not an ISO time');
  return `${started}_${r.cycle_id}/${String(r.seq).padStart(4, '0')}-${r.event}.json`;
}

/** Where a record is stored: `<ns><cycle start>_<cycle>/<seq>-<event>.json`. */
export function auditRecordKey(r: AuditPlace): string {
  if (!r.fleet) throw new InvalidInput('an audit record must name its fleet');
  return `${scopePrefix({ fleet: r.fleet, id: r.agent_id })}${recordName(r)}`;
}

/** Where a record written before fleets had namespaces lies: under the agent's legacy prefix. */
export const legacyAuditRecordKey = (scope: AgentScope, r: AuditPlace) => `${legacyPrefix(scope)}${recordName(r)}`;

/** The folder of one cycle run's records: `<ns><cycle start>_<run>/`. */
export const auditRunPrefix = (r: Omit<AuditPlace, 'seq' | 'event'>) =>
  auditRecordKey({ ...r, seq: 0, event: 'x' }).replace(/0000-x\.json$/, '');

/** Whether a run folder of the audit log (`<ns><cycle start>_<run>/`) is run `cycleId`'s. */
export const isAuditRunOf = (folder: string, cycleId: string) => folder.endsWith(`_${cycleId}/`);

/** Where the markers of `dreamgate redact` lie: `redactions/<ns>`. */
export const redactionsPrefix = (scope: AgentScope, legacy = false) => `redactions/${namespace(scope, legacy)}`;

/** A redaction marker, one per old blob: which blob replaced it, for restores. */
export const redactionMarkerKey = (scope: AgentScope, old: string, legacy = false) =>
  `${redactionsPrefix(scope, legacy)}${old}.json`;

/** Where an agent's refused calls are kept: `refusals/<ns>`. */
export const refusalsPrefix = (scope: AgentScope) => `refusals/${scopePrefix(scope)}`;

/** The refusals kept in the hour of `at`. */
export const refusalsHourPrefix = (scope: AgentScope, at: string) => `${refusalsPrefix(scope)}${hourOf(at)}/`;

/** The `n`th refusal slot of the hour of `at`, claimed create-only. */
export const refusalKey = (scope: AgentScope, at: string, n: number) =>
  `${refusalsHourPrefix(scope, at)}${String(n).padStart(2, '0')}.json`;
