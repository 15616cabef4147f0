import { describe, expect, it } from 'vitest';
import { recordBytes, recordHash, type AuditRecord } from '../../../src/audit/audit.js';
import { sha256Hex, verifyChain, type StoredKey } from '../../../src/audit/chain.js';
import { canonicalJson } from '../../../src/util/canonicalJson.js';
import { legacyPrefix, scopePrefix } from '../../../src/names/keys.js';

describe('the audit chain', () => {
  const scope = { fleet: 'acme', id: 'coder' };
  const rec = (seq: number, prev: string | null | undefined, extra: Partial<AuditRecord> = {}): AuditRecord => ({
    fleet: 'acme',
    agent_id: 'coder',
    cycle_id: 'c1',
    cycle_started_at: '2026-11-25T01:00:00.000Z',
    seq,
    event: `e${seq}`,
    at: '2026-11-25T01:00:00.000Z',
    ...(prev !== undefined ? { prev } : {}),
    ...extra,
  });
  const keyOf = (r: AuditRecord) =>
    `${r.fleet ? scopePrefix(scope) : legacyPrefix(scope)}20261125T010000000Z_${r.cycle_id}/${String(r.seq).padStart(4, '0')}-${r.event}.json`;
  const chain = (n: number) => {
    const out: AuditRecord[] = [];
    for (let i = 1; i <= n; i++) out.push(rec(i, i === 1 ? null : recordHash(out[i - 2]!)));
    return out;
  };
  const stored = (records: AuditRecord[], over: Partial<Record<number, Partial<StoredKey>>> = {}): StoredKey[] =>
    records.map((r, i) => ({ key: keyOf(r), original: recordBytes(r), replacedBy: 0, hidden: false, ...over[i] }));
  const verify = (s: StoredKey[], trustedHead?: string) =>
    verifyChain<AuditRecord>(s, {
      parse: (b) => JSON.parse(Buffer.from(b).toString('utf8')) as AuditRecord,
      expectedKey: (r) => (r.agent_id === 'coder' ? keyOf(r) : { refused: 'it names another agent' }),
      isLegacyKey: (k) => k.startsWith('agents/'),
      ...(trustedHead ? { trustedHead } : {}),
    });

  it('hashes one canonical byte sequence per record', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe(
      '{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}',
    );
    const r = rec(1, null);
    expect(recordHash(r)).toBe(sha256Hex(recordBytes({ ...r })));
    expect(recordHash(r)).toBe(recordHash(JSON.parse(JSON.stringify(r)) as AuditRecord));
  });

  it('finds an intact chain intact, with its head', () => {
    const records = chain(4);
    const report = verify(stored(records));
    expect(report.problems).toEqual([]);
    expect(report.intact).toBe(true);
    expect(report.head).toBe(recordHash(records[3]!));
    expect(verify(stored(records), recordHash(records[3]!)).intact).toBe(true);
  });

  it('reads records written before the chain, and starts the chain at the first new one', () => {
    const old = [rec(1, undefined, { fleet: undefined }), rec(2, undefined, { fleet: undefined })];
    const report = verify([...stored(old), ...stored(chain(2))]);
    expect(report.intact).toBe(true);
    expect(report.keys.map((k) => k.status)).toEqual(['legacy', 'legacy', 'ok', 'ok']);
  });

  it('does not let a linked record in the layout before the chain fork the chain', () => {
    // a writer that knows the chain but not namespaces (or another fleet's agent of the same id)
    const stray = rec(1, null, { fleet: undefined, cycle_id: 'c0' });
    const report = verify([...stored([stray]), ...stored(chain(2))]);
    expect(report.keys.map((k) => k.status)).toEqual(['added', 'ok', 'ok']);
    expect(report.keys.filter((k) => k.status === 'forked')).toEqual([]);
    expect(report.problems.join()).toMatch(/a linked record where records were kept before the chain/);
  });

  it('says when a record was replaced, or hidden by a delete marker, and shows the original', () => {
    const report = verify(stored(chain(3), { 1: { replacedBy: 1 }, 2: { hidden: true } }));
    expect(report.intact).toBe(false);
    expect(report.keys[1]!.notes.join()).toMatch(/replaced: 1 later version/);
    expect(report.keys[1]!.record!.event).toBe('e2');
    expect(report.keys[2]!.notes.join()).toMatch(/hidden by a delete marker/);
  });

  it('says when a record is missing from the chain', () => {
    const records = chain(4);
    const report = verify(stored([records[0]!, records[1]!, records[3]!]));
    expect(report.intact).toBe(false);
    expect(report.keys[2]!.missingBefore).toBe(true);
    expect(report.problems.join('\n')).toMatch(/a record is missing before .*0004-e4\.json/);
  });

  it('says when a record was added: unlinked, linked onto the chain, or after the head dreamgate kept', () => {
    const records = chain(3);
    // a plain PUT of a new key that carries no link
    const unlinked = rec(9, undefined, { event: 'approved', actor: 'alice' });
    expect(verify(stored([...records, unlinked])).keys[3]!.status).toBe('added');
    // a forged record that links to a genuine one: a fork; the trusted head says which branch is genuine
    const forged = rec(9, recordHash(records[1]!), { event: 'approved', actor: 'alice' });
    const forked = verify(stored([...records, forged]));
    expect(forked.intact).toBe(false);
    expect(forked.keys.filter((k) => k.status === 'forked')).toHaveLength(2);
    const pinned = verify(stored([...records, forged]), recordHash(records[2]!));
    expect(pinned.keys.find((k) => k.record?.seq === 9)!.status).toBe('added');
    expect(pinned.keys.filter((k) => k.status === 'ok')).toHaveLength(3);
    // appended after the head: only the trusted head can tell
    const appended = rec(9, recordHash(records[2]!), { event: 'approved', actor: 'alice' });
    expect(verify(stored([...records, appended])).intact).toBe(true);
    const caught = verify(stored([...records, appended]), recordHash(records[2]!));
    expect(caught.keys.at(-1)!.status).toBe('added');
    expect(caught.problems.join()).toMatch(/follows the newest record dreamgate wrote/);
  });

  it('says when a record is out of its place or names another agent', () => {
    const records = chain(2);
    const moved = stored(records);
    moved[1] = { ...moved[1]!, key: moved[1]!.key.replace('0002', '0007') };
    expect(verify(moved).keys[1]!.status).toBe('added');
    const foreign = stored([...records, rec(3, recordHash(records[1]!), { agent_id: 'victim' })]);
    expect(verify(foreign).keys[2]!.notes.join()).toMatch(/names another agent/);
    expect(verify(stored(records), 'f'.repeat(64)).problems.join()).toMatch(
      /newest record dreamgate wrote .* is not in the log/,
    );
  });
});
