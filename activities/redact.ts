import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { AgentScope } from '../src/names/scope.js';
import { blobKey } from '../src/names/keys.js';
import { proofKinds } from '../src/cycle/authority.js';
import { seal } from '../src/cycle/seal.js';
import { redactedValues } from '../src/memory/mask.js';
import { sha256 } from '../src/memory/store.js';
import { httpStatus } from '../src/s3/errors.js';
import { activity } from './activity.js';
import type { CycleContext } from './context.js';
import { isSha256, shortId } from '../src/names/ids.js';

/** One blob `dreamgate redact` replaced, as its command reports it. */
export interface RedactedBlob {
  old: string;
  new: string;
  paths: string[];
  found: Record<string, number>;
  legacy?: boolean;
}

export function redactActivities(w: CycleContext) {
  async function blob(scope: AgentScope, hash: string, legacy: boolean): Promise<string | undefined> {
    const key = blobKey(scope, hash, legacy);
    try {
      const out = await w.deps.s3.send(new GetObjectCommand({ Bucket: w.deps.snapshotsBucket, Key: key }));
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      return sha256(bytes) === hash ? new TextDecoder('utf-8', { fatal: true }).decode(bytes) : undefined;
    } catch (err) {
      if (httpStatus(err) === 404 || err instanceof TypeError) return undefined;
      throw err;
    }
  }

  return {
    /**
     * Before a redaction is recorded and its old blobs deleted: each new blob must be its old blob with secrets
     * replaced by `[REDACTED:…]` markers and nothing else (a redaction only takes text away), both still in
     * the snapshots bucket. Then the worker signs a marker for each (what a later restore follows) and seals
     * the list for the `redacted` record. Anything else is refused, and no marker is written.
     */
    verifyRedaction: activity(
      async ({ cycle, blobs }: { cycle: Parameters<CycleContext['authorize']>[0]; blobs: RedactedBlob[] }) => {
        const a = await w.authorize(cycle);
        if (!Array.isArray(blobs) || blobs.length === 0 || blobs.length > 10_000)
          return w.refuse(a.scope, 'a redaction names 1 to 10,000 blobs');
        const checked: RedactedBlob[] = [];
        for (const b of blobs) {
          if (!isSha256(b?.old) || !isSha256(b?.new)) return w.refuse(a.scope, 'a blob is named by its sha256');
          const legacy = b.legacy === true;
          const [before, after] = [await blob(a.scope, b.old, legacy), await blob(a.scope, b.new, legacy)];
          if (before === undefined || after === undefined)
            return w.refuse(a.scope, `blob ${shortId(b.old)} or its redaction is not in the bucket as its hash says`);
          if (!redactedValues(before, after)?.length)
            return w.refuse(a.scope, `blob ${shortId(b.new)} is not ${shortId(b.old)} with secrets redacted`);
          const paths = Array.isArray(b.paths) ? b.paths.map(String).slice(0, 100) : [];
          const found = Object.fromEntries(
            Object.entries(typeof b.found === 'object' && b.found ? b.found : {})
              .filter(([, n]) => Number.isInteger(n))
              .slice(0, 50),
          );
          checked.push({ old: b.old, new: b.new, paths, found, ...(legacy ? { legacy } : {}) });
        }
        const at = new Date().toISOString();
        for (const b of checked)
          await w.redactions.mark(
            a.scope,
            { fleet: a.scope.fleet, agent_id: a.scope.id, old: b.old, new: b.new, at, by: 'worker', record: a.run },
            Boolean(b.legacy),
            w.deps.auditRetentionDays,
            w.key,
          );
        return seal(w.key.seal, proofKinds.redaction, a.binding, { blobs: checked });
      },
    ),
  };
}
