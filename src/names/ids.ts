/**
 * The shapes of ids and names dreamgate checks, and how it shows them: one place for each. Pure (no Node
 * built-ins): workflows import it too. Fleet names and agent ids are `isName` (scope.ts).
 */

/** A sha256 in lowercase hex: change-set ids, snapshot and store hashes, fleet-config hashes, audit links. */
export const sha256Pattern = /^[0-9a-f]{64}$/;

export const isSha256 = (s: unknown): s is string => typeof s === 'string' && sha256Pattern.test(s);

/** What a reviewer may type for a change set: 8 or more of its hex digits, as `dreamgate review` prints it. */
export const isSha256Prefix = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{8,64}$/.test(s);

/** A hash or content id as people read it: its first 12 hex digits. */
export const shortId = (id: string): string => id.slice(0, 12);

/** A session in a narrow column: a UUID by its first 8 characters, anything else as it is. */
export const shortSessionId = (id: string): string => (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(id) ? id.slice(0, 8) : id);

/** A reviewer's (or operator's) name: what decisions carry and `allowed_signers` names as the principal. */
export const personNamePattern = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export const isPersonName = (s: unknown): s is string => typeof s === 'string' && personNamePattern.test(s);
