/**
 * Three-way merge of line edits made against one base, for composing a change set's tiers: each side is the
 * base with some lines taken out and some put in. A line either side takes out goes; lines both sides put in
 * at one point go in once each, in order (the applied tier's first). That is what composing a dream's
 * edits needs (they never fight over a line), not diff3's conflict regions, which ask a person to choose.
 */
import { diffArrays } from 'diff';

interface Edits {
  /** Base line indices this side takes out. */
  removed: Set<number>;
  /** Lines this side puts in before base line i (i = base length: at the end), with their index on this side. */
  inserted: Map<number, { text: string; at: number }[]>;
  /** For each base line this side keeps: its index on this side. */
  kept: Map<number, number>;
}

function editsOf(base: readonly string[], side: readonly string[]): Edits {
  const e: Edits = { removed: new Set(), inserted: new Map(), kept: new Map() };
  let b = 0;
  let s = 0;
  for (const part of diffArrays(base as string[], side as string[])) {
    const n = part.count ?? part.value.length;
    if (part.removed) for (let i = 0; i < n; i++) e.removed.add(b++);
    else if (part.added) {
      const list = e.inserted.get(b) ?? [];
      for (let i = 0; i < n; i++) list.push({ text: part.value[i]!, at: s++ });
      e.inserted.set(b, list);
    } else for (let i = 0; i < n; i++) e.kept.set(b++, s++);
  }
  return e;
}

export interface Merged {
  lines: string[];
  /** Where each line of `ours` and of `theirs` is in the result (-1: taken out by the other side). */
  oursAt: number[];
  theirsAt: number[];
}

/** Merges two edits of `base` (all as arrays of lines). */
export function mergeLines(base: readonly string[], ours: readonly string[], theirs: readonly string[]): Merged {
  const a = editsOf(base, ours);
  const b = editsOf(base, theirs);
  const out: Merged = { lines: [], oursAt: ours.map(() => -1), theirsAt: theirs.map(() => -1) };
  const insertAt = (i: number) => {
    const x = a.inserted.get(i) ?? [];
    const y = b.inserted.get(i) ?? [];
    // the same lines put in by both sides (the applied tier, which both carry) go in once
    let xi = 0;
    let yi = 0;
    for (const part of diffArrays(
      x.map((l) => l.text),
      y.map((l) => l.text),
    )) {
      const n = part.count ?? part.value.length;
      for (let k = 0; k < n; k++) {
        const at = out.lines.length;
        out.lines.push(part.value[k]!);
        if (!part.added) out.oursAt[x[xi++]!.at] = at;
        if (!part.removed) out.theirsAt[y[yi++]!.at] = at;
      }
    }
  };
  for (let i = 0; i < base.length; i++) {
    insertAt(i);
    if (a.removed.has(i) || b.removed.has(i)) continue;
    const at = out.lines.length;
    out.lines.push(base[i]!);
    out.oursAt[a.kept.get(i)!] = at;
    out.theirsAt[b.kept.get(i)!] = at;
  }
  insertAt(base.length);
  return out;
}
