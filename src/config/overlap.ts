import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { formatPath } from './yamlFile.js';

/**
 * Where a fleet's stores, sessions and suites are, and which of them may not touch: a dream writes its
 * store, so a store that holds another agent's store, any sessions, a suite, the fleet file or one of
 * dreamgate's own buckets would let one agent's dream (or reviewer) rewrite what it must not.
 */
export type Place =
  | { kind: 'dir'; path: string }
  | { kind: 's3'; bucket: string; prefix: string }
  | { kind: 'managed'; id: string }
  | { kind: 'file'; path: string };

/** A location from the fleet file, made comparable: directories by their real path, S3 prefixes with a "/". */
export function placeOf(location: string, kind: 'dir' | 'file' = 'dir'): Place {
  if (location.startsWith('anthropic:')) return { kind: 'managed', id: location.slice('anthropic:'.length) };
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (m) {
    const prefix = m[2]!;
    return { kind: 's3', bucket: m[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
  }
  return { kind, path: realPath(resolve(location)) };
}

/**
 * The real path of `p`, resolving symbolic links of the part that exists (`./link/new-dir` names what the
 * link points to), so a symlinked path cannot hide an overlap.
 */
export function realPath(p: string): string {
  const missing: string[] = [];
  let at = p;
  for (;;) {
    try {
      return join(realpathSync.native(at), ...missing.reverse());
    } catch {
      const up = dirname(at);
      if (up === at) return p;
      missing.push(basename(at));
      at = up;
    }
  }
}

const inside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

/** How `a` and `b` overlap, in words (`"contains"`, `"lies inside"`, `"is the same as"`), or undefined. */
export function overlap(a: Place, b: Place): 'is the same as' | 'contains' | 'lies inside' | undefined {
  if (a.kind === 's3' && b.kind === 's3') {
    if (a.bucket !== b.bucket) return undefined;
    if (a.prefix === b.prefix) return 'is the same as';
    if (b.prefix.startsWith(a.prefix)) return 'contains';
    if (a.prefix.startsWith(b.prefix)) return 'lies inside';
    return undefined;
  }
  if (a.kind === 'managed' && b.kind === 'managed') return a.id === b.id ? 'is the same as' : undefined;
  if ((a.kind === 'dir' || a.kind === 'file') && (b.kind === 'dir' || b.kind === 'file')) {
    if (a.path === b.path) return 'is the same as';
    if (a.kind === 'dir' && inside(b.path, a.path)) return 'contains';
    if (b.kind === 'dir' && inside(a.path, b.path)) return 'lies inside';
  }
  return undefined;
}

/** A place with the key of the fleet file that names it, for errors (`agents[1].store`). */
export interface Named {
  at: (string | number)[];
  label: string;
  place: Place;
}

export interface OverlapProblem {
  at: (string | number)[];
  message: string;
}

/**
 * Every overlap among a fleet's places: a store against every other store, every sessions directory, every
 * suite and evaluator, the fleet file, and dreamgate's own buckets and state.
 */
export function overlapProblems(
  stores: Named[],
  others: Named[],
  reserved: { buckets: string[]; dirs: Named[] },
): OverlapProblem[] {
  const out: OverlapProblem[] = [];
  stores.forEach((s, i) => {
    if (s.place.kind === 's3' && reserved.buckets.includes(s.place.bucket))
      out.push({
        at: s.at,
        message: `${s.label} is in s3://${s.place.bucket}, one of dreamgate's own buckets (snapshots and audit log); keep memory stores elsewhere`,
      });
    for (const d of reserved.dirs) {
      const how = overlap(s.place, d.place);
      if (how) out.push({ at: s.at, message: `${s.label} ${how} ${d.label}; keep memory stores elsewhere` });
    }
    for (const t of stores.slice(i + 1)) {
      const how = overlap(t.place, s.place);
      if (how)
        out.push({
          at: t.at,
          message: `${t.label} ${how} ${s.label} (${formatPath(s.at)}): a dream or a reviewer of one could rewrite the other; give each store a place of its own`,
        });
    }
    for (const o of others) {
      const how = overlap(s.place, o.place);
      if (how && how !== 'lies inside')
        out.push({
          at: s.at,
          message: `${s.label} ${how} ${o.label} (${formatPath(o.at)}): a dream could rewrite it; keep it outside every store`,
        });
      else if (how && o.place.kind === 'dir')
        out.push({
          at: s.at,
          message: `${s.label} lies inside ${o.label} (${formatPath(o.at)}): a dream could rewrite it; keep them apart`,
        });
    }
  });
  return out;
}
