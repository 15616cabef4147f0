/**
 * Screening at the session boundary, in two parts: instruction-like text (injection.ts, phrase signals) and
 * secrets (secrets.ts). Where a memory line's text came from is provenance.ts's; what screening decides with
 * it, digest.ts's. This module keeps the names other parts import.
 */
import { addressedPatterns } from './addressed.js';
import { apartPatterns } from './apart.js';
import { destinationPatterns } from './destinations.js';
import { injectionPatterns } from './injection.js';
import { provenancePatterns } from './provenance.js';
import { regionPatterns } from './regions.js';
import { secretPatterns } from './secrets.js';
import { sentencePatterns } from './lineSentences.js';
import { mentionPatterns } from './mention.js';
import { scriptPatterns } from './scripts.js';
import { taintPatterns } from './taint.js';

export * from './injection.js';
export * from './secrets.js';

/** Every pattern screening matches with, for the test that checks each quantifier is bounded. */
export const screeningPatterns: RegExp[] = [
  ...injectionPatterns,
  ...secretPatterns,
  ...destinationPatterns,
  ...provenancePatterns,
  ...regionPatterns,
  ...addressedPatterns,
  ...apartPatterns,
  ...sentencePatterns,
  ...mentionPatterns,
  ...taintPatterns,
  ...scriptPatterns,
];
