/**
 * HTML built as strings, escaped by default: every interpolated value is text unless it is `Raw` (markup this
 * module or diff2html made). Whatever a dream or a session wrote reaches the page only as escaped text.
 */
export class Raw {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => entities[c]!);
}

type Value = string | number | boolean | undefined | null | Raw | Value[];

function piece(v: Value): string {
  if (v === undefined || v === null || v === false) return '';
  if (v instanceof Raw) return v.html;
  if (Array.isArray(v)) return v.map(piece).join('');
  return esc(v);
}

/** A template of markup whose values are escaped (arrays are joined, `false`/`undefined` leave nothing). */
export function html(strings: TemplateStringsArray, ...values: Value[]): Raw {
  let out = strings[0]!;
  values.forEach((v, i) => (out += piece(v) + strings[i + 1]!));
  return new Raw(out);
}

/** Markup made elsewhere and trusted (diff2html's output, sanitized markdown). */
export const raw = (markup: string): Raw => new Raw(markup);
