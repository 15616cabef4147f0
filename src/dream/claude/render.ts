import type { MemoryStore } from '../../memory/store.js';
import type { SessionDigest } from '../../sessions/digest.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The store's paths, `_index.md` first (it is how the agent finds its way around). */
export function orderedPaths(store: MemoryStore): string[] {
  const paths = store.paths();
  const index = paths.filter((p) => p.endsWith('/_index.md') || p === '/_index.md');
  return [...index, ...paths.filter((p) => !index.includes(p))];
}

/** One file as the model sees it, with the hash an edit must quote. */
export function renderFile(store: MemoryStore, path: string): string {
  return `<file path="${path}" sha256="${store.fileHash(path)}">\n${store.get(path)}\n</file>`;
}

/** The store: its tree, then each shown file's contents. Files left out for size are listed as such. */
export function renderStore(store: MemoryStore, shown: ReadonlySet<string>): string {
  const paths = orderedPaths(store);
  const tree = paths.map(
    (p) =>
      `- ${p} (${Buffer.byteLength(store.get(p)!, 'utf8')} bytes)${shown.has(p) ? '' : ' — contents not shown, do not edit'}`,
  );
  const files = paths.filter((p) => shown.has(p)).map((p) => renderFile(store, p));
  return [`# Memory store (${paths.length} files)`, '', ...tree, '', ...files].join('\n');
}

/**
 * One screened session as a timeline of what dreaming needs: what the user said, the tools the agent ran
 * and how they failed, what it wrote to memory. Every item carries its event id for evidence.
 */
export function renderSession(s: SessionDigest): string {
  const items: { at: number; line: string }[] = [
    ...s.userStatements.map((u) => ({ at: u.at, line: `- [${u.eventId}] user: ${u.text}` })),
    ...s.toolCalls.map((t) => ({
      at: t.at,
      line: `- [${t.eventId}] tool ${t.name} ${t.input}${t.error ? ` → error: ${t.error}` : ''}`,
    })),
    ...s.memoryWrites.map((w) => ({
      at: w.at,
      line: `- [${w.eventId}] wrote to memory ${w.path}: ${w.lines.map((l) => JSON.stringify(l)).join(' ')}`,
    })),
  ].sort((a, b) => a.at - b.at);
  return [
    `## session ${s.sessionId} (${iso(s.startedAt)} → ${iso(s.endedAt)}, ${s.events} events)`,
    ...items.map((i) => i.line),
  ].join('\n');
}

/** Rough size for packing before the API counts exactly: ~3.5 characters a token for English and code. */
export const roughTokens = (text: string): number => Math.ceil(text.length / 3.5);
