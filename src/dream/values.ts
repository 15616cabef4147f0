/**
 * Comparing two values of one subject: is the newer one an update (another value) or the same value said
 * again in other words? Decided by structure, not vocabulary: the numbers and identifiers each value holds,
 * and how many of one value's words the other carries.
 */
import type { KeyedFact } from './text.js';

/** A value without its remarks: parenthetical asides ("pnpm 9 (switched today)") say when or why, not what. */
export function coreValue(value: string): string {
  const core = value
    .replace(/\s*[(（][^()（）]{0,120}[)）]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return core === '' ? value : core;
}

// numbers, versions, hosts and ids: a token with a digit, or words joined by . - _ / : (db-2.internal, v1.2)
const distinctive = (v: string) =>
  new Set(
    (v.toLowerCase().match(/[\p{L}\p{N}]+(?:[._\-/:@][\p{L}\p{N}]+)+|[\p{L}]*\d[\p{L}\p{N}]*/gu) ?? []).map((t) =>
      t.replace(/[.]+$/, ''),
    ),
  );
const stems = (v: string) =>
  new Set(
    (v.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
      .filter((w) => w.length > 2 || /\d/.test(w))
      .map((w) => w.slice(0, 4)),
  );

/**
 * Does one value restate or elaborate the other: the same numbers and identifiers, and (almost) every word
 * of the shorter one in the longer ("edge caches responses 5 min" / "responses cached for 5 minutes at the
 * edge"; "human, persona" / "human, persona and the archive of …"). Scripts without spaces compare by text.
 */
export function restates(a: string, b: string): boolean {
  // remarks count here: `成功 (993.51 kB)` and `成功 (1.18 MB)` are two builds
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  if (x === y) return true;
  const dx = distinctive(x);
  const dy = distinctive(y);
  const [fewer, more] = dx.size <= dy.size ? [dx, dy] : [dy, dx];
  // an identifier said in full is the same one (skills/x.md and ~/.tool/skills/x.md)
  const within = (t: string, u: string) => u === t || new RegExp(`(^|[/.@:])${escape(t)}($|[/.@:])`).test(u);
  if ([...fewer].some((t) => ![...more].some((u) => within(t, u)))) return false;
  const sx = stems(x);
  const sy = stems(y);
  const [short, long] = sx.size <= sy.size ? [sx, sy] : [sy, sx];
  if (short.size === 0) return false;
  const shared = [...short].filter((w) => long.has(w)).length;
  return shared / short.size >= 0.75;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Are two values of one kind: both name numbers or identifiers (a version, a host), or neither does. A
 * `firebase: ^11.10.0` under Dependencies and a `firebase: multi-service config` under Configuration say
 * different things of one word; neither updates the other.
 */
export function sameKind(a: string, b: string): boolean {
  return distinctive(coreValue(a)).size > 0 === distinctive(coreValue(b)).size > 0;
}

/**
 * A value not filled in yet, by its shape in any language: no letter or digit (`?`, `—`, `…`), or one short
 * word in capitals (`TBD`, `N/A`). A session that writes a value there fills it in: it is of every kind.
 */
export function isPlaceholder(value: string): boolean {
  const v = coreValue(value).trim();
  return !/[\p{L}\p{N}]/u.test(v) || /^\p{Lu}{2,4}(?:\/\p{Lu}{1,3})?[?!.…]*$/u.test(v);
}

/** A value that is one thing (a number, version, date, name, host or choice), not a sentence. */
export function isAtomic(value: string): boolean {
  const core = coreValue(value);
  return core.length <= 48 && core.split(/\s+/).length <= 4 && !/[.!?;。]\s/.test(core);
}

/** Two values that are atomic and plainly not the same: a newer one replaces the older with confidence. */
export function clearlyDiffer(older: KeyedFact, newer: KeyedFact): boolean {
  return isAtomic(older.value) && isAtomic(newer.value) && !restates(older.value, newer.value);
}

/** A file that records days (a date in its path: `memory/2026-03-06.md`, `notes/2026/03/06.md`): its lines are history. */
export const isJournal = (path: string): boolean =>
  /(?:^|\D)(?:19|20)\d{2}[-_/]?[01]\d[-_/]?[0-3]\d(?:\D|$)/.test(path);

/**
 * A line with its value replaced by another, in the line's own wording and markup: where the value is
 * written, or (for a label whose value carries markup of its own) everything after the label; undefined
 * when neither is found.
 */
export function withValue(line: string, fact: KeyedFact, value: string): string | undefined {
  const at = fact.raw === '' ? -1 : line.lastIndexOf(fact.raw);
  if (at !== -1) return `${line.slice(0, at)}${value}${line.slice(at + fact.raw.length)}`;
  if (fact.form !== 'label') return undefined;
  const label =
    /^(\s*(?:[-*+]\s+|\d{1,9}[.)]\s+)?(?:\*\*|__)?[^:：=]{1,60}?(?:\*\*|__)?\s{0,4}(?::|：|=)(?:\*\*|__)?\s*)\S/u.exec(
      line,
    );
  return label ? `${label[1]}${value}` : undefined;
}
