import { describe, expect, it } from 'vitest';
import {
  citedEvents,
  collectEvidence,
  evidenceLimits,
  evidenceSchema,
  quoteFrom,
  refKey,
  urlIn,
} from '../../../src/review/evidence.js';
import { changeSet, digest, stripeKey } from './fixtures.js';

describe('the evidence a dream stores beside its change set', () => {
  it('cites each event once: changes, quarantines and held lines', () => {
    expect(citedEvents(changeSet()).map(refKey)).toEqual([
      'sess_9#evt_2',
      'sess_9#evt_1',
      'sess_9#evt_3',
      'sess_gone#evt_1',
      'sess_9#evt_4',
    ]);
  });

  it('quotes each event with its provenance, time and session; outside content keeps its address', () => {
    const d = digest();
    expect(quoteFrom(d, 'evt_1')).toMatchObject({
      provenance: 'user',
      what: 'the user said',
      at: '2026-11-02T10:00:00.000Z',
    });
    // the write's line was traced to the user's words (its origin)
    expect(quoteFrom(d, 'evt_2')).toMatchObject({
      provenance: 'user',
      what: 'memory write to /infra.md',
      text: '- - staging db: db-1.internal\n+ - staging db: db-2.internal',
    });
    expect(quoteFrom(d, 'evt_3')).toMatchObject({
      provenance: 'agent',
      what: 'tool call bash',
      text: 'psql -h db-2.internal',
    });
    expect(quoteFrom(d, 'evt_4')).toMatchObject({ provenance: 'outside', url: 'https://evil.example/page' });
    expect(quoteFrom(d, 'evt_99')).toBeUndefined();
    expect(urlIn('a tool result')).toBeUndefined();
  });

  it('takes the origins screening traced for a write’s lines: outside with its address first, else the most', () => {
    const d = digest();
    const w = d.memoryWrites[0]!;
    w.origins = [
      { kind: 'user', share: 0.9, eventId: 'evt_1', source: "the user's words" },
      { kind: 'outside', share: 0.7, eventId: 'evt_4', source: 'a web_fetch result (https://docs.example/x)' },
    ];
    expect(quoteFrom(d, 'evt_2')).toMatchObject({ provenance: 'outside', url: 'https://docs.example/x' });
    w.origins = [
      { kind: 'store', share: 1, eventId: 'evt_0', source: 'the store (/infra.md)' },
      { kind: 'user', share: 0.8, eventId: 'evt_1', source: "the user's words" },
      { kind: 'user', share: 0.6, eventId: 'evt_1', source: "the user's words" },
    ];
    expect(quoteFrom(d, 'evt_2')).toMatchObject({ provenance: 'user' });
    w.origins = [];
    expect(quoteFrom(d, 'evt_2')).toMatchObject({ provenance: 'agent' });
  });

  it('is masked, bounded, names what it could not find, and loads back through its schema', async () => {
    const d = digest();
    d.toolCalls[0]!.input = `x`.repeat(5_000);
    const ev = await collectEvidence(changeSet(), [d]);
    expect(JSON.stringify(ev)).not.toContain(stripeKey);
    expect(ev.quotes['sess_9#evt_1']!.text).toContain('[REDACTED');
    expect(ev.quotes['sess_9#evt_3']!.text.length).toBe(evidenceLimits.quoteChars + 1);
    expect(ev.missing).toEqual(['sess_gone#evt_1']);
    expect(evidenceSchema.parse(JSON.parse(JSON.stringify(ev)))).toEqual(ev);
  });
});
