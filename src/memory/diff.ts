import { createTwoFilesPatch } from 'diff';
import { appliedChanges, suggestionsOf, tierOf, type Change, type ChangeSet, type Reason } from './changeSet.js';
import { maskValues, redactionsAcross } from './mask.js';
import type { MemoryStore } from './store.js';
import { safeText as t } from '../util/display.js';

/** The changes that turn `before` into `after`, each with the reason and detail given by `explain`. */
export function diffStores(
  before: MemoryStore,
  after: MemoryStore,
  explain: (
    path: string,
    op: Change['op'],
  ) => { reason: Reason; detail: string; evidence?: Change['evidence'] } = () => ({
    reason: 'reorganize',
    detail: 'edited',
  }),
): Change[] {
  const changes: Change[] = [];
  for (const [path, content] of after.files) {
    const old = before.get(path);
    if (old === undefined)
      changes.push({ op: 'create', path, after: content, evidence: [], ...explain(path, 'create') });
    else if (old !== content)
      changes.push({
        op: 'update',
        path,
        before_sha256: before.fileHash(path)!,
        after: content,
        evidence: [],
        ...explain(path, 'update'),
      });
  }
  for (const path of before.files.keys()) {
    if (!after.files.has(path))
      changes.push({
        op: 'delete',
        path,
        before_sha256: before.fileHash(path)!,
        evidence: [],
        ...explain(path, 'delete'),
      });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface Painter {
  red(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

const plain: Painter = { red: (s) => s, green: (s) => s, cyan: (s) => s, bold: (s) => s, dim: (s) => s };

/** A change's hunks, coloured: additions green, removals red, hunk headers cyan. */
function patchLines(path: string, newPath: string, oldText: string, newText: string, paint: Painter): string[] {
  const out: string[] = [];
  const patch = createTwoFilesPatch(`a${path}`, `b${newPath}`, oldText, newText, undefined, undefined, {
    context: 2,
  });
  // a CRLF file's line ending is no character a reviewer should read on every line
  for (const line of patch
    .split('\n')
    .slice(2)
    .map((l) => t(l.replace(/\r$/, '')))) {
    if (line.startsWith('+') && !line.startsWith('+++')) out.push(paint.green(line));
    else if (line.startsWith('-') && !line.startsWith('---')) out.push(paint.red(line));
    else if (line.startsWith('@@')) out.push(paint.cyan(line));
    else if (line.startsWith('---') || line.startsWith('+++') || line === '\\ No newline at end of file') continue;
    else if (line !== '') out.push(line);
  }
  return out;
}

/** What the change set says besides its changes: quarantines, held lines, findings, redactions, spend. */
function notesOf(
  cs: ChangeSet,
  paint: Painter,
  session: (id: string) => string,
  secrets: ReturnType<typeof redactionsAcross>,
): string[] {
  const out: string[] = [];
  for (const q of cs.quarantined) {
    out.push(
      paint.red(t(`quarantined ${session(q.session_id)}: ${q.reason}`)) +
        (q.removed_lines.length ? paint.dim(` (${q.removed_lines.length} memory line(s) it wrote removed)`) : ''),
    );
  }
  for (const h of cs.held)
    out.push(
      paint.red(t(`held ${h.session_id} ${h.path}: ${maskValues(h.line.trim(), secrets)}`)) +
        paint.dim(t(` — from ${h.source}: ${maskValues(h.reason, secrets)}`)),
    );
  for (const f of cs.findings)
    out.push(
      paint.cyan(t(`finding (${f.kind}): ${f.detail}`)) +
        paint.dim(t(` at ${f.at.map((a) => `${a.path}:${a.line}`).join(', ')}`)),
    );
  for (const r of cs.redactions) out.push(paint.dim(t(`redacted ${r.count} ${r.kind} in ${r.where}`)));
  for (const s of cs.skipped) out.push(paint.dim(t(`skipped ${s.path}: ${s.reason} (kept as it is)`)));
  for (const r of cs.refused) out.push(paint.red(t(`refused ${r.path}: ${r.reason}`)));
  for (const d of cs.dropped ?? [])
    out.push(paint.red(t(`dropped ${d.op ?? ''} ${d.path ?? ''}: ${d.why}`.replace(/ +/g, ' '))));
  if (cs.usage)
    out.push(
      paint.dim(
        `${cs.dreamer}: ${cs.usage.requests} request(s), ${cs.usage.input_tokens} input + ${cs.usage.output_tokens} output tokens (cache read ${cs.usage.cache_read_input_tokens}, write ${cs.usage.cache_creation_input_tokens}), $${cs.usage.cost_usd.toFixed(4)}`,
      ),
    );
  return out;
}

/**
 * A change set as a unified diff a reviewer reads top to bottom: each change's reason and evidence, then its
 * hunks. Everything in it came from a dream or a session, so control characters are shown escaped (`t`).
 */
export function renderChangeSet(
  cs: ChangeSet,
  base: Pick<MemoryStore, 'get'>,
  paint: Painter = plain,
  session: (id: string) => string = (id) => id,
): string {
  const out: string[] = [];
  // a suggestion is shown as what accepting it adds to the applied tier
  const applied = new Map(appliedChanges(cs.changes).map((c) => [c.path, c.op === 'delete' ? '' : c.after]));
  // a value redacted anywhere in the change set is shown nowhere: a redacted line may have moved to another file
  // (a held line is redacted in `held` and gone from its file: its `-` line is masked by it)
  const secrets = redactionsAcross(
    cs.changes.flatMap((c) => base.get(c.path) ?? []),
    [...cs.changes.flatMap((c) => c.after ?? []), ...cs.held.map((h) => h.line)],
  );
  for (const c of cs.changes) {
    const suggested = tierOf(c) === 'suggested';
    const header = `${suggested ? `suggestion ${c.suggestion}: ` : ''}${c.op} ${t(c.path)}${c.new_path ? ` → ${t(c.new_path)}` : ''}`;
    out.push(paint.bold(header) + paint.dim(`  [${t(c.reason)}] ${t(c.detail)}`));
    for (const m of c.moved ?? [])
      out.push(
        paint.dim(
          t(
            `  moved: line ${m.from.line}${m.from.section ? ` (${m.from.section.slice(0, 40)})` : ''} → ${m.to.path === c.path ? '' : `${m.to.path} `}line ${m.to.line}`,
          ),
        ),
      );
    if (c.evidence.length > 0) out.push(paint.dim(t(`  evidence: ${evidenceLine(c.evidence, session)}`)));
    const was = suggested
      ? (applied.get(c.path) ?? base.get(c.path) ?? '')
      : c.op === 'create'
        ? ''
        : (base.get(c.path) ?? '');
    const newText = c.op === 'delete' ? '' : (c.after ?? was);
    out.push(...patchLines(c.path, c.new_path ?? c.path, maskValues(was, secrets), newText, paint));
    out.push('');
  }
  out.push(...notesOf(cs, paint, session, secrets));
  if (cs.changes.length === 0 && cs.quarantined.length === 0 && cs.held.length === 0 && cs.findings.length === 0)
    out.push(paint.dim('no changes'));
  else out.push(paint.bold(tierLine(cs)));
  return out.join('\n') + '\n';
}

/** Counts per tier: what is applied, what waits for a reviewer, what is only reported. */
export function tierLine(cs: ChangeSet): string {
  const applied = appliedChanges(cs.changes).length;
  const suggested = suggestionsOf(cs).size;
  return `tiers: ${applied} change(s) applied · ${suggested} suggested (promoted only when a reviewer accepts them) · ${cs.findings.length} finding(s), information only`;
}

/** A change's evidence by session (each shown as `session` says), with its events: `… (3f1c2a9e) #e12, #e40`. */
function evidenceLine(evidence: Change['evidence'], session: (id: string) => string): string {
  const bySession = new Map<string, string[]>();
  for (const e of evidence) {
    const events = bySession.get(e.session_id) ?? [];
    if (e.event_id) events.push(`#${e.event_id}`);
    bySession.set(e.session_id, events);
  }
  return [...bySession]
    .map(([id, events]) => `${session(id)}${events.length ? ` ${events.join(', ')}` : ''}`)
    .join('; ');
}
