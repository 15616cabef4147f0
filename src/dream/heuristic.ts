import type { Evidence, Move } from '../memory/changeSet.js';
import { isArchivePath } from '../memory/paths.js';
import { defaultLimits } from '../memory/limits.js';
import { posix } from 'node:path';
import { MemoryStore } from '../memory/store.js';
import { detectInjection } from '../sessions/screen.js';
import { breather } from '../util/concurrency.js';
import { consolidateOverSaved, dedupeWithinScopes, reportAcrossScopes, settleChains } from './dedupe.js';
import type { Consolidation, Dreamer, PreparedInput, Suggestion } from './dreamer.js';
import { place, readFacts, replacedFacts, type Fact } from './facts.js';
import { Ledger, quote } from './ledger.js';
import { documentKind, type MarkdownDocument } from './markdown.js';
import { parseDocument } from './structure.js';
import { convergedWorkflows, recurringMistakes } from './patterns.js';
import { generatedPlace } from './lessonPlace.js';
import { reportNearDuplicates } from './nearDuplicates.js';
import { rewrite } from './rewrite.js';
import { sentenceUpdates } from './sentences.js';
import { anchorUpdates } from './anchors.js';
import { namedValueUpdates, writtenLines } from './namedValues.js';
import { rowAnchors, rowFacts } from './rows.js';
import { codeFacts } from './codeValues.js';
import { measuredLabelUpdates } from './measuredLabels.js';
import { namedChoiceUpdates } from './namedChoices.js';
import { Groups, Supersession } from './supersession.js';

export const lessonsPath = '/lessons/recurring-mistakes.md';
export const workflowsPath = '/workflows/converged.md';

const maxFindings = 200;
/** Beyond this many suggestions a reviewer reads findings instead (each suggestion is a file rewritten). */
const maxSuggestions = 200;

/**
 * The offline dreamer: deterministic, no key, no network, and it does no harm. It reads each markdown file as
 * a document and changes a line only when it can say why, with how sure it is (the change's tier): a copy of
 * a fact a session wrote where the store already keeps it goes (applied); an older value of a subject that a
 * session replaced moves to /archive/ (applied when both values are atomic and plainly differ, else
 * suggested); copies the store held before any session are suggested; duplicates across files that no
 * session wrote, and contradictions it cannot settle, are findings. Front matter, code, tables, HTML and
 * non-markdown files are never edited here. It also writes recurring mistakes and converged workflows.
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
    const facts = readFacts(docs, input);
    // between the stages (each a pass over every fact), the event loop gets a turn: heartbeats go out
    await breathe();

    const groups = new Groups();
    const supersession = new Supersession(facts, ledger, replacedFacts(facts, input), groups);
    supersession.run();
    await breathe();
    dedupeWithinScopes(facts, supersession.winners, groups);
    consolidateOverSaved(facts, supersession.fields);
    await breathe();
    await sentenceUpdates(facts, groups, supersession.fields, ledger, breathe);
    const rows = rowFacts(docs, input);
    const code = codeFacts(docs, input);
    const written = writtenLines(input, facts);
    await anchorUpdates(
      facts,
      groups,
      supersession.fields,
      { rows: [...rows, ...code], anchorsOf: rowAnchors, written },
      breathe,
    );
    namedValueUpdates(facts, rows, written, groups);
    measuredLabelUpdates(facts, groups, supersession.fields);
    namedChoiceUpdates(facts, written, groups, supersession.fields);
    await breathe();
    settleChains(facts);
    reportAcrossScopes(facts, ledger, supersession.fields);
    await breathe();
    reportNearDuplicates(facts, ledger);
    this.reportInstructions(facts, ledger);
    await breathe();

    const files = new Map(store.files);
    for (const [path, content] of rewrite(docs, facts, store.files, (d) => d.tier === 'applied', ledger))
      files.set(path, content);
    this.writePatterns(files, input);
    await breathe();
    // a table row or a code line is decided only as a suggestion: it joins the facts where suggestions are written
    const decided = [...facts, ...rows.filter((r) => r.decision), ...code.filter((c) => c.decision)];
    const suggestions = this.suggestions(docs, decided, store.files, files, ledger);
    // the file limit is enforced when the candidate is vetted (runDream), by dropping new files beyond it
    return { store: MemoryStore.from(files, { ...defaultLimits, maxFiles: Infinity }), suggestions };
  }

  /** Each suggestion's files, as they are with the applied tier and that suggestion alone. */
  private suggestions(
    docs: ReadonlyMap<string, MarkdownDocument>,
    facts: readonly Fact[],
    store: ReadonlyMap<string, string>,
    applied: ReadonlyMap<string, string>,
    ledger: Ledger,
  ): Suggestion[] {
    const byGroup = new Map<number, Fact[]>();
    for (const f of facts)
      if (f.decision?.tier === 'suggested')
        byGroup.set(f.decision.group, [...(byGroup.get(f.decision.group) ?? []), f]);
    // each suggestion rewrites a few files: the decided facts by file, found once for all of them
    const decidedIn = new Map<string, Fact[]>();
    for (const f of facts) if (f.decision) decidedIn.set(f.path, [...(decidedIn.get(f.path) ?? []), f]);
    const out: Suggestion[] = [];
    for (const [group, decided] of [...byGroup].sort(([a], [b]) => a - b)) {
      if (out.length >= maxSuggestions) {
        ledger.find({
          kind: decided[0]!.decision!.kind === 'duplicate' ? 'duplicate' : 'contradiction',
          detail: `more than ${maxSuggestions} suggestions: this one is left as a finding (${decided[0]!.decision!.kind} of ${quote(decided[0]!.text)})`,
          at: decided.map(place),
        });
        continue;
      }
      const own = new Set(decided.flatMap((f) => [f.path, `/archive${f.path}`]));
      const paths = new Set([...own, ...decided.map((f) => f.decision!.by.path)]);
      const explained = new Ledger();
      const files = new Map<string, string>();
      const written = rewrite(
        docs,
        [...paths].flatMap((p) => decidedIn.get(p) ?? []),
        store,
        (d) => d.tier === 'applied' || d.group === group,
        explained,
        (d) => d.group === group,
        paths,
      );
      for (const [path, content] of written)
        if (own.has(path) && applied.get(path) !== content) files.set(path, content);
      const explain = new Map([...files.keys()].map((p) => [p, explained.explain(p)!] as const));
      out.push({ files, explain });
    }
    return out;
  }

  /** Lines of the store that read as an order to send data somewhere or to ignore instructions: a reviewer's call. */
  private reportInstructions(facts: readonly Fact[], ledger: Ledger): void {
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

  private writePatterns(files: Map<string, string>, input: PreparedInput): void {
    const { ledger } = input;
    // a session left out for what it read still saw its errors: an error is not outside content
    const lessons = recurringMistakes([...input.sessions, ...(input.untrusted ?? [])]);
    if (lessons.length > 0) {
      const entries = lessons.map((l) => ({
        prefix: `- \`${l.tool}\` ${l.tool.includes('`') ? 'fail' : 'fails'} with "${l.error}"`,
        line: `- \`${l.tool}\` ${l.tool.includes('`') ? 'fail' : 'fails'} with "${l.error}"${l.example ? ` (e.g. \`${l.example}\`)` : ''}${l.fix ? ` — what worked next: ${l.fix}` : ''} (seen in ${l.sessions.length} sessions: ${l.sessions.join(', ')})`,
        lesson: l,
      }));
      const at = this.placed(
        files,
        ledger,
        [lessonsPath, 'Recurring mistakes', 'Errors seen in several sessions, and what worked after them.'],
        'recurring-mistake',
        lessons.flatMap((l) => l.evidence),
      );
      this.mergeEntries(files, at, '', entries, (e, old) =>
        ledger.note(
          at,
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
      const at = this.placed(
        files,
        ledger,
        [
          workflowsPath,
          'Converged workflows',
          'Tool sequences that several sessions followed to finish the same kind of task.',
        ],
        'workflow',
        workflows.flatMap((w) => w.evidence),
      );
      this.mergeEntries(files, at, '', entries, (e, old) =>
        ledger.note(
          at,
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

  /**
   * Where a generated file goes so that the agent reads it (lessonPlace.ts): its opening is written, and the
   * store's index links it, when it is new.
   */
  private placed(
    files: Map<string, string>,
    ledger: Ledger,
    [fallback, title, description]: [string, string, string],
    reason: 'recurring-mistake' | 'workflow',
    evidence: readonly Evidence[],
  ): string {
    const at = generatedPlace(files, posix.basename(fallback), fallback, title, description);
    if (files.has(at.path)) return at.path;
    files.set(at.path, at.header);
    if (at.index) {
      const lines = files.get(at.index.path)!.split('\n');
      const last = lines.reduce((n, l, i) => (/\]\([^)]+\)/.test(l) ? i : n), -1);
      lines.splice(last === -1 ? lines.length : last + 1, 0, at.index.line);
      files.set(at.index.path, lines.join('\n'));
      ledger.note(at.index.path, reason, `links ${at.path} from the store's index, so the agent loads it`, evidence);
    }
    return at.path;
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
