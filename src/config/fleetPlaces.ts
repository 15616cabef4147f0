import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { expandHome } from '../claudeCode/paths.js';
import type { RawFleet } from './fleetSchema.js';
import { overlapProblems, placeOf, type Named } from './overlap.js';

/**
 * A location as the fleet file gives it, made absolute: a path, and the path of a `claude-code:` or
 * `messages:` location, is relative to the fleet file's folder; `~/` is the home directory.
 */
export function localLocation(p: string, base: string): string {
  const kind = /^(claude-code|messages):(.*)$/.exec(p);
  if (kind) return `${kind[1]}:${resolve(base, expandHome(kind[2]!))}`;
  return p.startsWith('s3://') || p.startsWith('anthropic:') || isAbsolute(p) ? p : resolve(base, expandHome(p));
}

/** What a fleet's stores must stay out of: dreamgate's own buckets and local state. */
export interface Reserved {
  /** The snapshots and audit buckets. */
  buckets?: string[];
  /** Local directories of dreamgate's own (the local stack's state, where the S3 gateway keeps its buckets). */
  dirs?: string[];
}

/**
 * Every store against every other store, every agent's sessions, every suite and evaluator program, the
 * fleet file itself and dreamgate's own buckets: an overlap would let one agent's dream or reviewer rewrite
 * what belongs to another, or to the gate.
 */
export function checkPlaces(raw: RawFleet, file: string, base: string, reserved: Reserved, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const [i, a] of raw.agents.entries()) {
    if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['agents', i, 'id'], message: `"${a.id}" is used twice` });
    seen.add(a.id);
  }
  if (seen.size < raw.agents.length) return;
  const local = (p: string) => localLocation(p, base);
  // a Claude Code project's memory lives under Claude Code's own folder: two agents may not share one project
  const storePlace = (p: string) =>
    p.startsWith('claude-code:') ? { kind: 'managed' as const, id: local(p) } : placeOf(local(p));
  const stores: Named[] = raw.agents.map((a, i) => ({
    at: ['agents', i, 'store'],
    label: `the store of ${a.id}`,
    place: storePlace(a.store),
  }));
  if (raw.teamStore) stores.push({ at: ['teamStore'], label: 'the team store', place: placeOf(local(raw.teamStore)) });
  const others: Named[] = [{ at: [], label: `the fleet file ${file}`, place: placeOf(resolve(file), 'file') }];
  raw.agents.forEach((a, i) => {
    if (!/^(anthropic|claude-code):/.test(a.sessions))
      others.push({
        at: ['agents', i, 'sessions'],
        label: `the sessions of ${a.id}`,
        place: a.sessions.startsWith('messages:')
          ? placeOf(local(a.sessions).slice('messages:'.length))
          : placeOf(resolve(local(a.sessions), a.id)),
      });
    if (a.suite)
      others.push({
        at: ['agents', i, 'suite'],
        label: `the suite of ${a.id}`,
        place: placeOf(local(a.suite), 'file'),
      });
    const program = (a.evaluator ?? raw.defaults.evaluator)?.[0];
    if (program?.includes('/'))
      others.push({
        at: ['agents', i, 'evaluator'],
        label: `the evaluator of ${a.id}`,
        place: placeOf(local(program), 'file'),
      });
  });
  if (raw.teamSuite)
    others.push({ at: ['teamSuite'], label: 'the team suite', place: placeOf(local(raw.teamSuite), 'file') });
  const dirs: Named[] = (reserved.dirs ?? []).map((d) => ({
    at: [],
    label: `dreamgate's own state (${d})`,
    place: placeOf(d),
  }));
  for (const p of overlapProblems(stores, others, { buckets: reserved.buckets ?? [], dirs }))
    ctx.addIssue({ code: 'custom', path: p.at, message: p.message });
}
