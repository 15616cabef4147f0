import { createHash } from 'node:crypto';
import { shortId } from '../names/ids.js';

/**
 * The audit log as a hash chain, as a transparency log keeps one: each record of an agent carries `prev`,
 * the sha256 of the bytes of the agent's previous record (`null` for the first record of the chain).
 * Records written before the chain existed carry no `prev` and stay readable, marked as such.
 *
 * Verification reads the *oldest* version of every key (the one dreamgate created with If-None-Match) and
 * says plainly what else happened to the log: a record added by someone else, a record replaced by a
 * later version, a record hidden by a delete marker, a record missing from the chain.
 */

/** What verification is given for each key of an agent's log. */
export interface StoredKey {
  key: string;
  /** The bytes of the oldest version (the original), or undefined when no version is left. */
  original?: Uint8Array;
  /** Later versions whose bytes differ from the original (someone wrote over the record). */
  replacedBy: number;
  /** The newest entry of the key is a delete marker: a plain listing no longer shows the record. */
  hidden: boolean;
}

export type RecordStatus =
  /** In the chain, as written. */
  | 'ok'
  /** Written before the chain: readable, not verifiable. */
  | 'legacy'
  /** Not written by dreamgate's chain: outside it, on a losing fork, after the trusted head, or misplaced. */
  | 'added'
  /** One of two records that claim the same predecessor, when no trusted head says which is genuine. */
  | 'forked'
  /** On the chain dreamgate wrote, from before it sealed its records: readable, not verifiable. */
  | 'unsealed'
  /** Carries no valid seal of a dreamgate worker, where sealed records are the rule: whatever its `prev`. */
  | 'forged';

export interface CheckedKey<R> {
  key: string;
  record?: R;
  sha256: string;
  status: RecordStatus;
  /** Later versions with other content: the record shown is the original. */
  replacedBy: number;
  hidden: boolean;
  /** A record that should come before this one is not in the log. */
  missingBefore: boolean;
  /** Why the status is not `ok`, in words. */
  notes: string[];
}

export interface ChainReport<R> {
  keys: CheckedKey<R>[];
  /** One sentence per problem, for a person; empty when the log is intact. */
  problems: string[];
  /** sha256 of the newest record of the chain (what the next record's `prev` must be), if any. */
  head?: string;
  intact: boolean;
}

export const sha256Hex = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** A chained record's fields verification reads. */
export interface ChainFields {
  prev?: string | null;
}

/** How `verifyChain` reads and places records. */
export interface ChainOptions<R> {
  parse: (bytes: Uint8Array) => R | undefined;
  /** Where the record belongs, or why it cannot belong to this log. */
  expectedKey: (record: R) => string | { refused: string };
  /** Keys of the layout before the chain (may hold records without `prev`). */
  isLegacyKey: (key: string) => boolean;
  trustedHead?: string;
  /**
   * Whether a record carries a valid worker seal. Given, the chain's head is the newest sealed record (no
   * memo or state any client can set names it); a record off the chain back from it without a seal is
   * forged, and one on it without a seal was written before seals.
   */
  sealed?: (record: R) => boolean;
}

/** One stored key checked alone: readable, a record, in its place, linked (or from before the chain). */
function checkKey<R extends ChainFields>(s: StoredKey, opts: ChainOptions<R>, problems: string[]): CheckedKey<R> {
  const notes: string[] = [];
  if (s.replacedBy > 0) {
    notes.push(`replaced: ${s.replacedBy} later version(s) with other content; the original is shown`);
    problems.push(`${s.key} was replaced after it was written (${s.replacedBy} later version(s))`);
  }
  if (s.hidden) {
    notes.push('hidden by a delete marker; the original is shown');
    problems.push(`${s.key} is hidden by a delete marker`);
  }
  if (!s.original) {
    notes.push('no version left');
    problems.push(`${s.key}: no version of the record is left`);
    return {
      key: s.key,
      sha256: '',
      status: 'added' as const,
      replacedBy: s.replacedBy,
      hidden: s.hidden,
      missingBefore: false,
      notes,
    };
  }
  const record = opts.parse(s.original);
  const checked: CheckedKey<R> = {
    key: s.key,
    ...(record ? { record } : {}),
    sha256: sha256Hex(s.original),
    status: 'ok',
    replacedBy: s.replacedBy,
    hidden: s.hidden,
    missingBefore: false,
    notes,
  };
  if (!record) {
    checked.status = 'added';
    notes.push('not an audit record');
    problems.push(`${s.key} is not an audit record dreamgate wrote`);
    return checked;
  }
  const expected = opts.expectedKey(record);
  if (typeof expected !== 'string' || expected !== s.key) {
    checked.status = 'added';
    const why = typeof expected === 'string' ? `it belongs at ${expected}` : expected.refused;
    notes.push(`not in its place: ${why}`);
    problems.push(`${s.key} was added: ${why}`);
    return checked;
  }
  if (opts.isLegacyKey(s.key)) {
    if (record.prev === undefined) {
      checked.status = 'legacy';
      notes.push('written before the chain: not verifiable');
    } else {
      // the layout before namespaces never held a linked record: no writer of this chain put it there
      checked.status = 'added';
      notes.push('a linked record where records were kept before the chain');
      problems.push(`${s.key} was added: a linked record where records were kept before the chain`);
    }
  } else if (record.prev === undefined) {
    checked.status = 'added';
    notes.push('carries no link to the previous record');
    problems.push(`${s.key} was added: it carries no link to the previous record`);
  }
  return checked;
}

/** A chained record whose predecessor is not in the log: a record is missing before it. */
function flagMissing<R extends ChainFields>(
  chained: CheckedKey<R>[],
  byHash: Map<string, CheckedKey<R>>,
  problems: string[],
): void {
  for (const k of chained) {
    const prev = k.record!.prev;
    if (prev !== null && prev !== undefined && !byHash.has(prev)) {
      k.missingBefore = true;
      k.notes.push(`the record before it (${shortId(prev)}…) is missing`);
      problems.push(`a record is missing before ${k.key} (its predecessor ${shortId(prev)}… is not in the log)`);
    }
  }
}

/**
 * Verifies an agent's log. `expectedKey` says where a record must be stored (a record copied from another
 * agent, or moved, is not in its place); `trustedHead`, when known from somewhere an S3 writer cannot
 * change (the agent's workflow state), pins the chain's end so a record appended after it is caught too.
 */
export function verifyChain<R extends ChainFields>(stored: StoredKey[], opts: ChainOptions<R>): ChainReport<R> {
  const problems: string[] = [];
  const keys: CheckedKey<R>[] = [...stored]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((s) => checkKey(s, opts, problems));

  // the chain: every chained record names its predecessor; walk it from the first record
  const chained = keys.filter((k) => k.status === 'ok');
  const sealed = new Set(opts.sealed ? chained.filter((k) => opts.sealed!(k.record!)).map((k) => k.sha256) : []);
  // the newest sealed record, in key order (cycle start, then sequence), is the head dreamgate wrote
  const sealedHead = [...chained].reverse().find((k) => sealed.has(k.sha256))?.sha256;
  if (sealedHead) opts = { ...opts, trustedHead: sealedHead };
  const byHash = new Map(chained.map((k) => [k.sha256, k]));
  const children = new Map<string, CheckedKey<R>[]>();
  for (const k of chained) {
    const prev = k.record!.prev ?? '';
    children.set(prev, [...(children.get(prev) ?? []), k]);
  }
  flagMissing(chained, byHash, problems);

  const markAdded = (k: CheckedKey<R>, why: string) => {
    if (k.status === 'added') return;
    k.status = 'added';
    k.notes.push(why);
    problems.push(`${k.key} was added: ${why}`);
    for (const next of children.get(k.sha256) ?? []) markAdded(next, 'it follows a record that was added');
  };
  const flagForks = (skip: (prev: string) => boolean) => {
    for (const [prev, kids] of children) {
      const open = kids.filter((k) => k.status === 'ok');
      if (open.length < 2 || skip(prev)) continue;
      for (const k of open) {
        k.status = 'forked';
        k.notes.push(`one of ${open.length} records that follow the same record: all but one were added`);
      }
      problems.push(
        `${open.map((k) => k.key).join(' and ')} claim the same predecessor${prev ? ` (${shortId(prev)}…)` : ' (the start of the chain)'}: all but one were added`,
      );
    }
  };

  let head: string | undefined;
  if (opts.trustedHead !== undefined) {
    // the genuine records: back from the head dreamgate kept where an S3 writer cannot change it
    const genuine = new Set<string>();
    let at = byHash.get(opts.trustedHead);
    if (!at)
      problems.push(
        `the newest record dreamgate wrote (${shortId(opts.trustedHead)}…) is not in the log: records were deleted or replaced`,
      );
    let reachedStart = false;
    while (at && !genuine.has(at.sha256)) {
      genuine.add(at.sha256);
      const prev = at.record!.prev;
      if (prev === null) reachedStart = true;
      at = prev ? byHash.get(prev) : undefined;
    }
    if (genuine.size > 0) head = opts.trustedHead;
    // whatever branches off the genuine records (or starts a second chain) was added
    for (const k of chained) {
      if (genuine.has(k.sha256)) continue;
      const prev = k.record!.prev;
      if (prev ? genuine.has(prev) : reachedStart)
        markAdded(
          k,
          prev === opts.trustedHead
            ? 'it follows the newest record dreamgate wrote'
            : 'it is not on the chain dreamgate wrote',
        );
    }
    // before a gap the chain cannot be traced from the head: a fork there is still a fork
    flagForks((prev) => genuine.has(prev) || (prev === '' && reachedStart));
  } else {
    flagForks(() => false);
    const ends = chained.filter((k) => k.status === 'ok' && !children.has(k.sha256));
    if (ends.length === 1) head = ends[0]!.sha256;
  }

  if (opts.sealed) markSeals(keys, problems, sealed, sealedHead !== undefined);
  return { keys, problems, ...(head ? { head } : {}), intact: problems.length === 0 };
}

/**
 * Once a chain has a sealed head: a record on the chain back from it without a seal is from before seals; any
 * other record without a seal is forged, whatever its place or its `prev`.
 */
function markSeals<R>(keys: CheckedKey<R>[], problems: string[], sealed: Set<string>, headSealed: boolean): void {
  for (const k of keys) {
    if (!k.record || k.status === 'legacy' || sealed.has(k.sha256)) continue;
    if (k.status === 'ok') {
      k.status = 'unsealed';
      k.notes.push('written before dreamgate sealed its records: on the chain, not verifiable');
    } else if (headSealed) {
      k.status = 'forged';
      k.notes.push('forged: it carries no valid seal of a dreamgate worker');
      problems.push(`${k.key} is forged: it carries no valid seal of a dreamgate worker`);
    }
  }
}
