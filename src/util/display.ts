/**
 * Text from outside (a reviewer's name, a recorded reason, a memory line, an agent id in someone's log) is
 * shown escaped: a carriage return, an ANSI escape, a newline or a bidi override in it could otherwise
 * rewrite what the terminal shows ("approved by bob" painted over "approved by mallory").
 *
 * Pure (no Node built-ins), so every layer can use it.
 */

// C0 controls but tab, DEL, C1 controls, line and paragraph separators, bidi embeddings, overrides and isolates
// eslint-disable-next-line no-control-regex
const unsafe = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
// eslint-disable-next-line no-control-regex
const unsafeOrTab = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeOne(ch: string): string {
  const n = named[ch];
  if (n) return n;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character shown as an escape (`\e`, `\r`, `\n`, `\x07`, `\u202e`), so it prints
 * as one inert line. Tabs are kept (they cannot forge a line) unless `{ tabs: true }`; a backslash is left
 * as it is, so ordinary text reads unchanged.
 */
export function safeText(text: unknown, opts: { tabs?: boolean } = {}): string {
  const s = typeof text === 'string' ? text : text === undefined || text === null ? '' : String(text);
  return s.replace(opts.tabs ? unsafeOrTab : unsafe, escapeOne);
}

/** Whether `text` would be changed by `safeText`. */
export function hasControlCharacters(text: string): boolean {
  unsafeOrTab.lastIndex = 0;
  return unsafeOrTab.test(text);
}

/** A name for a message: escaped, and cut to `max` characters so a megabyte of "name" stays one line. */
export function safeName(text: unknown, max = 80): string {
  const s = safeText(text, { tabs: true });
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
