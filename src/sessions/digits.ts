/**
 * Digits in every script read as ASCII digits, for the shape and entropy of a value (`Kaveh@۱۴۰۳` is a
 * password as `Kaveh@1403` is). Unicode's decimal digits (`\p{Nd}`) come in runs of ten, 0 to 9 in order (a
 * stability policy of the standard), so a digit's value is its place in its run: no table of scripts.
 */

const decimal = /\p{Nd}/u;
const otherDigits = /(?![0-9])\p{Nd}/u;
const otherDigitsAll = /(?![0-9])\p{Nd}/gu;

/** The value of a decimal digit of any script: its distance from the start of its run of `\p{Nd}`, modulo 10. */
export function digitValue(ch: string): number {
  const code = ch.codePointAt(0)!;
  let start = code;
  while (start > 0 && code - start < 60 && decimal.test(String.fromCodePoint(start - 1))) start--;
  return (code - start) % 10;
}

/**
 * The text with every digit of another script written as an ASCII digit, at the same offsets: a digit of the
 * Basic Multilingual Plane is one UTF-16 unit, as its ASCII digit is; one beyond it (two units) is left as it
 * is, so spans found in the result are spans of the text.
 */
export function asciiDigits(text: string): string {
  if (!otherDigits.test(text)) return text;
  return text.replace(otherDigitsAll, (d) => (d.length === 1 ? String(digitValue(d)) : d));
}
