/**
 * Values written in CSS's own syntax (CSS Values and Units 4, CSS Color 4, Custom Properties): colours, lengths
 * and other dimensions, functions (`hsl(…)`, `var(--…)`, `calc(…)`), custom properties' names. A design
 * system's tokens are written so (`--color-primary: #3B82F6`, `| Token | Value |`), and "token" or "key" in
 * their labels names a design token or a key colour, not a credential. The set is closed, CSS's grammar: no
 * name of a variable or a token is read.
 */

/** The units of CSS Values 4 (lengths, angles, times, frequencies, resolutions) and Grid's `fr`. */
const unit =
  '(?:[scdl]?v(?:[whib]|min|max)|r?(?:em|ex|cap|ch|ic|lh)|cq(?:[whib]|min|max)|px|cm|mm|q|in|pt|pc|deg|grad|rad|turn|m?s|k?hz|dp(?:i|cm|px)|x|fr)';
const number = '[+-]?(?:\\d{1,10}(?:\\.\\d{1,10})?|\\.\\d{1,10})(?:e[+-]?\\d{1,3})?';

/** One component value: a hex colour, a number with a unit or `%`, a custom property's name, a string. */
const component = new RegExp(
  `^(?:#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})|${number}(?:${unit}|%)?|--[a-z_][\\w-]{0,80}|"[^"]{0,80}"|'[^']{0,80}')$`,
  'i',
);
/** A component that only CSS writes so: a colour, a dimension, a percentage or a custom property (not a bare number). */
const typed = new RegExp(`^(?:#[0-9a-f]{3,8}|${number}(?:${unit}|%)|--[a-z_][\\w-]{0,80})$`, 'i');
/** A function's name and its parenthesis (`rgb(`, `color-mix(`, `var(`): an identifier right before `(`. */
const functionStart = /^-{0,2}[a-z][a-z0-9-]{0,40}\($/i;
/** A keyword among components (`1px solid`, `0 0 0 / 0.1`, `sans-serif`): letters and `-` only. */
const keyword = /^[a-z][a-z-]{0,40}$/i;

/** Splits a value into CSS component values at spaces, commas and `/`, keeping each function's arguments whole. */
function components(value: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let part = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (--depth < 0) return undefined;
    }
    if (depth === 0 && /[\s,/]/.test(ch)) {
      if (part) out.push(part);
      part = '';
    } else part += ch;
  }
  if (depth !== 0) return undefined;
  if (part) out.push(part);
  return out;
}

/**
 * Is the value CSS: every component a CSS component value (a function's arguments read the same way), at least one
 * a colour, a dimension, a percentage, a custom property or a function, and any keyword beside such a component?
 * `#3B82F6`, `0.5rem`, `hsl(217 91% 60%)`, `var(--color-bg)`, `--color-bg`, `0 10px 15px -3px rgb(0 0 0 / 0.1)`.
 */
export function isStyleValue(value: string): boolean {
  const v = value
    .trim()
    .replace(/;$/, '')
    .replace(/\s!important$/i, '');
  if (v.length === 0 || v.length > 400) return false;
  return styled(v, 0, true);
}

/** Every component CSS; at the top, one of them typed (a function's arguments may be numbers only: `rgb(0 0 0)`). */
function styled(v: string, level: number, typedNeeded: boolean): boolean {
  const parts = components(v);
  if (!parts || parts.length === 0 || level > 4) return false;
  let strong = false;
  for (const p of parts) {
    const open = p.indexOf('(');
    if (open > 0 && p.endsWith(')') && functionStart.test(p.slice(0, open + 1))) {
      const inner = p.slice(open + 1, -1);
      // a function's arguments: empty, or CSS themselves (`var(--x, #fff)`, `calc(100% - 2rem)`, `rgb(0 0 0 / .1)`)
      if (
        inner.trim() !== '' &&
        !styled(inner.replace(/(?<=\s)[-+*](?=\s)/g, ' '), level + 1, false) &&
        !keywordsOnly(inner)
      )
        return false;
      strong = true;
    } else if (typed.test(p)) strong = true;
    else if (!component.test(p) && !keyword.test(p)) return false;
  }
  return strong || !typedNeeded;
}

/** A function's arguments that are keywords only (`var(--x)` is typed; `env(safe-area-inset-top)`, `attr(data-x)`). */
const keywordsOnly = (inner: string) => inner.split(/[\s,]+/).every((w) => w === '' || keyword.test(w));
