import type { BlameLine } from '../../src/cycle/blame.js';
import { showSession, type SessionLabel } from '../../src/sessions/labels.js';
import { safeName, safeText } from '../../src/util/display.js';
import { colours } from '../../src/cli/output.js';

/** A session in a narrow column: a UUID by its first 8 characters, anything else as it is. */
const shortId = (id: string) => (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(id) ? id.slice(0, 8) : id);

/**
 * `blame` as a reader sees it: per line the cycle that brought it, who approved it and its sessions, with a
 * redaction or a move said beside the line; then each session shown, when it started and what its user said.
 */
export function printBlame(lines: BlameLine[], labels: Record<string, SessionLabel>): void {
  const c = colours();
  const width = Math.max(16, ...lines.map((l) => Math.min(60, l.cycleId?.length ?? 0)));
  const shown = new Set<string>();
  for (const l of lines) {
    l.sessions.forEach((s) => shown.add(s));
    const first = l.sessions[0] !== undefined ? safeName(shortId(l.sessions[0]), 40) : '';
    const sessions = l.sessions.length > 1 ? `${first} +${l.sessions.length - 1}` : first;
    const who =
      l.origin === 'dream'
        ? `${safeName(l.cycleId, 60).padEnd(width)} ${safeName(l.approvedBy ?? 'automatic', 40).padEnd(14)} ${sessions.padEnd(20)}`
        : `${(l.origin === 'agent' ? 'the agent, since' : 'before dreamgate').padEnd(width)} ${''.padEnd(14)} ${sessions.padEnd(20)}`;
    const note = [
      l.redactedBy ? `a secret redacted by ${safeName(l.redactedBy, 60)}` : '',
      l.movedFrom ? `moved from ${safeName(l.movedFrom, 200)}` : '',
    ].filter(Boolean);
    process.stdout.write(`${c.dim(who)} │ ${safeText(l.line)}${note.length ? c.dim(`  (${note.join('; ')})`) : ''}\n`);
  }
  if (shown.size === 0) return;
  process.stdout.write(c.dim('\nsessions:\n'));
  for (const id of shown)
    process.stdout.write(c.dim(`  ${safeName(shortId(id), 40).padEnd(20)} ${safeText(showSession(id, labels[id]))}\n`));
}
