import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { formatPath } from '../util/yamlFile.js';

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
 * Places by where they are, so that the places overlapping one are found from its ancestors (a lookup each)
 * and the range of its descendants (a binary search), not by comparing it with every other: a fleet of
 * 10,000 agents loads in a second, not in half an hour.
 */
class PlaceIndex {
  private readonly byKey = new Map<string, number[]>();
  private readonly keys: string[];

  constructor(places: Place[]) {
    places.forEach((p, i) => {
      const k = keyOf(p);
      const list = this.byKey.get(k);
      if (list) list.push(i);
      else this.byKey.set(k, [i]);
    });
    this.keys = [...this.byKey.keys()].sort();
  }

  /** Places that may overlap `p`: the same place, one that holds it, one it holds (`overlap` decides). */
  near(p: Place): number[] {
    const out: number[] = [];
    const add = (k: string) => out.push(...(this.byKey.get(k) ?? []));
    for (const k of [keyOf(p), ...ancestorKeys(p)]) add(k);
    const below = descendantPrefix(p);
    if (below !== undefined)
      for (let i = lowerBound(this.keys, below); i < this.keys.length && this.keys[i]!.startsWith(below); i++)
        add(this.keys[i]!);
    return out;
  }
}

function keyOf(p: Place): string {
  if (p.kind === 's3') return `s\0${p.bucket}\0${p.prefix}`;
  if (p.kind === 'managed') return `m\0${p.id}`;
  return `f\0${p.path}`;
}

/** The keys of every place that could hold `p`: its parent folders, or its S3 prefix's shorter prefixes. */
function ancestorKeys(p: Place): string[] {
  if (p.kind === 'managed') return [];
  if (p.kind === 's3') {
    const parts = p.prefix.split('/').slice(0, -1);
    return parts.map(
      (_, n) =>
        `s\0${p.bucket}\0${parts
          .slice(0, n)
          .map((x) => `${x}/`)
          .join('')}`,
    );
  }
  const out: string[] = [];
  for (let at = dirname(p.path); ; at = dirname(at)) {
    out.push(`f\0${at}`);
    if (dirname(at) === at) return out;
  }
}

/** What the keys of the places `p` holds start with (undefined: it holds none). */
function descendantPrefix(p: Place): string | undefined {
  if (p.kind === 's3') return `s\0${p.bucket}\0${p.prefix}`;
  if (p.kind === 'dir') return `f\0${p.path.endsWith(sep) ? p.path : p.path + sep}`;
  return undefined;
}

function lowerBound(sorted: string[], x: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
  const index = new PlaceIndex([...stores, ...others].map((n) => n.place));
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
    // in the order a pairwise check would give them: later stores, then the others
    const near = [...new Set(index.near(s.place))].sort((a, b) => a - b);
    for (const j of near.filter((j) => j > i && j < stores.length)) {
      const t = stores[j]!;
      const how = overlap(t.place, s.place);
      if (how)
        out.push({
          at: t.at,
          message: `${t.label} ${how} ${s.label} (${formatPath(s.at)}): a dream or a reviewer of one could rewrite the other; give each store a place of its own`,
        });
    }
    for (const j of near.filter((j) => j >= stores.length)) {
      const o = others[j - stores.length]!;
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
