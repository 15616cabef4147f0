import { detectInjection, hasHiddenCharacters, hasSecret } from '../sessions/screen.js';
import type { MemoryStore } from '../memory/store.js';

/**
 * The check after the dream (defence in depth): a line the dream adds that instructs the agent, hides
 * characters or holds a secret is refused, whatever the dreamer. A line the store already had (moved, not
 * added) is not new text. Returns why (the detector, never the text), or undefined when it may be promoted.
 */
export async function refusalFor(content: string, known: ReadonlySet<string>): Promise<string | undefined> {
  for (const [i, line] of content.split('\n').entries()) {
    if (known.has(line.trim())) continue;
    if (await hasSecret(line)) return `line ${i + 1} adds a secret`;
    if (hasHiddenCharacters(line))
      return `line ${i + 1} adds invisible or control characters (zero-width, bidi, tag or terminal control characters)`;
    // as if from outside: memory that tells the agent what to remember or obey is an attacker's goal
    const finding = detectInjection(line, true);
    if (finding) return `line ${i + 1} adds instruction-like text (${finding.detector})`;
  }
  return undefined;
}

/** Paths of `candidate` that add refused text compared with `base`. */
export async function refusedPaths(
  base: MemoryStore,
  candidate: MemoryStore,
): Promise<{ path: string; reason: string }[]> {
  const known = new Set<string>();
  for (const content of base.files.values()) for (const line of content.split('\n')) known.add(line.trim());
  const out: { path: string; reason: string }[] = [];
  for (const [path, content] of candidate.files) {
    if (base.get(path) === content) continue;
    const reason = await refusalFor(content, known);
    if (reason) out.push({ path, reason });
  }
  return out;
}
