/**
 * Redaction replaces a secret with a marker, `[REDACTED:<kind>]`. Whatever shows a redaction next to the
 * text it came from (a diff's `-` line, a review page) must not show the secret it removed, and whatever
 * accepts a redacted text in place of another (a redaction marker at restore) must know that the new text
 * only removed things. Both questions have one answer here: which values of `before` the markers of
 * `after` stand for. Pure: no Node built-ins.
 */

/** A redaction marker as dreamgate's screening writes it. */
export const redactionMarker = /\[REDACTED:([A-Za-z0-9_.-]{1,64})\]/g;

/** Splits a redacted text into its literal pieces and the kinds of the markers between them. */
function pieces(after: string): { literals: string[]; kinds: string[] } {
  const literals: string[] = [];
  const kinds: string[] = [];
  let last = 0;
  for (const m of after.matchAll(redactionMarker)) {
    literals.push(after.slice(last, m.index));
    kinds.push(m[1]!);
    last = m.index + m[0].length;
  }
  literals.push(after.slice(last));
  return { literals, kinds };
}

/**
 * The values of `before` that the markers of `after` replaced, in order, when `after` is `before` with some
 * non-empty spans replaced by markers and nothing else changed; undefined otherwise (text was added, moved
 * or changed besides the markers). Linear: each literal piece is found in order, the first at the start and
 * the last at the end.
 */
export function redactedValues(before: string, after: string): { value: string; kind: string }[] | undefined {
  const { literals, kinds } = pieces(after);
  if (kinds.length === 0) return before === after ? [] : undefined;
  const first = literals[0]!;
  const last = literals[literals.length - 1]!;
  if (!before.startsWith(first) || !before.endsWith(last) || before.length < first.length + last.length)
    return undefined;
  const out: { value: string; kind: string }[] = [];
  let at = first.length;
  const end = before.length - last.length;
  for (let i = 1; i < literals.length; i++) {
    const lit = literals[i]!;
    // the last literal is anchored at the end; a middle one is the first match after at least one character
    const next = i === literals.length - 1 ? end : before.indexOf(lit, at + 1);
    if (next <= at || next > end || (i < literals.length - 1 && next + lit.length > end)) return undefined;
    out.push({ value: before.slice(at, next), kind: kinds[i - 1]! });
    at = next + lit.length;
  }
  return at === before.length ? out : undefined;
}

/** How a masked value is shown: the kind of secret, never a character of it. */
export const masked = (kind: string) => `[MASKED:${kind}]`;

/** Shorter values are left alone: masking every "ab" in a file would hide more than it protects. */
const minValue = 4;

/**
 * Every value that a marker of `afters` replaced in a line of `befores`, with its kind. A redaction is found
 * line by line: a line of an `after` with markers whose literal pieces match a line of a `before` in order
 * (the dream may move lines, to another place or another file: a redacted line is matched wherever it is).
 */
export function redactionsAcross(befores: readonly string[], afters: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  const marked = afters.filter((a) => a.includes('[REDACTED:'));
  if (marked.length === 0) return values;
  const oldLines = befores.flatMap((b) => b.split('\n')).filter((l) => l.length <= 20_000);
  for (const after of marked) {
    const lines = after.split('\n');
    for (const [k, line] of lines.entries()) {
      if (!line.includes('[REDACTED:')) continue;
      // a line that is nothing but markers would match any line: the lines around it say which text it was
      if (line.replace(redactionMarker, '').trim().length < 3) {
        for (const v of blockValues(befores, lines, k)) values.set(v.value, v.kind);
        continue;
      }
      for (const old of oldLines)
        for (const v of redactedValues(old, line) ?? []) if (v.value.length >= minValue) values.set(v.value, v.kind);
    }
  }
  return values;
}

/**
 * What a marker alone on its line replaced (a key block of several lines, a line of its own): the text of a
 * `before` between the lines that stand before and after it, then each of its lines, so a printer that
 * masks line by line hides it too.
 */
function blockValues(
  befores: readonly string[],
  lines: readonly string[],
  k: number,
): { value: string; kind: string }[] {
  // up to three lines each side, so a fence (```) that opens several blocks anchors only the right one
  const span = [3, 2, 1].find(
    (n) =>
      k - n >= 0 &&
      k + n < lines.length &&
      ![...lines.slice(k - n, k), ...lines.slice(k + 1, k + n + 1)].some((l) => l.includes('[REDACTED:')),
  );
  if (span === undefined) return [];
  const prev = lines.slice(k - span, k).join('\n');
  const next = lines.slice(k + 1, k + span + 1).join('\n');
  if (prev.trim().length < 3 || next.trim().length < 3) return [];
  const out: { value: string; kind: string }[] = [];
  for (const before of befores) {
    let tries = 0;
    for (let at = before.indexOf(`${prev}\n`); at !== -1 && tries < 1000; at = before.indexOf(`${prev}\n`, at + 1)) {
      tries++;
      if (at > 0 && before[at - 1] !== '\n') continue;
      const from = at + prev.length + 1;
      const to = before.indexOf(`\n${next}`, from);
      if (to === -1 || to - from > 20_000) continue;
      const end = to + 1 + next.length;
      if (end < before.length && before[end] !== '\n') continue;
      for (const v of redactedValues(before.slice(from, to), lines[k]!) ?? [])
        if (v.value.length >= minValue)
          out.push(
            v,
            ...v.value.split('\n').flatMap((l) => (l.trim().length >= minValue ? [{ value: l, kind: v.kind }] : [])),
          );
    }
  }
  return out;
}

/** `text` with each of `values` masked wherever it appears (longest first, so a value inside another goes whole). */
export function maskValues(text: string, values: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [value, kind] of [...values].sort((a, b) => b[0].length - a[0].length))
    out = out.split(value).join(masked(kind));
  return out;
}

/**
 * `before` with every value that a redaction in `after` removed masked, wherever it appears in `before`.
 * Every printer of a diff between a store and a change to it shows `before` through this (or, for a whole
 * change set, through `redactionsAcross` of all its files).
 */
export function maskRedacted(before: string, after: string): string {
  return maskValues(before, redactionsAcross([before], [after]));
}
