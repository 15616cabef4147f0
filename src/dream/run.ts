import { changeSetSchema, type ChangeSet, type DroppedChange, type Evidence, type Move } from '../memory/changeSet.js';
import { diffStores } from '../memory/diff.js';
import { defaultLimits, type StoreLimits } from '../memory/limits.js';
import { isArchivePath, prefixConflict } from '../memory/paths.js';
import { MemoryStore } from '../memory/store.js';
import { judge, proposalFingerprint, type EarlierDecision } from './decisions.js';
import { judgeLines, type KeptLine } from './lineMemory.js';
import type { DreamInput, DreamResult, Dreamer } from './dreamer.js';
import { refusedPaths, screenDocument } from './guard.js';
import { archiveHeld } from './held.js';
import { lineIndex, structureHarm, untracedLines } from './harm.js';
import type { Ledger } from './ledger.js';
import { prepare, type Prepared } from './prepare.js';
import { suggestedChanges } from './suggest.js';
import { normalizeLine, sameFact } from './text.js';
import { labelSessions } from '../sessions/labels.js';
import { redactSecrets } from '../sessions/screen.js';
import { breather } from '../util/concurrency.js';

/**
 * One dream: screen and redact, let the dreamer consolidate, refuse what must never become memory or would
 * do harm, and describe the result as a change set against the input store.
 */
export async function runDream(dreamer: Dreamer, input: DreamInput, signal?: AbortSignal): Promise<DreamResult> {
  const prepared = await prepare(input);
  const consolidation = await dreamer.consolidate(prepared, signal);
  const decided = earlier(prepared, input.decisions ?? [], input.kept ?? []);
  const vetted = await vet(prepared, consolidation.store, input.limits ?? defaultLimits, decided);
  // held lines go to the archive after the dreamer and the guard: no dreamer sees them, none puts them back
  const files = new Map(vetted.store.files);
  await archiveHeld(files, prepared.taken, prepared.ledger, (text) => screenDocument('/archive', text));
  const archived = MemoryStore.from(files, { maxFiles: Infinity, maxFileBytes: Infinity });
  // files the dream could not take go back byte for byte: no path disappears because it could not be read
  const candidate = archived.withSkipped(input.store.skipped, {
    maxFiles: Infinity,
    maxFileBytes: Infinity,
  });

  const applied = diffStores(input.store, candidate, (path) => ({
    ...(prepared.ledger.explain(path) ?? { reason: 'reorganize', detail: `edited by the ${dreamer.name} dreamer` }),
    tier: 'applied',
  }));
  const suggested = await suggestedChanges(
    input.store,
    prepared.store,
    consolidation.store,
    vetted.store,
    consolidation.suggestions ?? [],
  );
  const changes = [...applied, ...suggested.changes];
  const fingerprints: Record<string, string> = {};
  for (const c of changes) {
    const fp = proposalFingerprint(c, prepared.store.get(c.path) ?? '', c.after ?? '');
    // a suggestion shares its path with the applied change it is made over: each keeps its own print
    fingerprints[c.tier === 'suggested' ? `${c.path}#suggestion-${c.suggestion}` : c.path] = fp;
    const j = decided.judge(fp, c.evidence) ?? decided.lines(c.path, prepared.store.get(c.path), c.after, c.evidence);
    if (j?.kind === 'override') Object.assign(c, { detail: `${c.detail}; ${j.note}`, overrides: j.override });
  }
  const dropped = [...(consolidation.dropped ?? []), ...vetted.dropped, ...suggested.dropped];
  const changeSet: ChangeSet = changeSetSchema.parse({
    agent_id: input.agentId,
    dreamer: dreamer.name,
    base: { snapshot: input.snapshotId, sha256: input.store.hash() },
    changes,
    findings: prepared.ledger.findings(),
    quarantined: prepared.quarantined,
    held: prepared.held,
    redactions: prepared.redactions,
    refused: vetted.refused,
    skipped: await skippedReport(input.store),
    ...(dropped.length ? { dropped } : {}),
    ...(consolidation.usage ? { usage: consolidation.usage } : {}),
    sessions: {
      used: prepared.sessions.map((s) => s.sessionId),
      invalid: input.sessions.invalid,
      labels: labelSessions(input.sessions.sessions),
    },
  });
  return { store: candidate, changeSet, fingerprints };
}

/**
 * The earlier decisions, ready to judge a proposal by its fingerprint (a rejection, a change left out) or by the
 * lines it crosses (a reviewer's edit, the owner's hand), and the sessions it cites.
 */
function earlier(prepared: Prepared, decisions: readonly EarlierDecision[], all: readonly KeptLine[]) {
  const endedAt = new Map(prepared.sessions.map((s) => [s.sessionId, s.endedAt]));
  // a line a session wrote is the agent's, not the owner's hand: the dream consolidates it as any other
  const written = new Set(
    [...prepared.sessions, ...(prepared.untrusted ?? [])].flatMap((s) =>
      s.memoryWrites.flatMap((w) => w.lines.map((l) => `${w.path}\0${normalizeLine(l)}`)),
    ),
  );
  const kept = all.filter((k) => k.by !== 'owner' || !written.has(`${k.path}\0${k.line}`));
  return {
    any: decisions.length > 0 || kept.length > 0,
    judge: (fingerprint: string, evidence: readonly Evidence[]) =>
      decisions.length > 0 ? judge(fingerprint, evidence, decisions, endedAt) : undefined,
    lines: (path: string, before: string | undefined, after: string | undefined, evidence: readonly Evidence[]) =>
      kept.length > 0 ? judgeLines(path, before, after, kept, evidence, endedAt) : undefined,
  };
}

/**
 * Proposals a reviewer rejected or edited away before, or that go over the owner's hand edits, made with no
 * newer session behind them: held back.
 */
function heldBack(
  prepared: Prepared,
  current: MemoryStore,
  decided: ReturnType<typeof earlier>,
): { path: string; why: string }[] {
  if (!decided.any) return [];
  const base = prepared.store;
  const out: { path: string; why: string }[] = [];
  for (const path of new Set([...base.paths(), ...current.paths()])) {
    const before = base.get(path);
    const after = current.get(path);
    if (before === after) continue;
    const op = before === undefined ? 'create' : after === undefined ? 'delete' : 'update';
    const evidence = prepared.ledger.explain(path)?.evidence ?? [];
    const j =
      decided.judge(proposalFingerprint({ op, path, evidence }, before ?? '', after ?? ''), evidence) ??
      decided.lines(path, before, after, evidence);
    if (j?.kind === 'held') out.push({ path, why: j.why });
  }
  return out;
}

/**
 * Files the dream could not take, and why. One that is text (only too large) is still read for secrets: a
 * secret there cannot be redacted by a dream (the file is never written), so the report says where it is.
 */
async function skippedReport(store: MemoryStore): Promise<{ path: string; reason: string }[]> {
  const out: { path: string; reason: string }[] = [];
  for (const [path, f] of store.skipped) {
    let reason = f.reason;
    if (!/UTF-8|binary/.test(f.reason)) {
      const text = Buffer.from(f.bytes).toString('utf8');
      const found = Object.entries((await redactSecrets(text)).found);
      if (found.length > 0)
        reason += `; holds ${found.map(([k, n]) => `${n} ${k}`).join(', ')} that a dream cannot redact here (the file is never written): remove it by hand or with dreamgate redact`;
    }
    out.push({ path, reason });
  }
  return out;
}

interface Vetted {
  store: MemoryStore;
  refused: { path: string; reason: string }[];
  dropped: DroppedChange[];
}

/**
 * What the dreamer proposed, minus what may not be promoted: text that adds a secret, an instruction or
 * invisible characters (refused), and changes that break a file's structure or remove a line with no trace
 * of where it went (dropped). A change is dropped whole, with the changes that moved lines into it, and
 * the check runs again until nothing more is dropped: a removal is never half applied.
 */
async function vet(
  prepared: Prepared,
  proposed: MemoryStore,
  limits: StoreLimits,
  decided: ReturnType<typeof earlier>,
): Promise<Vetted> {
  const base = prepared.store;
  const files = new Map(proposed.files);
  const refused: Vetted['refused'] = [];
  const dropped: DroppedChange[] = [];
  const skipped = [...prepared.skippedPaths];
  for (const path of [...files.keys()])
    if (skipped.includes(path) || prefixConflict([path, ...skipped])) {
      files.delete(path);
      dropped.push({ path, op: 'create', why: `${path} would replace or nest under a file the dream skipped` });
    }

  for (let round = 0; round <= base.size + files.size; round++) {
    const current = MemoryStore.from(files, { maxFiles: Infinity, maxFileBytes: Infinity });
    const problems = new Map<string, { kind: 'refused' | 'dropped'; why: string }>();
    for (const r of [...(await refusedPaths(base, current)), ...reAddedQuarantine(prepared, current)])
      problems.set(r.path, { kind: 'refused', why: r.reason });
    for (const h of heldBack(prepared, current, decided))
      if (!problems.has(h.path)) problems.set(h.path, { kind: 'dropped', why: h.why });
    const everywhere = lineIndex(current.files.values());
    const breathe = breather();
    for (const [path, before] of base.files) {
      const after = current.get(path);
      if (after === before || problems.has(path)) continue;
      await breathe();
      const harm = after === undefined ? [] : structureHarm(path, before, after);
      if (harm.length > 0) {
        problems.set(path, { kind: 'dropped', why: harm.join('; ') });
        continue;
      }
      const moved = new Set(
        prepared.ledger
          .movesOf(path)
          .filter((m) => arrived(m, before, current))
          .map((m) => m.from.line),
      );
      const untraced = untracedLines(before, everywhere).filter((l) => !moved.has(l.line));
      if (untraced.length > 0 && !namesDestination(prepared.ledger, path, current))
        problems.set(path, {
          kind: 'dropped',
          why: `removes ${untraced.length} line(s) without a trace of where they went (first: line ${untraced[0]!.line})`,
        });
    }
    // a dream never takes a store past its file limit: the new files beyond it are dropped (and, below, the
    // changes that moved lines into them), so a store at its limit is still consolidated in place
    for (const path of overLimit(base, current, skipped.length, problems, limits.maxFiles))
      problems.set(path, {
        kind: 'dropped',
        why: `the store would exceed its limit of ${limits.maxFiles} files`,
      });
    // a move into a path that is refused or dropped is dropped with it
    for (const path of base.files.keys())
      if (!problems.has(path) && prepared.ledger.movesOf(path).some((m) => problems.has(m.to.path)))
        problems.set(path, { kind: 'dropped', why: 'the place its lines moved to was refused' });
    if (problems.size === 0) break;

    for (const [path, p] of problems) {
      const op = base.get(path) === undefined ? 'create' : current.get(path) === undefined ? 'delete' : 'update';
      if (p.kind === 'refused') refused.push({ path, reason: p.why });
      else dropped.push({ path, op, why: `${op} ${path} dropped: ${p.why}` });
      // the archive that received this change's lines goes back too: the lines never left
      const archives = prepared.ledger
        .movesOf(path)
        .map((m) => m.to.path)
        .filter((t) => t.startsWith('/archive/'));
      for (const target of new Set([path, ...archives])) {
        const safe = base.get(target);
        if (safe === undefined) files.delete(target);
        else files.set(target, safe);
      }
      prepared.ledger.forget(path);
    }
  }
  return { store: MemoryStore.from(files, { maxFiles: Infinity, maxFileBytes: Infinity }), refused, dropped };
}

/**
 * The files a candidate creates beyond the store's file limit, to be dropped: new files first, archives last
 * (an archive lets a stale line leave its file), each group from the end of the alphabet, so the choice is
 * the same on every retry.
 */
function overLimit(
  base: MemoryStore,
  candidate: MemoryStore,
  skipped: number,
  problems: ReadonlyMap<string, unknown>,
  maxFiles: number,
): string[] {
  const excess = candidate.size + skipped - maxFiles;
  if (excess <= 0) return [];
  const created = candidate.paths().filter((p) => base.get(p) === undefined && !problems.has(p));
  const rank = (p: string) => (isArchivePath(p) ? 1 : 0);
  return created.sort((a, b) => rank(a) - rank(b) || (a < b ? 1 : a > b ? -1 : 0)).slice(0, excess);
}

/**
 * Did a moved line arrive: the line it names states the same fact (an entry brought up to date in its own
 * place counts as itself). A move to a line whose own change was dropped names a line that says otherwise.
 */
function arrived(m: Move, before: string, current: MemoryStore): boolean {
  const there = current.get(m.to.path);
  if (there === undefined) return false;
  if (m.to.path === m.from.path && m.to.line === m.from.line) return true;
  const line = before.split('\n')[m.from.line - 1];
  const target = there.split('\n')[m.to.line - 1];
  return line === undefined || (target !== undefined && sameFact(target, line));
}

/** A model dreamer's change names where a removed line went: a path of the candidate, in its detail. */
function namesDestination(ledger: Ledger, path: string, candidate: MemoryStore): boolean {
  const detail = ledger.explain(path)?.detail ?? '';
  return [...detail.matchAll(/\/[^\s,;:)"'`]+/g)].some(
    (m) => m[0] !== path && candidate.get(m[0].replace(/[.]$/, '')) !== undefined,
  );
}

/**
 * A dreamer must not put back what screening took out: a held line, even with a new bullet or wrapped in
 * other words.
 */
function reAddedQuarantine(
  prepared: { store: MemoryStore; held: { session_id: string; line: string }[] },
  candidate: MemoryStore,
): { path: string; reason: string }[] {
  const removed = new Map<string, string>();
  for (const h of prepared.held) {
    const n = normalizeLine(h.line);
    if (n.length >= 12) removed.set(n, h.session_id);
  }
  if (removed.size === 0) return [];
  const out: { path: string; reason: string }[] = [];
  for (const [path, content] of candidate.files) {
    if (prepared.store.get(path) === content) continue;
    const before = new Set((prepared.store.get(path) ?? '').split('\n').map(normalizeLine));
    for (const line of content.split('\n')) {
      const n = normalizeLine(line);
      if (before.has(n)) continue;
      const hit = [...removed].find(([r]) => n.includes(r));
      if (hit) {
        out.push({ path, reason: `re-adds a line of ${hit[1]} held for a reviewer` });
        break;
      }
    }
  }
  return out;
}
