import { describe, expect, it } from 'vitest';
import { collectEvidence } from '../../../src/review/evidence.js';
import { casesChanged, reviewView, type ReviewInput } from '../../../src/review/view.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { baseFiles, changeSet, digest, stripeKey } from './fixtures.js';

const cycle = {
  fleet: 'acme',
  agent: 'agent-a',
  cycleId: 'run-1',
  workflowId: 'dream:acme:agent-a',
  reviewDeadline: '2026-11-03T10:00:00.000Z',
  baseline: 0.8,
  post: 0.9,
  delta: 0.1,
  reviewers: ['alice'],
  signedDecisions: false,
};

async function input(over: Partial<ReviewInput> = {}): Promise<ReviewInput> {
  return {
    changeSetId: 'c'.repeat(64),
    changeSet: changeSet(),
    base: MemoryStore.from(baseFiles),
    cycle,
    evidence: await collectEvidence(changeSet(), [digest()]),
    ...over,
  };
}

describe('the review page’s view model', () => {
  it('counts each tier: applied, suggested, findings, held, quarantined, redacted', async () => {
    const v = await reviewView(await input());
    expect(v.header.counts).toEqual({ applied: 2, suggested: 1, findings: 3, held: 1, quarantined: 1, redacted: 1 });
    expect(v.changes.map((c) => c.tier)).toEqual(['applied', 'suggested', 'applied']);
    expect(v.changes.map((c) => c.suggestion)).toEqual([undefined, 1, undefined]);
  });

  it('counts suggestions as `review` and `approve --accept` number them: a file and its archive are one', async () => {
    const cs = changeSet();
    const archive = {
      ...cs.changes[1]!,
      op: 'create' as const,
      path: '/archive/people.md',
      after: '- Dana owns billing\n',
    };
    delete archive.before_sha256;
    cs.changes.splice(2, 0, archive, { ...cs.changes[1]!, path: '/team.md', suggestion: 2 });
    const v = await reviewView(await input({ changeSet: cs }));
    expect(v.changes.map((c) => c.suggestion)).toEqual([undefined, 1, 1, 2, undefined]);
    expect(v.header.counts.suggested).toBe(2);
  });

  it('masks a value the change set redacts in another file: the moved line, the held line, everywhere', async () => {
    // a value no scanner knows (words), redacted only where the held line was archived
    const value = 'orange-tiger-river-42';
    const base = MemoryStore.from({ '/MEMORY.md': `# Auth\n- SESSION_KEY=${value}\n- plain\n` });
    const cs = changeSet();
    cs.changes = [
      {
        op: 'update',
        path: '/MEMORY.md',
        before_sha256: base.fileHash('/MEMORY.md')!,
        after: '# Auth\n- plain\n',
        reason: 'insight',
        detail: 'held line moved to /archive/MEMORY.md',
        evidence: [],
      },
      {
        op: 'create',
        path: '/archive/MEMORY.md',
        after: '# Archive\n- SESSION_KEY=[REDACTED:generic]\n',
        reason: 'insight',
        detail: 'held',
        evidence: [],
      },
    ];
    cs.held = [
      {
        session_id: 's1',
        event_id: 'e1',
        path: '/MEMORY.md',
        line: `- SESSION_KEY=${value}`,
        source: 'x',
        reason: 'y',
      },
    ];
    const v = await reviewView(await input({ changeSet: cs, base, evidence: undefined }));
    expect(JSON.stringify(v)).not.toContain(value);
    expect(v.changes[0]!.patch).toContain('-- SESSION_KEY=[MASKED:generic]');
    expect(v.held[0]!.line).toBe('- SESSION_KEY=[MASKED:generic]');
  });

  it('never shows a secret: not in the diff, a detail, a finding or a quote', async () => {
    const v = await reviewView(await input());
    expect(JSON.stringify(v)).not.toContain(stripeKey);
    // the `-` line of the redaction shows the mask, not the value it removed (red-team L2)
    expect(v.changes[0]!.patch).toMatch(/^-- Globex test key for repro: \[MASKED:/m);
    expect(v.changes[0]!.patch).toContain('+- staging db: db-2.internal');
  });

  it('puts the quoted evidence beside each change, and says which events were not quoted', async () => {
    const v = await reviewView(await input());
    // the write (evt_2) was traced to the user's words, as the user's statement (evt_1) is theirs
    expect(v.changes[0]!.evidence.map((e) => ('missing' in e ? 'missing' : e.provenance))).toEqual(['user', 'user']);
    expect(v.changes[2]!.evidence[1]).toEqual({ session_id: 'sess_gone', event_id: 'evt_1', missing: true });
    expect(v.quarantined[0]!.evidence).toMatchObject({ provenance: 'outside', url: 'https://evil.example/page' });
    expect(v.held[0]).toMatchObject({ path: '/vendor.md', evidence: { provenance: 'outside' } });
    const without = await reviewView(await input({ evidence: undefined }));
    expect(without.header.evidenceRecorded).toBe(false);
    expect(without.changes[0]!.evidence[0]).toMatchObject({ missing: true });
  });

  it('groups findings by kind and file; a change set without tiers or held lines is all applied', async () => {
    const v = await reviewView(await input());
    expect(v.findings.map((g) => [g.kind, g.path, g.items.length])).toEqual([
      ['duplicate', '/people.md', 2],
      ['stale', '/infra.md', 1],
    ]);
    const plain = changeSet();
    delete (plain as { held?: unknown }).held; // a change set stored before held lines existed
    for (const c of plain.changes) delete c.tier;
    const p = await reviewView(await input({ changeSet: plain }));
    expect([p.header.counts.applied, p.header.counts.suggested, p.held.length]).toEqual([3, 0, 0]);
  });

  it('lists the cases whose verdict changed, failures first', () => {
    const r = casesChanged({
      baseline: {
        cases: [
          { id: 'a', passed: true },
          { id: 'b', passed: false },
          { id: 'c', passed: true },
        ],
      },
      post: {
        cases: [
          { id: 'a', passed: false, reasons: ['missing db-1'] },
          { id: 'b', passed: true },
          { id: 'c', passed: true },
        ],
      },
    });
    expect(r).toEqual([
      { id: 'a', before: true, after: false, reasons: ['missing db-1'] },
      { id: 'b', before: false, after: true, reasons: [] },
    ]);
  });
});
