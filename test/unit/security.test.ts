import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFleetConfig } from '../../src/config/fleet.js';
import { overlap, placeOf } from '../../src/config/overlap.js';
import {
  cycleWorkflowId,
  cyclesQuery,
  legacyPrefix,
  ownsKey,
  scopePrefix,
  scopedName,
  teamId,
} from '../../src/names/scope.js';
import { HeuristicDreamer } from '../../src/dream/heuristic.js';
import { runDream } from '../../src/dream/run.js';
import { defaultLimits } from '../../src/memory/limits.js';
import { LocalDirStore } from '../../src/memory/localDir.js';
import { pathProblem } from '../../src/memory/paths.js';
import { sendWebhook, webhookLabel, webhookUrlProblem, WebhookFailed } from '../../src/notify/webhook.js';
import { jsonDepth, parseJsonLine } from '../../src/sessions/jsonl.js';
import { selectSessions } from '../../src/sessions/source.js';
import { recordBytes, recordHash, type AuditRecord } from '../../src/audit/audit.js';
import { sha256Hex, verifyChain, type StoredKey } from '../../src/audit/chain.js';
import { canonicalJson } from '../../src/util/canonicalJson.js';
import { safeName, safeText } from '../../src/util/display.js';
import { projectRoot } from '../../src/util/paths.js';
import { tempDir } from '../support/sessions.js';

describe('one namespace per fleet and agent', () => {
  const a = { fleet: 'acme', id: 'coder' };
  const b = { fleet: 'globex', id: 'coder' };

  it('gives two fleets with an agent of the same id different keys, workflow ids and search values', () => {
    expect(scopePrefix(a)).toBe('fleets/acme/agents/coder/');
    expect(scopePrefix(b)).toBe('fleets/globex/agents/coder/');
    expect(cycleWorkflowId(a)).not.toBe(cycleWorkflowId(b));
    expect(scopedName(a)).toBe('acme/coder');
    expect(cyclesQuery(a, { running: true })).toBe(
      '(DreamAgent = "acme/coder" OR (WorkflowId = "dream:acme:coder" AND (WorkflowType = "dreamCycle" OR ' +
        'WorkflowType = "agentRollback" OR WorkflowType = "agentRecord"))) AND ExecutionStatus = "Running"',
    );
  });

  it('keeps the team store apart from an agent named like it', () => {
    const team = { fleet: 'acme', id: teamId };
    const lookalike = { fleet: 'acme', id: 'acme-team' };
    expect(scopePrefix(team)).toBe('fleets/acme/team/');
    expect(scopePrefix(lookalike)).toBe('fleets/acme/agents/acme-team/');
    expect(cycleWorkflowId(team)).not.toBe(cycleWorkflowId(lookalike));
    expect(scopedName(team)).not.toBe(scopedName(lookalike));
    // only where objects were kept before namespaces do they share a name
    expect(legacyPrefix(team)).toBe(legacyPrefix(lookalike));
  });

  it('refuses names that could leave the namespace', () => {
    for (const bad of ['../x', 'a/b', 'a:b', '', '@team', 'x'.repeat(65), 'a\nb'])
      expect(() => scopePrefix({ fleet: 'acme', id: bad === '@team' ? 'a@b' : bad }), bad).toThrow(/agent id/);
    expect(() => scopePrefix({ fleet: 'a/b', id: 'x' })).toThrow(/fleet name/);
  });

  it('owns only keys under its own prefix, with no way back out', () => {
    expect(ownsKey(a, 'fleets/acme/agents/coder/cycles/c1/edits-1.json')).toBe(true);
    expect(ownsKey(a, 'fleets/globex/agents/coder/cycles/c1/edits-1.json')).toBe(false);
    expect(ownsKey(a, 'fleets/acme/agents/coder2/x.json')).toBe(false);
    expect(ownsKey(a, 'fleets/acme/agents/coder/../victim/x.json')).toBe(false);
    expect(ownsKey(a, 'fleets/acme/agents/coder//x.json')).toBe(false);
    expect(ownsKey(a, 42)).toBe(false);
  });
});

describe('stores that overlap', () => {
  it('compares S3 prefixes by their folders, not their characters', () => {
    expect(overlap(placeOf('s3://b/agents/'), placeOf('s3://b/agents/victim/'))).toBe('contains');
    expect(overlap(placeOf('s3://b/a'), placeOf('s3://b/ab'))).toBeUndefined();
    expect(overlap(placeOf('s3://b/a'), placeOf('s3://b/a/'))).toBe('is the same as');
    expect(overlap(placeOf('s3://b/'), placeOf('s3://b/x/'))).toBe('contains');
    expect(overlap(placeOf('s3://b/x/'), placeOf('s3://c/x/'))).toBeUndefined();
    expect(overlap(placeOf('anthropic:memstore_1'), placeOf('anthropic:memstore_1'))).toBe('is the same as');
  });

  it('compares directories by their real paths', async () => {
    const d = await tempDir();
    expect(overlap(placeOf(join(d, 'a')), placeOf(join(d, 'a', 'b')))).toBe('contains');
    expect(overlap(placeOf(join(d, 'a', '..', 'a')), placeOf(join(d, 'a')))).toBe('is the same as');
    expect(overlap(placeOf(join(d, 'a')), placeOf(join(d, 'ab')))).toBeUndefined();
    expect(overlap(placeOf(join(d, 'a')), placeOf(join(d, '..a')))).toBeUndefined();
  });

  it('refuses a store in dreamgate’s own buckets or state, naming the line', async () => {
    const dir = await tempDir();
    const file = join(dir, 'dreamgate.yml');
    await writeFile(
      file,
      'fleet: f\nagents:\n  - id: a\n    store: s3://dreamgate-snapshots/agents/victim/\n    sessions: ./s\n    suite: ./a.yml\n    mode: automatic\n  - id: b\n    store: ./state/s3/data/x\n    sessions: ./s\n    suite: ./b.yml\n    mode: automatic\n',
    );
    const err = (await loadFleetConfig(file, {
      buckets: ['dreamgate-snapshots', 'dreamgate-audit'],
      dirs: [join(dir, 'state')],
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/dreamgate\.yml:4: agents\[0\]\.store: .* one of dreamgate's own buckets/);
    expect(err.message).toMatch(
      /dreamgate\.yml:9: agents\[1\]\.store: the store of b lies inside dreamgate's own state/,
    );
    // without the reserved names the same file loads: the check is the refusal, not an accident
    await expect(loadFleetConfig(file)).resolves.toMatchObject({ fleet: 'f' });
  });

  it('gives the team store the id @team and every agent its fleet', async () => {
    const dir = await tempDir();
    const file = join(dir, 'dreamgate.yml');
    await writeFile(
      file,
      'fleet: f\nteamStore: ./team\nagents:\n  - id: f-team\n    store: ./m\n    sessions: ./s\n    suite: ./a.yml\n    mode: automatic\n',
    );
    const fleet = await loadFleetConfig(file);
    expect(fleet.agents[0]).toMatchObject({ fleet: 'f', id: 'f-team' });
    expect(fleet.team).toMatchObject({ fleet: 'f', id: teamId });
    expect(scopePrefix(fleet.team!)).not.toBe(scopePrefix(fleet.agents[0]!));
  });
});

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

describe('safe display', () => {
  it('escapes what could rewrite a terminal line, and nothing else', () => {
    const forged = 'mallory\r\u001b[2Kapproved by bob\nnext\u202eline\u0007';
    expect(safeText(forged)).toBe('mallory\\r\\e[2Kapproved by bob\\nnext\\u202eline\\x07');
    expect(safeText('plain text, tabs\tand ünïcödé → fine')).toBe('plain text, tabs\tand ünïcödé → fine');
    expect(safeText('a\tb', { tabs: true })).toBe('a\\tb');
    expect(safeName('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(safeText(undefined)).toBe('');
  });
});

describe('session lines', () => {
  it('measures nesting in one pass, skipping strings', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[{{{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[[["')).toBe(0);
    expect(jsonDepth(`${'['.repeat(5000)}${']'.repeat(5000)}`, 100)).toBe(101);
  });

  it('refuses a line nested 5,000 levels deep, and never echoes the text of a broken line', () => {
    expect(() => parseJsonLine(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, 's.jsonl:3')).toThrow(
      /s\.jsonl:3: nested deeper than 100 levels/,
    );
    const secret = 'ghp_0123456789abcdefghijklmnopqrstuvwxyz';
    expect(() => parseJsonLine(`{"a": ${secret}}`, 's.jsonl:1')).toThrow(/^s\.jsonl:1: not JSON/);
    try {
      parseJsonLine(`{"a": ${secret}}`, 's.jsonl:1');
    } catch (err) {
      expect((err as Error).message).not.toContain('ghp_');
    }
  });
});

describe('memory paths', () => {
  it('refuses a segment longer than 255 bytes at validation, not at promotion', () => {
    expect(pathProblem(`/${'a'.repeat(255)}.md`)).toMatch(/segment longer than 255 bytes/);
    expect(pathProblem(`/${'a'.repeat(252)}.md`)).toBeUndefined();
    // bytes, not characters: 86 three-byte characters are 258 bytes
    expect(pathProblem(`/${'€'.repeat(86)}`)).toMatch(/segment longer than 255 bytes/);
  });
});

describe('webhooks', () => {
  it('refuses credentials in the URL and non-http schemes; names a webhook by its host only', () => {
    expect(webhookUrlProblem('https://user:pass@hooks.example/x')).toMatch(/must not carry credentials/);
    expect(webhookUrlProblem('https://user@hooks.example/x')).toMatch(/must not carry credentials/);
    expect(webhookUrlProblem('ftp://hooks.example/x')).toMatch(/http or https/);
    expect(webhookUrlProblem('https://hooks.example/services/T0/B0/secret')).toBeUndefined();
    expect(webhookLabel('https://hooks.example:8443/services/T0/B0/secret?token=x')).toBe('https://hooks.example:8443');
  });

  it('never sends to a URL with credentials, even one that did not come through the config', async () => {
    const err = await sendWebhook(
      { url: 'http://u:hunter2@127.0.0.1:9/x', format: 'json' },
      { dedupKey: 'k', summary: 's', severity: 'info', source: 'x', details: {} },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebhookFailed);
    expect((err as WebhookFailed).retryable).toBe(false);
    expect((err as Error).message).not.toContain('hunter2');
  });
});

describe('a store at its file limit', () => {
  it('is still consolidated: changes within files land, new files beyond the limit are dropped and listed', async () => {
    const dir = await tempDir();
    await cp(join(projectRoot, 'examples', 'fleet', 'coding-agent', 'memory'), join(dir, 'memory'), {
      recursive: true,
    });
    const own = (await new LocalDirStore(join(dir, 'memory')).read()).size;
    await mkdir(join(dir, 'memory', 'fill'));
    for (let i = 0; i < defaultLimits.maxFiles - own; i++)
      await writeFile(join(dir, 'memory', 'fill', `f${i}.md`), `- filler fact ${i} about service-${i}\n`);
    const store = await new LocalDirStore(join(dir, 'memory')).read();
    expect(store.size).toBe(defaultLimits.maxFiles);
    const sessions = await selectSessions(join(projectRoot, 'examples', 'fleet', 'sessions'), 'coding-agent');
    const result = await runDream(new HeuristicDreamer(), {
      agentId: 'coding-agent',
      snapshotId: null,
      store,
      sessions,
    });
    expect(result.store.size).toBeLessThanOrEqual(defaultLimits.maxFiles);
    expect(result.changeSet.changes.length).toBeGreaterThan(0);
    expect(result.changeSet.changes.every((c) => c.op !== 'create')).toBe(true);
    expect(result.changeSet.dropped?.map((d) => d.why).join('\n')).toMatch(/would exceed its limit of 2000 files/);
  });
});
