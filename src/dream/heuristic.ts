import type { Evidence, Move, Place } from '../memory/changeSet.js';
import { isArchivePath } from '../memory/paths.js';
import { defaultLimits } from '../memory/limits.js';
import { MemoryStore } from '../memory/store.js';
import type { Consolidation, Dreamer, PreparedInput } from './dreamer.js';
import { quote, type Ledger } from './ledger.js';
import { documentKind, droppedLines, type MarkdownDocument, type Unit } from './markdown.js';
import { parseDocument } from './structure.js';
import { convergedWorkflows, recurringMistakes } from './patterns.js';
import { detectInjection } from '../sessions/screen.js';
import { breather } from '../util/concurrency.js';
import { factKey, normalizeLine, parseKeyedFact, type KeyedFact } from './text.js';

export const lessonsPath = '/lessons/recurring-mistakes.md';
export const workflowsPath = '/workflows/converged.md';

/** The session write that put a line in the store. */
interface Written {
  at: number;
  sessionId: string;
  eventId: string;
}

interface Fact extends Unit {
  /** The 1-based line the input store gives the unit's first and last line (screening may have taken lines out). */
  line: number;
  lastLine: number;
  /** Normalized text (a task item's state included: a done item and an open one differ). */
  norm: string;
  fact?: KeyedFact;
  written?: Written;
  /** Why the unit leaves its place: a duplicate of `by` (which stays), or superseded by `by` (to /archive/). */
  removed?: { kind: 'duplicate' | 'superseded'; by: Fact; evidence: Evidence[] };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const evidenceOf = (w?: Written): Evidence[] => (w ? [{ session_id: w.sessionId, event_id: w.eventId }] : []);
const place = (f: Fact): Place => ({ path: f.path, section: f.section, line: f.line });
const clipped = (s: string, n = 40) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const where = (f: Fact) => `line ${f.line}${f.section ? ` in "${clipped(f.section)}"` : ''}`;
/** A line with no write event is older than any that has one (SPEC §2). */
const writtenAt = (f: Fact) => f.written?.at ?? -Infinity;

/**
 * The offline dreamer: deterministic, no key, no network, and it does no harm. It reads each markdown file as
 * a document and changes a line only when it can say why: the same fact twice in one section (one copy goes),
 * or an older value of the same subject replaced by a newer one that a session wrote (the old line moves to
 * /archive/). Duplicates across files or sections and contradictions it cannot settle are reported as
 * findings for a reviewer. Front matter, code, tables, HTML and non-markdown files are never edited here.
 * It also writes recurring mistakes and converged workflows as memory.
 */
export class HeuristicDreamer implements Dreamer {
  readonly name = 'heuristic';

  async consolidate(input: PreparedInput): Promise<Consolidation> {
    const { store, ledger } = input;
    const docs = new Map<string, MarkdownDocument>();
    const breathe = breather();
    for (const [path, content] of store.files)
      if (!isArchivePath(path) && documentKind(path) === 'markdown') {
        docs.set(path, parseDocument(path, content));
        await breathe(); // parsing is most of a large store's dream: heartbeats go out meanwhile
      }
    const facts = this.readFacts(docs, input);

    const supersession = new Supersession(facts, ledger, this.replacedFacts(facts, input));
    const winners = supersession.run();
    this.dedupeWithinScopes(facts, winners);
    this.reportAcrossScopes(facts, ledger, supersession.fields);
    this.reportInstructions(facts, ledger);

    const files = new Map(store.files);
    this.rewrite(docs, facts, files, ledger);
    this.writePatterns(files, input);
    // the file limit is enforced when the candidate is vetted (runDream), by dropping new files beyond it
    return { store: MemoryStore.from(files, { ...defaultLimits, maxFiles: Infinity }) };
  }

  private readFacts(docs: Map<string, MarkdownDocument>, input: PreparedInput): Fact[] {
    const byPathNorm = new Map<string, Written>();
    const byNorm = new Map<string, Written>();
    const remember = (map: Map<string, Written>, key: string, w: Written) => {
      const old = map.get(key);
      if (!old || old.at < w.at) map.set(key, w);
    };
    for (const s of input.sessions)
      for (const w of s.memoryWrites)
        for (const l of w.lines) {
          const n = normalizeLine(l);
          if (n === '') continue;
          const written = { at: w.at, sessionId: s.sessionId, eventId: w.eventId };
          remember(byPathNorm, `${w.path}\0${n}`, written);
          // a write to a file that is gone (renamed, merged) still dates its lines wherever they are now; a write
          // to a file that exists dates only that file's lines (the same words elsewhere are another fact)
          if (!docs.has(w.path)) remember(byNorm, n, written);
        }
    const facts: Fact[] = [];
    for (const doc of docs.values())
      for (const u of doc.units) {
        const first = doc.lines[u.start]!;
        const norm = normalizeLine(u.text);
        if (!/[\p{L}\p{N}]/u.test(norm)) continue;
        const firstNorm = normalizeLine(first);
        const written = byPathNorm.get(`${u.path}\0${firstNorm}`) ?? byNorm.get(firstNorm);
        const fact = u.start === u.end ? parseKeyedFact(first) : undefined;
        facts.push({
          ...u,
          line: input.inputLine(u.path, u.start + 1),
          lastLine: input.inputLine(u.path, u.end + 1),
          norm,
          ...(fact ? { fact } : {}),
          ...(written ? { written } : {}),
        });
      }
    return facts;
  }

  /** Keyed lines a session's edit replaced, placed in the scope of the line that replaced them. */
  private replacedFacts(facts: Fact[], input: PreparedInput): { scope: string; fact: KeyedFact }[] {
    const out: { scope: string; fact: KeyedFact }[] = [];
    for (const s of input.sessions)
      for (const w of s.memoryWrites) {
        if (w.replaced.length === 0) continue;
        const scope = facts.find((f) => f.path === w.path && f.written?.eventId === w.eventId)?.scope;
        if (scope === undefined) continue;
        for (const line of w.replaced) {
          const fact = parseKeyedFact(line);
          if (fact) out.push({ scope, fact });
        }
      }
    return out;
  }

  /**
   * The same fact twice in one block of one scope (one list, or one paragraph of `Label: value` lines): one
   * copy is enough. Copies in two blocks of a section (each list under its own lead-in) are reported.
   */
  private dedupeWithinScopes(facts: Fact[], winners: ReadonlySet<Fact>): void {
    const groups = new Map<string, Fact[]>();
    for (const f of facts) {
      if (f.removed) continue;
      const state = f.checked === null ? '' : String(f.checked);
      const key = f.fact ? `f\0${f.fact.subject}\0${f.fact.value}` : `k\0${factKey(f.text)}`;
      for (const k of new Set([`n\0${f.norm}`, `${key}\0${state}`])) {
        const id = `${f.scope}\0${f.block}\0${k}`;
        groups.set(id, [...(groups.get(id) ?? []), f]);
      }
    }
    for (const group of groups.values()) {
      const live = group.filter((f) => !f.removed);
      if (live.length < 2) continue;
      // a line that superseded another stays (the archive names it); then the newest write's wording; then the first copy
      const [survivor, ...others] = [...live].sort(
        (a, b) => Number(winners.has(b)) - Number(winners.has(a)) || writtenAt(b) - writtenAt(a) || a.start - b.start,
      );
      for (const f of others) {
        if (!f.removable) continue;
        f.removed = { kind: 'duplicate', by: survivor!, evidence: evidenceOf(survivor!.written) };
      }
    }
  }

  /** The same fact in several files or sections is a reviewer's call: reported, not deleted. */
  private reportAcrossScopes(facts: Fact[], ledger: Ledger, fields: ReadonlySet<string>): void {
    const groups = new Map<string, Fact[]>();
    for (const f of facts) {
      // a lead-in or a parent item names a topic ("2. **Currency**:"), not a fact; a field of a repeated shape
      // (each account's Email) and a redacted value say nothing twice
      if (f.removed || !f.removable || f.norm.length < 16 || f.norm.includes('[redacted')) continue;
      if (f.fact && (fields.has(f.fact.subject) || /^[\d\s:./-]+$/.test(f.fact.value))) continue;
      const key = f.fact ? `f\0${f.fact.subject}\0${f.fact.value}` : `k\0${factKey(f.text)}`;
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    // copies in several scopes, in document order; a run of them that repeats line after line in the same
    // places (a block pasted into two files) is one finding
    const byPlace = (a: Fact, b: Fact) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start - b.start);
    const found = [...groups.values()]
      .filter((g) => new Set(g.map((f) => `${f.scope}\0${f.block}`)).size >= 2)
      .map((g) => [...g].sort(byPlace))
      .sort((a, b) => byPlace(a[0]!, b[0]!));
    const runs: Fact[][][] = [];
    for (const g of found) {
      const run = runs.find((r) => {
        const last = r.at(-1)!;
        return last.length === g.length && g.every((f, i) => f.path === last[i]!.path && f.start === last[i]!.end + 1);
      });
      if (run) run.push(g);
      else runs.push([g]);
    }
    for (const run of runs.slice(0, maxFindings)) {
      const first = run[0]!;
      const files = new Set(first.map((f) => f.path)).size;
      const sections = new Set(first.map((f) => `${f.path}\0${f.section}`)).size;
      const where =
        files > 1 ? `${files} files` : sections > 1 ? `${sections} sections of one file` : 'one section, apart';
      const detail =
        run.length === 1
          ? `the same fact in ${first.length} places (${where}), left for a reviewer: ${quote(first[0]!.text)}`
          : `${run.length} lines in a row repeated in ${first.length} places (${where}): ${first
              .map((f, i) => `${f.path} lines ${f.line}–${run.at(-1)![i]!.lastLine}`)
              .join(', ')}; left for a reviewer`;
      ledger.find({ kind: 'duplicate', detail, at: first.slice(0, 20).map((f) => place(f)) });
    }
  }

  /** Lines of the store that read as an order to send data somewhere or to ignore instructions: a reviewer's call. */
  private reportInstructions(facts: Fact[], ledger: Ledger): void {
    let reported = 0;
    for (const f of facts) {
      if (f.written || reported >= maxFindings) continue; // what sessions wrote was screened as they wrote it
      const finding = detectInjection(f.text, false);
      if (!finding || (finding.detector !== 'standing-order' && finding.detector !== 'ignore-instructions')) continue;
      reported++;
      ledger.find({
        kind: 'instruction',
        detail: `reads as an instruction (${finding.detector}) already in memory: "${finding.excerpt}"; left for a reviewer`,
        at: [place(f)],
      });
    }
  }

  /** Takes removed units out of their files, archives superseded ones, and notes every move. */
  private rewrite(
    docs: Map<string, MarkdownDocument>,
    facts: Fact[],
    files: Map<string, string>,
    ledger: Ledger,
  ): void {
    const removedByPath = new Map<string, Fact[]>();
    for (const f of facts) if (f.removed) removedByPath.set(f.path, [...(removedByPath.get(f.path) ?? []), f]);
    // new line numbers of every file after its removals, so a move can name where the survivor now is
    const renumber = new Map<string, number[]>();
    const cut = new Map<string, Set<number>>();
    for (const [path, removed] of removedByPath) {
      const lines = docs.get(path)!.lines;
      const drop = new Set<number>();
      for (const f of removed) for (let i = f.start; i <= f.end; i++) drop.add(i);
      const all = droppedLines(lines, drop);
      cut.set(path, all);
      let n = 0;
      renumber.set(
        path,
        lines.map((_, i) => (all.has(i) ? -1 : ++n)),
      );
    }
    const nowAt = (f: Fact) => renumber.get(f.path)?.[f.start] ?? f.start + 1;

    const archives = new Map<string, string[]>();
    for (const [path, removed] of removedByPath) {
      const lines = docs.get(path)!.lines;
      files.set(path, lines.filter((_, i) => !cut.get(path)!.has(i)).join('\n'));
      for (const f of removed.sort((a, b) => a.start - b.start)) {
        const { by, evidence } = f.removed!;
        // lines are named as the input has them; `moved.to` says where the line is in the output
        const byWhere = `line ${by.line}${by.section ? ` in "${clipped(by.section)}"` : ''}${by.path === f.path ? '' : ` of ${by.path}`}`;
        if (f.removed!.kind === 'duplicate') {
          ledger.note(
            path,
            'duplicate',
            `duplicate: ${where(f)} ${quote(f.text)} is the same fact as ${byWhere}; one copy kept`,
            evidence,
            [{ from: place(f), to: { ...place(by), line: nowAt(by) } }],
            `duplicate: line ${f.line} = line ${by.line}${by.path === f.path ? '' : ` of ${by.path}`}`,
          );
          continue;
        }
        const target = `/archive${path}`;
        const entries = archives.get(target) ?? [];
        const when = by.written ? ` (${by.written.sessionId}, ${day(by.written.at)})` : '';
        entries.push(
          ...lines.slice(f.start, f.end + 1).map((l) => l.replace(/\r$/, '')),
          `  <!-- from ${f.path} ${where(f)}; superseded by ${byWhere}${when} -->`,
        );
        archives.set(target, entries);
        const existing = (files.get(target) ?? archiveHeader(path)).replace(/\n*$/, '\n').split('\n').length;
        const archiveLine = existing + entries.length - (f.end - f.start + 2);
        ledger.note(
          path,
          'superseded',
          `superseded: ${where(f)} ${quote(f.text)} by ${byWhere} ${quote(by.text)}${when}; old line moved to ${target}`,
          evidence,
          [{ from: place(f), to: { path: target, section: f.section, line: archiveLine } }],
          `superseded: line ${f.line} by line ${by.line}${by.path === f.path ? '' : ` of ${by.path}`}${when}`,
        );
      }
    }
    for (const [target, entries] of archives) {
      const existing = files.get(target) ?? archiveHeader(target.slice('/archive'.length));
      files.set(target, `${existing.replace(/\n*$/, '\n')}${entries.join('\n')}\n`);
      ledger.note(
        target,
        'superseded',
        `history of ${target.slice('/archive'.length)}: superseded lines kept, each with where it was and what replaced it`,
      );
    }
  }

  private writePatterns(files: Map<string, string>, input: PreparedInput): void {
    const { ledger } = input;
    const lessons = recurringMistakes(input.sessions);
    if (lessons.length > 0) {
      const entries = lessons.map((l) => ({
        prefix: `- \`${l.tool}\` fails with "${l.error}"`,
        line: `- \`${l.tool}\` fails with "${l.error}"${l.example ? ` (e.g. \`${l.example}\`)` : ''}${l.fix ? ` — what worked next: \`${l.fix}\`` : ''} (seen in ${l.sessions.length} sessions: ${l.sessions.join(', ')})`,
        lesson: l,
      }));
      this.mergeEntries(
        files,
        lessonsPath,
        '# Recurring mistakes\n\nErrors seen in several sessions, and what worked after them.\n',
        entries,
        (e, old) =>
          ledger.note(
            lessonsPath,
            'recurring-mistake',
            old
              ? `recurring mistake: line ${old.line} ${quote(old.text)} updated with what newer sessions show`
              : `new lesson: ${e.lesson.tool} ${quote(e.lesson.error)} in ${e.lesson.sessions.length} sessions`,
            e.lesson.evidence,
            old ? [old.move] : [],
          ),
      );
    }
    const workflows = convergedWorkflows(input.sessions);
    if (workflows.length > 0) {
      const entries = workflows.map((w) => ({
        prefix: `- ${w.steps.map((s) => `\`${s}\``).join(' → ')}`,
        line: `- ${w.steps.map((s) => `\`${s}\``).join(' → ')} (seen in ${w.sessions.length} sessions: ${w.sessions.join(', ')})`,
        workflow: w,
      }));
      this.mergeEntries(
        files,
        workflowsPath,
        '# Converged workflows\n\nTool sequences that several sessions followed to finish the same kind of task.\n',
        entries,
        (e, old) =>
          ledger.note(
            workflowsPath,
            'workflow',
            old
              ? `workflow: line ${old.line} ${quote(old.text)} updated with what newer sessions show`
              : `new workflow of ${e.workflow.steps.length} steps in ${e.workflow.sessions.length} sessions`,
            e.workflow.evidence,
            old ? [old.move] : [],
          ),
      );
    }
  }

  /** Adds each entry to a generated file, or updates the line that starts the same way (a rerun adds nothing twice). */
  private mergeEntries<E extends { prefix: string; line: string }>(
    files: Map<string, string>,
    path: string,
    header: string,
    entries: E[],
    noted: (e: E, replaced?: { line: number; text: string; move: Move }) => void,
  ): void {
    const lines = (files.get(path) ?? header).split('\n');
    for (const e of entries) {
      const at = lines.findIndex((l) => l.startsWith(e.prefix));
      if (at === -1) {
        lines.splice(lines.at(-1) === '' ? lines.length - 1 : lines.length, 0, e.line);
        noted(e);
      } else if (lines[at] !== e.line) {
        const old = lines[at]!;
        lines[at] = e.line;
        // the same entry, brought up to date in place: the old wording went to the line that replaced it
        const here = { path, section: '', line: at + 1 };
        noted(e, { line: at + 1, text: old, move: { from: here, to: here } });
      }
    }
    const text = `${lines.join('\n').replace(/\n*$/, '')}\n`;
    if (text !== files.get(path)) files.set(path, text);
  }
}

const maxFindings = 200;
const archiveHeader = (path: string) =>
  `# Archive of ${path}\n\nSuperseded memory, kept as history (not current knowledge).\n`;

/**
 * Contradictions need a subject and evidence. A line is superseded only by a newer line that a session
 * wrote about the same subject: in the same scope (file, section, enclosing item) when the subject occurs
 * there once; elsewhere only when the subject names one thing (a phrase, not a field that many places fill
 * in with their own value, like "Why" or "Status"). Everything else is left, and the doubtful cases reported.
 */
class Supersession {
  /** Subjects that are fields of a repeated shape: several places fill them in, each with its own value. */
  readonly fields = new Set<string>();

  constructor(
    private readonly facts: Fact[],
    private readonly ledger: Ledger,
    /** Lines the sessions' edits took out, in the scope of what replaced them: part of the store before them. */
    replaced: readonly { scope: string; fact: KeyedFact }[] = [],
  ) {
    const seen = new Map<string, { scopes: Set<string>; values: Set<string>; repeated: boolean }>();
    const subjectsByScope = new Map<string, Set<string>>();
    // the baseline: what the store held before these sessions (its lines no session wrote, and those they replaced)
    const baseline = [
      ...facts.filter((f) => f.fact && !f.written).map((f) => ({ scope: f.scope, fact: f.fact! })),
      ...replaced,
    ];
    for (const f of baseline) {
      const s = seen.get(f.fact.subject) ?? { scopes: new Set(), values: new Set(), repeated: false };
      const inScope = subjectsByScope.get(f.scope) ?? new Set<string>();
      if (inScope.has(f.fact.subject)) s.repeated = true;
      s.scopes.add(f.scope);
      s.values.add(f.fact.value);
      seen.set(f.fact.subject, s);
      subjectsByScope.set(f.scope, inScope.add(f.fact.subject));
    }
    // a subject that sessions wrote again and again with new values (one line at a time, not as part of a new
    // record) is one thing being updated, whatever its older copies look like
    const updated = new Map<string, Set<string>>();
    for (const f of facts)
      if (f.fact && f.written && !this.isTemplateWrite(f))
        updated.set(f.fact.subject, (updated.get(f.fact.subject) ?? new Set()).add(f.fact.value));
    for (const [subject, s] of seen) {
      // a record of a repeated shape fills each of its fields once; a subject stated again and again in one
      // place is one thing with a history
      if (s.scopes.size < 2 || s.values.size < 2 || s.repeated || (updated.get(subject)?.size ?? 0) >= 2) continue;
      // two places with their own value: a field when they share another label too, or three places do
      const siblings = [...s.scopes].map((sc) => subjectsByScope.get(sc)!);
      const shared = [...siblings[0]!].some((x) => x !== subject && siblings.slice(1).some((o) => o.has(x)));
      if (s.scopes.size >= 3 || shared) this.fields.add(subject);
    }
  }

  /** Resolves what it can; returns the lines that superseded another (they must stay). */
  run(): Set<Fact> {
    const winners = new Set<Fact>();
    const writers = this.facts
      .filter((f) => f.fact && f.written)
      .sort((a, b) => writtenAt(a) - writtenAt(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start - b.start));
    for (const w of writers) {
      if (w.removed) continue;
      const older = this.facts.filter(
        (l) =>
          l !== w &&
          !l.removed &&
          l.fact?.subject === w.fact!.subject &&
          l.fact.value !== w.fact!.value &&
          writtenAt(l) < writtenAt(w) &&
          l.written?.eventId !== w.written!.eventId,
      );
      if (older.length === 0) continue;
      const local = older.filter((l) => l.scope === w.scope);
      const template = this.isTemplateWrite(w);
      const oneThing = this.namesOneThing(w.fact!.subject);
      // several older values in one section: the history of one thing when the subject names one, else
      // (a "Status" per item of a list) a reviewer's call
      if ((local.length === 1 || (local.length > 1 && oneThing)) && !template) {
        for (const l of local) if (this.supersede(l, w)) winners.add(w);
      } else if (local.length > 0)
        this.ledger.find({
          kind: 'contradiction',
          detail: `"${w.fact!.subject}" has ${local.length + 1} values in one section and no write tells which is current; left for a reviewer`,
          at: [place(w), ...local.map((l) => place(l))],
        });
      if ((local.length > 1 && !oneThing) || template || !oneThing) continue;
      for (const l of older) if (l.scope !== w.scope && !l.removed && this.supersede(l, w)) winners.add(w);
    }
    return winners;
  }

  /** A subject that names one thing: a phrase or an identifier, not a one-word field and not a field of a repeated shape. */
  private namesOneThing(subject: string): boolean {
    return !this.fields.has(subject) && (subject.includes(' ') || /\w[._-]\w/.test(subject));
  }

  /**
   * A write that adds several labelled lines whose labels another place already has together is a new
   * record of the same shape (a new memory file, a new account, a new persona), not an update of the old one.
   */
  private isTemplateWrite(w: Fact): boolean {
    const mine = new Set(
      this.facts.filter((f) => f.written?.eventId === w.written!.eventId && f.fact).map((f) => f.fact!.subject),
    );
    if (mine.size < 2) return false;
    const byScope = new Map<string, Set<string>>();
    for (const f of this.facts) {
      if (!f.fact || f.written?.eventId === w.written!.eventId || !mine.has(f.fact.subject)) continue;
      byScope.set(f.scope, (byScope.get(f.scope) ?? new Set()).add(f.fact.subject));
    }
    return [...byScope.values()].some((s) => s.size >= 2);
  }

  private supersede(old: Fact, by: Fact): boolean {
    if (!old.removable) {
      this.ledger.find({
        kind: 'stale',
        detail: `"${old.fact!.subject}" was rewritten by ${by.written!.sessionId} (${day(by.written!.at)}); the older line heads other lines, so it stays for a reviewer`,
        at: [place(old), place(by)],
      });
      return false;
    }
    old.removed = { kind: 'superseded', by, evidence: evidenceOf(by.written) };
    return true;
  }
}
