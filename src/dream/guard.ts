import { detectInjection, hasSecret } from '../sessions/screen.js';
import type { MemoryStore } from '../memory/store.js';

/**
 * The check after the dream (defence in depth): a line the dream adds that instructs the agent or holds a
 * secret is refused, whatever the dreamer. Returns why, or undefined when the content may be promoted.
 */
export function refusalFor(content: string, before: string | undefined): string | undefined {
  const old = new Set((before ?? '').split('\n'));
  for (const line of content.split('\n')) {
    if (old.has(line)) continue;
    if (hasSecret(line)) return 'adds a secret';
    const finding = detectInjection(line, true);
    if (finding && finding.detector !== 'memory-directive')
      return `adds instruction-like text (${finding.detector}): "${finding.excerpt}"`;
  }
  return undefined;
}

/** Paths of `candidate` that add refused text compared with `base`. */
export function refusedPaths(base: MemoryStore, candidate: MemoryStore): { path: string; reason: string }[] {
  const out: { path: string; reason: string }[] = [];
  for (const [path, content] of candidate.files) {
    if (base.get(path) === content) continue;
    const reason = refusalFor(content, base.get(path));
    if (reason) out.push({ path, reason });
  }
  return out;
}
