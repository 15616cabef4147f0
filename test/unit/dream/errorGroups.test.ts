import { describe, expect, it } from 'vitest';
import { errorGroups } from '../../../src/dream/errorGroups.js';
import { recurringMistakes } from '../../../src/dream/patterns.js';
import { digestSession, type SessionDigest } from '../../../src/sessions/digest.js';
import { SessionBuilder, writeSessions } from '../../support/sessions.js';
import { join } from 'node:path';

const day = (i: number) => Date.parse('2026-10-01T08:00:00Z') + i * 86_400_000;

async function digests(sessions: SessionBuilder[]): Promise<SessionDigest[]> {
  const root = await writeSessions('agent-g', sessions);
  return Promise.all(sessions.map((s) => digestSession(join(root, 'agent-g', `${s.id}.jsonl`))));
}

/** A type checker, a bundler and a test runner, each naming the same missing export of a made-up package. */
const compiler = [
  '> planner@0.3.0 build',
  '> tsc -p .',
  '',
  "lib/agenda/WeekView.tsx:7:10 - error TS2724: '\"calendar-kit\"' has no exported member named 'isoWeekStart'.",
  '',
  'Found 1 error in lib/agenda/WeekView.tsx:7',
].join('\n');
const bundler = [
  'bundling for production...',
  'transforming (812) lib/agenda/DayCell.tsx',
  'error while bundling:',
  'lib/agenda/DayCell.tsx (3:9): "isoWeekStart" is not exported by "node_modules/calendar-kit/dist/index.mjs".',
].join('\n');
const runner = [
  ' RUN  lib/agenda',
  ' FAIL  lib/agenda/week.test.ts',
  "SyntaxError: The requested module 'calendar-kit' does not provide an export named 'isoWeekStart'",
  ' Test Files  1 failed (1)',
].join('\n');

describe('one error, many framings and tools', () => {
  it('keeps one error whole when each of its sessions also prints a name of its own, shared by a few', async () => {
    // six sessions, one error line; three of them look up one address, three another: the addresses are rare
    // names of three sessions each, inside the error the line already ties
    const sessions = [0, 1, 2, 3, 4, 5].map((i) => {
      const who = i % 2 === 0 ? 'ana@tallow.example' : 'bo@ferrule.example';
      return new SessionBuilder(`sess_${i}`, day(i))
        .user('Find the account')
        .tool('crm', { q: who }, `404: no account matches "${who}" (look up by account id)`, true)
        .tool('crm', { q: `acct_${i}` }, 'found');
    });
    const groups = errorGroups(await digests(sessions), 3);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.failures.map((f) => f.session.sessionId)).toEqual(sessions.map((s) => s.id));
  });

  it('ties three tools that name the same missing export by the names they share, and names what fixed it', async () => {
    const outputs = [compiler, bundler, runner];
    const sessions = outputs.map((out, i) =>
      new SessionBuilder(`sess_${i}`, day(i))
        .user('Build the agenda')
        .tool('bash', { command: 'npm ls calendar-kit' }, 'planner@0.3.0\n└── calendar-kit@3.0.1')
        .tool(['bash', 'ci_log', 'bash'][i]!, { command: ['npm run build', 'job build', 'npx vitest'][i] }, out, true)
        .tool('bash', { command: `sed -i 's/isoWeekStart/startOfIsoWeek/' lib/agenda/${i}.tsx` }, '')
        .tool('bash', { command: 'npm run build' }, 'built in 2.1s'),
    );
    const found = await digests(sessions);
    const groups = errorGroups(found, 3);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.names).toContain('isoWeekStart');
    // `calendar-kit` is printed by a call that passed (npm ls): it marks no one error
    expect(groups[0]!.names).not.toContain('calendar-kit');
    const [lesson] = recurringMistakes(found);
    expect(lesson!.sessions).toEqual(['sess_0', 'sess_1', 'sess_2']);
    expect(lesson!.error).toContain('isoWeekStart');
    // the latest session's fix
    expect(lesson!.fix).toBe("`bash sed -i 's/isoWeekStart/startOfIsoWeek/' lib/agenda/2.tsx`");
  });

  it('ties one message that one tool names by its exception and another prints bare, in another tool', async () => {
    const bare = 'Error: could not reach the ledger host "vault-db" on port 6543: connection timed out';
    const named = `LedgerConnectionError: could not reach the ledger host "vault-db" on port 6543: connection timed out`;
    const sessions = [bare, named, `12:00:01.004 ${bare}`].map((out, i) =>
      new SessionBuilder(`sess_${i}`, day(i))
        .tool(['bash', 'bash', 'device_log'][i]!, { command: 'make migrate' }, out, true)
        .tool('bash', { command: 'export LEDGER_HOST=localhost' }, ''),
    );
    const lessons = recurringMistakes(await digests(sessions));
    expect(lessons).toHaveLength(1);
    expect(lessons[0]!.error).toMatch(/could not reach the ledger host "vault-db"/);
  });

  it('does not tie different errors by a name they share with output that passed, or by a name seen twice', async () => {
    const errors = [
      "TypeError: Cannot read properties of undefined (reading 'slotCount') in AgendaStore.ts",
      'RangeError: Maximum call stack size exceeded in AgendaStore.ts',
      "ReferenceError: weekLabel is not defined in AgendaStore.ts (see 'slotCount')",
    ];
    const sessions = errors.map((out, i) =>
      new SessionBuilder(`sess_${i}`, day(i))
        .tool('bash', { command: 'cat lib/AgendaStore.ts | head -3' }, 'export class AgendaStore {')
        .tool('bash', { command: 'npm test' }, out, true),
    );
    expect(recurringMistakes(await digests(sessions))).toEqual([]);
  });

  it('counts an error a passing call read in a log beside two sessions whose calls failed, never alone', async () => {
    const quota = 'Error  Exception: Request to https://quota.example.test failed with code 503: Capacity exhausted';
    const log = (i: number) => `[web.js:${40 + i}] upload started\n[web.js:${52 + i}] backend error: ${quota.slice(7)}`;
    const failing = [0, 1].map((i) =>
      new SessionBuilder(`sess_${i}`, day(i)).tool('bash', { command: 'gas run ocr' }, `10:0${i} ${quota}`, true),
    );
    const reading = new SessionBuilder('sess_2', day(2))
      .tool('browser_console', { url: 'https://app.example.test' }, log(2))
      .tool('bash', { command: 'gas push --backoff' }, 'Pushed 2 files.');
    const lessons = recurringMistakes(await digests([...failing, reading]));
    expect(lessons).toHaveLength(1);
    expect(lessons[0]!.sessions).toEqual(['sess_0', 'sess_1', 'sess_2']);
    expect(lessons[0]!.error).toContain('failed with code 503');
    expect(lessons[0]!.fix).toBe('`bash gas push --backoff`');
    // read in logs only, with one failure: no lesson
    const logs = [0, 1].map((i) =>
      new SessionBuilder(`sess_l${i}`, day(i)).tool('browser_console', { url: 'https://app.example.test' }, log(i)),
    );
    expect(recurringMistakes(await digests([failing[0]!, ...logs]))).toEqual([]);
  });
});
