import { collectEvidence } from '../../src/review/evidence.js';
import type { ReviewInput, ReviewedChangeSet } from '../../src/review/view.js';
import { MemoryStore, sha256 } from '../../src/memory/store.js';
import type { SessionDigest } from '../../src/sessions/digest.js';

/** A change set of `changes` updates over as many files and `findings` findings, with a session behind each. */
export async function largeReview(changes: number, findings: number): Promise<ReviewInput> {
  const files: Record<string, string> = {};
  const cs: ReviewedChangeSet = {
    agent_id: 'big-agent',
    dreamer: 'heuristic',
    base: { snapshot: 's', sha256: 'a'.repeat(64) },
    changes: [],
    findings: [],
    quarantined: [],
    held: [],
    skipped: [],
    redactions: [],
    refused: [],
  };
  const at = Date.parse('2026-12-01T09:00:00Z');
  const digest: SessionDigest = {
    sessionId: 'sess_big',
    file: 'sess_big.jsonl',
    startedAt: at,
    endedAt: at + changes * 1_000,
    events: changes,
    eventIds: [],
    userStatements: [],
    memoryWrites: [],
    memoryReads: [],
    toolCalls: [],
    held: [],
    handed: [],
    secrets: {},
  };
  for (let i = 0; i < changes; i++) {
    const path = `/area-${i % 20}/topic-${i}.md`;
    const lines = Array.from({ length: 12 }, (_, j) => `- fact ${j} of topic ${i}: value ${j * i}`);
    files[path] = `# Topic ${i}\n${lines.join('\n')}\n`;
    const after = `# Topic ${i}\n${lines.map((l, j) => (j === 5 ? `- fact 5 of topic ${i}: value ${i} (newer)` : l)).join('\n')}\n`;
    cs.changes.push({
      op: 'update',
      path,
      before_sha256: sha256(files[path]!),
      after,
      reason: 'superseded',
      detail: `fact 5 of topic ${i} superseded by the newer value (sess_big)`,
      evidence: [{ session_id: 'sess_big', event_id: `evt_${i}` }],
      ...(i % 5 === 0 ? { tier: 'suggested' as const, suggestion: i / 5 + 1 } : {}),
    });
    digest.memoryWrites.push({
      eventId: `evt_${i}`,
      at: at + i * 1_000,
      path,
      lines: [`- fact 5 of topic ${i}: value ${i} (newer)`],
      origins: [{ kind: 'agent', share: 1 }],
      replaced: [],
    });
  }
  for (let i = 0; i < findings; i++)
    cs.findings.push({
      kind: (['duplicate', 'contradiction', 'stale'] as const)[i % 3]!,
      detail: `finding ${i}: the same fact in two sections; left for a reviewer`,
      at: [{ path: `/area-${i % 20}/topic-${i % changes}.md`, section: 'Topic', line: (i % 12) + 2 }],
    });
  return {
    changeSetId: 'b'.repeat(64),
    changeSet: cs,
    base: MemoryStore.from(files),
    evidence: await collectEvidence(cs, [digest]),
    cycle: {
      fleet: 'acme',
      agent: 'big-agent',
      cycleId: 'run-big',
      workflowId: 'dream:acme:big-agent',
      reviewDeadline: '2026-12-02T09:00:00.000Z',
      baseline: 0.91,
      post: 0.93,
      delta: 0.02,
      reviewers: ['alice'],
      signedDecisions: false,
    },
  };
}
