import { fingerprintsKey } from '../src/names/keys.js';
import { openMemory, sealMemory, type ProposalMemory } from '../src/cycle/memory.js';
import { proposalFingerprint, type EarlierDecision } from '../src/dream/decisions.js';
import { ownerLines, type KeptLine } from '../src/dream/lineMemory.js';
import { normalizeLine } from '../src/dream/text.js';
import { applyChanges } from '../src/memory/apply.js';
import type { MemoryStore } from '../src/memory/store.js';
import type { StoredRecord } from '../src/audit/audit.js';
import { ownKey } from '../src/audit/signatures.js';
import type { Authorized, CycleContext } from './context.js';
import { isSha256 } from '../src/names/ids.js';

/** What a dream is told of earlier decisions: proposals by fingerprint, and lines kept by reviewers and the owner. */
export interface Remembered {
  decisions: EarlierDecision[];
  kept: KeptLine[];
}

const isId = isSha256;

/** Keeps a change set's decision memory beside it, sealed by this worker for this agent and change set. */
export async function keepMemory(w: CycleContext, a: Authorized, m: ProposalMemory): Promise<void> {
  await w.objects.putJson(fingerprintsKey(a.scope, m.changeSet), sealMemory(w.key.seal, a.scope, m));
}

export async function memoryOf(w: CycleContext, a: Authorized, id: string): Promise<ProposalMemory | undefined> {
  return openMemory(w.key.seal, a.scope, id, await w.objects.getJson<unknown>(fingerprintsKey(a.scope, id)));
}

/**
 * What reviewers decided lately and what the owner wrote since the last promotion, from the agent's signed
 * audit records (the newest 20 cycles) and the sealed memory beside each change set they name: a rejection
 * holds back every proposal of its change set; a revision, what the reviewer left out or edited away.
 */
export async function remembered(w: CycleContext, a: Authorized, store: MemoryStore): Promise<Remembered> {
  const out: Remembered = { decisions: [], kept: [] };
  const runs = await w.audit.recentSignedRuns(a.scope, [ownKey(w.key)]);
  for (const run of runs) {
    for (const { record: r } of run) {
      const id = r.data?.changeSet;
      if (!isId(id) || (r.event !== 'rejected' && r.event !== 'change-set-revised')) continue;
      const m = (await memoryOf(w, a, id)) ?? (r.event === 'rejected' ? await derived(w, a, id) : undefined);
      if (!m) continue;
      const reviewer = r.actor ?? 'a reviewer';
      const reason = typeof r.data?.reason === 'string' ? r.data.reason : undefined;
      const about = isId(m.revises) ? m.revises : id;
      const prints = r.event === 'rejected' ? Object.values(m.prints) : (m.leftOut ?? []);
      for (const fp of prints)
        if (typeof fp === 'string')
          out.decisions.push({
            fingerprint: fp,
            verdict: r.event === 'rejected' ? 'rejected' : 'edited-away',
            reviewer,
            at: r.at,
            changeSetId: about,
            ...(reason ? { reason } : {}),
          });
      for (const e of m.editedAway ?? [])
        out.kept.push({ ...e, by: 'reviewer', who: reviewer, at: r.at, changeSetId: about });
    }
  }
  out.kept.push(...(await ownerEdits(w, a, runs, store)));
  for (const o of await carriedOwnerLines(w, a, runs, store))
    if (!out.kept.some((k) => k.by === 'owner' && k.path === o.path && k.line === o.line)) out.kept.push(o);
  return out;
}

/**
 * A rejected change set's fingerprints when its sealed memory is missing or does not check: made again from
 * the change set and its snapshot, both checked by hash, so deleting or forging the file revives nothing.
 */
async function derived(w: CycleContext, a: Authorized, id: string): Promise<ProposalMemory | undefined> {
  try {
    const cs = await w.objects.loadChangeSet(a.scope, id);
    const base = cs.base.snapshot ? await w.snapshots.restore(a.scope, cs.base.snapshot) : undefined;
    if (!base) return undefined;
    const prints: Record<string, string> = {};
    for (const c of cs.changes)
      prints[c.tier === 'suggested' ? `${c.path}#suggestion-${c.suggestion}` : c.path] = proposalFingerprint(
        c,
        base.get(c.path) ?? '',
        c.after ?? '',
      );
    return { changeSet: id, prints };
  } catch {
    return undefined; // the change set or its snapshot is gone (redacted, expired): nothing to hold back by
  }
}

/**
 * The owner's lines the newest dream kept out of its reach, still in the store as they were: an owner edit
 * stays the owner's across nights, not only until the next promotion.
 */
async function carriedOwnerLines(
  w: CycleContext,
  a: Authorized,
  runs: StoredRecord[][],
  now: MemoryStore,
): Promise<KeptLine[]> {
  const stored = runs.flat().find(({ record: r }) => r.event === 'change-set-stored' && isId(r.data?.changeSet));
  const m = stored && (await memoryOf(w, a, stored.record.data!.changeSet as string));
  const present = (path: string, line: string) =>
    (now.get(path) ?? '').split('\n').some((l) => normalizeLine(l) === line);
  return (m?.owner ?? [])
    .filter((o) => present(o.path, o.line))
    .map((o) => ({ ...o, act: 'remove' as const, by: 'owner' as const, who: 'the owner' }));
}

/**
 * The lines the owner wrote since the last promotion that stands: the store now against the store that
 * promotion wrote (its snapshot with its change set applied, both checked by hash). None when no promotion
 * stands or it cannot be rebuilt.
 */
async function ownerEdits(
  w: CycleContext,
  a: Authorized,
  runs: StoredRecord[][],
  now: MemoryStore,
): Promise<KeptLine[]> {
  for (const run of runs) {
    const events = run.map((s) => s.record);
    const i = events.findIndex((r) => r.event === 'promoted');
    if (i < 0) continue;
    if (events.some((r) => r.event === 'rolled-back')) continue;
    const promoted = events[i]!;
    const snapshot = events
      .slice(0, i)
      .reverse()
      .find((r) => r.event === 'snapshot-taken')?.data?.snapshot;
    const id = promoted.data?.changeSet;
    if (typeof snapshot !== 'string' || !isId(id)) return [];
    try {
      const base = await w.snapshots.restore(a.scope, snapshot);
      const written = applyChanges(base, await w.objects.loadChangeSet(a.scope, id));
      return ownerLines(written, now).map((l) => ({
        ...l,
        act: 'remove' as const,
        by: 'owner' as const,
        who: 'the owner',
        at: promoted.at,
        changeSetId: id,
      }));
    } catch {
      // an older snapshot redacted or expired: the owner's lines cannot be told apart, so none are claimed
      return [];
    }
  }
  return [];
}
