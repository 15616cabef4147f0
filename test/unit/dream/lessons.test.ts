import { describe, expect, it } from 'vitest';
import { HeuristicDreamer, lessonsPath } from '../../../src/dream/heuristic.js';
import { runDream } from '../../../src/dream/run.js';
import { MemoryStore } from '../../../src/memory/store.js';
import { selectSessions } from '../../../src/sources/sessions.js';
import { SessionBuilder, writeSessions } from '../../support/sessions.js';

/** What `npm publish` prints when the version exists: a tarball summary, then the error. */
const publish = (version: string, files: number) =>
  [
    `npm notice 📦  @acme/widgets@${version}`,
    'npm notice Tarball Contents',
    ...Array.from({ length: files }, (_, i) => `npm notice ${i + 1}.${files}kB dist/part-${i}.js`),
    `npm notice total files: ${files}`,
    'npm ERR! code E403',
    `npm ERR! 403 403 Forbidden - PUT https://registry.npmjs.org/@acme%2fwidgets - You cannot publish over the previously published versions: ${version}.`,
  ].join('\n');

describe('lessons by error signature', () => {
  it('turns npm publish E403 in three sessions, each framed differently, into one lesson naming it and the fix', async () => {
    const sessions = ['1.4.2', '1.5.0', '2.0.1'].map((v, i) =>
      new SessionBuilder(`sess_${i}`, Date.parse('2026-11-01T09:00:00Z') + i * 86_400_000)
        .user('Publish the package')
        .tool('bash', { command: 'npm publish' }, `${i === 1 ? '\u001b[33m' : ''}${publish(v, 5 + 10 * i)}`, true)
        .tool('bash', { command: 'npm version patch' }, `v${v}-next`)
        .tool('bash', { command: 'npm publish' }, `+ @acme/widgets@${v}-next`),
    );
    const root = await writeSessions('agent-l', sessions);
    const { store, changeSet } = await runDream(new HeuristicDreamer(), {
      agentId: 'agent-l',
      snapshotId: null,
      store: MemoryStore.from({ '/a.md': '- one\n' }),
      sessions: await selectSessions(root, 'agent-l'),
    });
    const lessons = store
      .get(lessonsPath)!
      .split('\n')
      .filter((l) => l.startsWith('- '));
    expect(lessons).toHaveLength(1);
    expect(lessons[0]).toMatch(/^- `bash` fails with "code E403 — 403 403 Forbidden .*You cannot publish over/);
    expect(lessons[0]).toMatch(/what worked next: `bash npm version patch`/);
    expect(lessons[0]).toMatch(/seen in 3 sessions: sess_0, sess_1, sess_2/);
    expect(changeSet.changes.find((c) => c.path === lessonsPath)).toMatchObject({ tier: 'applied' });
  });

  /** Three sessions of `steps`, dreamed over a small store: the lesson lines written. */
  async function lessonsOf(steps: (b: SessionBuilder, i: number) => SessionBuilder): Promise<string[]> {
    const sessions = [0, 1, 2].map((i) =>
      steps(new SessionBuilder(`sess_${i}`, Date.parse('2026-11-01T09:00:00Z') + i * 86_400_000).user('Go on'), i),
    );
    const root = await writeSessions('agent-l', sessions);
    const { store } = await runDream(new HeuristicDreamer(), {
      agentId: 'agent-l',
      snapshotId: null,
      store: MemoryStore.from({ '/a.md': '- one\n' }),
      sessions: await selectSessions(root, 'agent-l'),
    });
    return store
      .get(lessonsPath)!
      .split('\n')
      .filter((l) => l.startsWith('- '));
  }

  it('names what came between the failures and the retry that worked, not the retry', async () => {
    const busy = 'Error: listen EADDRINUSE: address already in use :::3000';
    const lessons = await lessonsOf((b, i) =>
      b
        .tool('bash', { command: 'npm start' }, busy, true)
        .tool('bash', { command: 'npm start' }, busy, true)
        .tool('bash', { command: 'netstat -ano | findstr :3000' }, `TCP 0.0.0.0:3000 LISTENING ${4000 + i}`)
        .tool('bash', { command: `taskkill /F /PID ${4000 + i}` }, 'SUCCESS')
        .tool('bash', { command: 'npm start' }, 'listening on 3000'),
    );
    expect(lessons).toHaveLength(1);
    expect(lessons[0]).toMatch(/what worked next: `bash taskkill \/F \/PID 400\d`/);
  });

  it("names the user's words when nothing else changed before the retry worked, and the error whole", async () => {
    const refused = [
      '> api@1.0.0 db:migrate',
      'Error: connect ECONNREFUSED 127.0.0.1:5432',
      '    at /srv/api/node_modules/pg-pool/index.js:45:11 {',
      '  errno: -61,',
      "  code: 'ECONNREFUSED',",
      "  syscall: 'connect',",
      '}',
    ].join('\n');
    const long = `cd backend && npm run db:migrate -- --schema public --schema audit --schema reporting --verbose --lock-timeout 30000 --statement-timeout 60000`;
    const lessons = await lessonsOf((b) =>
      b
        .tool('bash', { command: long }, refused, true)
        .user('I started postgres for you with brew services start postgresql@16')
        .tool('bash', { command: long }, 'migrated 3 schemas'),
    );
    expect(lessons).toHaveLength(1);
    expect(lessons[0]).toMatch(/fails with "connect ECONNREFUSED 127\.0\.0\.1:5432"/);
    expect(lessons[0]).toMatch(/what worked next: the user said "I started postgres for you with brew services start/);
    // the example is cut at a word's end
    expect(lessons[0]).toMatch(/\(e\.g\. `cd backend && npm run db:migrate [^`]* 30000…`\)/);
  });

  it('finds one error framed three ways (warnings, timestamps, a tally) and names its identifier', async () => {
    const run = (i: number, field: string) =>
      [
        [
          '\u001b[33m(node:1421) ExperimentalWarning: loading ES Module\u001b[39m',
          '',
          `[2026-08-0${i}T08:14:51.201Z] emulator up`,
        ][i]!,
        ' PASS  src/a.test.ts (5.12 s)',
        ' \u001b[31mFAIL\u001b[39m  src/b.test.ts',
        '',
        `    StoreError: write() called with invalid data. Unsupported value: undefined (in field ${field} of doc d_${i}07)`,
        '',
        '      12 |     await save(ref, {',
        'Tests:       1 failed, 27 passed, 28 total',
      ].join('\n');
    const lessons = await lessonsOf((b, i) =>
      b
        .tool('bash', { command: `npx jest src/part${i}` }, run(i, ['reason', 'notes', 'threadId'][i]!), true)
        .tool('bash', { command: `sed -i 's/x,/x ?? null,/' src/part${i}.ts` }, '')
        .tool('bash', { command: `npx jest src/part${i}` }, 'Tests: 28 passed'),
    );
    expect(lessons).toHaveLength(1);
    expect(lessons[0]).toMatch(
      /fails with "StoreError: write\(\) called with invalid data\. Unsupported value: undefined/,
    );
    expect(lessons[0]).not.toMatch(/27 passed/);
    expect(lessons[0]).toMatch(/seen in 3 sessions/);
  });

  it('writes one lesson for one error that two tools print, naming both', async () => {
    const missing =
      "Invariant Violation: 'RNQuill' could not be found. Verify that a module by this name is registered.";
    const lessons = await lessonsOf((b, i) =>
      b
        .tool(i === 1 ? 'device_log' : 'bash', { command: 'npx expo start' }, `ERROR  ${missing}`, true)
        .tool('bash', { command: 'npx expo prebuild --clean' }, 'done'),
    );
    expect(lessons).toHaveLength(1);
    expect(lessons[0]).toMatch(/^- `bash`, `device_log` fail with "Invariant Violation: 'RNQuill' could not be found/);
  });
});
