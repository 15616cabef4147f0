import { proofKinds, Unauthorized } from '../src/cycle/authority.js';
import { auditClaimKey, stateKey } from '../src/names/keys.js';
import {
  decisionData,
  dreamData,
  factEvents,
  maxNarrativeBytes,
  narrativeEvents,
  promotedData,
  revisedData,
  rolledBackData,
  scoreData,
  snapshotData,
  verifiedData,
  type RecordProof,
} from '../src/cycle/records.js';
import { unseal } from '../src/cycle/seal.js';
import { standingAfter } from '../src/cycle/trust.js';
import type { AgentState, CycleRef, DreamRef, EvalSummary } from '../src/cycle/types.js';
import { verifyDecision } from '../src/cycle/verifyDecision.js';
import { recordHash, type AuditRecord } from '../src/audit/audit.js';
import { ownKey, signed } from '../src/audit/signatures.js';
import { activity } from './activity.js';
import type { Authorized, CycleContext } from './context.js';

/** One audit record as the workflow asks for it; the worker decides what it says and whose it is. */
export interface AuditEntry {
  seq: number;
  event: string;
  at: string;
  actor?: string;
  data?: Record<string, unknown>;
  /** sha256 of the agent's previous record (the chain), or null for the first. */
  prev: string | null;
}

type Vouched = Pick<AuditRecord, 'event' | 'data' | 'actor'>;

/**
 * Appends a signed record for a run that opened on this worker. Each sequence number is claimed create-only
 * first, with the record's hash, and a record names as `prev` exactly the record its run claimed before it:
 * a worker never signs two records at one place in a run, nor a record that forks the chain.
 */
export async function appendRecord(
  w: CycleContext,
  a: Pick<Authorized, 'scope' | 'run'> & { startedAt: string },
  entry: Omit<AuditEntry, 'data' | 'actor'> & Vouched,
): Promise<{ key: string; sha256: string }> {
  if (!Number.isInteger(entry.seq) || entry.seq < 0 || entry.seq > 9_999) throw new Unauthorized('seq out of range');
  if (typeof entry.at !== 'string' || entry.at.length > 40) throw new Unauthorized('at is not a time');
  if (entry.seq > 0) {
    const before = await w.objects.claimed(auditClaimKey(a.scope, a.run, entry.seq - 1));
    if (before === undefined || before !== entry.prev)
      throw new Unauthorized(`record ${entry.seq} does not follow the record this cycle wrote before it`);
  }
  const record = signed<AuditRecord>(
    {
      fleet: a.scope.fleet,
      agent_id: a.scope.id,
      cycle_id: a.run,
      cycle_started_at: a.startedAt,
      seq: entry.seq,
      event: entry.event,
      at: entry.at,
      ...(entry.actor !== undefined ? { actor: entry.actor } : {}),
      ...(entry.data !== undefined ? { data: entry.data } : {}),
      prev: entry.prev,
    },
    w.key,
  );
  const sha256 = recordHash(record);
  const claim = auditClaimKey(a.scope, a.run, entry.seq);
  if ((await w.objects.claim(claim, sha256)) === 'taken') {
    // a local step run again because the worker died before Temporal recorded its result asks, later, for
    // the record it wrote then: the one stored (and claimed) stands; any other record is refused
    const again = await w.audit.storedAgain(record);
    if (again && again.sha256 === (await w.objects.getText(claim))) return again;
    throw new Unauthorized(`this cycle already wrote another record at sequence ${entry.seq}`);
  }
  const { key } = await w.audit.append(record);
  return { key, sha256 };
}

/** Narrative data: JSON, bounded. */
function narrative(data: unknown): Record<string, unknown> | undefined {
  if (data === undefined) return undefined;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Unauthorized('data is not an object');
  if (JSON.stringify(data).length > maxNarrativeBytes) throw new Unauthorized(`data over ${maxNarrativeBytes} bytes`);
  return data as Record<string, unknown>;
}

/** The narrative keys the workflow may add beside a fact's data. */
function extras(event: string, data: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of factEvents[event]?.extra ?? []) if (data?.[k] !== undefined) out[k] = data[k];
  return out;
}

/** A narrative record: its data bounded and unnamed, but for a refused decision's or a resume's sender. */
function narrativeEntry(entry: AuditEntry): Vouched {
  const { event } = entry;
  const data = narrative(entry.data);
  const actor =
    (event === 'decision-ignored' || event === 'agent-resumed') && typeof entry.actor === 'string'
      ? entry.actor.slice(0, 80)
      : undefined;
  return { event, ...(data ? { data } : {}), ...(actor ? { actor } : {}) };
}

/** A decision's record, only once the decision checks again against the pending change set. */
async function decisionFacts(
  a: Authorized,
  event: string,
  p: NonNullable<RecordProof['decision']>,
  pending: string,
): Promise<{ data: Record<string, unknown>; reviewer: string }> {
  const target = { scope: a.scope, run: a.run, startedAt: a.ref.startedAt, pending };
  const v = await verifyDecision(a.config, target, p.verdict, p.decision);
  if (!v.accepted || !v.decision)
    throw new Unauthorized(`${event}: the decision does not check (${'why' in v ? v.why : 'no decision'})`);
  const via = p.via === 'signal' ? 'signal' : 'update';
  return { data: decisionData(pending, p.verdict, v.decision, via, v.fingerprint), reviewer: v.decision.reviewer };
}

/**
 * What the worker will put its name to: a fact's data from the proof the activity that did it sealed for this
 * run (never the workflow's words); narrative bounded and unnamed, but for a refused decision's sender.
 */
async function vouch(w: CycleContext, a: Authorized, entry: AuditEntry, proof: RecordProof = {}): Promise<Vouched> {
  const { event } = entry;
  if (narrativeEvents.has(event)) return narrativeEntry(entry);
  const spec = factEvents[event];
  if (!spec) throw new Unauthorized(`"${event.slice(0, 40)}" is not an event a cycle records`);
  const b = a.binding;
  const k = w.key.seal;
  const missing = () => new Unauthorized(`${event} needs the ${spec.proof} this cycle's worker sealed; none checks`);
  const facts = (d: Record<string, unknown>, actor?: string): Vouched => ({
    event,
    data: { ...extras(event, entry.data), ...d },
    ...(actor ? { actor } : {}),
  });
  const dreamOf = (p: DreamRef | undefined) =>
    unseal(k, proofKinds.dream, b, p) ?? unseal(k, proofKinds.revision, b, p);
  switch (spec.proof) {
    case 'snapshot': {
      const s = unseal(k, proofKinds.snapshot, b, proof.snapshot);
      if (!s) throw missing();
      return facts(snapshotData(s));
    }
    case 'dream': {
      const d = dreamOf(proof.dream);
      if (!d || (event === 'change-set-revised') !== (d.revises !== undefined)) throw missing();
      return event === 'change-set-revised' ? facts(revisedData(d), d.revises!.reviewer) : facts(dreamData(d));
    }
    case 'eval': {
      const e = unseal<EvalSummary>(k, proofKinds.eval, b, proof.eval);
      if (!e) throw missing();
      return facts(scoreData(e));
    }
    case 'decision': {
      const p = proof.decision;
      const pending = unseal(k, proofKinds.dream, b, proof.dream);
      if (!p || !pending || (event === 'approved') !== (p.verdict === 'approve')) throw missing();
      const { data, reviewer } = await decisionFacts(a, event, p, pending.changeSetId);
      return facts(data, reviewer);
    }
    case 'promote': {
      const r = unseal(k, proofKinds.promote, b, proof.promote);
      if (!r) throw missing();
      return facts(promotedData(r));
    }
    case 'verify': {
      const v = unseal(k, proofKinds.verify, b, proof.verify);
      const e = unseal<EvalSummary>(k, proofKinds.eval, b, proof.eval);
      if (!v || !e) throw missing();
      return facts(verifiedData(v, e));
    }
    case 'rollback': {
      const r = unseal(k, proofKinds.rollback, b, proof.rollback);
      if (!r) throw missing();
      return facts(rolledBackData(r));
    }
    case 'restore': {
      const r = unseal(k, proofKinds.restore, b, proof.restore);
      if (!r) throw missing();
      const { snapshotId, ...rest } = r;
      return facts({ to: snapshotId, ...rest }, typeof entry.actor === 'string' ? entry.actor.slice(0, 64) : undefined);
    }
    case 'redaction': {
      const r = unseal(k, proofKinds.redaction, b, proof.redaction);
      if (!r) throw missing();
      return facts(
        { files: r.blobs.length, blobs: r.blobs },
        typeof entry.actor === 'string' ? entry.actor.slice(0, 64) : undefined,
      );
    }
  }
}

export function auditActivities(w: CycleContext) {
  return {
    /**
     * Appends one record to the agent's audit log, signed by the worker; returns its key and sha256, the
     * chain's new head. Refused for a run that did not open here, and for a fact no sealed proof shows.
     */
    recordAudit: activity(
      async ({
        cycle,
        entry,
        proof,
      }: {
        cycle: CycleRef;
        entry: AuditEntry;
        proof?: RecordProof;
      }): Promise<{ key: string; sha256: string }> => {
        const a = await w.authorize(cycle);
        let vouched: Vouched;
        try {
          vouched = await vouch(w, a, entry, proof);
        } catch (err) {
          if (err instanceof Unauthorized) return w.refuse(a.scope, err.message);
          throw err;
        }
        return appendRecord(w, { ...a, startedAt: a.ref.startedAt }, { ...entry, ...vouched }).catch((err) =>
          err instanceof Unauthorized ? w.refuse(a.scope, err.message) : Promise.reject(err),
        );
      },
    ),

    /**
     * Keeps the agent's standing beside its snapshots, for people and tools to read: derived from this run's
     * signed records (the workflow's numbers are not taken), and signed. No cycle acts on it: each opening
     * derives the standing from the log itself.
     */
    saveAgentState: activity(async ({ cycle }: { cycle: CycleRef; state?: AgentState }): Promise<void> => {
      const a = await w.authorize(cycle);
      const records = await w.audit.signedIn(
        w.audit.runPrefix({
          fleet: a.scope.fleet,
          agent_id: a.scope.id,
          cycle_id: a.run,
          cycle_started_at: a.ref.startedAt,
        }),
        [ownKey(w.key)],
      );
      const standing = standingAfter(records.map((r) => r.record));
      const state: AgentState = {
        lastKeptSessionAt: standing.lastKeptSessionAt,
        consecutiveApprovals: standing.trust,
        lastCycleId: a.run,
        auditHead: records.at(-1)?.sha256 ?? null,
      };
      await w.objects.putJson(stateKey(a.scope), signed(state, w.key));
    }),
  };
}
