import { readFile } from 'node:fs/promises';
import { scopedName } from '../../src/config/scope.js';
import { colours, printJson, progress } from '../output.js';
import { redactSecrets } from '../../src/sessions/screen.js';
import { deleteOldBlobs, planRedaction, redactorWith, writeRedactedBlobs } from '../../src/snapshots/redact.js';
import { safeName } from '../../src/util/display.js';
import { InvalidInput } from '../../src/util/errors.js';
import { assertNoCycleRunning, recordForAgent } from '../cycleClient.js';
import { assertWorker } from '../pollers.js';
import { queueOf } from '../temporal/settings.js';
import { reviewerName, withContext, type CommonOptions } from '../context.js';

/** `--secret-file`: one secret a line (a key known to have leaked), so it never sits in shell history. */
async function literals(file: string | undefined): Promise<string[]> {
  if (!file) return [];
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new InvalidInput(`--secret-file ${file}: cannot read (${err.code ?? err.message})`);
  });
  const out: string[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    // a short "secret" would redact ordinary words everywhere
    if (line.length < 8) throw new InvalidInput(`--secret-file ${file}:${i + 1}: shorter than 8 characters`);
    out.push(line);
  }
  return out;
}

/**
 * `dreamgate redact <agent>`: rewrites the snapshot versions of an agent whose files hold a secret (found
 * by dreamgate's screening, or named in --secret-file), deletes the blobs that held it, and records the old
 * and new hashes in the audit log, so a later restore or check of those snapshots knows why a hash changed.
 */
export async function redactCommand(
  agentId: string,
  opts: CommonOptions & { secretFile?: string; dryRun?: boolean; as?: string; legacy?: boolean },
): Promise<void> {
  await withContext(opts, async (ctx) => {
    const agent = ctx.agent(agentId);
    const scope = { fleet: agent.fleet, id: agent.id };
    // the record goes through the agent's own workflow, which a running cycle holds: refuse now, not half-way
    if (!opts.dryRun) await assertNoCycleRunning(await ctx.client(), ctx.fleet, agent, 'redact');
    // the record goes through the agent's own workflow: a worker must run it, or nothing is rewritten
    if (!opts.dryRun)
      await assertWorker(await ctx.client(), queueOf((await ctx.client()).temporal, ctx.fleet), ctx.fleet.file);
    const redactor = redactorWith(redactSecrets, await literals(opts.secretFile));
    const { plan, contents } = await planRedaction(
      ctx.s3,
      ctx.storage.snapshotsBucket,
      scope,
      { snapshots: await ctx.snapshotStore('snapshot'), candidates: await ctx.snapshotStore('candidate') },
      redactor,
      { legacy: Boolean(opts.legacy), onProgress: progress },
    );
    const c = colours();
    const summary = () => {
      for (const b of plan.blobs)
        process.stdout.write(
          `  ${b.old.slice(0, 12)} → ${b.new.slice(0, 12)}  ${Object.entries(b.found)
            .map(([k, n]) => `${n} ${safeName(k, 40)}`)
            .join(
              ', ',
            )}  ${c.dim(b.paths.map((p) => safeName(p, 200)).join(', ') || '(in no manifest)')}${b.legacy ? c.dim('  (kept before fleet namespaces)') : ''}\n`,
        );
    };
    if (plan.blobs.length === 0) {
      if (opts.json) return printJson({ agent: scopedName(scope), redacted: false, ...plan });
      process.stdout.write(`no secret found in the snapshots of ${scopedName(scope)}\n`);
      return;
    }
    if (opts.dryRun) {
      if (opts.json) return printJson({ agent: scopedName(scope), dryRun: true, ...plan });
      process.stdout.write(
        `${plan.blobs.length} file version(s) of ${scopedName(scope)} hold a secret, in ${plan.snapshots.length} snapshot(s) and ${plan.candidates.length} candidate(s); nothing changed (--dry-run):\n`,
      );
      summary();
      return;
    }

    // new blobs first, then the markers and the record, and only then the old blobs go: a crash at any point
    // leaves every snapshot restorable, and running the command again finishes the job
    await writeRedactedBlobs(ctx.s3, ctx.storage.snapshotsBucket, scope, plan, contents);
    const by = reviewerName(opts.as);
    const record = {
      event: 'redacted' as const,
      actor: by,
      data: {
        files: plan.blobs.length,
        snapshotsChanged: plan.snapshots.length,
        candidatesChanged: plan.candidates.length,
        blobs: plan.blobs.map((b) => ({ old: b.old, new: b.new, paths: b.paths, found: b.found })),
        snapshots: plan.snapshots,
        candidates: plan.candidates,
      },
    };
    // a record outside a cycle, appended by the agent's own workflow: its worker checks that each new blob only
    // takes text away from the old one, signs the markers later restores follow, and signs the record
    const { key } = await recordForAgent(await ctx.client(), ctx.fleet, agent, record, progress);
    const deleted = await deleteOldBlobs(ctx.s3, ctx.storage.snapshotsBucket, scope, plan);
    if (opts.json)
      return printJson({ agent: scopedName(scope), redacted: true, record: key, deletedVersions: deleted, ...plan });
    process.stdout.write(
      `redacted ${plan.blobs.length} file version(s) of ${scopedName(scope)} in ${plan.snapshots.length} snapshot(s) and ${plan.candidates.length} candidate(s); ${deleted} old object version(s) deleted; recorded as ${key}:\n`,
    );
    summary();
  });
}
