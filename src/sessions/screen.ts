/**
 * Screening at the session boundary, in two parts: instruction-like text (injection.ts, phrase signals) and
 * secrets (secrets.ts). Where a memory line's text came from is provenance.ts's; what screening decides with
 * it, digest.ts's. This module keeps the names other parts import.
 */
import { destinationPatterns } from './destinations.js';
import { detectInjection, hasHiddenCharacters, injectionPatterns, type Finding } from './injection.js';
import { provenancePatterns } from './provenance.js';
import { regionPatterns } from './regions.js';
import { mergeCounts, redactSecrets, secretPatterns } from './secrets.js';

export * from './injection.js';
export * from './secrets.js';

/** Every pattern screening matches with, for the test that checks each quantifier is bounded. */
export const screeningPatterns: RegExp[] = [
  ...injectionPatterns,
  ...secretPatterns,
  ...destinationPatterns,
  ...provenancePatterns,
  ...regionPatterns,
];

/** What screening finds in a whole document: secrets, an instruction, hidden characters. */
export interface DocumentScreen {
  /** Secret kinds and counts, never the values. */
  secrets: Record<string, number>;
  instruction?: Finding;
  hidden: boolean;
}

/**
 * Screens a document as a whole (a reviewer's `--edit`, a model's file), not line by line: lines are joined
 * first, so an instruction or a key split across lines (`aws_secret_access_key =` / `wJalr…`) is read as one.
 */
export async function screenDocument(text: string): Promise<DocumentScreen> {
  const joined = text.replace(/[ \t]*\r?\n[ \t]*/g, ' ');
  const secrets = { ...(await redactSecrets(text)).found };
  // a key broken over lines is one key once its lines are joined, with a space or without
  for (const whole of [joined, text.replace(/[ \t]*\r?\n[ \t]*/g, '')]) {
    const found = (await redactSecrets(whole)).found;
    for (const k of Object.keys(found)) if (!(k in secrets)) mergeCounts(secrets, { [k]: found[k]! });
  }
  const instruction = detectInjection(joined, true);
  return { secrets, ...(instruction ? { instruction } : {}), hidden: hasHiddenCharacters(text) };
}
