import { describe, expect, it } from 'vitest';
import { labelOf, labelSessions, sessionNamer, showSession } from '../../../src/sessions/labels.js';

describe('sessions shown to a person', () => {
  it('by when they started and what their user first said, with the id beside', () => {
    process.env.TZ = 'UTC';
    const started = Date.parse('2026-12-01T14:02:09Z');
    const label = labelOf({
      startedAt: started,
      userStatements: [
        { eventId: 'e0', at: started, text: '   ' },
        { eventId: 'e1', at: started, text: 'Fix the flaky\n deploy test in CI' },
      ],
    });
    expect(label).toEqual({ started: '2026-12-01T14:02:09.000Z', first: 'Fix the flaky deploy test in CI' });
    const uuid = '3f1c2a9e-4b5d-4e6f-8a9b-0123456789ab';
    expect(showSession(uuid, label)).toBe('2026-12-01 14:02 "Fix the flaky deploy test in CI" (3f1c2a9e)');
    expect(showSession('sess_7', label)).toBe('2026-12-01 14:02 "Fix the flaky deploy test in CI" (sess_7)');
    // no label kept (a change set from before labels): the id, as it was
    expect(showSession(uuid, undefined)).toBe(uuid);
    expect(
      sessionNamer({
        sessions: { labels: labelSessions([{ sessionId: uuid, startedAt: started, userStatements: [] }]) },
      })(uuid),
    ).toBe('2026-12-01 14:02 (3f1c2a9e)');
  });

  it('cuts long first words to one short line', () => {
    const first = labelOf({ startedAt: 0, userStatements: [{ eventId: 'e', at: 0, text: 'word '.repeat(40) }] }).first;
    expect(first.length).toBeLessThanOrEqual(72);
    expect(first.endsWith('…')).toBe(true);
  });
});
