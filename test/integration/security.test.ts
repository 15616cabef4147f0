import { cp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleState, listCycles, startCycle } from '../../app/cycleClient.js';
import { createWorker } from '../../app/worker.js';
import type { AgentConfig } from '../../src/config/fleet.js';
import { legacyPrefix, scopePrefix, type AgentScope } from '../../src/names/scope.js';
import { storageSettings } from '../../src/config/storage.js';
import { AuditLog, checkAuditLock, recordBytes, type AuditRecord } from '../../src/audit/audit.js';
import { RedactionIndex } from '../../src/snapshots/redact.js';
import { clearRestoreCache, SnapshotCorrupt, SnapshotStore } from '../../src/snapshots/snapshots.js';
import { auditKeys } from '../../app/keys.js';
import { runCli } from '../support/cli.js';
import { exampleAgent, fleetDir, startHarness, waitFor, type Harness } from './cycleHarness.js';
import { bundled, unique } from './helpers.js';

/**
 * The attacks of the security review, replayed through the same means (a plain Temporal client, the AWS
 * SDK, config files, the command line) against the real local servers: each is refused, contained or
 * reported.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const s3 = () => h.client.objects.s3;
const buckets = () => storageSettings(h.cfg);
const audit = () => new AuditLog(s3(), buckets().auditBucket, 1);
const env = () => ({ DREAMGATE_TASK_QUEUE: h.client.temporal.taskQueue, NO_COLOR: '1' });

/**
 * The fleet file of the agent's own fleet, as the harness's worker serves it: the command line reads the
 * same file (and so names the configuration hash the worker holds).
 */
async function fleetFile(agent: AgentConfig & { dir: string }): Promise<string> {
  return (await h.serve([agent])).file;
}

/** A kept cycle of the agent, served by the harness's worker in the agent's own fleet; its workflow and run ids. */
async function kept(agent: AgentConfig): Promise<{ workflowId: string; runId: string }> {
  const handle = await h.start(agent);
  const result = await handle.result();
  expect(result.outcome).toBe('kept');
  return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
}

describe('one namespace per fleet and agent (real servers)', () => {
  it('two fleets with an agent of the same id never see, restore or write each other’s snapshots, logs or cycles', async () => {
    const id = unique('twin');
    const twin = async (fleet: string) => {
      const a = await exampleAgent('coding-agent');
      await cp(join(a.sessions, a.id), join(a.sessions, id), { recursive: true });
      return { ...a, fleet, id };
    };
    const first = await twin(unique('fleet-a'));
    const second = await twin(unique('fleet-b'));
    const firstCycle = await kept(first);
    const firstSnapshots = await h.client.objects.list(scopePrefix(first));
    const snaps = new SnapshotStore(s3(), buckets().snapshotsBucket);
    const [firstSnapshot] = await snaps.list(first);

    const secondCycle = await kept(second);
    // the second fleet's cycle wrote nothing where the first keeps its objects
    expect(await h.client.objects.list(scopePrefix(first))).toEqual(firstSnapshots);
    expect((await snaps.list(first)).map((s) => s.label)).toEqual([expect.stringContaining(firstCycle.runId)]);
    expect((await snaps.list(second)).map((s) => s.label)).toEqual([expect.stringContaining(secondCycle.runId)]);
    // a snapshot id of one fleet means nothing in the other
    await expect(snaps.restore(second, firstSnapshot!.id)).rejects.toThrow(/does not exist/);
    // audit logs and workflow lookups are apart too
    expect(new Set((await audit().read(first)).map((r) => r.cycle_id))).toEqual(new Set([firstCycle.runId]));
    expect(new Set((await audit().read(second)).map((r) => r.cycle_id))).toEqual(new Set([secondCycle.runId]));
    expect((await listCycles(h.client, first)).map((c) => c.workflowId)).toEqual([firstCycle.workflowId]);
    expect((await listCycles(h.client, second)).map((c) => c.workflowId)).toEqual([secondCycle.workflowId]);
    expect(firstCycle.workflowId).not.toBe(secondCycle.workflowId);
  });

  it('refuses, at every command, a fleet whose stores overlap or lie in dreamgate’s buckets', async () => {
    const agent = await exampleAgent('coding-agent', { mode: 'review' });
    const nested = join(agent.dir, 'nested.yml');
    await writeFile(
      nested,
      `fleet: ${agent.fleet}\nagents:\n  - id: a\n    store: ./memory\n    sessions: ./sessions\n    suite: ./suite.yml\n    reviewers: [alice]\n  - id: b\n    store: ./memory/b\n    sessions: ./sessions\n    suite: ./suite.yml\n    reviewers: [alice]\n`,
    );
    await writeFile(join(agent.dir, 'mine.md'), '- rewritten by a reviewer of a\n');
    const edit = await runCli(
      ['approve', 'a', 'deadbeef00', '--edit', `/b/notes.md=${join(agent.dir, 'mine.md')}`, '--fleet', nested],
      env(),
    );
    expect(edit.code).toBe(2);
    expect(edit.stderr).toMatch(/nested\.yml:9: agents\[1\]\.store: the store of b lies inside the store of a/);

    const inBucket = join(agent.dir, 'bucket.yml');
    await writeFile(
      inBucket,
      `fleet: ${agent.fleet}\nagents:\n  - id: a\n    store: s3://${buckets().snapshotsBucket}/${legacyPrefix(agent)}\n    sessions: ./sessions\n    suite: ./suite.yml\n    mode: automatic\n`,
    );
    const run = await runCli(['run', 'a', '--fleet', inBucket], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bucket\.yml:4: agents\[0\]\.store: .* one of dreamgate's own buckets/);
  });
});

describe('the tamper-evident audit log (real servers)', () => {
  const put = (key: string, body: string | Buffer) =>
    s3().send(new PutObjectCommand({ Bucket: buckets().auditBucket, Key: key, Body: body }));

  it('history and blame say plainly what was replaced, added, hidden or removed, and show what dreamgate wrote', async () => {
    const agent = await exampleAgent('coding-agent');
    const fleet = await fleetFile(agent);
    await kept(agent);
    const clean = await runCli(['history', agent.id, '--fleet', fleet], env());
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/chain intact/);
    const blamedClean = await runCli(['blame', agent.id, '/conventions.md', '--fleet', fleet], env());
    expect(blamedClean.code).toBe(0);
    expect(blamedClean.stdout).not.toContain('alice');

    const records = await audit().verify(agent);
    const keyOf = (event: string) => records.keys.find((k) => k.record?.event === event)!.key;
    const promoted = records.keys.find((k) => k.record?.event === 'promoted')!;
    // 1. a plain PUT over a record: a new version that claims alice approved
    await put(keyOf('baseline-scored'), JSON.stringify({ ...promoted.record, event: 'approved', actor: 'alice' }));
    // 2. a new record, linked onto the chain, claiming alice approved the promotion
    const forged: AuditRecord = {
      ...promoted.record!,
      seq: 9999,
      event: 'approved',
      actor: 'alice',
      prev: promoted.sha256,
    };
    await put(promoted.key.replace(/\d{4}-promoted\.json$/, '9999-approved.json'), recordBytes(forged));
    // 3. a delete marker over the verification record
    await s3().send(new DeleteObjectCommand({ Bucket: buckets().auditBucket, Key: keyOf('verified') }));

    const tampered = await runCli(['history', agent.id, '--fleet', fleet], env());
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/the audit log of .* was changed outside dreamgate/);
    expect(tampered.stdout).toMatch(
      /baseline-scored[^\n]*\n\s+! replaced: 1 later version\(s\) with other content; the original is shown/,
    );
    expect(tampered.stdout).toMatch(/verified[^\n]*\n\s+! hidden by a delete marker/);
    expect(tampered.stdout).toMatch(
      // the chain's head the agent's workflow keeps in Temporal tells which branch dreamgate wrote
      /! [^\n]*approved +by alice[^\n]*\n\s+! it is not on the chain dreamgate wrote/,
    );
    const json = JSON.parse((await runCli(['history', agent.id, '--json', '--fleet', fleet], env())).stdout) as {
      intact: boolean;
      records: (AuditRecord & { audit: { status: string; replacedBy?: number; hidden?: boolean } })[];
    };
    expect(json.intact).toBe(false);
    // what dreamgate wrote is what is shown: the original of the overwritten key, the hidden record
    expect(json.records.find((r) => r.audit.replacedBy)!.event).toBe('baseline-scored');
    expect(json.records.find((r) => r.audit.hidden)!.event).toBe('verified');
    // blame does not take a forged approval for one
    const blamed = await runCli(['blame', agent.id, '/conventions.md', '--fleet', fleet], env());
    expect(blamed.code).toBe(1);
    expect(blamed.stdout).not.toContain('alice');
  });

  it('reports a record removed from the chain (the local gateway lets retention be shortened; real S3 does not)', async () => {
    const agent = await exampleAgent('coding-agent');
    const fleet = await fleetFile(agent);
    await kept(agent);
    const { keys } = await audit().verify(agent);
    const victim = keys.find((k) => k.record?.event === 'post-scored')!.key;
    const { Versions } = await s3().send(
      new ListObjectVersionsCommand({ Bucket: buckets().auditBucket, Prefix: victim }),
    );
    const versionId = Versions![0]!.VersionId!;
    const removed = await s3()
      .send(
        new PutObjectRetentionCommand({
          Bucket: buckets().auditBucket,
          Key: victim,
          VersionId: versionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 1_000) },
        }),
      )
      .then(() => new Promise((r) => setTimeout(r, 2_000)))
      .then(() =>
        s3().send(new DeleteObjectCommand({ Bucket: buckets().auditBucket, Key: victim, VersionId: versionId })),
      )
      .then(
        () => true,
        () => false,
      );
    const history = await runCli(['history', agent.id, '--fleet', fleet], env());
    if (removed) {
      // what the issue saw: the gateway let it go; the chain says a record is missing, and where
      expect(history.code).toBe(1);
      expect(history.stdout).toMatch(/! a record is missing here\n[^\n]*promoted/);
      expect(history.stderr).toMatch(/a record is missing before .*-promoted\.json/);
    } else {
      // a server that enforces COMPLIANCE: the record stays, the chain is intact
      expect(history.code).toBe(0);
      expect(history.stdout).toContain('post-scored');
    }
  });

  it('keeps logs written before the chain readable; the chain starts at the first new record', async () => {
    const agent = await exampleAgent('coding-agent');
    const fleet = await fleetFile(agent);
    // a record as the previous layout wrote it: agents/<id>/…, no fleet, no link
    const old = {
      agent_id: agent.id,
      cycle_id: 'dream-before',
      cycle_started_at: '2026-01-01T00:00:00.000Z',
      seq: 1,
      event: 'cycle-kept',
      at: '2026-01-01T00:00:01.000Z',
      data: { reason: 'kept before the upgrade' },
    };
    await s3().send(
      new PutObjectCommand({
        Bucket: buckets().auditBucket,
        Key: `${legacyPrefix(agent)}2026-01-01T000000000Z_dream-before/0001-cycle-kept.json`,
        Body: JSON.stringify(old),
        IfNoneMatch: '*',
      }),
    );
    await kept(agent);
    const history = await runCli(['history', agent.id, '--fleet', fleet], env());
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/chain intact .*; 1 written before the chain/);
    expect(history.stdout).toMatch(/· 2026-01-01 00:00:01 {2}cycle-kept/);
    const chained = (await audit().read(agent)).filter((r) => r.fleet);
    expect(chained[0]!.prev).toBeNull();
    expect(chained.slice(1).every((r) => typeof r.prev === 'string')).toBe(true);
  });

  it('the worker refuses to start on an audit bucket without Object Lock', async () => {
    await expect(checkAuditLock(s3(), buckets().auditBucket)).resolves.toMatchObject({ defaultMode: 'COMPLIANCE' });
    await expect(checkAuditLock(s3(), buckets().snapshotsBucket)).rejects.toThrow(/has no Object Lock/);
    // the local stack's storage with the audit bucket swapped for one without a lock (the environment's
    // DREAMGATE_AUDIT_BUCKET is ignored under the local stack the tests run on)
    const storage = { ...storageSettings(h.cfg), auditBucket: buckets().snapshotsBucket };
    await expect(createWorker(h.cfg, { taskQueue: unique('nolock'), ...bundled() }, { storage })).rejects.toThrow(
      /audit bucket "?dreamgate-snapshots"? has no Object Lock/,
    );
  });
});

describe('nothing an attacker writes reaches a terminal, an error or a page unescaped (real servers)', () => {
  it('a reviewer name with CR, ANSI and newlines cannot forge a line of history', async () => {
    const agent = await exampleAgent('support-agent', { mode: 'review' });
    const fleet = await fleetFile(agent);
    const handle = await h.start(agent);
    await waitFor('review', async () => ((await cycleState(handle)).stage === 'review' ? true : undefined));
    const { changeSetId } = await cycleState(handle);
    // a plain Temporal client, as anyone with namespace access could
    await h.client.client.workflow
      .getHandle(handle.workflowId)
      .signal('approve', { reviewer: 'mallory\r\u001b[2K  approved by bob\n', changeSetId });
    await waitFor('the ignored signal', async () => ((await cycleState(handle)).ignored.count > 0 ? true : undefined));
    await h.client.client.workflow.getHandle(handle.workflowId).signal('reject', {
      reviewer: 'alice',
      changeSetId,
      reason: 'ok\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007',
    });
    expect((await handle.result()).outcome).toBe('rejected');
    for (const args of [
      ['history', agent.id],
      ['status', agent.id],
    ]) {
      const r = await runCli([...args, '--fleet', fleet], env());
      expect(r.code, r.stderr).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(r.stdout).not.toMatch(/[\r\u001b\u0007]/);
      if (args[0] === 'history') {
        expect(r.stdout).toContain('by mallory\\r\\e[2K  approved by bob\\n');
        expect(r.stdout).toContain('reason=ok\\e]8;;https://evil.example\\x07click');
      }
    }
  });

  it('a page that fails names the host only, follows no redirect, and leaves the URL and routing key out of the log', async () => {
    const heard: { path: string; body: string }[] = [];
    const elsewhere: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        heard.push({ path: req.url ?? '', body });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}/collect`;
    const redirector: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(307, { location: target }).end());
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    const port = (redirector.address() as { port: number }).port;
    try {
      const pinned =
        'cases:\n  - id: pinned-cap\n    question: What liability cap did legal pin for the Q4 renewals?\n    expect:\n      all: ["12 months of fees"]\n  - id: residuals\n    question: Are residuals acceptable?\n    expect:\n      all: ["never acceptable"]\n';
      const agent = await exampleAgent('doc-review-agent', {}, pinned);
      const fleet = await h.serve([agent], {
        paging: {
          url: `http://127.0.0.1:${port}/hook/T0-SECRET-PATH-B0`,
          format: 'pagerduty' as const,
          routingKey: 'RK-CANARY-7',
        },
      });
      const handle = await startCycle(h.client, fleet, fleet.agents[0]!);
      expect((await handle.result()).outcome).toBe('discarded');
      expect(heard).toEqual([]); // the redirect was not followed: the routing key went nowhere else
      const records = await audit().read(agent);
      const failed = records.find((r) => r.event === 'page-failed');
      expect(failed?.data?.error).toMatch(
        /webhook http:\/\/127\.0\.0\.1:\d+ answered 307 \(a redirect\); dreamgate does not follow redirects/,
      );
      const log = JSON.stringify(records);
      expect(log).not.toContain('T0-SECRET-PATH-B0');
      expect(log).not.toContain('RK-CANARY-7');
    } finally {
      await new Promise((r) => redirector.close(r));
      await new Promise((r) => elsewhere.close(r));
    }
  });

  it('a session with a token in the wrong field or nested 5,000 deep fails alone, and no error quotes the token', async () => {
    const agent = await exampleAgent('coding-agent', { minNewSessions: 1 });
    const token = `ghp_${'Zq9'.repeat(12)}`;
    const dir = join(agent.sessions, agent.id);
    await writeFile(join(dir, 'sess_token.jsonl'), `{"type":"user.message","processed_at":"${token}"}\n`);
    await writeFile(
      join(dir, 'sess_deep.jsonl'),
      `{"type":"agent.tool_use","id":"t","name":"x","processed_at":"2026-11-20T00:00:00Z","input":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}\n`,
    );
    const handle = await h.start(agent);
    const result = await handle.result();
    expect(result.outcome).toBe('kept'); // the other sessions were dreamed
    const cs = await h.client.objects.loadChangeSet(agent, result.changeSetId!);
    const invalid = cs.sessions!.invalid.map((i) => i.error).join('\n');
    expect(invalid).toMatch(/sess_token\.jsonl:1: "processed_at" is not an RFC 3339 time/);
    expect(invalid).toMatch(/sess_deep\.jsonl:1: nested deeper than 100 levels/);
    const everything = JSON.stringify(cs) + JSON.stringify(await audit().read(agent));
    expect(everything).not.toContain(token);
  });
});

describe('smaller items (real servers)', () => {
  it('a path segment over 255 bytes is refused at validation, naming it, not when a promotion writes it', async () => {
    const agent = await exampleAgent('coding-agent', { mode: 'review' });
    const fleet = await fleetFile(agent);
    await writeFile(join(agent.dir, 'mine.md'), '- x\n');
    const long = `/notes/${'n'.repeat(256)}.md`;
    const r = await runCli(
      ['approve', agent.id, 'deadbeef00', '--edit', `${long}=${join(agent.dir, 'mine.md')}`, '--fleet', fleet],
      env(),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/memory path "\/notes\/n+\.md" has a segment longer than 255 bytes \(--edit\)/);
  });
});

describe('dreamgate redact (real servers)', () => {
  it('rewrites the snapshot versions that hold a secret, deletes the old blobs, and records old and new hashes', async () => {
    const agent = await exampleAgent('coding-agent');
    const fleet = await fleetFile(agent);
    const password = `hunter2-${unique('pw')}`;
    const awsKey = `AKIA${'Q7XK2M9PLW4RT8ZV'}`;
    await writeFile(
      join(agent.store, 'infra', 'staging.md'),
      `${await readFile(join(fleetDir, 'coding-agent', 'memory', 'infra', 'staging.md'), 'utf8')}- deploy user password: ${password}\n- aws key ${awsKey}\n`,
    );
    await kept(agent);
    const scope: AgentScope = agent;
    const keys = await auditKeys(h.cfg, buckets());
    const snaps = new SnapshotStore(
      s3(),
      buckets().snapshotsBucket,
      'snapshot',
      new RedactionIndex(s3(), buckets().auditBucket, () => keys),
    );
    const [snapshot] = (await snaps.list(scope)).slice(-1);
    expect((await snaps.restore(scope, snapshot!.id)).get('/infra/staging.md')).toContain(password);

    // a "secret" too short to be one would redact ordinary words everywhere: refused, naming file and line
    const short = join(agent.dir, 'short.txt');
    await writeFile(short, `${password}\nabc\n`);
    const refused = await runCli(['redact', agent.id, '--secret-file', short, '--fleet', fleet], env());
    expect([refused.code, refused.stderr]).toEqual([
      2,
      expect.stringMatching(/short\.txt:2: shorter than 8 characters/),
    ]);

    const secrets = join(agent.dir, 'leaked.txt');
    await writeFile(secrets, `# rotated on 2026-11-26\n${password}\n`);
    const dry = await runCli(['redact', agent.id, '--secret-file', secrets, '--dry-run', '--fleet', fleet], env());
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/1 file version\(s\) of .* hold a secret, in 1 snapshot\(s\)/);
    expect(dry.stdout).not.toContain(password);

    const done = await runCli(
      ['redact', agent.id, '--secret-file', secrets, '--as', 'sec-team', '--json', '--fleet', fleet],
      env(),
    );
    expect(done.code, done.stderr).toBe(0);
    const out = JSON.parse(done.stdout) as {
      blobs: { old: string; new: string; paths: string[] }[];
      snapshots: string[];
    };
    expect(out.blobs).toHaveLength(1);
    expect(out.blobs[0]!.paths).toEqual(['/infra/staging.md']);
    expect(out.snapshots).toContain(snapshot!.id);

    // the old blob is gone, every version of it
    const { Versions, DeleteMarkers } = await s3().send(
      new ListObjectVersionsCommand({
        Bucket: buckets().snapshotsBucket,
        Prefix: `${scopePrefix(scope)}blobs/${out.blobs[0]!.old.slice(0, 2)}/${out.blobs[0]!.old}`,
      }),
    );
    expect([...(Versions ?? []), ...(DeleteMarkers ?? [])]).toEqual([]);
    // no blob of the agent holds either secret any more
    const blobs = await s3().send(
      new ListObjectsV2Command({ Bucket: buckets().snapshotsBucket, Prefix: `${scopePrefix(scope)}blobs/` }),
    );
    for (const o of blobs.Contents ?? []) {
      const text = await (
        await s3().send(new GetObjectCommand({ Bucket: buckets().snapshotsBucket, Key: o.Key! }))
      ).Body!.transformToString();
      expect(text).not.toContain(password);
      expect(text).not.toContain(awsKey);
    }
    // the snapshot keeps its id and restores, redacted; without the markers its changed content is refused
    clearRestoreCache();
    const restored = await snaps.restore(scope, snapshot!.id);
    expect(restored.get('/infra/staging.md')).toMatch(/\[REDACTED:[a-z-]+\]/);
    expect(restored.get('/infra/staging.md')).not.toContain(password);
    clearRestoreCache();
    await expect(
      new SnapshotStore(s3(), buckets().snapshotsBucket).restore(scope, snapshot!.id),
    ).rejects.toBeInstanceOf(SnapshotCorrupt);
    // the redaction is in the chained log, with the old and new hashes, by whom
    const history = await runCli(['history', agent.id, '--json', '--fleet', fleet], env());
    expect(history.code).toBe(0);
    const rec = (JSON.parse(history.stdout) as { records: AuditRecord[] }).records.find((r) => r.event === 'redacted')!;
    expect(rec.actor).toBe('sec-team');
    expect(rec.data).toMatchObject({ blobs: [{ old: out.blobs[0]!.old, new: out.blobs[0]!.new }] });
    expect(JSON.stringify(rec)).not.toContain(password);
    // run again: nothing left to find
    const again = await runCli(['redact', agent.id, '--secret-file', secrets, '--fleet', fleet], env());
    expect(again.stdout).toMatch(/no secret found/);
  });
});
