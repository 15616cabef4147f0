import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../util/canonicalJson.js';

/**
 * Proofs only workers check: an HMAC under the workers' seal key over what an activity found or did (a
 * cycle's opening, a snapshot, a dream, an eval, a promotion), bound to the fleet, the agent and the cycle
 * run it happened in. They travel through the workflow (its history shows them; they hold no secret), and an
 * activity that acts on one checks it against the run that calls it, which Temporal names and no workflow
 * chooses: a proof copied into another run, or made up, does not check.
 */
export interface Binding {
  fleet: string;
  agent: string;
  /** The cycle's run id, as Temporal names the calling workflow run. */
  run: string;
}

export type Sealed<T> = T & { seal?: string };

function mac(key: Buffer, kind: string, binding: Binding, body: unknown): Buffer {
  const { fleet, agent, run } = binding;
  return createHmac('sha256', key)
    .update(canonicalJson({ v: 1, kind, fleet, agent, run, body }))
    .digest();
}

/** `body` with its seal: a proof of `kind` for this run. */
export function seal<T extends object>(key: Buffer, kind: string, binding: Binding, body: T): T & { seal: string } {
  const { seal: _, ...rest } = body as T & { seal?: unknown };
  return { ...(rest as T), seal: mac(key, kind, binding, rest).toString('base64url') };
}

/** The proof's body when its seal is this run's for `kind`; undefined when missing, forged or another run's. */
export function unseal<T extends object>(
  key: Buffer,
  kind: string,
  binding: Binding,
  proof: Sealed<T> | undefined | null,
): T | undefined {
  if (typeof proof !== 'object' || proof === null || typeof proof.seal !== 'string') return undefined;
  const { seal: given, ...body } = proof;
  const want = mac(key, kind, binding, body);
  const got = Buffer.from(given, 'base64url');
  return got.length === want.length && timingSafeEqual(got, want) ? (body as T) : undefined;
}
